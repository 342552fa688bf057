package nodepool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Rendered objects are checked the way the API server checks a custom
// resource: unknown fields (which it would silently prune), structural
// defaulting, the OpenAPI schema, then the CEL rules Karpenter relies on.
// The CRDs are the copies package verify embeds (from /work/shared/crds);
// HUBFLEET_CRDS points elsewhere.

func crdDir() string {
	if d := os.Getenv("HUBFLEET_CRDS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "verify", "crds")
}

// crdFiles maps each provider template to the CRD files of its objects;
// Azure has its own build of the Karpenter NodePool CRD.
var crdFiles = map[string][]string{
	TemplateAWSKarpenter:   {"karpenter.sh_nodepools.yaml", "karpenter.k8s.aws_ec2nodeclasses.yaml"},
	TemplateGCPKCC:         {"container.cnrm.cloud.google.com_containernodepools.yaml"},
	TemplateAzureASO:       {"containerservice.azure.com_managedclustersagentpools.yaml"},
	TemplateAzureKarpenter: {"azure-variants/karpenter.sh_nodepools.yaml", "karpenter.azure.com_aksnodeclasses.yaml"},
}

type crdValidator struct {
	schema     validation.SchemaValidator
	structural *structuralschema.Structural
	cel        *cel.Validator
}

var (
	crdMu    sync.Mutex
	crdCache = map[string]*apiextensionsv1.CustomResourceDefinition{}
	valCache = map[string]*crdValidator{}
)

func loadCRD(t testing.TB, file string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	if crd, ok := crdCache[file]; ok {
		return crd
	}
	data, err := os.ReadFile(filepath.Join(crdDir(), file))
	if err != nil {
		t.Fatalf("CRD %s: %v", file, err)
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.UnmarshalStrict(data, crd); err != nil {
		t.Fatalf("CRD %s: %v", file, err)
	}
	crdCache[file] = crd
	return crd
}

// validatorFor returns the validator of apiVersion/kind among the files of
// a template, built once per file and version.
func validatorFor(t testing.TB, template, apiVersion, kind string) *crdValidator {
	t.Helper()
	crdMu.Lock()
	defer crdMu.Unlock()
	for _, file := range crdFiles[template] {
		crd := loadCRD(t, file)
		if crd.Spec.Names.Kind != kind {
			continue
		}
		for _, v := range crd.Spec.Versions {
			if crd.Spec.Group+"/"+v.Name != apiVersion {
				continue
			}
			if !v.Served {
				t.Fatalf("%s %s is not served", apiVersion, kind)
			}
			key := file + "@" + v.Name
			if val, ok := valCache[key]; ok {
				return val
			}
			var in apiextensions.JSONSchemaProps
			if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v.Schema.OpenAPIV3Schema, &in, nil); err != nil {
				t.Fatalf("%s: converting schema: %v", key, err)
			}
			sv, _, err := validation.NewSchemaValidator(&in)
			if err != nil {
				t.Fatalf("%s: schema validator: %v", key, err)
			}
			st, err := structuralschema.NewStructural(&in)
			if err != nil {
				t.Fatalf("%s: structural schema: %v", key, err)
			}
			val := &crdValidator{schema: sv, structural: st, cel: cel.NewValidator(st, true, celconfig.PerCallLimit)}
			valCache[key] = val
			return val
		}
	}
	t.Fatalf("no CRD for %s %s among %v", apiVersion, kind, crdFiles[template])
	return nil
}

// validateObject returns every problem the API server would report.
func validateObject(t testing.TB, template string, o *manifest.Object) []string {
	t.Helper()
	v := validatorFor(t, template, o.APIVersion(), o.Kind())
	obj := runtime.DeepCopyJSON(o.Body)
	var errs []string
	for _, p := range pruning.PruneWithOptions(obj, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		errs = append(errs, "unknown field "+p)
	}
	for _, m := range utilvalidation.IsDNS1123Subdomain(o.Name()) {
		errs = append(errs, "metadata.name: "+m)
	}
	defaulting.Default(obj, v.structural)
	for _, e := range validation.ValidateCustomResource(nil, obj, v.schema) {
		errs = append(errs, e.Error())
	}
	if v.cel != nil {
		fe, _ := v.cel.Validate(context.Background(), nil, v.structural, obj, nil, celconfig.RuntimeCELCostBudget)
		for _, e := range fe {
			errs = append(errs, e.Error())
		}
	}
	sort.Strings(errs)
	return errs
}

func TestRenderedObjectsMatchCRDs(t *testing.T) {
	r := newRenderer(t, nil)
	for _, p := range providers {
		t.Run(p.template, func(t *testing.T) {
			objs, err := r.Render(p.cluster())
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, o := range objs {
				kinds[o.Kind()]++
				if errs := validateObject(t, p.template, o); len(errs) > 0 {
					t.Errorf("%s is invalid:\n  %s", o, strings.Join(errs, "\n  "))
				}
			}
			if kinds[poolKind(p.template)] != 5 {
				t.Errorf("rendered %v, want 5 %s", kinds, poolKind(p.template))
			}
		})
	}
}

func poolKind(template string) string {
	switch template {
	case TemplateGCPKCC:
		return "ContainerNodePool"
	case TemplateAzureASO:
		return "ManagedClustersAgentPool"
	}
	return "NodePool"
}

// TestCRDValidationCatchesMistakes proves each layer of validateObject
// rejects what it should, so the test above cannot pass vacuously.
func TestCRDValidationCatchesMistakes(t *testing.T) {
	r := newRenderer(t, nil)
	cases := []struct {
		template, kind, want string
		mutate               func(b map[string]any)
	}{
		{TemplateAWSKarpenter, "NodePool", "unknown field spec.disruption.consolidateafter", func(b map[string]any) {
			dig(b, "spec", "disruption")["consolidateafter"] = "1m"
		}},
		{TemplateAWSKarpenter, "NodePool", "Unsupported value: \"NO_SCHEDULE\"", func(b map[string]any) {
			taints := dig(b, "spec", "template", "spec")["taints"].([]any)
			taints[0].(map[string]any)["effect"] = "NO_SCHEDULE"
		}},
		{TemplateAWSKarpenter, "EC2NodeClass", "must specify exactly one of ['role', 'instanceProfile']", func(b map[string]any) {
			dig(b, "spec")["instanceProfile"] = "profile"
		}},
		{TemplateAzureKarpenter, "NodePool", `label domain "karpenter.azure.com" is restricted`, func(b map[string]any) {
			dig(b, "spec", "template", "metadata", "labels")["karpenter.azure.com/sku-foo"] = "x"
		}},
		{TemplateGCPKCC, "ContainerNodePool", "spec.location: Required value", func(b map[string]any) {
			delete(dig(b, "spec"), "location")
		}},
		{TemplateAzureASO, "ManagedClustersAgentPool", "spec.azureName", func(b map[string]any) {
			dig(b, "spec")["azureName"] = "has-hyphens"
		}},
	}
	for _, c := range cases {
		t.Run(c.template+"/"+c.want, func(t *testing.T) {
			objs, err := r.Render(clusterFor(c.template))
			if err != nil {
				t.Fatal(err)
			}
			var o *manifest.Object
			for _, x := range objs {
				// The user pool has taints; any node class will do.
				if x.Kind() == c.kind && (x.Name() == "user" || c.kind != poolKind(c.template)) {
					o = x
					break
				}
			}
			if o == nil {
				t.Fatalf("no %s rendered", c.kind)
			}
			if errs := validateObject(t, c.template, o); len(errs) > 0 {
				t.Fatalf("unmutated %s already invalid: %v", o, errs)
			}
			c.mutate(o.Body)
			errs := validateObject(t, c.template, o)
			if !strings.Contains(strings.Join(errs, "\n"), c.want) {
				t.Errorf("errors %q do not mention %q", errs, c.want)
			}
		})
	}
}

func clusterFor(template string) *model.Cluster {
	for _, p := range providers {
		if p.template == template {
			return p.cluster()
		}
	}
	panic(fmt.Sprintf("no test cluster for %s", template))
}

// dig returns the map at path, creating nothing.
func dig(b map[string]any, path ...string) map[string]any {
	cur := b
	for _, p := range path {
		cur = cur[p].(map[string]any)
	}
	return cur
}
