package build

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hubfleet/hubfleet/compiler/cache"
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
		// One file of one hub changes: only that hub's directory is
		// exchanged.
		var hubFile string
		for _, p := range res.Tree.Paths() {
			if strings.Contains(p, "/hubs/") {
				hubFile = p
				break
			}
		}
		// README.md (top level) changes: the whole tree is exchanged.
		for _, c := range []struct{ name, path string }{{"one-hub-changed", hubFile}, {"top-level-file-changed", "README.md"}} {
			b.Run(s.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					t := make(output.Tree, len(res.Tree))
					for p, d := range res.Tree {
						t[p] = d
					}
					t[c.path] = fmt.Appendf(nil, "%s\n# %d\n", res.Tree[c.path], i)
					i++
					if _, err := output.Write(dir, t); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
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

// BenchmarkRenderCached is `render` / `render --check` as a developer runs
// them: the previous output is in place and the cache knows it (stamped,
// so unchanged files are trusted by their status). "unchanged" renders
// with nothing changed; "one-hub-changed" with one hub file edited, which
// renders that hub's cluster again.
func BenchmarkRenderCached(b *testing.B) {
	for _, s := range sizes {
		fsys := fleetgen.Generate(s.opts)
		dir := filepath.Join(b.TempDir(), "rendered")
		cacheDir := b.TempDir()
		salt := cache.Salt([]byte("bench"))
		warm := func() {
			store := cache.Open(cacheDir, dir, salt)
			var prev fs.FS
			if _, err := os.Stat(dir); err == nil {
				prev = os.DirFS(dir)
			}
			res := mustRender(b, fsys, Options{Previous: prev, Cache: store})
			if _, err := output.WriteWith(dir, res.Tree, output.Options{Keep: res.Keep}); err != nil {
				b.Fatal(err)
			}
			store.Stamp(os.DirFS(dir), time.Now().Add(2*time.Second))
			if err := store.Save(); err != nil {
				b.Fatal(err)
			}
		}
		warm()
		warm()
		b.Run(s.name+"/unchanged", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				store := cache.Open(cacheDir, dir, salt)
				res := mustRender(b, fsys, Options{Previous: os.DirFS(dir), Cache: store})
				if res.Reused != len(res.Fleet.Clusters) {
					b.Fatalf("reused %d of %d clusters", res.Reused, len(res.Fleet.Clusters))
				}
				diffs, err := output.CheckWith(dir, res.Tree, output.Options{Keep: res.Keep})
				if err != nil || len(diffs) > 0 {
					b.Fatal(err, diffs)
				}
			}
		})
		var hub string
		for name := range fsys {
			if strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, "cluster.yaml") && strings.Count(name, "/") == 2 {
				hub = name
				break
			}
		}
		orig := fsys[hub].Data
		b.Run(s.name+"/one-hub-changed", func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				fsys[hub] = &fstest.MapFile{Data: fmt.Appendf(nil, "%s\n# edit %d\n", orig, i)}
				store := cache.Open(cacheDir, dir, salt)
				res := mustRender(b, fsys, Options{Previous: os.DirFS(dir), Cache: store})
				if res.Reused != len(res.Fleet.Clusters)-1 {
					b.Fatalf("reused %d of %d clusters", res.Reused, len(res.Fleet.Clusters))
				}
				if _, err := output.WriteWith(dir, res.Tree, output.Options{Keep: res.Keep}); err != nil {
					b.Fatal(err)
				}
			}
		})
		fsys[hub] = &fstest.MapFile{Data: orig}
	}
}
