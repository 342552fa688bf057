package nodepool

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// Rendered objects are checked through package verify, which validates a
// custom resource the way the API server does: unknown fields (which it
// would silently prune), structural defaulting, the OpenAPI schema, then
// the CEL rules Karpenter relies on.

// templateProvider picks the provider build of a CRD that has several
// (Azure has its own build of the Karpenter NodePool CRD).
var templateProvider = map[string]string{
	TemplateAWSKarpenter:   model.ProviderAWS,
	TemplateGCPKCC:         model.ProviderGCP,
	TemplateAzureASO:       model.ProviderAzure,
	TemplateAzureKarpenter: model.ProviderAzure,
}

// validateObject returns every problem the API server would report, one
// "field: detail" line each.
func validateObject(t testing.TB, template string, o *manifest.Object) []string {
	t.Helper()
	provider, ok := templateProvider[template]
	if !ok {
		t.Fatalf("no provider for template %s", template)
	}
	var errs []string
	for _, e := range verify.AsFieldErrors(verify.ObjectFor(o, verify.Options{Provider: provider})) {
		errs = append(errs, e.Field+": "+e.Detail)
	}
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

// TestCRDValidationCatchesMistakes proves each layer of the check (unknown
// fields, schema, CEL, the provider's build of a CRD) rejects a broken
// object of each provider's kinds, naming the field, so the test above
// cannot pass vacuously.
func TestCRDValidationCatchesMistakes(t *testing.T) {
	r := newRenderer(t, nil)
	cases := []struct {
		template, kind, field, detail string
		mutate                        func(b map[string]any)
	}{
		{TemplateAWSKarpenter, "NodePool", "spec.disruption.consolidateafter", "unknown field", func(b map[string]any) {
			dig(b, "spec", "disruption")["consolidateafter"] = "1m"
		}},
		{TemplateAWSKarpenter, "NodePool", "spec.template.spec.taints[0].effect", "Unsupported value: \"NO_SCHEDULE\"", func(b map[string]any) {
			taints := dig(b, "spec", "template", "spec")["taints"].([]any)
			taints[0].(map[string]any)["effect"] = "NO_SCHEDULE"
		}},
		{TemplateAWSKarpenter, "EC2NodeClass", "spec", "must specify exactly one of ['role', 'instanceProfile']", func(b map[string]any) {
			dig(b, "spec")["instanceProfile"] = "profile"
		}},
		{TemplateAzureKarpenter, "NodePool", "spec.template.metadata.labels", `label domain "karpenter.azure.com" is restricted`, func(b map[string]any) {
			dig(b, "spec", "template", "metadata", "labels")["karpenter.azure.com/sku-foo"] = "x"
		}},
		{TemplateGCPKCC, "ContainerNodePool", "spec.location", "Required value", func(b map[string]any) {
			delete(dig(b, "spec"), "location")
		}},
		{TemplateAzureASO, "ManagedClustersAgentPool", "spec.azureName", "should match", func(b map[string]any) {
			dig(b, "spec")["azureName"] = "has-hyphens"
		}},
	}
	for _, c := range cases {
		t.Run(c.template+"/"+c.kind+"/"+c.field, func(t *testing.T) {
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
			c.mutate(o.Map())
			errs := validateObject(t, c.template, o)
			want := c.field + ": "
			found := false
			for _, e := range errs {
				found = found || strings.HasPrefix(e, want) && strings.Contains(e, c.detail)
			}
			if !found {
				t.Errorf("errors %q: none on %s mentions %q", errs, c.field, c.detail)
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
