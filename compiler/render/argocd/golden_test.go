package argocd

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/internal/golden"
)

// dump renders objects as one YAML stream, each preceded by where it goes.
func dump(t *testing.T, objs []*manifest.Object) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o.Map())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "---\n# cluster=%q hub=%q source=%s\n%s", o.Cluster, o.Hub, o.Source, data)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	objs, err := Render(testFleet())
	if err != nil {
		t.Fatal(err)
	}
	got := dump(t, objs)
	file := filepath.Join("testdata", "two-clusters.golden")
	golden.Check(t, file, got)
}
