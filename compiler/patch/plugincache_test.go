package patch

import (
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// TestReusedTransformerMatchesFresh runs every strategic-merge case
// several times, on the whole selection and object by object, so that the
// later runs reuse the configured transformer, and holds each run to the
// former text route, which configures a fresh one.
func TestReusedTransformerMatchesFresh(t *testing.T) {
	objs := trickyObjects(t)
	reused := 0
	for _, tc := range diffCases {
		s, err := parse(&model.Patch{Target: tc.target, Patch: tc.patch})
		if err != nil {
			t.Fatal(err)
		}
		if s.kind != strategicMerge {
			continue
		}
		in := selected(t, s, objs)
		plugin, cfg, err := configOf(s)
		if err != nil {
			t.Fatal(err)
		}
		key := pluginKey(plugin, cfg)
		for range 2 {
			compareRoutes(t, s, in)
			for _, o := range in {
				compareRoutes(t, s, []*manifest.Object{o})
			}
		}
		runMu.Lock()
		_, cached := pluginCache[key]
		runMu.Unlock()
		if cached {
			reused++
		}
	}
	if reused == 0 {
		t.Error("no configured transformer was kept")
	}
}
