package argocd

import (
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

func mustRender(t *testing.T, f *model.Fleet) []*manifest.Object {
	t.Helper()
	objs, err := Render(f)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func byName(t *testing.T, objs []*manifest.Object, kind, name string) *manifest.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	t.Fatalf("no %s %s", kind, name)
	return nil
}

func str(o *manifest.Object, path ...string) string {
	s, _ := o.Get(path...).(string)
	return s
}

func strings_(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func TestRootApplication(t *testing.T) {
	f := testFleet()
	objs := mustRender(t, f)
	root := byName(t, objs, "Application", "root")
	if root.Cluster != "" || root.Hub != "" || root.Source != "hubs/fleet.yaml" {
		t.Errorf("root placement: cluster=%q hub=%q source=%q", root.Cluster, root.Hub, root.Source)
	}
	if str(root, "spec", "source", "path") != "rendered/argocd" ||
		str(root, "spec", "source", "directory", "exclude") != "root.yaml" ||
		str(root, "spec", "source", "repoURL") != f.GitOps.RepoURL ||
		str(root, "spec", "source", "targetRevision") != "main" {
		t.Errorf("root source = %v", root.Get("spec", "source"))
	}
	if root.Namespace() != "argocd" || str(root, "spec", "destination", "namespace") != "argocd" {
		t.Errorf("root not in the Argo CD namespace: %v", root.Map())
	}
	if root.Get("metadata", "finalizers") != nil {
		t.Error("deleting the root must not cascade to the fleet")
	}
	proj := byName(t, objs, "AppProject", str(root, "spec", "project"))
	if proj.Cluster != "" || proj.Get("spec", "clusterResourceWhitelist") != nil {
		t.Errorf("root project %s: cluster=%q, cluster kinds %v", proj.Name(), proj.Cluster, proj.Get("spec", "clusterResourceWhitelist"))
	}

	f.Source = ""
	if got := byName(t, mustRender(t, f), "Application", "root").Source; got != "hubs/" {
		t.Errorf("root source without fleet file = %q, want hubs/", got)
	}
}

func TestPlacementAndSources(t *testing.T) {
	f := testFleet()
	for _, o := range mustRender(t, f) {
		if o.Hub != "" {
			t.Errorf("%s: Hub = %q, want empty", o, o.Hub)
		}
		if o.Namespace() != "argocd" {
			t.Errorf("%s: namespace %q", o, o.Namespace())
		}
		if o.Name() == RootName || o.Name() == RootProject {
			continue
		}
		c := f.Cluster(o.Cluster)
		if c == nil {
			t.Fatalf("%s: Cluster = %q", o, o.Cluster)
		}
		if o.Source != c.Src.File {
			t.Errorf("%s: Source = %q, want %q", o, o.Source, c.Src.File)
		}
	}
}

func TestHubApplications(t *testing.T) {
	f := testFleet()
	objs := mustRender(t, f)
	for _, h := range f.Hubs() {
		app := byName(t, objs, "Application", h.Cluster.Name+"-"+h.Name)
		if app.Name() == h.Name {
			t.Errorf("Application name equals the release label %q", h.Name)
		}
		checks := map[string][2]string{
			"project":   {str(app, "spec", "project"), h.Cluster.Name},
			"path":      {str(app, "spec", "source", "path"), "rendered/" + h.Cluster.Name + "/hubs/" + h.Name},
			"dest name": {str(app, "spec", "destination", "name"), h.Cluster.ArgoCD.Destination},
			"dest ns":   {str(app, "spec", "destination", "namespace"), h.Namespace},
			"wave":      {app.Annotations()[annSyncWave], "0"},
			"paths":     {app.Annotations()[annGeneratePaths], "."},
			"label":     {app.Labels()["hubfleet.dev/hub"], h.Name},
		}
		for what, c := range checks {
			if c[0] != c[1] {
				t.Errorf("%s: %s = %q, want %q", app.Name(), what, c[0], c[1])
			}
		}
		if fin := strings_(app.Get("metadata", "finalizers")); len(fin) != 1 || fin[0] != ResourcesFinalizer {
			t.Errorf("%s: finalizers = %v", app.Name(), fin)
		}
		auto, _ := app.Get("spec", "syncPolicy", "automated").(map[string]any)
		if auto["prune"] != true || auto["selfHeal"] != true {
			t.Errorf("%s: automated = %v", app.Name(), auto)
		}
		opts := strings_(app.Get("spec", "syncPolicy", "syncOptions"))
		if !contains(opts, "CreateNamespace=false") || contains(opts, "CreateNamespace=true") {
			t.Errorf("%s: syncOptions = %v", app.Name(), opts)
		}
	}
}

func TestClusterApplications(t *testing.T) {
	f := testFleet()
	objs := mustRender(t, f)
	wantNS := map[string]string{"pangeo-aws": "default", "pangeo-gcp": "config-connector"}
	for _, c := range f.Clusters {
		app := byName(t, objs, "Application", c.Name+"-cluster")
		if str(app, "spec", "source", "path") != "rendered/"+c.Name+"/cluster" ||
			str(app, "spec", "project") != c.Name ||
			str(app, "spec", "destination", "name") != c.ArgoCD.Destination ||
			str(app, "spec", "destination", "namespace") != wantNS[c.Name] {
			t.Errorf("%s: spec = %v", app.Name(), app.Get("spec"))
		}
		if app.Annotations()[annSyncWave] != "-1" {
			t.Errorf("%s: wave %q, want -1 (before hubs)", app.Name(), app.Annotations()[annSyncWave])
		}
		if app.Get("metadata", "finalizers") != nil {
			t.Errorf("%s: a finalizer would delete node pools and CRDs with the Application", app.Name())
		}
		if opts := strings_(app.Get("spec", "syncPolicy", "syncOptions")); !contains(opts, "ServerSideApply=true") {
			t.Errorf("%s: syncOptions %v lack ServerSideApply=true", app.Name(), opts)
		}
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
