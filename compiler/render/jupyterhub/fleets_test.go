package jupyterhub

import (
	"io/fs"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// fleetRenderers loads the fleet under fsys and returns a renderer for
// every hub, in cluster and hub order.
func fleetRenderers(tb testing.TB, fsys fs.FS) []*renderer {
	tb.Helper()
	fleet, diags := load.Load(fsys, load.Options{Workers: 1})
	if diags.HasErrors() {
		tb.Fatalf("loading the fleet: %v", diags)
	}
	var out []*renderer
	for _, c := range fleet.Clusters {
		for _, h := range c.Hubs {
			out = append(out, mustRenderer(tb, h, fleet))
		}
	}
	if len(out) == 0 {
		tb.Fatal("the fleet has no hubs")
	}
	return out
}

func mustRenderer(tb testing.TB, h *model.Hub, f *model.Fleet) *renderer {
	tb.Helper()
	r, err := newRenderer(h, f)
	if err != nil {
		tb.Fatalf("%s: %v", h.ID(), err)
	}
	return r
}
