package argocd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

const crdDir = "/work/shared/crds"

// crdSchema is one served version of a CRD, ready to validate and prune.
type crdSchema struct {
	validator  validation.SchemaValidator
	structural *structuralschema.Structural
}

func loadCRD(t *testing.T, file, version string) crdSchema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(crdDir, file))
	if err != nil {
		t.Skipf("CRD not available: %v", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.Unmarshal(data, &crd); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	for _, v := range crd.Spec.Versions {
		if v.Name != version || v.Schema == nil {
			continue
		}
		var internal apiextensions.JSONSchemaProps
		if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &internal, nil); err != nil {
			t.Fatalf("%s: converting schema: %v", file, err)
		}
		validator, _, err := validation.NewSchemaValidator(&internal)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		structural, err := structuralschema.NewStructural(&internal)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		return crdSchema{validator: validator, structural: structural}
	}
	t.Fatalf("%s: no version %s", file, version)
	return crdSchema{}
}

// check validates o against s and reports fields the API server would
// silently drop as unknown.
func (s crdSchema) check(t *testing.T, o *manifest.Object) {
	t.Helper()
	for _, e := range validation.ValidateCustomResource(field.NewPath(""), o.Body, s.validator) {
		t.Errorf("%s: %v", o, e)
	}
	// Prune a copy: the body must survive unchanged.
	data, err := json.Marshal(o.Body)
	if err != nil {
		t.Fatal(err)
	}
	var cp map[string]any
	if err := json.Unmarshal(data, &cp); err != nil {
		t.Fatal(err)
	}
	if unknown := pruning.PruneWithOptions(cp, s.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}); len(unknown) > 0 {
		t.Errorf("%s: fields unknown to the CRD: %v", o, unknown)
	}
	if errs := k8svalidation.IsDNS1123Subdomain(o.Name()); len(errs) > 0 {
		t.Errorf("%s: name: %s", o, strings.Join(errs, "; "))
	}
	for k, v := range o.Labels() {
		if errs := k8svalidation.IsValidLabelValue(v); len(errs) > 0 {
			t.Errorf("%s: label %s: %s", o, k, strings.Join(errs, "; "))
		}
	}
}

// TestObjectsValidAgainstCRDs validates every rendered object against the
// Argo CD v3.5.1 CRDs, as the API server would on apply.
func TestObjectsValidAgainstCRDs(t *testing.T) {
	schemas := map[string]crdSchema{
		"Application": loadCRD(t, "argoproj.io_applications.yaml", "v1alpha1"),
		"AppProject":  loadCRD(t, "argoproj.io_appprojects.yaml", "v1alpha1"),
	}
	fleets := map[string]func() []*manifest.Object{
		"two clusters": func() []*manifest.Object { return mustRender(t, testFleet()) },
		"azure and an empty cluster": func() []*manifest.Object {
			return mustRender(t, azureFleet())
		},
	}
	for name, objs := range fleets {
		t.Run(name, func(t *testing.T) {
			for _, o := range objs() {
				s, ok := schemas[o.Kind()]
				if !ok || o.APIVersion() != "argoproj.io/v1alpha1" {
					t.Fatalf("unexpected object %s (%s)", o, o.APIVersion())
				}
				s.check(t, o)
			}
		})
	}
}

// TestSchemaCheckCatchesMistakes proves the CRD check above can fail.
func TestSchemaCheckCatchesMistakes(t *testing.T) {
	app := loadCRD(t, "argoproj.io_applications.yaml", "v1alpha1")
	objs := mustRender(t, testFleet())
	var hubApp *manifest.Object
	for _, o := range objs {
		if o.Name() == "pangeo-aws-staging" {
			hubApp = o
		}
	}
	bad := &manifest.Object{Body: deepCopy(t, hubApp.Body)}
	spec := bad.Body["spec"].(map[string]any)
	delete(spec, "project")                                                      // required
	spec["syncPolicy"].(map[string]any)["retry"].(map[string]any)["limit"] = "5" // wrong type
	spec["source"].(map[string]any)["pathh"] = "typo"                            // unknown
	errs := validation.ValidateCustomResource(field.NewPath(""), bad.Body, app.validator)
	if len(errs) < 2 {
		t.Errorf("want errors for the missing project and the string limit, got %v", errs)
	}
	unknown := pruning.PruneWithOptions(bad.Body, app.structural, true,
		structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})
	if len(unknown) != 1 || unknown[0] != "spec.source.pathh" {
		t.Errorf("unknown fields = %v, want [spec.source.pathh]", unknown)
	}
}

func deepCopy(t *testing.T, m map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
