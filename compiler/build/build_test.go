package build

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hubfleet/hubfleet/internal/golden"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/output"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

const repoRoot = "../.."

func mustRender(t testing.TB, fsys fs.FS, opts Options) *Result {
	t.Helper()
	res, diags, err := Render(fsys, opts)
	if err != nil {
		t.Fatal(err)
	}
	if diags.HasErrors() {
		var b strings.Builder
		_ = diag.Write(&b, diags, diag.FormatText)
		t.Fatalf("diagnostics:\n%s", b.String())
	}
	return res
}

// TestShippedFleetGolden: the committed rendered/ is the golden output of
// the shipped hubs/. `go test ./compiler/build -update` rewrites it (the
// same as `make render`); review the diff.
func TestShippedFleetGolden(t *testing.T) {
	root := os.DirFS(repoRoot)
	res := mustRender(t, root, Options{})
	out := filepath.Join(repoRoot, "rendered")
	if golden.Update() {
		if _, err := output.Write(out, res.Tree); err != nil {
			t.Fatal(err)
		}
	}
	diffs, err := output.Check(out, res.Tree)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Fatalf("rendered/ differs from the shipped fleet's output (run `go test ./compiler/build -update` or `make render` and review):\n%s",
			strings.Join(diffs, "\n"))
	}
}

// TestShippedFleetSemantics re-checks the shipped output as a whole: every
// object valid for its kind, every hub's objects consistent, no Secret.
func TestShippedFleetSemantics(t *testing.T) {
	res := mustRender(t, os.DirFS(repoRoot), Options{})
	if res.Objects < 300 {
		t.Fatalf("only %d objects rendered for the shipped fleet", res.Objects)
	}
	kinds := map[string]int{}
	for p, data := range res.Tree {
		if !strings.HasSuffix(p, ".yaml") {
			continue
		}
		if !bytes.HasPrefix(data, []byte("# Source: hubs/")) {
			t.Errorf("%s: first line does not name the source hub file", p)
		}
		for _, doc := range bytes.Split(data, []byte("\n---\n")) {
			if bytes.Contains(doc, []byte("\nkind: Secret\n")) {
				t.Errorf("%s: a Secret is rendered", p)
			}
			kinds[kindOf(doc)]++
		}
	}
	for _, k := range []string{"Deployment", "NetworkPolicy", "ExternalSecret", "Password", "NodePool", "ContainerNodePool",
		"ManagedClustersAgentPool", "EC2NodeClass", "Application", "AppProject", "IngressRoute", "CustomResourceDefinition", "Ingress"} {
		if kinds[k] == 0 {
			t.Errorf("the shipped fleet renders no %s", k)
		}
	}
}

func kindOf(data []byte) string {
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "kind: ") {
			return strings.TrimPrefix(l, "kind: ")
		}
	}
	return ""
}

// TestDeterministic renders the same fleets with one and with several
// workers, under GOMAXPROCS 1 and 2: the bytes must be identical.
func TestDeterministic(t *testing.T) {
	fleets := map[string]func() Result{
		"shipped": func() Result { return *mustRender(t, os.DirFS(repoRoot), Options{}) },
		"generated": func() Result {
			return *mustRender(t, fleetgen.Generate(fleetgen.Options{Clusters: 6, HubsPerCluster: 4, Seed: 7}), Options{})
		},
	}
	for name, render := range fleets {
		t.Run(name, func(t *testing.T) {
			prev := runtime.GOMAXPROCS(1)
			a := render()
			runtime.GOMAXPROCS(2)
			b := render()
			runtime.GOMAXPROCS(prev)
			if len(a.Tree) != len(b.Tree) {
				t.Fatalf("%d files vs %d", len(a.Tree), len(b.Tree))
			}
			for p, data := range a.Tree {
				if !bytes.Equal(data, b.Tree[p]) {
					t.Fatalf("%s differs between GOMAXPROCS 1 and 2", p)
				}
			}
		})
	}
}

// TestGeneratedFleetsRenderClean covers every option of the spec through
// the generator, and checks the whole output once more from the files.
func TestGeneratedFleetsRenderClean(t *testing.T) {
	res := mustRender(t, fleetgen.GenerateAllOptions(), Options{})
	paths := res.Tree.Paths()
	sort.Strings(paths)
	if len(paths) < 500 {
		t.Fatalf("only %d files", len(paths))
	}
	if errs := noSecretsIn(res.Tree); len(errs) > 0 {
		t.Fatal(errs)
	}
}

func noSecretsIn(t output.Tree) []error {
	var objs = decodeTree(t)
	return verify.NoSecretData(objs)
}

// TestValidateSelection: validating one hub ignores problems elsewhere.
func TestValidateSelection(t *testing.T) {
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: 3, HubsPerCluster: 2, Seed: 3})
	f, diags := Validate(fsys, Options{})
	if diags.HasErrors() {
		t.Fatalf("generated fleet invalid: %v", diags)
	}
	hub := f.Clusters[0].Hubs[0]
	other := f.Clusters[1].Hubs[0]
	fsys[other.Src.File].Data = []byte("domain: [not, a, string]\n")
	if _, diags := Validate(fsys, Options{}); !diags.HasErrors() {
		t.Fatal("broken hub not reported")
	}
	if _, diags := Validate(fsys, Options{Select: []string{hub.ID()}}); diags.HasErrors() {
		t.Fatalf("selected hub reported problems elsewhere: %v", diags)
	}
}

// decodeTree reads every YAML document of a tree back into objects.
func decodeTree(t output.Tree) []*manifest.Object {
	var out []*manifest.Object
	for p, data := range t {
		if !strings.HasSuffix(p, ".yaml") {
			continue
		}
		for _, doc := range bytes.Split(data, []byte("\n---\n")) {
			var body map[string]any
			if err := yaml.Unmarshal(doc, &body); err == nil && body != nil {
				out = append(out, &manifest.Object{Source: p, Body: body})
			}
		}
	}
	return out
}

// TestTypedMatchesBody: verification reads built-in objects from the
// struct each was converted from (manifest.Object.Typed). That is sound
// only if no renderer changes a struct after converting it, so check that
// every rendered object's body is still exactly its struct's conversion,
// on the shipped fleet and on the fleet that uses every option.
func TestTypedMatchesBody(t *testing.T) {
	// Convert at manifest.New, so that o.Map() is the struct as it was
	// then; a later conversion shows any change made since.
	manifest.EagerMaps = true
	defer func() { manifest.EagerMaps = false }()
	for name, fsys := range map[string]fs.FS{"shipped": os.DirFS(repoRoot), "all-options": fleetgen.GenerateAllOptions()} {
		t.Run(name, func(t *testing.T) {
			fleet, diags := Validate(fsys, Options{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			typed := 0
			for _, h := range fleet.Hubs() {
				objs, ds, err := renderHub(fleet, h)
				if err != nil || ds.HasErrors() {
					t.Fatal(err, ds)
				}
				for _, o := range objs {
					if o.Typed() == nil {
						continue
					}
					typed++
					manifest.EagerMaps = false
					again, err := manifest.New(o.Source, o.Typed())
					manifest.EagerMaps = true
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(again.Map(), o.Map()) {
						t.Errorf("%s of hub %s: body differs from its struct's conversion (a renderer changed the struct after manifest.New)", o, h.ID())
					}
				}
			}
			if typed < 100 {
				t.Errorf("only %d typed objects: the shortcut is not exercised", typed)
			}
		})
	}
}

// TestClusterObjectsChecked: cluster-wide objects are checked before the
// hubs are done (precheck), and a failure found then is still reported
// once every object is assembled. A fleet's own node-pool template that
// writes an unknown field makes the render fail, naming the field.
func TestClusterObjectsChecked(t *testing.T) {
	fsys := fleetgen.GenerateAllOptions()
	fsys[TemplatesDir+"/gcp-config-connector.libsonnet"] = &fstest.MapFile{Data: []byte(`{
  nodePool(pool, cluster):: {
    apiVersion: 'container.cnrm.cloud.google.com/v1beta1',
    kind: 'ContainerNodePool',
    metadata: { name: pool.name, namespace: cluster.gcp.namespace },
    spec: { location: cluster.gcp.location, clusterRef: { external: cluster.gcp.clusterRef }, bogusField: 1 },
  },
}`)}
	_, _, err := Render(fsys, Options{})
	var ie *InternalError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an InternalError", err)
	}
	for _, want := range []string{"ContainerNodePool/", "spec.bogusField", "unknown field"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

// TestUnchangedFilesKept: with Options.Unchanged, files the output
// directory already holds are left out of the tree (Keep), the others keep
// their bytes, and writing the result gives exactly a full render.
func TestUnchangedFilesKept(t *testing.T) {
	fsys := fleetgen.GenerateAllOptions()
	full := mustRender(t, fsys, Options{})
	dir := filepath.Join(t.TempDir(), "rendered")
	if _, err := output.Write(dir, full.Tree); err != nil {
		t.Fatal(err)
	}
	// Edit one hub file and one cluster-wide file by hand, remove a third.
	var hubFile, clusterFile, gone string
	for _, p := range full.Tree.Paths() {
		switch {
		case hubFile == "" && strings.Contains(p, "/hubs/"):
			hubFile = p
		case clusterFile == "" && strings.Contains(p, "/cluster/"):
			clusterFile = p
		case gone == "" && strings.HasPrefix(p, "argocd/") && p != "argocd/root.yaml":
			gone = p
		}
	}
	for _, p := range []string{hubFile, clusterFile} {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("edited\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(dir, gone)); err != nil {
		t.Fatal(err)
	}
	prior, err := output.OpenPrior(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer prior.Close()
	res := mustRender(t, fsys, Options{Unchanged: prior.Same})
	for p, data := range full.Tree {
		changed := p == hubFile || p == clusterFile || p == gone || p == OverviewFile
		switch {
		case changed && (res.Keep[p] || !bytes.Equal(res.Tree[p], data)):
			t.Errorf("%s: changed on disk, yet kept (%v) or not its bytes", p, res.Keep[p])
		case !changed && (!res.Keep[p] || res.Tree[p] != nil):
			t.Errorf("%s: unchanged on disk, yet not kept (keep %v, %d bytes)", p, res.Keep[p], len(res.Tree[p]))
		}
	}
	if len(res.Tree) != len(full.Tree) {
		t.Errorf("%d paths, want %d", len(res.Tree), len(full.Tree))
	}
	st, err := output.WriteWith(dir, res.Tree, output.Options{Keep: res.Keep})
	if err != nil {
		t.Fatal(err)
	}
	if st.Written != 3 {
		t.Errorf("wrote %d files, want 3: %v", st.Written, st.WrittenPaths)
	}
	for p, data := range full.Tree {
		got, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: after writing, differs from a full render (%v)", p, err)
		}
	}
}

// Objects made from typed structs never share a body identity, whether
// their map was built or not (a shared identity would skip checks and
// reuse another object's bytes).
func TestBodyIDOfTypedObjects(t *testing.T) {
	ns := func(name string) *manifest.Object {
		return manifest.MustNew("x", &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: name},
		})
	}
	a, b := ns("a"), ns("b")
	if bodyID(a) == bodyID(b) {
		t.Error("two lazy objects share a body identity")
	}
	a.Map()
	b.Map()
	if bodyID(a) == bodyID(b) || bodyID(a) == 0 {
		t.Errorf("after Map: identities %d and %d", bodyID(a), bodyID(b))
	}
	shared := map[string]any{"kind": "X"}
	if bodyID(&manifest.Object{Body: shared}) != bodyID(&manifest.Object{Body: shared}) {
		t.Error("objects built from one map do not share its identity")
	}
}
