package addons

import (
	"sort"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// anyNamespacedKind allows every namespaced kind. Charts carry Deployments,
// Secrets, Jobs, Services, PDBs, cert-manager Certificates and more, and
// change them between versions; the project confines them by namespace
// (the add-ons' own, listed in destinations) instead of by kind.
var anyNamespacedKind = argocd.Resource{Group: "*", Kind: "*"}

// PermissionsFor is what a cluster's add-on AppProject allows: the
// add-ons' namespaces, the cluster-scoped kinds their charts create
// (CRDs only of their own API groups, Namespaces only of their own names)
// and any namespaced kind within those namespaces. Lists are sorted.
func PermissionsFor(p Plan) argocd.Permissions {
	var perms argocd.Permissions
	nsSet := map[string]bool{}
	var cluster []argocd.Resource
	for _, a := range p.AddOns {
		nsSet[a.Namespace] = true
		cluster = append(cluster, a.ClusterKinds...)
		if a.Namespace != KarpenterNamespace {
			// CreateNamespace=true.
			cluster = append(cluster, argocd.Resource{Kind: "Namespace", Name: a.Namespace})
		}
	}
	for ns := range nsSet {
		perms.Namespaces = append(perms.Namespaces, ns)
	}
	sort.Strings(perms.Namespaces)
	perms.ClusterKinds = sortedUnique(cluster)
	perms.NamespacedKinds = []argocd.Resource{anyNamespacedKind}
	return perms
}

// sourceRepos are exactly the chart repositories of the plan.
func sourceRepos(p Plan) []any {
	set := map[string]bool{}
	for _, a := range p.AddOns {
		set[a.RepoURL] = true
	}
	repos := make([]string, 0, len(set))
	for r := range set {
		repos = append(repos, r)
	}
	sort.Strings(repos)
	out := make([]any, len(repos))
	for i, r := range repos {
		out[i] = r
	}
	return out
}

// project is the AppProject "<cluster>-addons". Cluster bootstrap needs
// rights no hub project has (CRDs, webhooks, cluster RBAC), so the add-ons
// get a project of their own, kept apart from the hubs' and the
// cluster-wide objects'.
func project(f *model.Fleet, c *model.Cluster, p Plan) map[string]any {
	perms := PermissionsFor(p)
	dests := make([]any, 0, len(perms.Namespaces))
	for _, ns := range perms.Namespaces {
		dests = append(dests, map[string]any{"name": c.ArgoCD.Destination, "namespace": ns})
	}
	return map[string]any{
		"apiVersion": argocd.APIVersion,
		"kind":       "AppProject",
		"metadata": map[string]any{
			"name":      ProjectName(c),
			"namespace": f.GitOps.ArgocdNamespace,
			// Kept until no Application uses the project.
			"finalizers":  []any{argocd.ResourcesFinalizer},
			"annotations": map[string]any{annSyncWave: waveProject},
			"labels":      map[string]any{base.LabelCluster: c.Name},
		},
		"spec": map[string]any{
			"description":                "hubfleet: add-ons of cluster " + c.Name + " (cluster bootstrap)",
			"sourceRepos":                sourceRepos(p),
			"destinations":               dests,
			"clusterResourceWhitelist":   whitelist(perms.ClusterKinds),
			"namespaceResourceWhitelist": whitelist(perms.NamespacedKinds),
		},
	}
}

func sortedUnique(rs []argocd.Resource) []argocd.Resource {
	seen := map[argocd.Resource]bool{}
	var out []argocd.Resource
	for _, r := range rs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.Name < b.Name
	})
	return out
}

// whitelist writes resources as AppProject entries; the CRD requires
// group, so the core group is "".
func whitelist(rs []argocd.Resource) []any {
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
