package output

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// TestPriorSame: only a regular file holding exactly the bytes, reached
// without a symbolic link, is the same; nothing else is, and nothing
// hangs.
func TestPriorSame(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("c/hubs/h/a.yaml", "kind: A\n")
	write("c/hubs/h/empty.yaml", "")
	write("real/b.yaml", "kind: B\n")
	if err := os.Symlink("a.yaml", filepath.Join(dir, "c/hubs/h/link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "c/fifo.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := OpenPrior(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, c := range []struct {
		rel, data string
		same      bool
	}{
		{"c/hubs/h/a.yaml", "kind: A\n", true},
		{"c/hubs/h/empty.yaml", "", true},
		{"real/b.yaml", "kind: B\n", true},
		{"c/hubs/h/a.yaml", "kind: A", false},
		{"c/hubs/h/a.yaml", "kind: A\nmore\n", false},
		{"c/hubs/h/a.yaml", "kind: X\n", false},
		{"c/hubs/h/missing.yaml", "kind: A\n", false},
		{"c/hubs/h/link.yaml", "kind: A\n", false}, // a symbolic link
		{"linked/b.yaml", "kind: B\n", false},      // behind one
		{"c/fifo.yaml", "", false},
		{"c/hubs", "", false}, // a directory
		{"../outside.yaml", "", false},
	} {
		if got := p.Same(c.rel, []byte(c.data)); got != c.same {
			t.Errorf("Same(%q, %q) = %v, want %v", c.rel, c.data, got, c.same)
		}
	}
	var none *Prior
	if none.Same("c/hubs/h/a.yaml", []byte("kind: A\n")) {
		t.Error("a nil Prior found a file")
	}
	if q, err := OpenPrior(filepath.Join(dir, "nothing")); q != nil || err != nil {
		t.Errorf("OpenPrior of a missing directory = %v, %v; want nil, nil", q, err)
	}
}

func TestAppendEncode(t *testing.T) {
	o := manifest.MustNew("hubs/c/h.yaml", &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "n"},
		Data:       map[string]string{"k": "v\nw\n"},
	})
	want, err := Encode(o)
	if err != nil {
		t.Fatal(err)
	}
	got, err := AppendEncode([]byte("prefix"), o)
	if err != nil || string(got) != "prefix"+string(want) {
		t.Errorf("AppendEncode = %q, %v; want prefix + %q", got, err, want)
	}
}
