package jupyterhub

import (
	"bytes"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/render/base"
	"github.com/hubfleet/hubfleet/internal/golden"
)

// dump writes objects as one YAML stream in manifest order.
func dump(t *testing.T, objs []*manifest.Object) []byte {
	t.Helper()
	manifest.Sort(objs)
	var buf bytes.Buffer
	for _, o := range objs {
		b, err := yaml.Marshal(o.Map())
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
			golden.Check(t, path, got)
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
