package addons

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
)

// Cluster-scoped kinds most charts create.
var (
	rbacKinds = []argocd.Resource{
		{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"},
		{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"},
	}
	validatingWebhook = argocd.Resource{Group: "admissionregistration.k8s.io", Kind: "ValidatingWebhookConfiguration"}
	mutatingWebhook   = argocd.Resource{Group: "admissionregistration.k8s.io", Kind: "MutatingWebhookConfiguration"}
)

// crds allows the CRDs of API groups ending in suffix, and no others.
func crds(suffixes ...string) []argocd.Resource {
	out := make([]argocd.Resource, len(suffixes))
	for i, s := range suffixes {
		out[i] = argocd.Resource{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition", Name: "*." + s}
	}
	return out
}

func kinds(groups ...[]argocd.Resource) []argocd.Resource {
	var out []argocd.Resource
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// ingressNginx serves the hubs' Ingresses (class nginx).
func ingressNginx(c *model.Cluster, version string) AddOn {
	controller := map[string]any{
		// The legacy --ingress-class flag and the IngressClass object
		// both carry the cluster's class name, which hubs' Ingresses use.
		"ingressClass": c.Ingress.ClassName,
		"ingressClassResource": map[string]any{
			"name":    c.Ingress.ClassName,
			"enabled": true,
			"default": false,
		},
		"config": map[string]any{
			// JupyterLab uploads files up to 15 MB in one request; nginx's
			// default body limit is 1 MB.
			"proxy-body-size": "64m",
		},
	}
	if ann := loadBalancerAnnotations(c.Provider); len(ann) > 0 {
		controller["service"] = map[string]any{"annotations": ann}
	}
	return AddOn{
		Name:        IngressNginx,
		Namespace:   IngressNginxNamespace,
		RepoURL:     IngressNginxRepo,
		Chart:       "ingress-nginx",
		Version:     version,
		ReleaseName: "ingress-nginx",
		Values:      map[string]any{"controller": controller},
		Wave:        waveAddOn,
		ClusterKinds: kinds(rbacKinds, []argocd.Resource{
			validatingWebhook,
			{Group: "networking.k8s.io", Kind: "IngressClass", Name: c.Ingress.ClassName},
		}),
	}
}

// loadBalancerAnnotations are the cloud settings ingress-nginx's install
// guide gives for its LoadBalancer Service.
func loadBalancerAnnotations(provider string) map[string]any {
	switch provider {
	case model.ProviderAWS:
		// A Network Load Balancer rather than the legacy Classic ELB.
		return map[string]any{"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}
	case model.ProviderAzure:
		// AKS probes "/" over HTTP by default, where nginx answers 404 and
		// the load balancer marks every node unhealthy.
		return map[string]any{"service.beta.kubernetes.io/azure-load-balancer-health-probe-request-path": "/healthz"}
	}
	return nil
}

// certManager issues the hubs' TLS certificates.
func certManager(c *model.Cluster, version string) (AddOn, error) {
	values := map[string]any{
		"crds": map[string]any{
			"enabled": true,
			// Uninstalling the chart must not delete every Certificate.
			"keep": true,
		},
		// Leader election leases default to kube-system; keeping them in
		// the release namespace keeps the add-on inside its own namespace
		// (and works on GKE Autopilot, where kube-system is locked).
		"global": map[string]any{
			"leaderElection": map[string]any{"namespace": CertManagerNamespace},
		},
	}
	ks := kinds(crds("cert-manager.io"), rbacKinds, []argocd.Resource{validatingWebhook, mutatingWebhook})
	if c.Ingress.ClusterIssuer != "" {
		// cert-manager's extraObjects entries must be strings: the chart
		// passes each through tpl.
		doc, err := yamlString(clusterIssuer(c))
		if err != nil {
			return AddOn{}, fmt.Errorf("ClusterIssuer %s: %w", c.Ingress.ClusterIssuer, err)
		}
		values["extraObjects"] = []any{doc}
		ks = append(ks, argocd.Resource{Group: "cert-manager.io", Kind: "ClusterIssuer", Name: c.Ingress.ClusterIssuer})
	}
	return AddOn{
		Name:            CertManager,
		Namespace:       CertManagerNamespace,
		RepoURL:         CertManagerRepo,
		Chart:           "cert-manager",
		Version:         version,
		ReleaseName:     "cert-manager",
		Values:          values,
		ServerSideApply: true,
		Wave:            waveAddOn,
		ClusterKinds:    ks,
	}, nil
}

// externalSecrets delivers every Secret the hubs use.
func externalSecrets(c *model.Cluster, version string) (AddOn, error) {
	values := map[string]any{"installCRDs": true}
	id, err := esoIdentity(c)
	if err != nil {
		return AddOn{}, err
	}
	values["serviceAccount"] = map[string]any{"annotations": id.annotations}
	if len(id.podLabels) > 0 {
		values["podLabels"] = id.podLabels
	}
	ks := kinds(crds("external-secrets.io"), rbacKinds, []argocd.Resource{validatingWebhook})
	if c.SecretStore.Kind == "ClusterSecretStore" {
		store, err := clusterSecretStore(c)
		if err != nil {
			return AddOn{}, err
		}
		if err := templateSafe(store); err != nil {
			return AddOn{}, fmt.Errorf("ClusterSecretStore %s: %w", c.SecretStore.Name, err)
		}
		// ESO's chart takes objects as maps (and strings).
		values["extraObjects"] = []any{store}
		ks = append(ks, argocd.Resource{Group: "external-secrets.io", Kind: "ClusterSecretStore", Name: c.SecretStore.Name})
	}
	return AddOn{
		Name:            ExternalSecrets,
		Namespace:       ExternalSecretsNamespace,
		RepoURL:         ExternalSecretsRepo,
		Chart:           "external-secrets",
		Version:         version,
		ReleaseName:     "external-secrets",
		Values:          values,
		ServerSideApply: true, // the SecretStore CRDs are ~350 KB as JSON
		Wave:            waveAddOn,
		ClusterKinds:    ks,
	}, nil
}

// karpenter runs the controller that turns the cluster's NodePools and
// EC2NodeClasses into EC2 instances.
func karpenter(c *model.Cluster, version string) (AddOn, error) {
	a := c.AWS
	if a == nil || a.Account == "" || a.ClusterName == "" {
		return AddOn{}, fmt.Errorf("karpenter needs aws.account and aws.clusterName")
	}
	return AddOn{
		Name:        Karpenter,
		Namespace:   KarpenterNamespace,
		RepoURL:     KarpenterRepo,
		Version:     version,
		ReleaseName: "karpenter",
		Values: map[string]any{
			"settings": map[string]any{
				"clusterName": a.ClusterName,
				// Karpenter's getting-started stack names the SQS
				// interruption queue after the cluster.
				"interruptionQueue": a.ClusterName,
			},
			"serviceAccount": map[string]any{"annotations": map[string]any{
				irsaAnnotation: KarpenterRoleARN(c),
			}},
		},
		ServerSideApply: true,
		Wave:            waveAddOn,
		ClusterKinds:    kinds(crds("karpenter.sh", "karpenter.k8s.aws"), rbacKinds),
	}, nil
}

// KarpenterRoleARN is the IAM role of the Karpenter controller (IRSA),
// named as in Karpenter's docs next to the node role
// KarpenterNodeRole-<clusterName>.
func KarpenterRoleARN(c *model.Cluster) string {
	if c.AWS == nil {
		return ""
	}
	return fmt.Sprintf("arn:aws:iam::%s:role/KarpenterControllerRole-%s", c.AWS.Account, c.AWS.ClusterName)
}

// aso runs Azure Service Operator v2 for the cluster's agent pools.
//
// The operator's identity (tenant and client IDs of a managed identity
// federated with its service account) is not in the model, so the chart
// does not create its aso-controller-settings Secret: the bootstrap that
// creates the identity writes that Secret (AZURE_SUBSCRIPTION_ID,
// AZURE_TENANT_ID, AZURE_CLIENT_ID, USE_WORKLOAD_IDENTITY_AUTH=true).
func aso(version string) AddOn {
	return AddOn{
		Name:        ASO,
		Namespace:   ASONamespace,
		RepoURL:     ASORepo,
		Chart:       "azure-service-operator",
		Version:     version,
		ReleaseName: "aso2",
		Values: map[string]any{
			// ASO installs the CRDs matching this pattern itself; agent
			// pools are all hubfleet writes.
			"crdPattern":                "containerservice.azure.com/*",
			"useWorkloadIdentityAuth":   true,
			"createAzureOperatorSecret": false,
		},
		// ASO's chart holds cert-manager Certificates and Issuers.
		Wave:         waveDependent,
		ClusterKinds: kinds(rbacKinds, []argocd.Resource{validatingWebhook, mutatingWebhook}),
	}
}
