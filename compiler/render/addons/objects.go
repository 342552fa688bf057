package addons

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/model"
)

const (
	irsaAnnotation    = "eks.amazonaws.com/role-arn"
	gkeWIAnnotation   = "iam.gke.io/gcp-service-account"
	azureWIAnnotation = "azure.workload.identity/client-id"
	azureWILabel      = "azure.workload.identity/use"

	annSyncWave = "argocd.argoproj.io/sync-wave"

	letsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory"
)

// clusterIssuer is the cert-manager ClusterIssuer the hubs' Ingresses
// name: Let's Encrypt production, answering HTTP-01 challenges through the
// cluster's ingress class. No e-mail address (see doc.go).
func clusterIssuer(c *model.Cluster) map[string]any {
	return map[string]any{
		"apiVersion": "cert-manager.io/v1",
		"kind":       "ClusterIssuer",
		"metadata": map[string]any{
			"name":        c.Ingress.ClusterIssuer,
			"annotations": map[string]any{annSyncWave: waveInChart},
		},
		"spec": map[string]any{
			"acme": map[string]any{
				"server": letsEncryptProduction,
				// cert-manager creates this Secret (the ACME account key)
				// in its own namespace; it is never in git.
				"privateKeySecretRef": map[string]any{"name": c.Ingress.ClusterIssuer + "-account-key"},
				"solvers": []any{map[string]any{
					"http01": map[string]any{
						"ingress": map[string]any{"ingressClassName": c.Ingress.ClassName},
					},
				}},
			},
		},
	}
}

// clusterSecretStore is the store the hubs' ExternalSecrets read OAuth
// secrets from. No auth block: ESO then uses its controller's own cloud
// identity (IRSA, GKE or Azure workload identity; see esoIdentity).
func clusterSecretStore(c *model.Cluster) (map[string]any, error) {
	var provider map[string]any
	switch c.Provider {
	case model.ProviderAWS:
		if c.AWS == nil || c.AWS.Region == "" {
			return nil, fmt.Errorf("ClusterSecretStore %s needs aws.region", c.SecretStore.Name)
		}
		provider = map[string]any{"aws": map[string]any{
			"service": "SecretsManager",
			"region":  c.AWS.Region,
		}}
	case model.ProviderGCP:
		if c.GCP == nil || c.GCP.Project == "" {
			return nil, fmt.Errorf("ClusterSecretStore %s needs gcp.project", c.SecretStore.Name)
		}
		provider = map[string]any{"gcpsm": map[string]any{"projectID": c.GCP.Project}}
	case model.ProviderAzure:
		provider = map[string]any{"azurekv": map[string]any{
			"vaultUrl": KeyVaultURL(c),
			"authType": "WorkloadIdentity",
		}}
	default:
		return nil, fmt.Errorf("no secret manager for provider %q", c.Provider)
	}
	return map[string]any{
		"apiVersion": "external-secrets.io/v1",
		"kind":       "ClusterSecretStore",
		"metadata": map[string]any{
			"name":        c.SecretStore.Name,
			"annotations": map[string]any{annSyncWave: waveInChart},
		},
		"spec": map[string]any{"provider": provider},
	}, nil
}

// KeyVaultURL is the Azure Key Vault a cluster's ClusterSecretStore reads:
// one vault per cluster, named <cluster>-kv.
func KeyVaultURL(c *model.Cluster) string {
	return "https://" + c.Name + "-kv.vault.azure.net"
}

// identity binds a controller's ServiceAccount to a cloud identity.
type identity struct {
	annotations map[string]any
	podLabels   map[string]any
}

// esoIdentity is the External Secrets controller's cloud identity, named
// after the cluster like the hubs' identities (<cluster>-<hub>).
func esoIdentity(c *model.Cluster) (identity, error) {
	switch c.Provider {
	case model.ProviderAWS:
		if c.AWS == nil || c.AWS.Account == "" {
			return identity{}, fmt.Errorf("external-secrets needs aws.account")
		}
		return identity{annotations: map[string]any{
			irsaAnnotation: fmt.Sprintf("arn:aws:iam::%s:role/%s-external-secrets", c.AWS.Account, c.Name),
		}}, nil
	case model.ProviderGCP:
		if c.GCP == nil || c.GCP.Project == "" {
			return identity{}, fmt.Errorf("external-secrets needs gcp.project")
		}
		return identity{annotations: map[string]any{
			gkeWIAnnotation: fmt.Sprintf("%s-eso@%s.iam.gserviceaccount.com", c.Name, c.GCP.Project),
		}}, nil
	case model.ProviderAzure:
		// Azure wants the managed identity's client ID, a GUID the model
		// does not carry; the identity's name stands in for it, as for
		// the hubs' identities, until the model does.
		return identity{
			annotations: map[string]any{azureWIAnnotation: c.Name + "-external-secrets"},
			podLabels:   map[string]any{azureWILabel: "true"},
		}, nil
	}
	return identity{}, fmt.Errorf("no workload identity for provider %q", c.Provider)
}

// yamlString renders an object for a chart that takes extraObjects as
// template strings. sigs.k8s.io/yaml sorts keys, so the string is stable.
func yamlString(obj map[string]any) (string, error) {
	if err := templateSafe(obj); err != nil {
		return "", err
	}
	b, err := yaml.Marshal(obj)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// templateSafe refuses values that helm's tpl would execute: both charts
// run extraObjects through it.
func templateSafe(v any) error {
	switch t := v.(type) {
	case string:
		if strings.Contains(t, "{{") {
			return fmt.Errorf("value %q would be read as a helm template", t)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if err := templateSafe(k); err != nil {
				return err
			}
			if err := templateSafe(t[k]); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range t {
			if err := templateSafe(e); err != nil {
				return err
			}
		}
	}
	return nil
}
