package patch

import (
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// BenchmarkRun measures one single-object patch of each kind, the shape
// most patched hubs carry, on the node route (run) and the former text
// route (runText).
func BenchmarkRun(b *testing.B) {
	objs := testObjects(b, "staging")
	for _, bc := range []struct {
		name string
		p    model.Patch
	}{
		{"json6902", model.Patch{Target: deploymentTarget("hub"),
			Patch: `[{"op": "add", "path": "/spec/template/metadata/annotations/example.org~1owner", "value": "data-team"}]`}},
		{"strategic", model.Patch{Target: deploymentTarget("proxy"),
			Patch: "spec:\n  template:\n    spec:\n      containers:\n        - name: proxy\n          env:\n            - {name: EXTRA, value: \"1\"}"}},
	} {
		s, err := parse(&bc.p)
		if err != nil {
			b.Fatal(err)
		}
		in := selected(b, s, objs)
		for _, route := range []struct {
			name string
			run  func(*spec, []*manifest.Object) ([]map[string]any, error)
		}{{"nodes", run}, {"text", runText}} {
			b.Run(bc.name+"/"+route.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := route.run(s, in); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// fleetSMPatch is the strategic-merge patch the generated fleet's hubs
// carry most (internal/genfleet).
const fleetSMPatch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: proxy\n  annotations:\n    example.org/tier: production"

// BenchmarkStrategicMerge measures the fleet's strategic-merge patch on
// one Deployment: run (which may skip kustomize) against kustomize itself.
func BenchmarkStrategicMerge(b *testing.B) {
	objs := testObjects(b, "staging")
	s, err := parse(&model.Patch{Target: deploymentTarget("proxy"), Patch: fleetSMPatch})
	if err != nil {
		b.Fatal(err)
	}
	in := selected(b, s, objs)
	for _, route := range []struct {
		name string
		run  func(*spec, []*manifest.Object) ([]map[string]any, error)
	}{{"run", run}, {"kustomize", runKustomize}} {
		b.Run(route.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := route.run(s, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
