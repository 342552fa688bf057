package build

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hubfleet/hubfleet/compiler/cache"
	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/output"
)

// TestCacheMatchesFreshRender is the render cache's contract: after any
// change to the inputs, a render that reuses cached clusters produces
// exactly the tree a render without the cache produces, and it reuses
// every cluster the change did not touch. Each step edits one kind of
// input (a hub file, a cluster file, fleet.yaml, a node-pool template, a
// hub added or removed, a rendered file edited by hand), then renders
// with and without the cache, compares, and writes the result as the next
// step's previous output. The cache is saved and reopened between steps,
// as separate runs of the CLI would.
func TestCacheMatchesFreshRender(t *testing.T) {
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: 4, HubsPerCluster: 3, Seed: 7})
	clusters, hubFiles := layout(t, fsys)
	if len(clusters) != 4 {
		t.Fatalf("clusters = %v", clusters)
	}
	out := filepath.Join(t.TempDir(), "rendered")
	cacheDir := t.TempDir()
	salt := []byte("test compiler")

	// step renders with and without the cache and checks they agree and
	// that wantReused clusters were reused.
	step := func(name string, wantReused int) {
		t.Helper()
		var prev fs.FS
		var err error
		if _, err = os.Stat(out); err == nil {
			prev = os.DirFS(out)
		}
		fresh := mustRender(t, fsys, Options{Previous: prev})
		store := cache.Open(cacheDir, out, cache.Salt(salt))
		cached := mustRender(t, fsys, Options{Previous: prev, Cache: store})
		// Reused files are not in the tree: they stay as they are in the
		// previous output.
		full := output.Tree{}
		for p, data := range cached.Tree {
			if cached.Keep[p] {
				if data != nil {
					t.Fatalf("%s: kept file %s has contents in the tree", name, p)
				}
				if data, err = os.ReadFile(filepath.Join(out, p)); err != nil {
					t.Fatal(err)
				}
			}
			full[p] = data
		}
		if d := treeDiff(fresh.Tree, full); d != "" {
			t.Fatalf("%s: the cached render differs from a fresh one:\n%s", name, d)
		}
		if cached.Objects != fresh.Objects {
			t.Errorf("%s: objects = %d with the cache, %d without", name, cached.Objects, fresh.Objects)
		}
		if cached.Reused != wantReused {
			t.Errorf("%s: %d clusters reused, want %d", name, cached.Reused, wantReused)
		}
		if _, err := output.WriteWith(out, cached.Tree, output.Options{Keep: cached.Keep}); err != nil {
			t.Fatal(err)
		}
		// Record the files' status as the CLI does after writing, as if a
		// little later (files are "racily clean" for a second), so that
		// the next step trusts unchanged files without reading them.
		store.Stamp(os.DirFS(out), time.Now().Add(2*time.Second))
		if err := store.Save(); err != nil {
			t.Fatal(err)
		}
	}
	edit := func(name, old, new string) {
		t.Helper()
		f := fsys[name]
		if f == nil || !bytes.Contains(f.Data, []byte(old)) {
			t.Fatalf("%s does not contain %q", name, old)
		}
		fsys[name] = &fstest.MapFile{Data: bytes.Replace(f.Data, []byte(old), []byte(new), 1)}
	}

	step("first render (empty cache)", 0)
	step("nothing changed", 4)

	hub := hubFiles[clusters[0]][0]
	edit(hub, "displayName: ", "displayName: Renamed ") // the overview only
	step("one hub's display name edited", 3)
	edit(hub, "\nnamespace: ", "\nnamespace: edited-") // every object of the hub
	step("one hub's namespace edited", 3)

	edit("hubs/"+clusters[1]+"/cluster.yaml", "max: ", "max: 1")
	step("one cluster file edited", 3)

	edit("hubs/fleet.yaml", "pangeo/pangeo-notebook:", "pangeo/pangeo-notebook:x")
	step("fleet.yaml edited", 0)
	step("nothing changed again", 4)

	fsys["hubs/_templates/aws-karpenter.libsonnet"] = &fstest.MapFile{Data: []byte(
		"local base = import 'hubfleet/aws-karpenter.libsonnet';\n" +
			"base { nodeClass(nc, cluster):: base.nodeClass(nc, cluster) + { metadata+: { labels+: { team: 'data' } } } }\n")}
	step("node-pool template added", 0)

	gone := hubFiles[clusters[2]][0]
	delete(fsys, gone)
	step("hub removed", 3)

	src := hubFiles[clusters[3]][0]
	stem := strings.TrimSuffix(path.Base(src), path.Ext(src))
	added := path.Join(path.Dir(src), "copy"+path.Ext(src))
	data := bytes.ReplaceAll(fsys[src].Data, []byte(stem), []byte("copy"))
	fsys[added] = &fstest.MapFile{Data: data}
	step("hub added", 3)

	// A rendered file edited by hand: its cluster renders again (and the
	// file is restored), the others are reused.
	var victim string
	_ = filepath.WalkDir(filepath.Join(out, clusters[0], "hubs"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	if err := os.WriteFile(victim, []byte("# edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	step("rendered file edited by hand", 3)

	// A different compiler (salt) reuses nothing.
	salt = []byte("another compiler")
	step("compiler changed", 0)
}

// layout lists the clusters of a generated fleet and their hub files.
func layout(t *testing.T, fsys fstest.MapFS) ([]string, map[string][]string) {
	t.Helper()
	hubs := map[string][]string{}
	for name := range fsys {
		dir, base := path.Split(name)
		if base == "cluster.yaml" {
			c := path.Base(dir)
			hubs[c] = hubs[c]
		}
	}
	for name := range fsys {
		dir, base := path.Split(name)
		c := path.Base(dir)
		if _, ok := hubs[c]; ok && base != "cluster.yaml" && (strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".cue")) {
			hubs[c] = append(hubs[c], name)
		}
	}
	var clusters []string
	for c := range hubs {
		sort.Strings(hubs[c])
		clusters = append(clusters, c)
	}
	sort.Strings(clusters)
	return clusters, hubs
}

func treeDiff(a, b output.Tree) string {
	var d []string
	for p, x := range a {
		if y, ok := b[p]; !ok {
			d = append(d, "only without the cache: "+p)
		} else if !bytes.Equal(x, y) {
			d = append(d, "differs: "+p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			d = append(d, "only with the cache: "+p)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}

// flipFS serves one file's old bytes to the first read and its new bytes
// to every later one: a file saved while hubfleet runs.
type flipFS struct {
	fstest.MapFS
	name     string
	old, new []byte
	reads    int
}

func (f *flipFS) Open(name string) (fs.File, error) {
	if name == f.name {
		f.reads++
		data := f.new
		if f.reads == 1 {
			data = f.old
		}
		m := fstest.MapFS{name: &fstest.MapFile{Data: data}}
		return m.Open(name)
	}
	return f.MapFS.Open(name)
}

// ReadFile goes through Open (MapFS's own would bypass it).
func (f *flipFS) ReadFile(name string) ([]byte, error) {
	file, err := f.Open(name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return io.ReadAll(file)
}

// TestCacheKeysWhatWasLoaded: a hub file saved between the load and any
// later read must not get the old output cached under its new content.
func TestCacheKeysWhatWasLoaded(t *testing.T) {
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: 2, HubsPerCluster: 2, Seed: 3})
	_, hubFiles := layout(t, fsys)
	var hub string
	for _, files := range hubFiles {
		for _, f := range files {
			if strings.HasSuffix(f, ".yaml") && bytes.Contains(fsys[f].Data, []byte("\nnamespace: ")) {
				hub = f
			}
		}
	}
	if hub == "" {
		t.Fatal("no YAML hub with a namespace")
	}
	// Another namespace: every object of the hub changes.
	old := fsys[hub].Data
	edited := bytes.Replace(old, []byte("\nnamespace: "), []byte("\nnamespace: edited-"), 1)
	out := filepath.Join(t.TempDir(), "rendered")
	cacheDir := t.TempDir()
	salt := cache.Salt([]byte("test"))

	// The run that sees the file change under it.
	flip := &flipFS{MapFS: fsys, name: hub, old: old, new: edited}
	store := cache.Open(cacheDir, out, salt)
	res := mustRender(t, flip, Options{Cache: store})
	if _, err := output.Write(out, res.Tree); err != nil {
		t.Fatal(err)
	}
	store.Stamp(os.DirFS(out), time.Now().Add(2*time.Second))
	if err := store.Save(); err != nil {
		t.Fatal(err)
	}

	// The next run reads the new bytes throughout: it must render the
	// edited hub, not reuse the output of the old bytes.
	fsys[hub] = &fstest.MapFile{Data: edited}
	fresh := mustRender(t, fsys, Options{Previous: os.DirFS(out)})
	store = cache.Open(cacheDir, out, salt)
	cached := mustRender(t, fsys, Options{Previous: os.DirFS(out), Cache: store})
	for p := range cached.Keep {
		data, err := os.ReadFile(filepath.Join(out, p))
		if err != nil {
			t.Fatal(err)
		}
		cached.Tree[p] = data
	}
	if d := treeDiff(fresh.Tree, cached.Tree); d != "" {
		t.Fatalf("the cache reused output of bytes that are no longer there:\n%s", d)
	}
	if cached.Reused != 1 {
		t.Errorf("reused %d clusters, want 1 (the other cluster)", cached.Reused)
	}
}
