package argocd

import (
	"fmt"
	"path"
	"slices"
	"sort"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Resource is one entry of an AppProject resource whitelist. Name, when
// set, is a filepath.Match glob on the object name (a field of the v3.5
// AppProject CRD; an older CRD drops it, which widens the entry to every
// name of the kind rather than failing).
type Resource struct {
	Group string
	Kind  string
	Name  string
}

// Permissions is what a cluster's AppProject allows: the namespaces its
// Applications deploy to and the kinds they may create, update or prune.
type Permissions struct {
	Namespaces   []string
	ClusterKinds []Resource
	// NamespacedKinds never contains Secret: no Secret is ever in git.
	NamespacedKinds []Resource
}

// Default namespaces of the infrastructure controllers whose objects the
// cluster Application writes (SPEC §2.2; model.GCP/Azure.Namespace).
const (
	DefaultKCCNamespace = "config-connector"
	DefaultASONamespace = "azureserviceoperator-system"
	// noInfraNamespace is the cluster Application's destination namespace
	// on clusters whose cluster-wide objects are all cluster-scoped
	// (Karpenter). Argo CD needs a permitted destination namespace even
	// then; "default" exists everywhere and holds nothing privileged.
	noInfraNamespace = "default"
)

// InfraNamespace is where a cluster's namespaced node-pool objects live
// (Config Connector or ASO), or "" when it has none.
func InfraNamespace(c *model.Cluster) string {
	switch c.NodeProvisioner {
	case model.ProvisionerConfigConnector:
		if c.GCP != nil && c.GCP.Namespace != "" {
			return c.GCP.Namespace
		}
		return DefaultKCCNamespace
	case model.ProvisionerASO:
		if c.Azure != nil && c.Azure.Namespace != "" {
			return c.Azure.Namespace
		}
		return DefaultASONamespace
	}
	return ""
}

// clusterAppNamespace is the destination namespace of <cluster>-cluster.
func clusterAppNamespace(c *model.Cluster) string {
	if ns := InfraNamespace(c); ns != "" {
		return ns
	}
	return noInfraNamespace
}

// PermissionsFor derives a cluster's least-privilege AppProject content
// from its hubs' features and its node provisioner. The lists are sorted.
func PermissionsFor(c *model.Cluster) Permissions {
	var p Permissions
	nsSet := map[string]bool{clusterAppNamespace(c): true}
	var dask, nfs bool
	for _, h := range c.Hubs {
		nsSet[h.Namespace] = true
		dask = dask || h.Dask.Enabled
		nfs = nfs || h.Storage.Home.Type == model.HomeNFS
	}
	for ns := range nsSet {
		p.Namespaces = append(p.Namespaces, ns)
	}
	sort.Strings(p.Namespaces)

	if len(c.Hubs) > 0 {
		// Namespaces and PriorityClasses are named per hub: allow exactly
		// those names, so no Application can create or prune another.
		for _, h := range c.Hubs {
			p.ClusterKinds = append(p.ClusterKinds,
				Resource{"", "Namespace", h.Namespace},
				Resource{"scheduling.k8s.io", "PriorityClass", base.DefaultPriorityClass(h)},
				Resource{"scheduling.k8s.io", "PriorityClass", base.PlaceholderPriorityClass(h)},
			)
		}
		p.ClusterKinds = append(p.ClusterKinds,
			Resource{Group: "rbac.authorization.k8s.io", Kind: "ClusterRole"},
			Resource{Group: "rbac.authorization.k8s.io", Kind: "ClusterRoleBinding"},
		)
		p.NamespacedKinds = append(p.NamespacedKinds,
			Resource{Kind: "ConfigMap"},
			Resource{Kind: "PersistentVolumeClaim"},
			Resource{Kind: "Service"},
			Resource{Kind: "ServiceAccount"},
			Resource{Group: "apps", Kind: "DaemonSet"},
			Resource{Group: "apps", Kind: "Deployment"},
			Resource{Group: "apps", Kind: "StatefulSet"},
			Resource{Group: "external-secrets.io", Kind: "ExternalSecret"},
			Resource{Group: "generators.external-secrets.io", Kind: "Password"},
			Resource{Group: "networking.k8s.io", Kind: "Ingress"},
			Resource{Group: "networking.k8s.io", Kind: "NetworkPolicy"},
			Resource{Group: "policy", Kind: "PodDisruptionBudget"},
			Resource{Group: "rbac.authorization.k8s.io", Kind: "Role"},
			Resource{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"},
		)
	}
	if nfs {
		p.ClusterKinds = append(p.ClusterKinds, Resource{Kind: "PersistentVolume"})
	}
	if dask {
		// The DaskCluster and Traefik CRDs, and nothing else.
		p.ClusterKinds = append(p.ClusterKinds,
			Resource{"apiextensions.k8s.io", "CustomResourceDefinition", "*.gateway.dask.org"},
			Resource{"apiextensions.k8s.io", "CustomResourceDefinition", "*.traefik.io"},
		)
		p.NamespacedKinds = append(p.NamespacedKinds,
			Resource{Group: "traefik.io", Kind: "IngressRoute"},
			Resource{Group: "traefik.io", Kind: "Middleware"},
		)
	}
	switch c.NodeProvisioner {
	case model.ProvisionerKarpenter:
		p.ClusterKinds = append(p.ClusterKinds, Resource{Group: "karpenter.sh", Kind: "NodePool"})
		switch c.Provider {
		case model.ProviderAWS:
			p.ClusterKinds = append(p.ClusterKinds, Resource{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass"})
		case model.ProviderAzure:
			p.ClusterKinds = append(p.ClusterKinds, Resource{Group: "karpenter.azure.com", Kind: "AKSNodeClass"})
		}
	case model.ProvisionerConfigConnector:
		p.NamespacedKinds = append(p.NamespacedKinds, Resource{Group: "container.cnrm.cloud.google.com", Kind: "ContainerNodePool"})
	case model.ProvisionerASO:
		p.NamespacedKinds = append(p.NamespacedKinds, Resource{Group: "containerservice.azure.com", Kind: "ManagedClustersAgentPool"})
	}
	sortResources(p.ClusterKinds)
	sortResources(p.NamespacedKinds)
	return p
}

func sortResources(rs []Resource) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
}

// Permit reports why the project would refuse to sync o, or nil. Objects
// without a namespace are taken as cluster-scoped (renderers always set
// the namespace of namespaced objects). The build can run this over every
// rendered object of a cluster to catch a renderer that starts emitting a
// kind the project does not allow.
func (p Permissions) Permit(o *manifest.Object) error {
	if ns := o.Namespace(); ns != "" {
		if !slices.Contains(p.Namespaces, ns) {
			return fmt.Errorf("%s: namespace %s is not a destination of the project", o, ns)
		}
		if !allows(p.NamespacedKinds, o) {
			return fmt.Errorf("%s: kind %s is not in the project's namespaceResourceWhitelist", o, groupKind(o))
		}
		return nil
	}
	if !allows(p.ClusterKinds, o) {
		return fmt.Errorf("%s: cluster-scoped %s is not in the project's clusterResourceWhitelist", o, groupKind(o))
	}
	return nil
}

func allows(rs []Resource, o *manifest.Object) bool {
	for _, r := range rs {
		if r.Group != o.Group() || r.Kind != o.Kind() {
			continue
		}
		if r.Name == "" {
			return true
		}
		if ok, _ := path.Match(r.Name, o.Name()); ok {
			return true
		}
	}
	return false
}

func groupKind(o *manifest.Object) string {
	if g := o.Group(); g != "" {
		return o.Kind() + "." + g
	}
	return o.Kind()
}

// whitelist renders resources as AppProject whitelist entries. group is
// required by the CRD, so the core group is written as "".
func whitelist(rs []Resource) []any {
	out := make([]any, 0, len(rs))
	for _, r := range rs {
		e := map[string]any{"group": r.Group, "kind": r.Kind}
		if r.Name != "" {
			e["name"] = r.Name
		}
		out = append(out, e)
	}
	return out
}
