package daskgateway

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// traefikAPIVersion is the group/version of the Traefik CRDs installed by
// CRDs().
const traefikAPIVersion = "traefik.io/v1alpha1"

// traefikObjects are the IngressRoute to the api and the two Middlewares.
// Each carries the gateway.dask.org/instance label: traefik only reads
// objects that match its label selector.
func (r *renderer) traefikObjects() []map[string]any {
	route := r.traefikObject("IngressRoute", apiName(r.h), map[string]any{
		"entryPoints": []any{webEntrypoint},
		"routes": []any{map[string]any{
			"kind":  "Rule",
			"match": fmt.Sprintf("PathPrefix(`%s`)", Prefix),
			"services": []any{map[string]any{
				"name": apiName(r.h),
				"port": int64(base.DaskAPIPort),
			}},
			"middlewares": []any{map[string]any{"name": APIMiddleware(r.h)}},
		}},
	})
	clusters := r.traefikObject("Middleware", ClustersMiddleware(r.h), map[string]any{
		"stripPrefixRegex": map[string]any{
			"regex": []any{Prefix + "/clusters/[a-zA-Z0-9.-]+"},
		},
	})
	api := r.traefikObject("Middleware", APIMiddleware(r.h), map[string]any{
		"stripPrefix": map[string]any{"prefixes": []any{Prefix}},
	})
	return []map[string]any{route, clusters, api}
}

func (r *renderer) traefikObject(kind, name string, spec map[string]any) map[string]any {
	labels := map[string]any{}
	for k, v := range r.labels(componentAPI) {
		labels[k] = v
	}
	return map[string]any{
		"apiVersion": traefikAPIVersion,
		"kind":       kind,
		"metadata": map[string]any{
			"name":      name,
			"namespace": r.ns,
			"labels":    labels,
		},
		"spec": spec,
	}
}
