package jupyterhub

import (
	"testing"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
)

// BenchmarkSettingsJSON renders hubfleet.json of the all-options fleet's
// hubs, one hub per iteration.
func BenchmarkSettingsJSON(b *testing.B) {
	rs := fleetRenderers(b, fleetgen.GenerateAllOptions())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := rs[i%len(rs)].settingsJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
