package argocd

import (
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// kinds lists a whitelist as "group/kind[/name]" entries.
func kinds(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		m := e.(map[string]any)
		s := m["group"].(string) + "/" + m["kind"].(string)
		if n, ok := m["name"].(string); ok {
			s += "/" + n
		}
		out = append(out, s)
	}
	return out
}

func destinations(p *manifest.Object) (names, namespaces []string) {
	for _, e := range p.Get("spec", "destinations").([]any) {
		m := e.(map[string]any)
		names = append(names, m["name"].(string))
		namespaces = append(namespaces, m["namespace"].(string))
	}
	return names, namespaces
}

func TestProjectLeastPrivilege(t *testing.T) {
	objs := append(mustRender(t, testFleet()), mustRender(t, azureFleet())...)
	for _, tc := range []struct {
		cluster, destination string
		namespaces           []string
		clusterHas           []string
		clusterLacks         []string
		namespacedHas        []string
		namespacedLacks      []string
	}{
		{
			cluster: "pangeo-aws", destination: "pangeo-aws-eks",
			namespaces:      []string{"default", "prod-hub", "staging"},
			clusterHas:      []string{"/Namespace/prod-hub", "/Namespace/staging", "/PersistentVolume", "karpenter.sh/NodePool", "karpenter.k8s.aws/EC2NodeClass", "apiextensions.k8s.io/CustomResourceDefinition/*.traefik.io"},
			clusterLacks:    []string{"/Namespace", "karpenter.azure.com/AKSNodeClass"},
			namespacedHas:   []string{"apps/Deployment", "traefik.io/IngressRoute", "external-secrets.io/ExternalSecret"},
			namespacedLacks: []string{"/Secret", "container.cnrm.cloud.google.com/ContainerNodePool"},
		},
		{
			// No dask, no NFS: no CRDs, no PersistentVolumes, no traefik.
			cluster: "pangeo-gcp", destination: "pangeo-gke",
			namespaces:      []string{"config-connector", "workshop"},
			clusterHas:      []string{"/Namespace/workshop"},
			clusterLacks:    []string{"/PersistentVolume", "apiextensions.k8s.io/CustomResourceDefinition/*.traefik.io", "karpenter.sh/NodePool"},
			namespacedHas:   []string{"container.cnrm.cloud.google.com/ContainerNodePool"},
			namespacedLacks: []string{"/Secret", "traefik.io/IngressRoute"},
		},
		{
			cluster: "az-aso", destination: "aks-1",
			namespaces:      []string{"aso", "edu"},
			clusterHas:      []string{"apiextensions.k8s.io/CustomResourceDefinition/*.gateway.dask.org"},
			clusterLacks:    []string{"karpenter.sh/NodePool"},
			namespacedHas:   []string{"containerservice.azure.com/ManagedClustersAgentPool", "traefik.io/Middleware"},
			namespacedLacks: []string{"/Secret"},
		},
		{
			// A cluster without hubs: node pools only.
			cluster: "az-nap", destination: "aks-2",
			namespaces:   []string{"default"},
			clusterHas:   []string{"karpenter.sh/NodePool", "karpenter.azure.com/AKSNodeClass"},
			clusterLacks: []string{"rbac.authorization.k8s.io/ClusterRole", "karpenter.k8s.aws/EC2NodeClass"},
		},
	} {
		t.Run(tc.cluster, func(t *testing.T) {
			p := byName(t, objs, "AppProject", tc.cluster)
			if p.Cluster != tc.cluster {
				t.Errorf("Cluster = %q", p.Cluster)
			}
			names, namespaces := destinations(p)
			if diff := cmp.Diff(tc.namespaces, namespaces); diff != "" {
				t.Errorf("destination namespaces (-want +got):\n%s", diff)
			}
			for _, n := range names {
				if n != tc.destination {
					t.Errorf("destination name %q, want %q", n, tc.destination)
				}
			}
			if repos := strings_(p.Get("spec", "sourceRepos")); len(repos) != 1 || strings.Contains(repos[0], "*") {
				t.Errorf("sourceRepos = %v, want only the fleet repository", repos)
			}
			ck := kinds(p.Get("spec", "clusterResourceWhitelist"))
			nk := kinds(p.Get("spec", "namespaceResourceWhitelist"))
			for _, k := range append(ck, nk...) {
				if strings.Contains(k, "*/") || strings.HasSuffix(k, "/*") {
					t.Errorf("wildcard kind %s", k)
				}
			}
			for _, k := range tc.clusterHas {
				if !contains(ck, k) {
					t.Errorf("clusterResourceWhitelist lacks %s: %v", k, ck)
				}
			}
			for _, k := range tc.clusterLacks {
				if contains(ck, k) {
					t.Errorf("clusterResourceWhitelist has %s", k)
				}
			}
			for _, k := range tc.namespacedHas {
				if !contains(nk, k) {
					t.Errorf("namespaceResourceWhitelist lacks %s: %v", k, nk)
				}
			}
			for _, k := range tc.namespacedLacks {
				if contains(nk, k) {
					t.Errorf("namespaceResourceWhitelist has %s", k)
				}
			}
			if len(nk) == 0 {
				// An absent whitelist would allow everything.
				if got := kinds(p.Get("spec", "namespaceResourceBlacklist")); !cmp.Equal(got, []string{"*/*"}) {
					t.Errorf("no namespaced kinds but blacklist = %v", got)
				}
			}
			if !sort.StringsAreSorted(namespaces) {
				t.Error("destinations not sorted")
			}
		})
	}
}

func obj(APIVersion, kind, namespace, name string) *manifest.Object {
	md := map[string]any{"name": name}
	if namespace != "" {
		md["namespace"] = namespace
	}
	return &manifest.Object{Body: map[string]any{"apiVersion": APIVersion, "kind": kind, "metadata": md}}
}

func TestPermit(t *testing.T) {
	f := testFleet()
	aws := PermissionsFor(f.Cluster("pangeo-aws"))
	gcp := PermissionsFor(f.Cluster("pangeo-gcp"))
	for _, tc := range []struct {
		p    Permissions
		o    *manifest.Object
		want string // "" = permitted; else a fragment of the error
	}{
		{aws, obj("apps/v1", "Deployment", "staging", "hub"), ""},
		{aws, obj("external-secrets.io/v1", "ExternalSecret", "prod-hub", "hub-tokens"), ""},
		{aws, obj("v1", "Namespace", "", "staging"), ""},
		{aws, obj("scheduling.k8s.io/v1", "PriorityClass", "", "staging-default-priority"), ""},
		{aws, obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "daskclusters.gateway.dask.org"), ""},
		{aws, obj("karpenter.k8s.aws/v1", "EC2NodeClass", "", "core"), ""},
		{aws, obj("v1", "PersistentVolume", "", "prod-home-nfs"), ""},
		{aws, obj("v1", "Secret", "staging", "hub"), "kind Secret is not in the project's namespaceResourceWhitelist"},
		{aws, obj("apps/v1", "Deployment", "kube-system", "x"), "namespace kube-system is not a destination"},
		{aws, obj("v1", "Namespace", "", "kube-public"), "cluster-scoped Namespace is not in the project's clusterResourceWhitelist"},
		{aws, obj("scheduling.k8s.io/v1", "PriorityClass", "", "system-cluster-critical"), "PriorityClass.scheduling.k8s.io"},
		{aws, obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "", "widgets.example.com"), "CustomResourceDefinition"},
		{gcp, obj("v1", "PersistentVolume", "", "x"), "PersistentVolume"},
		{gcp, obj("container.cnrm.cloud.google.com/v1beta1", "ContainerNodePool", "config-connector", "user"), ""},
		{gcp, obj("traefik.io/v1alpha1", "IngressRoute", "workshop", "api"), "IngressRoute.traefik.io"},
	} {
		err := tc.p.Permit(tc.o)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s refused: %v", tc.o, err)
		case tc.want != "" && err == nil:
			t.Errorf("%s permitted, want refusal", tc.o)
		case tc.want != "" && !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s: error %q lacks %q", tc.o, err, tc.want)
		}
	}
}

func TestNameCollisions(t *testing.T) {
	hub := func(c *model.Cluster, name string) *model.Hub {
		h := &model.Hub{Name: name, Namespace: name, Cluster: c,
			Src: model.Source{File: "hubs/" + c.Name + "/" + name + ".yaml",
				Positions: model.Positions{"name": {File: "hubs/" + c.Name + "/" + name + ".yaml", Line: 1, Col: 7}}}}
		c.Hubs = append(c.Hubs, h)
		return h
	}
	cluster := func(name string) *model.Cluster {
		return &model.Cluster{Name: name, Provider: model.ProviderAWS, NodeProvisioner: model.ProvisionerKarpenter,
			ArgoCD: model.ArgoCDTarget{Destination: name}, Src: model.Source{File: "hubs/" + name + "/cluster.yaml"}}
	}
	fleet := func(cs ...*model.Cluster) *model.Fleet {
		f := testFleet()
		f.Clusters = cs
		return f
	}
	for _, tc := range []struct {
		name  string
		fleet func() *model.Fleet
		want  string
	}{
		{"hub app names collide across clusters", func() *model.Fleet {
			a, ab := cluster("a"), cluster("a-b")
			hub(a, "b-c")
			hub(ab, "c")
			return fleet(a, ab)
		}, `hubs/a-b/c.yaml:1:7: name: Argo CD Application name "a-b-c" of hub a-b/c is already used by hub a/b-c`},
		{"hub named cluster", func() *model.Fleet {
			c := cluster("x")
			hub(c, "cluster")
			return fleet(c)
		}, `Application name "x-cluster" of hub x/cluster is already used by cluster x`},
		{"application equals a release", func() *model.Fleet {
			c := cluster("x")
			hub(c, "y")
			hub(c, "x-y")
			return fleet(c)
		}, `Argo CD Application "x-y" of hub x/y equals the release label of hub x/x-y`},
		{"cluster named like the root project", func() *model.Fleet {
			return fleet(cluster(RootProject))
		}, `AppProject name "hubfleet-root" of cluster hubfleet-root is already used by the root AppProject`},
		{"cluster named root", func() *model.Fleet {
			return fleet(cluster(RootName))
		}, `cluster name "root" is reserved: rendered/argocd/root.yaml holds the root Application`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := Check(tc.fleet())
			if len(diags) != 1 || !strings.Contains(diags[0].String(), tc.want) {
				t.Fatalf("diagnostics = %v, want one containing %q", diags, tc.want)
			}
			if _, err := Render(tc.fleet()); err == nil {
				t.Error("Render accepted the colliding fleet")
			}
		})
	}
	if d := Check(testFleet()); len(d) != 0 {
		t.Errorf("valid fleet: %v", d)
	}
}

func TestRenderRejectsIncompleteFleets(t *testing.T) {
	for name, mutate := range map[string]func(*model.Fleet){
		"no repoURL":        func(f *model.Fleet) { f.GitOps.RepoURL = "" },
		"no targetRevision": func(f *model.Fleet) { f.GitOps.TargetRevision = "" },
		"no namespace":      func(f *model.Fleet) { f.GitOps.ArgocdNamespace = "" },
		"no destination":    func(f *model.Fleet) { f.Clusters[1].ArgoCD.Destination = "" },
	} {
		f := testFleet()
		mutate(f)
		if _, err := Render(f); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Render(nil); err == nil {
		t.Error("nil fleet: no error")
	}
}

func TestDeterministicOrder(t *testing.T) {
	want := dump(t, mustRender(t, testFleet()))
	f := testFleet()
	// Input order must not matter.
	f.Clusters[0], f.Clusters[1] = f.Clusters[1], f.Clusters[0]
	hubs := f.Cluster("pangeo-aws").Hubs
	hubs[0], hubs[1] = hubs[1], hubs[0]
	if got := dump(t, mustRender(t, f)); string(got) != string(want) {
		t.Error("output depends on input order")
	}
}
