package patch

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/types"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// TestSelectionMatchesKustomize checks that the objects Apply selects
// before running kustomize are exactly those kustomize itself selects for
// the same target, by letting kustomize mark its selection on all objects.
func TestSelectionMatchesKustomize(t *testing.T) {
	objs := testObjects(t, "staging")
	// A namespaced object without namespace: kustomize puts it in "default".
	objs = append(objs, &manifest.Object{Body: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "global", "annotations": map[string]any{"tier": "shared"}},
	}})
	// A cluster-scoped object with a namespace: kustomize ignores it.
	objs = append(objs, &manifest.Object{Body: map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
		"metadata": map[string]any{"name": "namespaced-role", "namespace": "staging"},
	}})
	for _, target := range []model.PatchTarget{
		{Kind: "Deployment"},
		{Kind: "Deploy.*"},
		{Name: "hub"},
		{Name: "hub|proxy.*"},
		{Name: "pro"},
		{Namespace: "staging"},
		{Namespace: "default"},
		{Namespace: ".*"},
		{Group: "apps"},
		{Version: "v1"},
		{Group: "", Kind: "Service"},
		{Group: "rbac.authorization.k8s.io", Namespace: "staging"},
		{LabelSelector: "component!=hub"},
		{LabelSelector: "release=staging,component notin (hub,proxy)"},
		{AnnotationSelector: "tier=shared"},
		{AnnotationSelector: "!tier"},
		{Kind: "ConfigMap", Namespace: "default"},
		// Cluster-scoped objects are in kustomize's TotallyNotANamespace.
		{Namespace: "_non_namespaceable_"},
		{Namespace: "_.*"},
		{Namespace: "~X"},
		{Kind: "ClusterRole", Namespace: "staging"},
	} {
		t.Run(describe(selectorOf(&target)), func(t *testing.T) {
			s, err := parse(&model.Patch{Target: &target, Patch: `metadata: {annotations: {selected: "yes"}}`})
			if err != nil {
				t.Fatal(err)
			}
			bodies, err := run(s, objs)
			if err != nil {
				t.Fatal(err)
			}
			var byKustomize, byUs []string
			for i, b := range bodies {
				if (&manifest.Object{Body: b}).Annotations()["selected"] == "yes" {
					byKustomize = append(byKustomize, objs[i].String())
				}
			}
			m, err := newMatcher(s.target)
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range m.selectFrom(objs) {
				byUs = append(byUs, objs[i].String())
			}
			if diff := cmp.Diff(byKustomize, byUs); diff != "" {
				t.Errorf("selection differs from kustomize's (-kustomize +ours):\n%s", diff)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	s, err := parse(&model.Patch{Patch: "apiVersion: v1\nkind: Service\nmetadata: {name: proxy.public, namespace: staging}"})
	if err != nil {
		t.Fatal(err)
	}
	// The derived selector is an escaped regular expression, shown plainly.
	if s.target.Name != `proxy\.public` {
		t.Errorf("derived name selector = %q", s.target.Name)
	}
	if got, want := describe(s.target), "version=v1 kind=Service name=proxy.public namespace=staging"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	if got := describe(types.Selector{LabelSelector: "a=b"}); got != "labelSelector=a=b" {
		t.Errorf("describe = %q", got)
	}
}
