package output

import (
	"os"
	"path/filepath"
	"testing"
)

// A listing made before Write is used as Write's own; one of another
// directory, or a directory Write had to restore first, is not.
func TestWriteWithListing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	first := Tree{"a/x.yaml": []byte("x\n"), "a/y.yaml": []byte("y\n"), "b/z.yaml": []byte("z\n")}
	if _, err := Write(dir, first); err != nil {
		t.Fatal(err)
	}
	next := Tree{"a/x.yaml": []byte("x\n"), "b/z.yaml": []byte("z2\n")}
	res, err := WriteWith(dir, next, Options{Listing: Prescan(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 1 || res.Removed != 1 || res.Unchanged != 1 {
		t.Errorf("result %+v, want 1 written, 1 removed, 1 unchanged", res)
	}
	if _, err := os.Stat(filepath.Join(dir, "a/y.yaml")); !os.IsNotExist(err) {
		t.Errorf("a/y.yaml not pruned: %v", err)
	}
	// A listing of another directory is not taken for this one.
	other := filepath.Join(t.TempDir(), "other")
	if _, err := Write(other, Tree{"q.yaml": []byte("q\n")}); err != nil {
		t.Fatal(err)
	}
	res, err = WriteWith(dir, Tree{"a/x.yaml": []byte("x\n")}, Options{Listing: Prescan(other)})
	if err != nil || res.Removed != 1 {
		t.Errorf("with another directory's listing: %+v, %v; want b/z.yaml removed", res, err)
	}
	// A stale listing is not used after a restore from an interrupted write.
	l := Prescan(dir)
	<-l.done
	old := filepath.Join(filepath.Dir(dir), ".rendered.old-1")
	if err := os.Rename(dir, old); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(old, "c"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "c/w.yaml"), []byte("w\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err = WriteWith(dir, Tree{"a/x.yaml": []byte("x\n")}, Options{Listing: l})
	if err != nil || res.Removed != 1 || res.RemovedPaths[0] != "c/w.yaml" {
		t.Errorf("after a restore: %+v, %v; want c/w.yaml removed", res, err)
	}
}
