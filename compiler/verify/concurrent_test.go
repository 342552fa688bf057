package verify_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// The memos and caches are shared by a render's workers: checking one
// fleet from several goroutines with one Memo (typed objects and the same
// objects as maps, as patched ones are) gives each the messages a lone
// check gives. Run with -race, it also checks the sharing.
func TestConcurrentChecks(t *testing.T) {
	groups := renderFleet(t, fleetgen.GenerateAllOptions())
	for i, g := range groups {
		if i%2 == 0 {
			groups[i].objs = asMaps(g.objs)
		}
	}
	// And a failing copy of the first Deployment, reported by each.
	for i, g := range groups {
		for _, o := range g.objs {
			if o.Kind() == "Deployment" {
				body := deepCopy(o.Map()).(map[string]any)
				setPath(body, []any{"spec", "template", "spec", "containers", 0, "image"}, "")
				groups[i].objs = append(g.objs, &manifest.Object{Source: o.Source, Body: body})
				break
			}
		}
	}
	want := fmt.Sprint(verifyGroups(groups, &verify.Memo{}))
	if want == "[]" {
		t.Fatal("no failure to compare")
	}
	memo := &verify.Memo{}
	got := make([]string, 4)
	var wg sync.WaitGroup
	for w := range got {
		wg.Go(func() { got[w] = fmt.Sprint(verifyGroups(groups, memo)) })
	}
	wg.Wait()
	for w, g := range got {
		if g != want {
			t.Errorf("worker %d: %s, want %s", w, g, want)
		}
	}
}
