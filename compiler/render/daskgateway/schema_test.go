package daskgateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// testScheme knows the built-in kinds and CustomResourceDefinition.
var testScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := scheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := apiextensionsv1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// strictDecode decodes an object into its registered k8s.io/api type,
// rejecting any field the type does not have.
func strictDecode(o *manifest.Object) error {
	gvk := schema.FromAPIVersionAndKind(o.APIVersion(), o.Kind())
	obj, err := testScheme.New(gvk)
	if err != nil {
		return fmt.Errorf("%s: no registered type: %w", o, err)
	}
	js, err := json.Marshal(o.Body)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return fmt.Errorf("%s: %w", o, err)
	}
	return nil
}

func TestBuiltinKindsDecodeStrictly(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			n := 0
			for _, o := range mustRender(t, mk()) {
				if o.Group() == "traefik.io" {
					continue
				}
				n++
				if err := strictDecode(o); err != nil {
					t.Error(err)
				}
			}
			if n == 0 {
				t.Fatal("no built-in objects checked")
			}
		})
	}
}

// crdValidator validates custom objects like the API server does: the
// OpenAPI schema of the served version, plus pruning to find fields the
// schema does not know (the server would silently drop them).
type crdValidator struct {
	schema     validation.SchemaValidator
	structural *structuralschema.Structural
}

func loadValidators(t *testing.T) map[schema.GroupVersionKind]crdValidator {
	t.Helper()
	objs, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	out := map[schema.GroupVersionKind]crdValidator{}
	for _, o := range objs {
		var crd apiextensionsv1.CustomResourceDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Body, &crd); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		for _, v := range crd.Spec.Versions {
			if !v.Served || v.Schema == nil {
				continue
			}
			var internal apiextensions.CustomResourceValidation
			if err := apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(v.Schema, &internal, nil); err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			sv, _, err := validation.NewSchemaValidator(internal.OpenAPIV3Schema)
			if err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			st, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
			if err != nil {
				t.Fatalf("%s: %v", o, err)
			}
			gvk := schema.GroupVersionKind{Group: crd.Spec.Group, Version: v.Name, Kind: crd.Spec.Names.Kind}
			out[gvk] = crdValidator{schema: sv, structural: st}
		}
	}
	return out
}

func validateCustom(v crdValidator, o *manifest.Object) []string {
	var problems []string
	for _, e := range validation.ValidateCustomResource(nil, o.Body, v.schema) {
		problems = append(problems, e.Error())
	}
	copyBody := runtime.DeepCopyJSONValue(o.Body).(map[string]any)
	pruned := pruning.PruneWithOptions(copyBody, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	for _, p := range pruned {
		problems = append(problems, "unknown field "+p)
	}
	return problems
}

func TestTraefikObjectsMatchTheirCRDs(t *testing.T) {
	validators := loadValidators(t)
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			n := 0
			for _, o := range mustRender(t, mk()) {
				if o.Group() != "traefik.io" {
					continue
				}
				n++
				gvk := schema.FromAPIVersionAndKind(o.APIVersion(), o.Kind())
				v, ok := validators[gvk]
				if !ok {
					t.Errorf("%s: no CRD serves %s", o, gvk)
					continue
				}
				for _, p := range validateCustom(v, o) {
					t.Errorf("%s: %s", o, p)
				}
			}
			if n != 3 {
				t.Errorf("%d traefik objects checked, want 3", n)
			}
		})
	}
}

// The validator itself must catch mistakes, or the test above proves nothing.
func TestCRDValidatorCatchesMistakes(t *testing.T) {
	validators := loadValidators(t)
	h := awsHub()
	objs := mustRender(t, h)
	mw := find(t, objs, "Middleware", ClustersMiddleware(h))
	bad := &manifest.Object{Body: runtime.DeepCopyJSONValue(mw.Body).(map[string]any)}
	bad.Body["spec"].(map[string]any)["stripPrefixRegex"].(map[string]any)["regexes"] = []any{"x"}
	v := validators[schema.FromAPIVersionAndKind(bad.APIVersion(), bad.Kind())]
	if len(validateCustom(v, bad)) == 0 {
		t.Error("a misspelt Middleware field passed validation")
	}
	route := find(t, objs, "IngressRoute", apiName(h))
	bad = &manifest.Object{Body: runtime.DeepCopyJSONValue(route.Body).(map[string]any)}
	bad.Body["spec"].(map[string]any)["routes"].([]any)[0].(map[string]any)["kind"] = "Bogus"
	v = validators[schema.FromAPIVersionAndKind(bad.APIVersion(), bad.Kind())]
	if len(validateCustom(v, bad)) == 0 {
		t.Error("an IngressRoute with kind Bogus passed validation")
	}
}

func TestCRDs(t *testing.T) {
	objs, err := CRDs()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join("crds", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 11 || len(files) != 11 {
		t.Fatalf("%d CRDs from %d files, want 11 (DaskCluster + 10 Traefik)", len(objs), len(files))
	}
	kinds := map[string]bool{}
	for _, o := range objs {
		if o.Cluster != "" || o.Hub != "" {
			t.Errorf("%s: Cluster/Hub = %q/%q, want empty", o, o.Cluster, o.Hub)
		}
		if err := strictDecode(o); err != nil {
			t.Error(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Body, &crd); err != nil {
			t.Fatal(err)
		}
		if want := crd.Spec.Names.Plural + "." + crd.Spec.Group; crd.Name != want {
			t.Errorf("CRD %s: name, want %s", crd.Name, want)
		}
		if a := o.Annotations(); a[syncOptionsAnnot] != "ServerSideApply=true" || a[syncWaveAnnot] != crdSyncWave {
			t.Errorf("CRD %s: annotations %v", crd.Name, a)
		}
		if _, ok := o.Get("metadata").(map[string]any)["creationTimestamp"]; ok {
			t.Errorf("CRD %s keeps creationTimestamp: null", crd.Name)
		}
		kinds[crd.Spec.Names.Kind] = true
	}
	for _, k := range []string{"DaskCluster", "IngressRoute", "IngressRouteTCP", "Middleware", "TraefikService"} {
		if !kinds[k] {
			t.Errorf("no CRD for %s", k)
		}
	}
	// dropNulls must leave meaningful empty maps: the status subresource.
	dc := objectNamed(objs, "daskclusters.gateway.dask.org")
	if dc == nil {
		t.Fatal("no daskclusters CRD")
	}
	v := dc.Get("spec", "versions").([]any)[0].(map[string]any)
	if _, ok := v["subresources"].(map[string]any)["status"]; !ok {
		t.Error("DaskCluster CRD lost its status subresource")
	}
}

func objectNamed(objs []*manifest.Object, name string) *manifest.Object {
	for _, o := range objs {
		if o.Name() == name {
			return o
		}
	}
	return nil
}

// The embedded CRDs are upstream data: they must equal the shared copies
// they were taken from (when the shared folder is present).
func TestCRDFilesMatchSharedCopies(t *testing.T) {
	const shared = "../../../../shared/crds"
	files, _ := filepath.Glob(filepath.Join("crds", "*.yaml"))
	for _, f := range files {
		want, err := os.ReadFile(filepath.Join(shared, filepath.Base(f)))
		if err != nil {
			t.Skipf("shared CRDs not available: %v", err)
		}
		got, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s", f, shared)
		}
	}
	// And the YAML must be one document each.
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if strings.Contains(string(b), "\n---") {
			t.Errorf("%s holds more than one document", f)
		}
		var m map[string]any
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
