package build

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/output"
)

// Benchmarks of each stage on generated fleets of 100 and 1,000 hubs on 50
// clusters (make bench). Figures and how to read them: docs/performance.md.

var sizes = []struct {
	name string
	opts fleetgen.Options
}{
	{"hubs=100", fleetgen.Options{Clusters: 50, HubsPerCluster: 2, Seed: 1}},
	{"hubs=1000", fleetgen.Options{Clusters: 50, HubsPerCluster: 20, Seed: 1}},
}

func BenchmarkValidate(b *testing.B) {
	for _, s := range sizes {
		fsys := fleetgen.Generate(s.opts)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, diags := Validate(fsys, Options{}); diags.HasErrors() {
					b.Fatal(diags)
				}
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	for _, s := range sizes {
		fsys := fleetgen.Generate(s.opts)
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				mustRender(b, fsys, Options{})
			}
		})
	}
}

// BenchmarkWrite writes a rendered tree into a directory that already
// holds it (the common case: nothing or little changed) and fresh.
func BenchmarkWrite(b *testing.B) {
	for _, s := range sizes {
		res := mustRender(b, fleetgen.Generate(s.opts), Options{})
		dir := filepath.Join(b.TempDir(), "rendered")
		if _, err := output.Write(dir, res.Tree); err != nil {
			b.Fatal(err)
		}
		b.Run(s.name+"/unchanged", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := output.Write(dir, res.Tree); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.name+"/one-hub-changed", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				t := make(output.Tree, len(res.Tree))
				for p, d := range res.Tree {
					t[p] = d
				}
				t["README.md"] = fmt.Appendf(nil, "%s\n<!-- %d -->\n", res.Tree["README.md"], i)
				i++
				if _, err := output.Write(dir, t); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderCheck is `render --check` with nothing changed: render,
// then compare with the tree on disk.
func BenchmarkRenderCheck(b *testing.B) {
	for _, s := range sizes {
		fsys := fleetgen.Generate(s.opts)
		res := mustRender(b, fsys, Options{})
		dir := filepath.Join(b.TempDir(), "rendered")
		if _, err := output.Write(dir, res.Tree); err != nil {
			b.Fatal(err)
		}
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := mustRender(b, fsys, Options{})
				diffs, err := output.Check(dir, r.Tree)
				if err != nil || len(diffs) > 0 {
					b.Fatal(err, diffs)
				}
			}
		})
	}
}
