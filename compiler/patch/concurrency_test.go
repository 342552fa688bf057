package patch

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// patchedHub is a hub with a mix of patch kinds; with broken set, a
// fourth patch fails.
func patchedHub(name string, i int, broken bool) *model.Hub {
	h := testHub(name,
		model.Patch{Target: &model.PatchTarget{LabelSelector: "component in (proxy,user-placeholder)"},
			Patch: fmt.Sprintf(`[{"op": "add", "path": "/metadata/labels/example.org~1hub", "value": %q}]`, name)},
		model.Patch{Target: deploymentTarget("hub"), Patch: fmt.Sprintf(`spec:
  template:
    spec:
      containers:
        - name: hub
          env:
            - {name: HUB_INDEX, value: "%d"}`, i)},
		model.Patch{Patch: "apiVersion: v1\nkind: Service\nmetadata: {name: proxy-public}\nspec: {type: LoadBalancer}"},
		model.Patch{Target: deploymentTarget("proxy"), Patch: fleetSMPatch},
	)
	if broken {
		h.Patches = append(h.Patches, model.Patch{Target: &model.PatchTarget{Kind: "ClusterRole"},
			Patch: `[{"op": "remove", "path": "/rules/3"}]`, Pos: model.Pos{File: h.Src.File, Line: 60}})
	}
	return h
}

type result struct {
	objs  []*manifest.Object
	diags diag.List
}

// TestConcurrentApplyMatchesSerial runs Apply for many hubs from 8
// goroutines and checks every result equals the serial one. Run with
// -race: kustomize's global OpenAPI state is the hazard this guards.
func TestConcurrentApplyMatchesSerial(t *testing.T) {
	const hubs, workers = 24, 8
	inputs := make([][]*manifest.Object, hubs)
	models := make([]*model.Hub, hubs)
	serial := make([]result, hubs)
	for i := range hubs {
		name := fmt.Sprintf("hub%02d", i)
		inputs[i] = testObjects(t, name)
		broken := i%2 == 1
		models[i] = patchedHub(name, i, broken)
		serial[i].objs, serial[i].diags = Apply(models[i], inputs[i])
		if want := map[bool]int{false: 0, true: 1}[broken]; len(serial[i].diags) != want {
			t.Fatalf("hub %s: want %d diagnostics, got:\n%s", name, want, listString(serial[i].diags))
		}
	}

	merges := mergeRuns.Load()
	parallel := make([]result, hubs)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				parallel[i].objs, parallel[i].diags = Apply(models[i], inputs[i])
			}
		})
	}
	for i := range hubs {
		next <- i
	}
	close(next)
	wg.Wait()

	// The strategic-merge patches of maps and scalars run concurrently
	// without kustomize.
	if got := mergeRuns.Load() - merges; got < 2*hubs {
		t.Errorf("%d strategic-merge patches applied directly, want at least %d", got, 2*hubs)
	}
	for i := range hubs {
		if diff := cmp.Diff(serial[i], parallel[i], cmp.AllowUnexported(result{}), cmpopts.IgnoreUnexported(manifest.Object{})); diff != "" {
			t.Errorf("hub %d: concurrent result differs (-serial +parallel):\n%s", i, diff)
		}
		env := find(t, parallel[i].objs, "Deployment", "hub").Get("spec", "template", "spec", "containers").([]any)[0].(map[string]any)["env"].([]any)
		if got := env[0].(map[string]any)["value"]; got != fmt.Sprint(i) {
			t.Errorf("hub %d got another hub's patch: HUB_INDEX=%v", i, got)
		}
	}
}

// BenchmarkApply measures one hub with three patches over a handful of
// objects: the per-hub cost of patching, kustomize included.
func BenchmarkApply(b *testing.B) {
	objs := testObjects(b, "staging")
	h := patchedHub("staging", 1, false)
	for b.Loop() {
		if _, d := Apply(h, objs); len(d) > 0 {
			b.Fatal(listString(d))
		}
	}
}

// BenchmarkApplyNoPatches is the cost for the common hub.
func BenchmarkApplyNoPatches(b *testing.B) {
	objs := testObjects(b, "staging")
	h := testHub("staging")
	for b.Loop() {
		Apply(h, objs)
	}
}
