package output

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// keepOld is the tree on disk before a run that reuses c1's files.
func keepOld() Tree {
	return Tree{
		"argocd/c1.yaml":                []byte("app c1\n"),
		"argocd/c2.yaml":                []byte("app c2\n"),
		"c1/cluster/namespace.yaml":     []byte("ns c1\n"),
		"c1/hubs/a/deployment-hub.yaml": []byte("hub a\n"),
		"c2/hubs/b/deployment-hub.yaml": []byte("hub b\n"),
		"c2/hubs/b/configmap-hub.yaml":  []byte("cm b\n"),
		"c3/hubs/x/deployment-hub.yaml": []byte("hub x\n"),
	}
}

// c1Files are the paths the caller vouches for.
var c1Files = []string{"argocd/c1.yaml", "c1/cluster/namespace.yaml", "c1/hubs/a/deployment-hub.yaml"}

func keepSet(paths ...string) Options {
	keep := map[string]bool{}
	for _, p := range paths {
		keep[p] = true
	}
	return Options{Keep: keep}
}

// snapshot records every file's bytes and identity under dir.
func snapshot(t *testing.T, dir string) (Tree, map[string]stamp) {
	t.Helper()
	tr := readDir(t, dir)
	st := map[string]stamp{}
	for p := range tr {
		st[p] = stampOf(t, filepath.Join(dir, filepath.FromSlash(p)))
	}
	return tr, st
}

func TestWriteWithKeepReusesFilesAcrossSwap(t *testing.T) {
	for _, noExch := range []bool{false, true} {
		t.Run(map[bool]string{false: "exchange", true: "fallback"}[noExch], func(t *testing.T) {
			noExchange = noExch
			defer func() { noExchange = false }()
			dir := filepath.Join(t.TempDir(), "rendered")
			old := keepOld()
			mustWrite(t, dir, old)
			_, before := snapshot(t, dir)
			time.Sleep(10 * time.Millisecond) // a rewrite would get a new mtime

			// c1 comes from the cache (nil values), c2 changes, c3 goes.
			next := Tree{
				"argocd/c2.yaml":                []byte("app c2\n"),
				"c2/hubs/b/deployment-hub.yaml": []byte("hub b v2\n"),
				"c2/hubs/b/service-hub.yaml":    []byte("svc b\n"),
			}
			for _, p := range c1Files {
				next[p] = nil
			}
			res, err := WriteWith(dir, next, keepSet(c1Files...))
			if err != nil {
				t.Fatal(err)
			}
			want := Result{
				Written: 2, Unchanged: 4, Removed: 2,
				WrittenPaths: []string{"c2/hubs/b/deployment-hub.yaml", "c2/hubs/b/service-hub.yaml"},
				RemovedPaths: []string{"c2/hubs/b/configmap-hub.yaml", "c3/hubs/x/deployment-hub.yaml"},
			}
			if d := cmp.Diff(want, res); d != "" {
				t.Errorf("result (-want +got):\n%s", d)
			}

			// The kept files hold their old bytes, not the nil of the tree.
			wantTree := Tree{}
			for p, b := range next {
				wantTree[p] = b
			}
			for _, p := range c1Files {
				wantTree[p] = old[p]
			}
			if d := cmp.Diff(wantTree, readDir(t, dir)); d != "" {
				t.Errorf("tree (-want +got):\n%s", d)
			}
			// They were linked into the new tree, not rewritten.
			for _, p := range append([]string{"argocd/c2.yaml"}, c1Files...) {
				if got := stampOf(t, filepath.Join(dir, p)); got != before[p] {
					t.Errorf("%s was rewritten: %+v → %+v", p, before[p], got)
				}
			}
			if got := stampOf(t, filepath.Join(dir, "c2/hubs/b/deployment-hub.yaml")); got == before["c2/hubs/b/deployment-hub.yaml"] {
				t.Error("changed file kept its inode and mtime: the swap did not happen")
			}
			if _, err := os.Stat(filepath.Join(dir, "c3")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("pruned cluster directory still there: %v", err)
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("leftovers: %v", l)
			}
		})
	}
}

// TestWriteWithKeepNeverReadsKeptFiles gives kept paths tree values that
// differ from the disk: the caller vouched for the disk, so Write neither
// compares nor replaces them.
func TestWriteWithKeepNeverReadsKeptFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	old := keepOld()
	mustWrite(t, dir, old)
	wrong := Tree{}
	for p, b := range old {
		wrong[p] = b
	}
	for _, p := range c1Files {
		wrong[p] = []byte("not what is on disk\n")
	}
	diskBefore, before := snapshot(t, dir)
	time.Sleep(10 * time.Millisecond)

	// Nothing else changes: nothing is touched.
	res, err := WriteWith(dir, wrong, keepSet(c1Files...))
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() || res.Unchanged != len(wrong) {
		t.Errorf("result: %+v", res)
	}
	disk, after := snapshot(t, dir)
	if d := cmp.Diff(diskBefore, disk); d != "" {
		t.Errorf("tree changed (-before +after):\n%s", d)
	}
	if d := cmp.Diff(before, after, cmp.AllowUnexported(stamp{})); d != "" {
		t.Errorf("files touched (-before +after):\n%s", d)
	}

	// Another file changes, so the tree is swapped: the kept files still
	// keep their bytes.
	wrong["c2/hubs/b/configmap-hub.yaml"] = []byte("cm b v2\n")
	res, err = WriteWith(dir, wrong, keepSet(c1Files...))
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(res.WrittenPaths, []string{"c2/hubs/b/configmap-hub.yaml"}) || res.Removed != 0 {
		t.Errorf("result: %+v", res)
	}
	disk = readDir(t, dir)
	for _, p := range c1Files {
		if string(disk[p]) != string(old[p]) {
			t.Errorf("%s = %q, want the kept %q", p, disk[p], old[p])
		}
		if got := stampOf(t, filepath.Join(dir, p)); got != before[p] {
			t.Errorf("%s was rewritten", p)
		}
	}

	// Control: without Keep the same tree rewrites them.
	res, err = Write(dir, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(res.WrittenPaths, c1Files) {
		t.Errorf("without Keep, written = %v, want %v", res.WrittenPaths, c1Files)
	}
}

func TestWriteWithKeepMissingFails(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) // makes the kept path unusable
		other bool                           // another file changes too
	}{
		{"absent", func(t *testing.T, dir string) {}, true},
		{"absent, nothing else changes", func(t *testing.T, dir string) {}, false},
		{"a directory", func(t *testing.T, dir string) {
			if err := os.MkdirAll(filepath.Join(dir, "c1/hubs/a/gone.yaml/inner"), 0o755); err != nil {
				t.Fatal(err)
			}
		}, true},
		{"a symlink", func(t *testing.T, dir string) {
			if err := os.Symlink("deployment-hub.yaml", filepath.Join(dir, "c1/hubs/a/gone.yaml")); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rendered")
			old := keepOld()
			mustWrite(t, dir, old)
			tc.setup(t, dir)
			diskBefore, before := snapshot(t, dir)
			time.Sleep(10 * time.Millisecond)

			next := Tree{}
			for p, b := range old {
				next[p] = b
			}
			next["c1/hubs/a/gone.yaml"] = nil
			if tc.other {
				next["c2/hubs/b/configmap-hub.yaml"] = []byte("cm b v2\n")
				delete(next, "c3/hubs/x/deployment-hub.yaml")
			}
			_, err := WriteWith(dir, next, keepSet(append([]string{"c1/hubs/a/gone.yaml"}, c1Files...)...))
			var ke *KeptFileError
			if !errors.As(err, &ke) || ke.Path != "c1/hubs/a/gone.yaml" {
				t.Fatalf("err = %v, want a KeptFileError naming the missing kept file", err)
			}
			disk, after := snapshot(t, dir)
			if d := cmp.Diff(diskBefore, disk); d != "" {
				t.Errorf("tree changed by a failed Write (-before +after):\n%s", d)
			}
			if d := cmp.Diff(before, after, cmp.AllowUnexported(stamp{})); d != "" {
				t.Errorf("files touched by a failed Write (-before +after):\n%s", d)
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("leftovers: %v", l)
			}
		})
	}

	t.Run("no output directory", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "rendered")
		_, err := WriteWith(dir, Tree{"a.yaml": []byte("a\n"), "kept.yaml": nil}, keepSet("kept.yaml"))
		if err == nil {
			t.Fatal("Write with a kept file and no output directory succeeded")
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("failed Write created %s: %v", dir, err)
		}
		if l := leftovers(t, dir); len(l) != 0 {
			t.Errorf("leftovers: %v", l)
		}
	})
}

func TestCheckWithKeep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	old := keepOld()
	mustWrite(t, dir, old)
	diskBefore, before := snapshot(t, dir)

	// Tree values that match nothing on disk, nil and not.
	next := Tree{}
	for p, b := range old {
		next[p] = b
	}
	next["argocd/c1.yaml"] = []byte("rendered differently\n")
	next["c1/cluster/namespace.yaml"] = nil
	next["c1/hubs/a/deployment-hub.yaml"] = []byte{}

	// Control: the contents really differ.
	diffs, err := Check(dir, next)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"changed: argocd/c1.yaml", "changed: c1/cluster/namespace.yaml", "changed: c1/hubs/a/deployment-hub.yaml"}
	if !cmp.Equal(diffs, want) {
		t.Fatalf("Check without Keep = %q, want %q", diffs, want)
	}

	diffs, err = CheckWith(dir, next, keepSet(c1Files...))
	if err != nil || len(diffs) != 0 {
		t.Errorf("CheckWith with the differing files kept = %q, %v; want no difference", diffs, err)
	}

	// Keep only vouches for the kept paths: other differences remain, and
	// a kept path that is not there is missing.
	next["c2/hubs/b/configmap-hub.yaml"] = []byte("cm b v2\n")
	delete(next, "c3/hubs/x/deployment-hub.yaml")
	next["c1/hubs/a/gone.yaml"] = nil
	if err := os.Symlink("deployment-hub.yaml", filepath.Join(dir, "c1/hubs/a/link.yaml")); err != nil {
		t.Fatal(err)
	}
	next["c1/hubs/a/link.yaml"] = nil
	diffs, err = CheckWith(dir, next, keepSet(append([]string{"c1/hubs/a/gone.yaml", "c1/hubs/a/link.yaml"}, c1Files...)...))
	if err != nil {
		t.Fatal(err)
	}
	want = []string{
		"missing: c1/hubs/a/gone.yaml",
		"changed: c1/hubs/a/link.yaml", // not a regular file: not what the caller checked
		"changed: c2/hubs/b/configmap-hub.yaml",
		"stale: c3/hubs/x/deployment-hub.yaml",
	}
	if !cmp.Equal(diffs, want) {
		t.Errorf("CheckWith = %q, want %q", diffs, want)
	}

	// Check writes nothing.
	if err := os.Remove(filepath.Join(dir, "c1/hubs/a/link.yaml")); err != nil {
		t.Fatal(err)
	}
	disk, after := snapshot(t, dir)
	if d := cmp.Diff(diskBefore, disk); d != "" {
		t.Errorf("CheckWith changed the tree (-before +after):\n%s", d)
	}
	if d := cmp.Diff(before, after, cmp.AllowUnexported(stamp{})); d != "" {
		t.Errorf("CheckWith touched files (-before +after):\n%s", d)
	}
}

func TestCheckWithKeepMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	diffs, err := CheckWith(dir, Tree{"a.yaml": []byte("a"), "kept.yaml": nil}, keepSet("kept.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"missing: a.yaml", "missing: kept.yaml"}; !cmp.Equal(diffs, want) {
		t.Errorf("CheckWith of a missing directory = %q, want %q", diffs, want)
	}
}
