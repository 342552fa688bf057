package argocd

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

// dump renders objects as one YAML stream, each preceded by where it goes.
func dump(t *testing.T, objs []*manifest.Object) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, o := range objs {
		data, err := yaml.Marshal(o.Body)
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
	golden := filepath.Join("testdata", "two-clusters.golden")
	if *update {
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
