package nodepool

import (
	"bytes"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/hubfleet/hubfleet/internal/golden"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// encode writes objects as a YAML stream, each preceded by its source.
func encode(t *testing.T, objs []*manifest.Object) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		y, err := yaml.Marshal(o.Map())
		if err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		b.WriteString("---\n# cluster: " + o.Cluster + ", hub: " + o.Hub + ", source: " + o.Source + "\n")
		b.Write(y)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	r := newRenderer(t, nil)
	for _, p := range providers {
		t.Run(p.template, func(t *testing.T) {
			objs, err := r.Render(p.cluster())
			if err != nil {
				t.Fatal(err)
			}
			got := encode(t, objs)
			file := filepath.Join("testdata", p.template+".golden")
			golden.Check(t, file, got)

		})
	}
}

func newRenderer(t testing.TB, overrides fs.FS) *Renderer {
	t.Helper()
	r, err := New(overrides)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
