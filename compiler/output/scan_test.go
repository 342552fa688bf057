package output

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestScanMatchesWalk: the parallel scan lists what one walk of the whole
// tree lists, in the same order: files (regular or not), and directories
// in lexical pre-order, symbolic links not followed.
func TestScanMatchesWalk(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"a/hubs/h1", "a/hubs/h2", "a/cluster", "b", "c/empty", "argocd"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"README.md", "a/hubs/h1/x.yaml", "a/hubs/h2/y.yaml", "a/cluster/z.yaml", "argocd/a.yaml", "b/w.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for old, link := range map[string]string{"a": "link-dir", "README.md": "link-file", "../b": "a/hubs/up"} {
		if err := os.Symlink(old, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	got, ok, err := scan(dir)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	want := existing{files: map[string]bool{}}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			want.dirs = append(want.dirs, rel)
		} else {
			want.files[rel] = d.Type().IsRegular()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("scan = %+v\nwant %+v", got, want)
	}
	if _, ok, err := scan(filepath.Join(dir, "missing")); ok || err != nil {
		t.Errorf("missing directory: ok %v, err %v", ok, err)
	}
}
