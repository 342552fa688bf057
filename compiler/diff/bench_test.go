package diff

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/fleetgen"
)

// BenchmarkCompare is the diff stage on its own: two rendered fleets of 100
// and 1,000 hubs that differ by the default image of every hub (a fleet-wide
// upgrade, the largest ordinary diff). Rendering both sides is measured by
// the build benchmarks.
func BenchmarkCompare(b *testing.B) {
	for _, s := range []struct {
		name string
		opts fleetgen.Options
	}{
		{"hubs=100", fleetgen.Options{Clusters: 50, HubsPerCluster: 2, Seed: 1}},
		{"hubs=1000", fleetgen.Options{Clusters: 50, HubsPerCluster: 20, Seed: 1}},
	} {
		base := fleetgen.Generate(s.opts)
		head := fleetgen.Generate(s.opts)
		f := head["hubs/fleet.yaml"]
		f.Data = []byte(strings.Replace(string(f.Data), "pangeo-notebook:2024.11.08", "pangeo-notebook:2025.01.10", 1))
		render := func(fsys fs.FS) Side {
			res, diags, err := build.Render(fsys, build.Options{})
			if err != nil || diags.HasErrors() {
				b.Fatal(err, diags)
			}
			return Side{Fleet: res.Fleet, Tree: res.Tree}
		}
		bs, hs := render(base), render(head)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := Compare(bs, hs)
				if err != nil || r.Empty() {
					b.Fatal(err, "no changes")
				}
				_ = Markdown(r, MarkdownOptions{MaxChars: 65000})
			}
		})
	}
}
