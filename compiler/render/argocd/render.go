// Package argocd renders the Argo CD objects that deploy a fleet (SPEC §4):
// the root app-of-apps, and per cluster one AppProject, one Application for
// the cluster-wide objects and one Application per hub.
//
// Deletion semantics, decided here because they are the dangerous part
// (fleet-operations C6):
//   - Hub Applications carry resources-finalizer.argocd.argoproj.io:
//     removing a hub file removes its Application (the root prunes it) and
//     the finalizer then deletes the hub's workloads, so a decommissioned hub
//     stops costing money. Data survives: the hub's Namespace lives in the
//     cluster Application with Prune=false,Delete=false, users' home PVCs
//     are created at runtime and never tracked, and objects that hold data
//     (hub-db-dir) carry Delete=false, which Argo CD honours on cascade.
//   - The cluster Application has no finalizer: deleting it (a cluster
//     removed from hubs/) orphans node pools and CRDs instead of draining
//     nodes and deleting every DaskCluster and IngressRoute with their CRDs.
//     Tearing a cluster down is a deliberate act, not a side effect of git.
//   - The root Application has no finalizer either, so deleting it never
//     cascades to the whole fleet.
package argocd

import (
	"fmt"
	"path"
	"sort"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

const (
	// APIVersion of Applications and AppProjects.
	APIVersion = "argoproj.io/v1alpha1"

	// RenderedDir is the output directory in the repository (SPEC §1).
	RenderedDir = "rendered"

	// RootName names the root Application and RootProject its project.
	RootName    = "root"
	RootProject = "hubfleet-root"

	// inCluster is the API server Argo CD itself runs on, where the
	// Applications and AppProjects live.
	inCluster = "https://kubernetes.default.svc"

	// ResourcesFinalizer makes deleting an Application delete its objects.
	ResourcesFinalizer = "resources-finalizer.argocd.argoproj.io"

	annSyncWave      = "argocd.argoproj.io/sync-wave"
	annGeneratePaths = "argocd.argoproj.io/manifest-generate-paths"
)

// Sync waves: projects first, then cluster-wide objects (namespaces, CRDs,
// priority classes, node pools), then hubs. Waves between child
// Applications only hold when argocd-cm restores the health check of
// argoproj.io/Application (removed from Argo CD's defaults in 1.8);
// without it the retry policy below still converges.
const (
	waveProject = "-2"
	waveCluster = "-1"
	waveHub     = "0"
)

// ClusterAppName is the Application of a cluster's cluster-wide objects.
func ClusterAppName(c *model.Cluster) string { return c.Name + "-cluster" }

// HubAppName is a hub's Application: "<cluster>-<hub>". It never equals
// a hub's release label (the bare hub name), so label-based tracking
// cannot adopt one hub's objects into another Application.
func HubAppName(h *model.Hub) string { return h.Cluster.Name + "-" + h.Name }

// ClusterFile is rendered/argocd/<cluster>.yaml, relative to the output dir.
func ClusterFile(c *model.Cluster) string { return path.Join("argocd", c.Name+".yaml") }

// Render returns the root AppProject and Application (Cluster "") and,
// for each cluster, its AppProject and Applications (Cluster set). Hub is
// always "". Objects come in a fixed order: root, then clusters by name.
func Render(f *model.Fleet) ([]*manifest.Object, error) {
	if f == nil {
		return nil, fmt.Errorf("argocd: nil fleet")
	}
	if err := checkGitOps(f); err != nil {
		return nil, err
	}
	if err := checkNames(f); err != nil {
		return nil, err
	}
	source := f.Source
	if source == "" {
		source = "hubs/"
	}
	var out []*manifest.Object
	add := func(cluster, src string, body map[string]any) error {
		o, err := manifest.New(src, body)
		if err != nil {
			return fmt.Errorf("argocd: %w", err)
		}
		o.Cluster = cluster
		out = append(out, o)
		return nil
	}
	if err := add("", source, rootProject(f)); err != nil {
		return nil, err
	}
	if err := add("", source, rootApp(f)); err != nil {
		return nil, err
	}
	clusters := append([]*model.Cluster(nil), f.Clusters...)
	sort.SliceStable(clusters, func(i, j int) bool { return clusters[i].Name < clusters[j].Name })
	for _, c := range clusters {
		src := c.Src.File
		if src == "" {
			src = path.Join("hubs", c.Name, "cluster.yaml")
		}
		hubs := append([]*model.Hub(nil), c.Hubs...)
		sort.SliceStable(hubs, func(i, j int) bool { return hubs[i].Name < hubs[j].Name })
		bodies := []map[string]any{project(f, c), clusterApp(f, c)}
		for _, h := range hubs {
			bodies = append(bodies, hubApp(f, c, h))
		}
		for _, b := range bodies {
			if err := add(c.Name, src, b); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

func checkGitOps(f *model.Fleet) error {
	g := f.GitOps
	switch {
	case g.RepoURL == "":
		return fmt.Errorf("argocd: fleet gitops.repoURL is empty")
	case g.TargetRevision == "":
		return fmt.Errorf("argocd: fleet gitops.targetRevision is empty")
	case g.ArgocdNamespace == "":
		return fmt.Errorf("argocd: fleet gitops.argocdNamespace is empty")
	}
	for _, c := range f.Clusters {
		if c.ArgoCD.Destination == "" {
			return fmt.Errorf("argocd: cluster %s: argocd.destination is empty", c.Name)
		}
	}
	return nil
}

func meta(name, namespace string, annotations map[string]any, labels map[string]any) map[string]any {
	m := map[string]any{"name": name, "namespace": namespace}
	if len(annotations) > 0 {
		m["annotations"] = annotations
	}
	if len(labels) > 0 {
		m["labels"] = labels
	}
	return m
}

func source(f *model.Fleet, dir string) map[string]any {
	return map[string]any{
		"repoURL":        f.GitOps.RepoURL,
		"targetRevision": f.GitOps.TargetRevision,
		"path":           dir,
	}
}

// automated is the sync policy of every Application: prune and self-heal.
// allowEmpty stays false, so a broken render that empties a directory
// never prunes everything in it.
func syncPolicy(options ...string) map[string]any {
	opts := make([]any, len(options))
	for i, o := range options {
		opts[i] = o
	}
	return map[string]any{
		"automated":   map[string]any{"prune": true, "selfHeal": true},
		"syncOptions": opts,
		"retry": map[string]any{
			"limit": int64(5),
			"backoff": map[string]any{
				"duration": "10s", "factor": int64(2), "maxDuration": "5m",
			},
		},
	}
}

// rootProject confines the root Application to what it must do: create
// AppProjects and Applications in Argo CD's own namespace from the fleet
// repository. It lives in root.yaml, applied by hand with the root.
func rootProject(f *model.Fleet) map[string]any {
	return map[string]any{
		"apiVersion": APIVersion,
		"kind":       "AppProject",
		"metadata":   meta(RootProject, f.GitOps.ArgocdNamespace, nil, nil),
		"spec": map[string]any{
			"description": "hubfleet: the app of apps (rendered/argocd)",
			"sourceRepos": []any{f.GitOps.RepoURL},
			"destinations": []any{map[string]any{
				"server": inCluster, "namespace": f.GitOps.ArgocdNamespace,
			}},
			// No clusterResourceWhitelist: no cluster-scoped kind at all.
			"namespaceResourceWhitelist": whitelist([]Resource{
				{Group: "argoproj.io", Kind: "AppProject"},
				{Group: "argoproj.io", Kind: "Application"},
			}),
		},
	}
}

// rootApp syncs rendered/argocd except root.yaml itself: the root is the
// one object applied by hand (SPEC §4). Were it to manage itself, a bad
// edit to root.yaml would sync and could cut the fleet off from git with
// nothing left to repair it, and a self-managing root shows perpetual
// drift from the fields kubectl apply adds.
func rootApp(f *model.Fleet) map[string]any {
	src := source(f, path.Join(RenderedDir, "argocd"))
	src["directory"] = map[string]any{"exclude": "root.yaml"}
	return map[string]any{
		"apiVersion": APIVersion,
		"kind":       "Application",
		"metadata": meta(RootName, f.GitOps.ArgocdNamespace,
			map[string]any{annGeneratePaths: "."}, nil),
		"spec": map[string]any{
			"project":     RootProject,
			"source":      src,
			"destination": map[string]any{"server": inCluster, "namespace": f.GitOps.ArgocdNamespace},
			"syncPolicy":  syncPolicy("CreateNamespace=false"),
		},
	}
}

// project is the cluster's AppProject, named after the cluster.
func project(f *model.Fleet, c *model.Cluster) map[string]any {
	p := PermissionsFor(c)
	var dests []any
	for _, ns := range p.Namespaces {
		dests = append(dests, map[string]any{"name": c.ArgoCD.Destination, "namespace": ns})
	}
	spec := map[string]any{
		"description":              "hubfleet: hubs of cluster " + c.Name,
		"sourceRepos":              []any{f.GitOps.RepoURL},
		"destinations":             dests,
		"clusterResourceWhitelist": whitelist(p.ClusterKinds),
	}
	if len(p.NamespacedKinds) > 0 {
		spec["namespaceResourceWhitelist"] = whitelist(p.NamespacedKinds)
	} else {
		// An absent namespaceResourceWhitelist allows every kind; deny
		// them all explicitly instead.
		spec["namespaceResourceBlacklist"] = []any{map[string]any{"group": "*", "kind": "*"}}
	}
	return map[string]any{
		"apiVersion": APIVersion,
		"kind":       "AppProject",
		"metadata": map[string]any{
			"name":      c.Name,
			"namespace": f.GitOps.ArgocdNamespace,
			// Kept until no Application uses the project.
			"finalizers":  []any{ResourcesFinalizer},
			"annotations": map[string]any{annSyncWave: waveProject},
			"labels":      map[string]any{base.LabelCluster: c.Name},
		},
		"spec": spec,
	}
}

// clusterApp deploys rendered/<cluster>/cluster before any hub. It uses
// server-side apply: CRDs exceed the 262 KB last-applied annotation of
// client-side apply (argo-cd#17238).
func clusterApp(f *model.Fleet, c *model.Cluster) map[string]any {
	return map[string]any{
		"apiVersion": APIVersion,
		"kind":       "Application",
		"metadata": meta(ClusterAppName(c), f.GitOps.ArgocdNamespace,
			map[string]any{annSyncWave: waveCluster, annGeneratePaths: "."},
			map[string]any{base.LabelCluster: c.Name}),
		"spec": map[string]any{
			"project": c.Name,
			"source":  source(f, path.Join(RenderedDir, c.Name, "cluster")),
			"destination": map[string]any{
				"name": c.ArgoCD.Destination, "namespace": clusterAppNamespace(c),
			},
			"syncPolicy": syncPolicy("CreateNamespace=false", "ServerSideApply=true",
				"FailOnSharedResource=true", "PruneLast=true"),
		},
	}
}

// hubApp deploys rendered/<cluster>/hubs/<hub> into the hub's namespace,
// which the cluster Application creates (hence CreateNamespace=false).
func hubApp(f *model.Fleet, c *model.Cluster, h *model.Hub) map[string]any {
	m := meta(HubAppName(h), f.GitOps.ArgocdNamespace,
		map[string]any{annSyncWave: waveHub, annGeneratePaths: "."},
		map[string]any{base.LabelCluster: c.Name, base.LabelHub: h.Name})
	m["finalizers"] = []any{ResourcesFinalizer}
	return map[string]any{
		"apiVersion": APIVersion,
		"kind":       "Application",
		"metadata":   m,
		"spec": map[string]any{
			"project":     c.Name,
			"source":      source(f, path.Join(RenderedDir, c.Name, "hubs", h.Name)),
			"destination": map[string]any{"name": c.ArgoCD.Destination, "namespace": h.Namespace},
			"syncPolicy": syncPolicy("CreateNamespace=false", "FailOnSharedResource=true",
				"PruneLast=true"),
		},
	}
}
