// Package secrets renders the External Secrets Operator objects of a hub:
// Password generators and an ExternalSecret for the tokens generated once in
// the cluster, and an ExternalSecret that fetches OAuth credentials from the
// cluster's secret store. No Secret with data is ever rendered.
package secrets

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// API versions of the ESO objects (the fleet runs ESO v2.x).
const (
	esoAPIVersion       = "external-secrets.io/v1"
	generatorAPIVersion = "generators.external-secrets.io/v1alpha1"
)

// Argo CD sync waves: generators, then ExternalSecrets, then the workloads
// (wave 0) that mount the Secrets they produce.
const (
	syncWaveAnnotation = "argocd.argoproj.io/sync-wave"
	generatorWave      = "-2"
	externalSecretWave = "-1"
)

// oauthRefresh is how often fetched credentials are re-read from the store.
const oauthRefresh = "1h"

// token is one generated value of the tokens Secret.
type token struct {
	key string
	// hex: 32 random characters hex-encoded to 64 (cookie secret, crypt
	// key); otherwise 64 letters and digits (tokens sent in headers).
	hex bool
}

// Render returns the ESO objects of one hub.
func Render(h *model.Hub, f *model.Fleet) ([]*manifest.Object, error) {
	if h == nil || f == nil {
		return nil, fmt.Errorf("secrets: nil hub or fleet")
	}
	if h.Cluster == nil {
		return nil, fmt.Errorf("hub %s: no cluster", h.Name)
	}
	if h.Namespace == "" {
		return nil, fmt.Errorf("hub %s: no namespace", h.ID())
	}
	tokens := []token{
		{key: base.KeyProxyToken},
		{key: base.KeyCookieSecret, hex: true},
		{key: base.KeyCryptKey, hex: true},
	}
	if h.Dask.Enabled {
		tokens = append(tokens, token{key: base.KeyDaskGatewayToken})
	}
	var bodies []map[string]any
	var dataFrom []any
	for _, t := range tokens {
		gen := generatorName(t.key)
		bodies = append(bodies, passwordGenerator(h, gen, t))
		dataFrom = append(dataFrom, map[string]any{
			"sourceRef": map[string]any{"generatorRef": map[string]any{
				"apiVersion": generatorAPIVersion, "kind": "Password", "name": gen,
			}},
			// A Password generator's only key is "password".
			"rewrite": []any{map[string]any{"regexp": map[string]any{"source": "^password$", "target": t.key}}},
		})
	}
	bodies = append(bodies, tokensSecret(h, dataFrom))
	oauth, err := oauthSecret(h)
	if err != nil {
		return nil, fmt.Errorf("hub %s: %w", h.ID(), err)
	}
	bodies = append(bodies, oauth)

	out := make([]*manifest.Object, 0, len(bodies))
	for _, b := range bodies {
		o, err := manifest.New(h.Src.File, b)
		if err != nil {
			return nil, fmt.Errorf("hub %s: %w", h.ID(), err)
		}
		o.Cluster = h.Cluster.Name
		o.Hub = h.Name
		out = append(out, o)
	}
	return out, nil
}

// generatorName names the Password generator of one token key.
func generatorName(key string) string { return base.TokensSecret + "-" + key }

// labels identify the hub and component without any version: a label
// change must never make ESO regenerate a token.
func labels(h *model.Hub, component string) map[string]any {
	return map[string]any{
		"component":                    component,
		"app":                          "jupyterhub",
		"release":                      base.Release(h),
		"app.kubernetes.io/component":  component,
		"app.kubernetes.io/name":       "jupyterhub",
		"app.kubernetes.io/instance":   base.Release(h),
		"app.kubernetes.io/managed-by": base.ManagedBy,
	}
}

func metadata(h *model.Hub, name, component, wave string) map[string]any {
	return map[string]any{
		"name":        name,
		"namespace":   h.Namespace,
		"labels":      labels(h, component),
		"annotations": map[string]any{syncWaveAnnotation: wave},
	}
}

func passwordGenerator(h *model.Hub, name string, t token) map[string]any {
	spec := map[string]any{
		"symbols":     int64(0),
		"noUpper":     false,
		"allowRepeat": true, // without repeats 64 characters cannot hold 16 digits
	}
	if t.hex {
		spec["length"] = int64(32)
		spec["encoding"] = "hex"
	} else {
		spec["length"] = int64(64)
		spec["encoding"] = "raw"
	}
	return map[string]any{
		"apiVersion": generatorAPIVersion,
		"kind":       "Password",
		"metadata":   metadata(h, name, base.TokensSecret, generatorWave),
		"spec":       spec,
	}
}

// tokensSecret is generated once and then left alone: no periodic refresh,
// an immutable target, and a Secret that outlives its ExternalSecret.
func tokensSecret(h *model.Hub, dataFrom []any) map[string]any {
	return map[string]any{
		"apiVersion": esoAPIVersion,
		"kind":       "ExternalSecret",
		"metadata":   metadata(h, base.TokensSecret, base.TokensSecret, externalSecretWave),
		"spec": map[string]any{
			"refreshPolicy": "CreatedOnce",
			"target": map[string]any{
				"name":           base.TokensSecret,
				"immutable":      true,
				"creationPolicy": "Orphan",
				"deletionPolicy": "Retain",
			},
			"dataFrom": dataFrom,
		},
	}
}

// oauthSecret fetches the client secret (or the shared password) from the
// cluster's store. It is separate from the tokens: a refresh here must not
// re-run the generators (external-secrets#2377).
func oauthSecret(h *model.Hub) (map[string]any, error) {
	store := h.Cluster.SecretStore
	if store.Kind == "" || store.Name == "" {
		return nil, fmt.Errorf("cluster %s has no secretStore", h.Cluster.Name)
	}
	key, ref := base.KeyClientSecret, h.Auth.ClientSecret
	if h.Auth.Type == model.AuthSharedPassword {
		key, ref = base.KeySharedPassword, h.Auth.SharedPassword
	}
	if ref == nil || ref.SecretRef.Key == "" {
		return nil, fmt.Errorf("auth: no secretRef for %s", key)
	}
	remote := map[string]any{"key": ref.SecretRef.Key}
	if ref.SecretRef.Property != "" {
		remote["property"] = ref.SecretRef.Property
	}
	return map[string]any{
		"apiVersion": esoAPIVersion,
		"kind":       "ExternalSecret",
		"metadata":   metadata(h, base.OAuthSecret, base.OAuthSecret, externalSecretWave),
		"spec": map[string]any{
			"refreshPolicy":   "Periodic",
			"refreshInterval": oauthRefresh,
			"secretStoreRef":  map[string]any{"kind": store.Kind, "name": store.Name},
			"target": map[string]any{
				"name":           base.OAuthSecret,
				"creationPolicy": "Owner",
				"deletionPolicy": "Retain",
			},
			"data": []any{map[string]any{"secretKey": key, "remoteRef": remote}},
		},
	}, nil
}
