package build

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/output"
)

// shippedFS copies the shipped hubs/ into memory so a test can edit it.
func shippedFS(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(repoRoot), "hubs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(filepath.Join(repoRoot, p))
		m[p] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func edit(t *testing.T, m fstest.MapFS, file, old, new string) {
	t.Helper()
	s := string(m[file].Data)
	if !strings.Contains(s, old) {
		t.Fatalf("%s has no %q", file, old)
	}
	m[file] = &fstest.MapFile{Data: []byte(strings.Replace(s, old, new, 1))}
}

// TestImmutableNodePoolChange: changing a field the provider cannot update
// in place, compared with the committed output, is an error naming the
// field at the pool's line; bumping generation makes it a new pool.
func TestImmutableNodePoolChange(t *testing.T) {
	m := shippedFS(t)
	res := mustRender(t, m, Options{})
	dir := filepath.Join(t.TempDir(), "rendered")
	if _, err := output.Write(dir, res.Tree); err != nil {
		t.Fatal(err)
	}
	const cluster = "hubs/pangeo-gcp/cluster.yaml"
	edit(t, m, cluster, "instanceTypes: [n2-highmem-4]", "instanceTypes: [n2-highmem-8]")

	_, diags, err := Render(m, Options{Previous: os.DirFS(dir)})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = diag.Write(&b, diags, diag.FormatText)
	want := cluster + `:23:5: nodePools[1]: node pool "user-n2-highmem-4": spec.nodeConfig.machineType cannot change in place (ContainerNodePool)`
	if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "bump the pool's generation (e.g. generation: b)") {
		t.Fatalf("diagnostics:\n%s\nwant a line containing:\n%s", b.String(), want)
	}

	// Without the committed output there is nothing to compare with.
	if _, diags, _ := Render(m, Options{}); diags.HasErrors() {
		t.Fatalf("no previous output, still errors: %v", diags)
	}

	// A new generation is a new object: no error, and the old pool's file
	// would be pruned from rendered/ (Argo CD keeps the pool: Prune=false).
	edit(t, m, cluster, "instanceTypes: [n2-highmem-8]\n", "instanceTypes: [n2-highmem-8]\n    generation: b\n")
	res2 := mustRender(t, m, Options{Previous: os.DirFS(dir)})
	if _, ok := res2.Tree["pangeo-gcp/cluster/containernodepool-user-n2-highmem-4-b.yaml"]; !ok {
		t.Fatal("no pool with the new generation")
	}
	if _, ok := res2.Tree["pangeo-gcp/cluster/containernodepool-user-n2-highmem-4.yaml"]; ok {
		t.Fatal("the old pool is still rendered")
	}
}
