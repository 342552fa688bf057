package argocd

import (
	"testing"

	"github.com/hubfleet/hubfleet/internal/verifytest"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// TestObjectsValidAgainstCRDs validates every rendered object against the
// Argo CD v3.5.1 CRDs that package verify embeds, as the API server would
// on apply (schema, unknown fields, metadata).
func TestObjectsValidAgainstCRDs(t *testing.T) {
	fleets := map[string]func() []*manifest.Object{
		"two clusters": func() []*manifest.Object { return mustRender(t, testFleet()) },
		"azure and an empty cluster": func() []*manifest.Object {
			return mustRender(t, azureFleet())
		},
	}
	for name, objs := range fleets {
		t.Run(name, func(t *testing.T) {
			for _, o := range objs() {
				if (o.Kind() != "Application" && o.Kind() != "AppProject") || o.APIVersion() != "argoproj.io/v1alpha1" {
					t.Fatalf("unexpected object %s (%s)", o, o.APIVersion())
				}
				if err := verify.Object(o); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestSchemaCheckCatchesMistakes proves the check above can fail on the
// kinds this package renders.
func TestSchemaCheckCatchesMistakes(t *testing.T) {
	var app *manifest.Object
	for _, o := range mustRender(t, testFleet()) {
		if o.Name() == "pangeo-aws-staging" {
			app = o
		}
	}
	if app == nil {
		t.Fatal("no Application pangeo-aws-staging")
	}
	if err := verify.Object(app); err != nil {
		t.Fatalf("unmutated %s already invalid: %v", app, err)
	}
	spec := app.Map()["spec"].(map[string]any)
	delete(spec, "project")                                                      // required
	spec["syncPolicy"].(map[string]any)["retry"].(map[string]any)["limit"] = "5" // wrong type
	spec["source"].(map[string]any)["pathh"] = "typo"                            // unknown
	verifytest.WantFieldErrors(t, verify.Object(app), "spec.project", "spec.syncPolicy.retry.limit", "spec.source.pathh")
}
