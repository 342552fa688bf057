package addons

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/output"
	"github.com/hubfleet/hubfleet/internal/golden"
)

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
	file := filepath.Join("testdata", "three-clusters.golden")
	golden.Check(t, file, got)
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
