package verify

import (
	"bytes"
	"embed"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite golden files")

// The CRDs as copied from shared/crds; verification reads their derived
// form.
//
//go:embed crds/*.yaml crds/azure-variants/*.yaml
var crdFiles embed.FS

// yamlCRD is what the API server makes of a CRD file: the strictly parsed
// v1 object and its internal form.
func yamlCRD(t *testing.T, file string) (*apiextensionsv1.CustomResourceDefinition, *apiextensions.CustomResourceDefinition) {
	t.Helper()
	raw, err := crdFiles.ReadFile("crds/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var v1 apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(raw, &v1); err != nil {
		t.Fatalf("parsing %s: %v", file, err)
	}
	var crd apiextensions.CustomResourceDefinition
	if err := apiextensionsv1.Convert_v1_CustomResourceDefinition_To_apiextensions_CustomResourceDefinition(&v1, &crd, nil); err != nil {
		t.Fatalf("converting %s: %v", file, err)
	}
	return &v1, &crd
}

// derive builds the derived form of a CRD file.
func derive(t *testing.T, file string) []byte {
	v1, _ := yamlCRD(t, file)
	d := derivedCRD{Name: v1.Name, Group: v1.Spec.Group, Kind: v1.Spec.Names.Kind,
		Namespaced: v1.Spec.Scope == apiextensionsv1.NamespaceScoped, Versions: map[string]json.RawMessage{}}
	for _, v := range v1.Spec.Versions {
		if !v.Served || v.Schema == nil || v.Schema.OpenAPIV3Schema == nil {
			continue
		}
		raw, err := json.Marshal(v.Schema.OpenAPIV3Schema)
		if err != nil {
			t.Fatalf("%s %s: %v", file, v.Name, err)
		}
		d.Versions[v.Name] = raw
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestDerivedCRDs checks that each derived file is what the YAML gives
// now, and that loading it yields the identity, scope and served
// versions' schemas the API server reads from the YAML.
func TestDerivedCRDs(t *testing.T) {
	for _, byProvider := range crdTable {
		for _, f := range byProvider {
			want := derive(t, f.file)
			if *update {
				p := filepath.FromSlash(derivedPath(f.file))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := derivedFiles.ReadFile(derivedPath(f.file))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s is out of date (go test -run TestDerivedCRDs -update): %v", derivedPath(f.file), err)
				continue
			}

			fresh := &crdFile{file: f.file}
			if err := fresh.load(); err != nil {
				t.Fatal(err)
			}
			_, crd := yamlCRD(t, f.file)
			if fresh.name != crd.Name || fresh.group != crd.Spec.Group || fresh.kind != crd.Spec.Names.Kind ||
				fresh.namespaced != (crd.Spec.Scope == apiextensions.NamespaceScoped) {
				t.Errorf("%s: derived identity %s %s/%s namespaced=%v differs from the YAML's",
					f.file, fresh.name, fresh.group, fresh.kind, fresh.namespaced)
			}
			served := map[string]*apiextensions.JSONSchemaProps{}
			for _, v := range crd.Spec.Versions {
				props := crd.Spec.Validation
				if v.Schema != nil {
					props = v.Schema
				}
				if v.Served && props != nil && props.OpenAPIV3Schema != nil {
					served[v.Name] = props.OpenAPIV3Schema
				}
			}
			if len(served) != len(fresh.versions) {
				t.Errorf("%s: %d served versions derived, the YAML has %d", f.file, len(fresh.versions), len(served))
			}
			for name, want := range served {
				v := fresh.versions[name]
				if v == nil {
					t.Errorf("%s: version %s missing", f.file, name)
					continue
				}
				got, err := parseSchema(v.raw)
				if err != nil {
					t.Fatalf("%s %s: %v", f.file, name, err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s %s: the derived schema differs from the YAML's", f.file, name)
				}
			}
		}
	}
}
