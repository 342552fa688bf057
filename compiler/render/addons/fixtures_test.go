package addons

import (
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
)

func pins() model.AddOnVersions {
	return model.AddOnVersions{
		IngressNginx: "4.13.3", CertManager: "v1.20.3", ExternalSecrets: "0.20.4", Karpenter: "1.8.1",
	}
}

// threeClusters is one cluster per provider: AWS with Karpenter and
// nginx, GCP with Config Connector and the GCE ingress class, Azure with
// ASO and nginx. All three name a ClusterSecretStore.
func threeClusters() *model.Fleet {
	aws := &model.Cluster{
		Name: "pangeo-aws", Provider: model.ProviderAWS, NodeProvisioner: model.ProvisionerKarpenter,
		AWS:         &model.AWS{Account: "123456789012", Region: "us-west-2", ClusterName: "pangeo"},
		ArgoCD:      model.ArgoCDTarget{Destination: "pangeo-eks"},
		Ingress:     model.Ingress{ClassName: "nginx", ClusterIssuer: "letsencrypt-prod"},
		SecretStore: model.SecretStore{Kind: "ClusterSecretStore", Name: "aws-secrets-manager"},
		Src:         model.Source{File: "hubs/pangeo-aws/cluster.yaml"},
	}
	aws.Hubs = []*model.Hub{{Name: "staging", Namespace: "staging", Cluster: aws,
		Src: model.Source{File: "hubs/pangeo-aws/staging.yaml"}}}
	gcp := &model.Cluster{
		Name: "pangeo-gcp", Provider: model.ProviderGCP, NodeProvisioner: model.ProvisionerConfigConnector,
		GCP:         &model.GCP{Project: "pangeo-hubs", Location: "us-central1", ClusterName: "pangeo"},
		ArgoCD:      model.ArgoCDTarget{Destination: "pangeo-gke"},
		Ingress:     model.Ingress{ClassName: "gce", ClusterIssuer: "letsencrypt"},
		SecretStore: model.SecretStore{Kind: "ClusterSecretStore", Name: "gcp-secret-manager"},
		Src:         model.Source{File: "hubs/pangeo-gcp/cluster.yaml"},
	}
	azure := &model.Cluster{
		Name: "pangeo-azure", Provider: model.ProviderAzure, NodeProvisioner: model.ProvisionerASO,
		Azure: &model.Azure{SubscriptionID: "00000000-1111-2222-3333-444444444444", ResourceGroup: "rg",
			ClusterName: "pangeo", Location: "westeurope"},
		ArgoCD:      model.ArgoCDTarget{Destination: "pangeo-aks"},
		Ingress:     model.Ingress{ClassName: "nginx", ClusterIssuer: "letsencrypt-prod"},
		SecretStore: model.SecretStore{Kind: "ClusterSecretStore", Name: "azure-key-vault"},
		Src:         model.Source{File: "hubs/pangeo-azure/cluster.yaml"},
	}
	azure.Hubs = []*model.Hub{{Name: "edu", Namespace: "edu", Cluster: azure,
		Src: model.Source{File: "hubs/pangeo-azure/edu.yaml"}}}
	return &model.Fleet{
		Source: "hubs/fleet.yaml",
		GitOps: model.GitOps{RepoURL: "https://github.com/example-org/hubs.git", TargetRevision: "main",
			ArgocdNamespace: "argocd"},
		Versions: model.Versions{JupyterHub: "4.4.0", DaskGateway: "2026.3.0", AddOns: pins()},
		// Deliberately out of name order: Render sorts.
		Clusters: []*model.Cluster{gcp, aws, azure},
	}
}

func mustRender(t *testing.T, f *model.Fleet) []*manifest.Object {
	t.Helper()
	objs, err := Render(f)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

// byName finds a rendered object.
func byName(t *testing.T, objs []*manifest.Object, kind, name string) *manifest.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	t.Fatalf("no %s %s rendered", kind, name)
	return nil
}

// extraObjects returns an Application's helm extraObjects value.
func extraObjects(o *manifest.Object) []any {
	v, _ := o.Get("spec", "source", "helm", "valuesObject", "extraObjects").([]any)
	return v
}

// mustArgo renders the fleet's other Argo CD objects, for comparisons.
func mustArgo(t *testing.T, f *model.Fleet) []*manifest.Object {
	t.Helper()
	objs, err := argocd.Render(f)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func parseYAML(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.UnmarshalStrict([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}
