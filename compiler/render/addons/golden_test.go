package addons

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/output"
)

var update = flag.Bool("update", false, "rewrite golden files")

// encodeAll is the objects as the output stage writes them, one document
// each, preceded by where they belong.
func encodeAll(t *testing.T, objs []*manifest.Object) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		data, err := output.Encode(o)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString("--- # cluster=" + o.Cluster + " hub=" + o.Hub + "\n")
		b.Write(data)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	got := encodeAll(t, mustRender(t, threeClusters()))
	golden := filepath.Join("testdata", "three-clusters.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
	}
}

// TestDeterministic renders twice from fresh fleets; map iteration order
// must not leak into the bytes.
func TestDeterministic(t *testing.T) {
	first := encodeAll(t, mustRender(t, threeClusters()))
	for range 5 {
		if again := encodeAll(t, mustRender(t, threeClusters())); !bytes.Equal(first, again) {
			t.Fatal("two renders of the same fleet differ")
		}
	}
}
