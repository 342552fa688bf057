package load

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// The fast path (fields validated one by one, each distinct value once)
// decodes exactly what the full validation of the whole hub decodes,
// positions included, and reports the same errors.
func TestFastPathMatchesFullValidation(t *testing.T) {
	broken := fleetgen.Generate(fleetgen.Options{Clusters: 2, HubsPerCluster: 3, Seed: 3})
	broken["hubs/aws-karpenter-00/bad.yaml"] = &fstest.MapFile{Data: []byte(hubYAML +
		"culling: {enabled: true, every: 0, idle: 5}\nstorage: {home: {type: nfs}}\n")}
	fleets := map[string]fstestFS{
		"generated":   fleetgen.Generate(fleetgen.Options{Clusters: 4, HubsPerCluster: 7, Seed: 11}),
		"all options": fleetgen.GenerateAllOptions(),
		"fixture":     fixture(nil),
		"broken":      broken,
	}
	opts := cmp.Options{cmpopts.IgnoreFields(model.Hub{}, "Cluster"), cmpopts.EquateEmpty()}
	for name, fsys := range fleets {
		fast, fastErrs := Load(fsys, Options{Workers: 2})
		fastPath = false
		full, fullErrs := Load(fsys, Options{Workers: 2})
		fastPath = true
		if diff := cmp.Diff(full, fast, opts); diff != "" {
			t.Errorf("%s: fleets differ (-full +fast):\n%s", name, diff)
		}
		if diff := cmp.Diff(lines(fullErrs), lines(fastErrs)); diff != "" {
			t.Errorf("%s: diagnostics differ (-full +fast):\n%s", name, diff)
		}
		if name == "broken" && len(fastErrs) == 0 {
			t.Error("the broken hub was not reported")
		}
	}
	// And on the example fleet of the repository.
	ex := os.DirFS("../..")
	fast, _ := Load(ex, Options{})
	fastPath = false
	full, _ := Load(ex, Options{})
	fastPath = true
	if diff := cmp.Diff(full, fast, opts); diff != "" {
		t.Errorf("example fleet differs (-full +fast):\n%s", diff)
	}
}

type fstestFS = fstest.MapFS

// Different values never share a canonical text (the text keys the cache
// of validated values); positions do not change it.
func TestCanonical(t *testing.T) {
	texts := map[string]string{}
	for _, src := range []string{
		"a: {b: 1, c: [x, y]}", "a: {b: 1.0, c: [x, y]}", "a: {b: '1', c: [x, y]}",
		"a: {c: [x, y], b: 1}", "a: {b: 1, c: [xy]}", "a: {b: 1, c: ['x, y']}", "a: {b: true}", "a: {b: 'true'}",
	} {
		n, errs := parseYAML(newSource("f.yaml", []byte(src)))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		var b strings.Builder
		n.canonical(&b)
		if prev, dup := texts[b.String()]; dup {
			t.Errorf("%q and %q have the same canonical text %s", prev, src, b.String())
		}
		texts[b.String()] = src
	}
	a, _ := parseYAML(newSource("f.yaml", []byte("a: {b: 1}")))
	b, _ := parseYAML(newSource("g.yaml", []byte("\n\na:\n  b: 1\n")))
	var sa, sb strings.Builder
	a.canonical(&sa)
	b.canonical(&sb)
	if sa.String() != sb.String() {
		t.Errorf("positions change the canonical text: %s vs %s", sa.String(), sb.String())
	}
}

// A valid hub takes the fast path; a hub with an unknown, missing or
// invalid field does not.
func TestFastPathTaken(t *testing.T) {
	w, err := newWorker(nil, newPieceCache())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		src  string
		fast bool
	}{
		{hubYAML + "image: a/b:1\n", true},
		{hubYAML + "image: a/b:1\nculling: {every: 0}\n", false},
		{hubYAML + "image: a/b:1\nculling: {evry: 1}\n", false},
		{hubYAML + "image: a/b:1\nimag: x\n", false},
		{hubYAML, false}, // no image
		{hubYAML + "image: a/b:1\nstorage: {home: {type: nfs}}\n", false},
	} {
		tree, errs := parseYAML(newSource("hubs/c1/h1.yaml", []byte(tt.src)))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		tree = w.injectName(tree, "h1", "file", "hubs/c1/h1.yaml", &errs)
		eff := deriveDefaults(merge(baseHub(), tree), true)
		var h model.Hub
		if got := w.fastHub(eff, &h, "hubs/c1/h1.yaml"); got != tt.fast {
			t.Errorf("fastHub(%q) = %v, want %v", tt.src, got, tt.fast)
		}
		if tt.fast && (h.Namespace != "h1" || h.Culling.Every != 600 || h.Src.At("culling.every").File != "hubs/c1/h1.yaml") {
			t.Errorf("decoded %+v", h)
		}
	}
}
