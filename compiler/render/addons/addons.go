package addons

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
)

// Add-on names: the suffix of each Application, "<cluster>-addon-<name>".
const (
	IngressNginx    = "ingress-nginx"
	CertManager     = "cert-manager"
	ExternalSecrets = "external-secrets"
	Karpenter       = "karpenter"
	ASO             = "aso"
)

// Chart repositories. Karpenter's chart is an OCI artifact, declared as
// an Argo CD native OCI source (v3.1+): the classic form (repoURL without
// scheme plus chart) needs a repository Secret with enableOCI=true, which
// nothing here renders.
const (
	IngressNginxRepo    = "https://kubernetes.github.io/ingress-nginx"
	CertManagerRepo     = "https://charts.jetstack.io"
	ExternalSecretsRepo = "https://charts.external-secrets.io"
	KarpenterRepo       = "oci://public.ecr.aws/karpenter/karpenter"
	ASORepo             = "https://raw.githubusercontent.com/Azure/azure-service-operator/main/v2/charts"
)

// DefaultASOVersion pins the Azure Service Operator chart until the fleet
// schema has versions.addons.aso. It is the release whose
// ManagedClustersAgentPool CRD hubfleet validates agent pools against.
const DefaultASOVersion = "2.16.0"

// Namespaces the add-ons run in: each chart's documented default.
// Karpenter's current docs install it into kube-system; ASO's conversion
// webhooks and docs assume azureserviceoperator-system.
const (
	IngressNginxNamespace    = "ingress-nginx"
	CertManagerNamespace     = "cert-manager"
	ExternalSecretsNamespace = "external-secrets"
	KarpenterNamespace       = "kube-system"
	ASONamespace             = argocd.DefaultASONamespace
)

// Sync waves (see doc.go).
const (
	waveProject   = "-4"
	waveAddOn     = "-3"
	waveDependent = "-2"
	// waveInChart orders objects inside an add-on's sync: after the chart's
	// Deployments and webhooks (wave 0) are healthy.
	waveInChart = "1"
)

// AddOn is one helm chart installed into a cluster by an Application.
type AddOn struct {
	// Name is the add-on's short name (IngressNginx, ...).
	Name      string
	Namespace string
	// RepoURL is the chart repository; Chart is the chart's name in it, or
	// "" for an OCI source whose RepoURL is the chart itself.
	RepoURL string
	Chart   string
	Version string
	// ReleaseName is the helm release name. Argo CD would default it to
	// the Application name, which would prefix every object of the chart
	// with "<cluster>-addon-"; the charts' docs assume their own name.
	ReleaseName string
	// Values is the helm.valuesObject.
	Values map[string]any
	// ServerSideApply is set for charts whose CRDs exceed client-side
	// apply's 262 KB annotation limit (argo-cd#17238).
	ServerSideApply bool
	// Wave is the Application's sync wave.
	Wave string
	// ClusterKinds are the cluster-scoped kinds the chart creates.
	ClusterKinds []argocd.Resource
}

// Omission is an add-on a cluster does not get from hubfleet, and why.
type Omission struct {
	Name   string
	Reason string
}

// Plan is what a cluster gets: the add-ons in install order, and what is
// left to the cluster's bootstrap.
type Plan struct {
	AddOns  []AddOn
	Omitted []Omission
}

// PlanFor decides a cluster's add-ons from its settings and the fleet's
// version pins.
func PlanFor(f *model.Fleet, c *model.Cluster) (Plan, error) {
	var p Plan
	pins := f.Versions.AddOns
	need := func(field, v string) error {
		if v == "" {
			return fmt.Errorf("fleet versions.addons.%s is empty", field)
		}
		return nil
	}

	if c.Ingress.ClassName == "nginx" {
		if err := need("ingressNginx", pins.IngressNginx); err != nil {
			return p, err
		}
		p.AddOns = append(p.AddOns, ingressNginx(c, pins.IngressNginx))
	} else {
		// Any other class is a controller the operator installs and runs;
		// hubfleet only points the hubs' Ingresses at it.
		p.Omitted = append(p.Omitted, Omission{IngressNginx, fmt.Sprintf(
			"ingress.className is %q, not nginx: the cluster's own ingress controller serves it", c.Ingress.ClassName)})
	}

	if err := need("certManager", pins.CertManager); err != nil {
		return p, err
	}
	cm, err := certManager(c, pins.CertManager)
	if err != nil {
		return p, err
	}
	p.AddOns = append(p.AddOns, cm)

	if err := need("externalSecrets", pins.ExternalSecrets); err != nil {
		return p, err
	}
	eso, err := externalSecrets(c, pins.ExternalSecrets)
	if err != nil {
		return p, err
	}
	p.AddOns = append(p.AddOns, eso)
	if c.SecretStore.Kind != "ClusterSecretStore" {
		p.Omitted = append(p.Omitted, Omission{ExternalSecrets + "/ClusterSecretStore", fmt.Sprintf(
			"secretStore.kind is %q: each hub namespace brings its own store", c.SecretStore.Kind)})
	}

	switch {
	case c.Provider == model.ProviderAWS && c.NodeProvisioner == model.ProvisionerKarpenter:
		if err := need("karpenter", pins.Karpenter); err != nil {
			return p, err
		}
		k, err := karpenter(c, pins.Karpenter)
		if err != nil {
			return p, err
		}
		p.AddOns = append(p.AddOns, k)
	case c.Provider == model.ProviderAzure && c.NodeProvisioner == model.ProvisionerASO:
		p.AddOns = append(p.AddOns, aso(DefaultASOVersion))
	case c.Provider == model.ProviderAzure && c.NodeProvisioner == model.ProvisionerKarpenter:
		p.Omitted = append(p.Omitted, Omission{Karpenter,
			"AKS Node Auto Provisioning runs Karpenter as part of AKS: enable it on the cluster " +
				"(networkProfile, nodeProvisioningProfile.mode Auto)"})
	case c.Provider == model.ProviderGCP && c.NodeProvisioner == model.ProvisionerConfigConnector:
		p.Omitted = append(p.Omitted, Omission{"config-connector",
			"Config Connector is a GKE add-on: enable it with the cluster (Workload Identity on, " +
				"addons_config.config_connector_config) and create its ConfigConnector object " +
				"(mode cluster, googleServiceAccount) in the bootstrap"})
	default:
		return p, fmt.Errorf("nodeProvisioner %q is not supported on provider %q", c.NodeProvisioner, c.Provider)
	}
	return p, nil
}
