package addons

import (
	"fmt"
	"path"
	"sort"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

const (
	// LabelAddOn names the add-on of an Application.
	LabelAddOn = base.Domain + "/addon"
)

// ProjectName is the AppProject of a cluster's add-ons.
func ProjectName(c *model.Cluster) string { return c.Name + "-addons" }

// AppName is the Application of one add-on of a cluster. The "-addon-"
// infix keeps it apart from "<cluster>-cluster" and "<cluster>-<hub>"
// unless a hub is named "addon-..." (Check reports that).
func AppName(c *model.Cluster, addon string) string { return c.Name + "-addon-" + addon }

// Render returns, per cluster in name order, the add-on AppProject and the
// add-on Applications (Cluster set, Hub ""), for rendered/argocd/<cluster>.yaml.
func Render(f *model.Fleet) ([]*manifest.Object, error) {
	if f == nil {
		return nil, fmt.Errorf("addons: nil fleet")
	}
	if f.GitOps.ArgocdNamespace == "" {
		return nil, fmt.Errorf("addons: fleet gitops.argocdNamespace is empty")
	}
	for _, c := range f.Clusters {
		if c == nil {
			return nil, fmt.Errorf("addons: nil cluster")
		}
	}
	if d := Check(f); len(d) > 0 {
		return nil, fmt.Errorf("addons: %s", d[0].Message)
	}
	clusters := append([]*model.Cluster(nil), f.Clusters...)
	sort.SliceStable(clusters, func(i, j int) bool { return clusters[i].Name < clusters[j].Name })
	var out []*manifest.Object
	for _, c := range clusters {
		if c.ArgoCD.Destination == "" {
			return nil, fmt.Errorf("addons: cluster %s: argocd.destination is empty", c.Name)
		}
		plan, err := PlanFor(f, c)
		if err != nil {
			return nil, fmt.Errorf("addons: cluster %s: %w", c.Name, err)
		}
		src := c.Src.File
		if src == "" {
			src = path.Join("hubs", c.Name, "cluster.yaml")
		}
		bodies := []map[string]any{project(f, c, plan)}
		for _, a := range plan.AddOns {
			bodies = append(bodies, application(f, c, a))
		}
		for _, b := range bodies {
			o, err := manifest.New(src, b)
			if err != nil {
				return nil, fmt.Errorf("addons: cluster %s: %w", c.Name, err)
			}
			o.Cluster = c.Name
			out = append(out, o)
		}
	}
	return out, nil
}

// application installs one add-on's chart.
func application(f *model.Fleet, c *model.Cluster, a AddOn) map[string]any {
	src := map[string]any{
		"repoURL":        a.RepoURL,
		"targetRevision": a.Version,
		"helm": map[string]any{
			"releaseName":  a.ReleaseName,
			"valuesObject": a.Values,
		},
	}
	if a.Chart != "" {
		src["chart"] = a.Chart
	} else {
		// An OCI source holds the chart at its root.
		src["path"] = "."
	}
	return map[string]any{
		"apiVersion": argocd.APIVersion,
		"kind":       "Application",
		"metadata": map[string]any{
			"name":        AppName(c, a.Name),
			"namespace":   f.GitOps.ArgocdNamespace,
			"annotations": map[string]any{annSyncWave: a.Wave},
			"labels":      map[string]any{base.LabelCluster: c.Name, LabelAddOn: a.Name},
		},
		"spec": map[string]any{
			"project":           ProjectName(c),
			"source":            src,
			"destination":       map[string]any{"name": c.ArgoCD.Destination, "namespace": a.Namespace},
			"syncPolicy":        syncPolicy(a),
			"ignoreDifferences": injectedCABundles(),
		},
	}
}

// syncPolicy: automated with prune and self-heal like every hubfleet
// Application, and a longer retry than the hubs': on a new cluster the
// add-ons wait for each other's webhooks to come up. No finalizer on the
// Application: removing a cluster from hubs/ must not uninstall
// cert-manager or the node provisioner under running hubs.
func syncPolicy(a AddOn) map[string]any {
	opts := []any{"FailOnSharedResource=true", "PruneLast=true", "RespectIgnoreDifferences=true"}
	// kube-system exists everywhere and belongs to nobody's Application.
	if a.Namespace != KarpenterNamespace {
		opts = append(opts, "CreateNamespace=true")
	}
	if a.ServerSideApply {
		opts = append(opts, "ServerSideApply=true")
	}
	return map[string]any{
		"automated":   map[string]any{"prune": true, "selfHeal": true},
		"syncOptions": opts,
		"retry": map[string]any{
			"limit": int64(10),
			"backoff": map[string]any{
				"duration": "10s", "factor": int64(2), "maxDuration": "5m",
			},
		},
	}
}

// injectedCABundles ignores the CA bundles that cert-manager's cainjector,
// ESO's cert controller and ingress-nginx's certgen job write into webhook
// configurations and CRDs after install; self-heal would otherwise erase
// them and break the webhooks.
func injectedCABundles() []any {
	return []any{
		map[string]any{
			"group": "admissionregistration.k8s.io", "kind": "ValidatingWebhookConfiguration",
			"jqPathExpressions": []any{".webhooks[]?.clientConfig.caBundle"},
		},
		map[string]any{
			"group": "admissionregistration.k8s.io", "kind": "MutatingWebhookConfiguration",
			"jqPathExpressions": []any{".webhooks[]?.clientConfig.caBundle"},
		},
		map[string]any{
			"group": "apiextensions.k8s.io", "kind": "CustomResourceDefinition",
			"jsonPointers": []any{"/spec/conversion/webhook/clientConfig/caBundle"},
		},
	}
}
