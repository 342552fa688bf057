package daskgateway

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dump writes objects as a YAML stream, each headed by where it belongs.
func dump(objs []*manifest.Object) ([]byte, error) {
	var buf bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o.Body)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o, err)
		}
		fmt.Fprintf(&buf, "---\n# %s (cluster %q, hub %q, source %q)\n%s", o.FileName(), o.Cluster, o.Hub, o.Source, y)
	}
	return buf.Bytes(), nil
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs from golden (-want +got; go test -update rewrites it):\n%s", path, d)
	}
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
