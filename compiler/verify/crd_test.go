package verify

import (
	"io/fs"
	"path"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// TestEmbeddedCRDs loads every registered CRD, compiles each served
// version, and checks the CRD object itself through Object (strict decoding
// into apiextensions/v1 CustomResourceDefinition).
func TestEmbeddedCRDs(t *testing.T) {
	registered := map[string]bool{}
	for key, byProvider := range crdTable {
		for _, f := range byProvider {
			registered[f.file] = true
			if err := f.load(); err != nil {
				t.Fatalf("%s: %v", f.file, err)
			}
			if got := f.group + "/" + f.kind; got != key {
				t.Errorf("%s holds %s, registered as %s", f.file, got, key)
			}
			if len(f.versions) == 0 {
				t.Errorf("%s: no served version with a schema", f.file)
			}
			for name, v := range f.versions {
				if err := v.compile(); err != nil {
					t.Errorf("%s %s: %v", f.file, name, err)
				}
			}
		}
	}
	err := fs.WalkDir(crdFiles, "crds", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel := strings.TrimPrefix(p, "crds/")
		if !registered[rel] {
			t.Errorf("%s is embedded but not registered", rel)
		}
		raw, err := crdFiles.ReadFile(p)
		if err != nil {
			return err
		}
		var body map[string]any
		if err := yaml.Unmarshal(raw, &body); err != nil {
			return err
		}
		if err := Object(&manifest.Object{Source: path.Base(p), Body: body}); err != nil {
			t.Errorf("%s as an object: %v", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCustomVersionAndScope(t *testing.T) {
	np := nodePool("karpenter.k8s.aws", "EC2NodeClass")
	np["apiVersion"] = "karpenter.sh/v1alpha5"
	wantErr(t, Object(&manifest.Object{Body: np}), "apiVersion", "not served")

	np = nodePool("karpenter.k8s.aws", "EC2NodeClass")
	np["metadata"].(map[string]any)["namespace"] = "staging"
	wantErr(t, Object(&manifest.Object{Body: np}), "metadata.namespace", "cluster-scoped")

	es := map[string]any{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
		"metadata": map[string]any{"name": "hub-tokens"},
		"spec":     map[string]any{"target": map[string]any{"name": "hub-tokens"}}}
	wantErr(t, Object(&manifest.Object{Body: es}), "metadata.namespace")
	es["metadata"].(map[string]any)["namespace"] = "staging"
	if err := Object(&manifest.Object{Body: es}); err != nil {
		t.Errorf("ExternalSecret: %v", err)
	}
}

func TestObjectCRDValidation(t *testing.T) {
	raw, err := crdFiles.ReadFile("crds/gateway.dask.org_daskclusters.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := yaml.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	if err := Object(&manifest.Object{Body: body}); err != nil {
		t.Fatalf("upstream CRD: %v", err)
	}
	body["metadata"].(map[string]any)["name"] = "daskclusters.example.org"
	wantErr(t, Object(&manifest.Object{Body: body}), "metadata.name", "spec.names.plural")
}
