package nodepool

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestImporterResolution(t *testing.T) {
	im := newImporter(fstest.MapFS{
		"aws-karpenter.libsonnet": {Data: []byte("override")},
		"lib/a.libsonnet":         {Data: []byte("lib a")},
		"a.libsonnet":             {Data: []byte("root a")},
		"b.libsonnet":             {Data: []byte("root b")},
	})
	cases := []struct{ from, path, foundAt, data string }{
		// The override shadows the embedded template...
		{"", "aws-karpenter.libsonnet", "hubs/_templates/aws-karpenter.libsonnet", "override"},
		{entryFile, "aws-karpenter.libsonnet", "hubs/_templates/aws-karpenter.libsonnet", "override"},
		// ...but hubfleet/ always reaches the embedded one.
		{"hubs/_templates/aws-karpenter.libsonnet", "hubfleet/aws-karpenter.libsonnet", "hubfleet/aws-karpenter.libsonnet", ""},
		// Embedded templates without an override.
		{entryFile, "gcp-config-connector.libsonnet", "hubfleet/gcp-config-connector.libsonnet", ""},
		// From an override file, its own folder first, then the root.
		{"hubs/_templates/lib/x.libsonnet", "a.libsonnet", "hubs/_templates/lib/a.libsonnet", "lib a"},
		{"hubs/_templates/lib/x.libsonnet", "b.libsonnet", "hubs/_templates/b.libsonnet", "root b"},
		{"hubs/_templates/x.libsonnet", "a.libsonnet", "hubs/_templates/a.libsonnet", "root a"},
		{"hubs/_templates/lib/x.libsonnet", "../a.libsonnet", "hubs/_templates/a.libsonnet", "root a"},
	}
	for _, c := range cases {
		got, at, err := im.Import(c.from, c.path)
		if err != nil {
			t.Errorf("Import(%q, %q): %v", c.from, c.path, err)
			continue
		}
		if at != c.foundAt {
			t.Errorf("Import(%q, %q) found at %q, want %q", c.from, c.path, at, c.foundAt)
		}
		if c.data != "" && got.String() != c.data {
			t.Errorf("Import(%q, %q) = %q, want %q", c.from, c.path, got.String(), c.data)
		}
		if c.data == "" && !strings.Contains(got.String(), "nodePool") {
			t.Errorf("Import(%q, %q) is not a template: %q", c.from, c.path, got.String())
		}
	}
	for _, bad := range []string{"/etc/passwd", "../x.libsonnet", "missing.libsonnet", "hubfleet/missing.libsonnet", "."} {
		if _, _, err := im.Import("", bad); err == nil {
			t.Errorf("Import(%q) succeeded", bad)
		}
	}
}

// The importer contract: stable answers, one buffer per file, misses cached.
func TestImporterContract(t *testing.T) {
	fsys := fstest.MapFS{"a.libsonnet": {Data: []byte("1")}}
	im := newImporter(fsys)
	c1, at1, err1 := im.Import("x.jsonnet", "a.libsonnet")
	c2, at2, err2 := im.Import("hubfleet/y.libsonnet", "a.libsonnet")
	if err1 != nil || err2 != nil || at1 != at2 {
		t.Fatalf("got (%q, %v) and (%q, %v)", at1, err1, at2, err2)
	}
	if &c1.Data()[0] != &c2.Data()[0] {
		t.Error("two imports of one file returned different buffers")
	}
	_, _, miss1 := im.Import("", "b.libsonnet")
	// A file appearing later does not change an answer already given.
	fsys["b.libsonnet"] = &fstest.MapFile{Data: []byte("2")}
	fsys["a.libsonnet"] = &fstest.MapFile{Data: []byte("changed")}
	_, _, miss2 := im.Import("", "b.libsonnet")
	c3, _, _ := im.Import("x.jsonnet", "a.libsonnet")
	if miss1 == nil || miss2 == nil {
		t.Errorf("miss not cached: %v, %v", miss1, miss2)
	}
	if c3.String() != "1" {
		t.Errorf("cached contents changed to %q", c3.String())
	}
}
