package daskgateway

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hubfleet/hubfleet/internal/golden"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// dump writes objects as a YAML stream, each headed by where it belongs.
func dump(objs []*manifest.Object) ([]byte, error) {
	var buf bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o.Map())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o, err)
		}
		fmt.Fprintf(&buf, "---\n# %s (cluster %q, hub %q, source %q)\n%s", o.FileName(), o.Cluster, o.Hub, o.Source, y)
	}
	return buf.Bytes(), nil
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

func TestGolden(t *testing.T) {
	for name, mk := range testHubs() {
		t.Run(name, func(t *testing.T) {
			got, err := dump(mustRender(t, mk()))
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name, got)
		})
	}
}

// TestDeterministic renders the same hub repeatedly: map iteration order
// must never leak into the output.
func TestDeterministic(t *testing.T) {
	first, err := dump(mustRender(t, awsHub()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		again, err := dump(mustRender(t, awsHub()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("render %d differs from the first", i+1)
		}
	}
}
