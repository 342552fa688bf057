package jupyterhub

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dump writes objects as one YAML stream in manifest order.
func dump(t *testing.T, objs []*manifest.Object) []byte {
	t.Helper()
	manifest.Sort(objs)
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o.Body)
		if err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		buf.WriteString("---\n")
		buf.Write(b)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, name := range base.SortedKeys(testHubs()) {
		t.Run(name, func(t *testing.T) {
			h := testHubs()[name]
			objs, err := Render(h, testFleet())
			if err != nil {
				t.Fatal(err)
			}
			got := dump(t, objs)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the rendering; rerun with -update and review the diff", path)
			}
		})
	}
}

// Rendering twice gives identical output: no map-order or shared-state leak.
func TestDeterministic(t *testing.T) {
	for name, h := range testHubs() {
		a, err := Render(h, testFleet())
		if err != nil {
			t.Fatal(err)
		}
		b, err := Render(testHubs()[name], testFleet())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dump(t, a), dump(t, b)) {
			t.Errorf("%s: two renderings differ", name)
		}
	}
}
