package output

import (
	"path"
	"strings"
	"testing"
)

// cleanByPath is the definition cleanRelative implements without
// allocating: what path.Clean leaves as it is, relative and inside.
func cleanByPath(p string) bool {
	return !(p == "" || p == "." || strings.HasPrefix(p, "/") || path.Clean(p) != p ||
		p == ".." || strings.HasPrefix(p, "../") || strings.ContainsRune(p, 0) || strings.ContainsRune(p, '\\'))
}

func FuzzCleanRelative(f *testing.F) {
	for _, p := range []string{"", ".", "..", "a", "a/b.yaml", "/a", "a/", "a//b", "./a", "a/.", "a/./b",
		"../a", "a/..", "a/../b", "..a", "a..", "a/..b/c", ".a/b", "a\\b", "a\x00b", "...", "a/.../b"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if got, want := cleanRelative(p), cleanByPath(p); got != want {
			t.Errorf("cleanRelative(%q) = %v, want %v", p, got, want)
		}
	})
}

func TestLayout(t *testing.T) {
	tr := Tree{"README.md": nil, "a/hubs/h1/x.yaml": nil, "a/hubs/h2/y.yaml": nil, "argocd/a.yaml": nil}
	dirs, err := tr.layout()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"a": true, "a/hubs": true, "a/hubs/h1": true, "a/hubs/h2": true, "argocd": true}
	if len(dirs) != len(want) {
		t.Errorf("dirs = %v, want %v", dirs, want)
	}
	for d := range want {
		if !dirs[d] {
			t.Errorf("dirs = %v, want %v", dirs, want)
		}
	}
	tr["a/hubs"] = nil
	_, err = tr.layout()
	if err == nil || err.Error() != `output path "a/hubs" is both a file and the directory of "a/hubs/h1/x.yaml"` {
		t.Errorf("collision: %v", err)
	}
	if _, err := (Tree{"a//b": nil}).layout(); err == nil || !strings.Contains(err.Error(), "not a clean relative path") {
		t.Errorf("unclean path: %v", err)
	}
}

// TestLayoutErrorsAreStable: with several offending paths the error names
// the smallest, whatever the map's order.
func TestLayoutErrorsAreStable(t *testing.T) {
	for _, c := range []struct {
		tree Tree
		want string
	}{
		{Tree{"c": nil, "c/z.yaml": nil, "a": nil, "a/x.yaml": nil, "a/w.yaml": nil, "b": nil, "b/y.yaml": nil},
			`output path "a" is both a file and the directory of "a/w.yaml"`},
		{Tree{"x//y": nil, "b/../c": nil, "./a": nil, "ok.yaml": nil},
			`output path "./a" is not a clean relative path`},
	} {
		for range 100 {
			if _, err := c.tree.layout(); err == nil || err.Error() != c.want {
				t.Fatalf("layout() = %v, want %s", err, c.want)
			}
		}
	}
}
