package kube

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/output"
	"github.com/hubfleet/hubfleet/compiler/patch"
	"sigs.k8s.io/yaml"
)

// The generated fleet that turns on every option of the spec, rendered by
// the real pipeline.
func init() {
	RenderGenerated = func(dir string) error {
		res, diags, err := build.Render(fleetgen.GenerateAllOptions(), build.Options{})
		if err != nil {
			return err
		}
		if diags.HasErrors() {
			var b bytes.Buffer
			_ = diag.Write(&b, diags, diag.FormatText)
			return fmt.Errorf("generated fleet invalid:\n%s", b.String())
		}
		_, err = output.Write(dir, res.Tree)
		return err
	}
}

// TestBrokenPatchRejectedByServer: an operator's patch that writes a field
// the Deployment type does not have is refused by the API server with a
// strict-decoding message — and hubfleet's own verify stage refuses it
// before anything is written, pointing at the patch.
func TestBrokenPatchRejectedByServer(t *testing.T) {
	s := server(t)
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: 1, HubsPerCluster: 1, Seed: 5})
	res, diags, err := build.Render(fsys, build.Options{})
	if err != nil || diags.HasErrors() {
		t.Fatalf("render: %v %v", err, diags)
	}
	hub := res.Fleet.Hubs()[0]
	objs := decodeObjects(t, res.Tree, hub)
	broken := []model.Patch{{
		Target: &model.PatchTarget{Kind: "Deployment", Name: "hub"},
		Patch:  "- op: add\n  path: /spec/template/spec/containers/0/imagePullPolcy\n  value: Always\n",
		Path:   "patches[0]", Pos: model.Pos{File: hub.Src.File, Line: 40, Col: 5},
	}}
	h := *hub
	h.Patches = broken
	patched, pd := patch.Apply(&h, objs)
	if pd.HasErrors() {
		t.Fatalf("kustomize refused the patch itself: %v", pd)
	}
	var dep *manifest.Object
	for _, o := range patched {
		if o.Kind() == "Deployment" && o.Name() == "hub" {
			dep = o
		}
	}
	if dep == nil {
		t.Fatal("no hub Deployment")
	}
	if err := s.EnsureNamespace(dep.Namespace()); err != nil {
		t.Fatal(err)
	}
	err = s.DryRun(dep.Map())
	want := `strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolcy"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("server answer: %v\nwant a message containing %s", err, want)
	}

	// The same patch in the hub file stops `hubfleet render`.
	src := string(fsys[hub.Src.File].Data)
	if i := strings.Index(src, "\npatches:"); i >= 0 {
		src = src[:i+1]
	}
	src += "patches:\n  - target: {kind: Deployment, name: hub}\n    patch: |-\n      - op: add\n        path: /spec/template/spec/containers/0/imagePullPolcy\n        value: Always\n"
	fsys[hub.Src.File].Data = []byte(src)
	_, diags, err = build.Render(fsys, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = diag.Write(&b, diags, diag.FormatText)
	if !diags.HasErrors() || !strings.Contains(b.String(), "imagePullPolcy") || !strings.Contains(b.String(), hub.Src.File+":") {
		t.Fatalf("render accepted the broken patch or did not point at the hub file:\n%s", b.String())
	}
}

// decodeObjects reads one hub's objects back from a rendered tree.
func decodeObjects(t *testing.T, tree output.Tree, h *model.Hub) []*manifest.Object {
	t.Helper()
	dir := "hubs/" + h.Name + "/"
	var out []*manifest.Object
	for _, p := range tree.Paths() {
		if !strings.HasPrefix(p, h.Cluster.Name+"/"+dir) {
			continue
		}
		objs, err := decodeYAML(tree[p])
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, body := range objs {
			out = append(out, &manifest.Object{Cluster: h.Cluster.Name, Hub: h.Name, Source: h.Src.File, Body: body})
		}
	}
	return out
}

// decodeYAML splits a file into object bodies.
func decodeYAML(data []byte) ([]map[string]any, error) {
	var out []map[string]any
	for _, doc := range bytes.Split(data, []byte("\n---\n")) {
		var body map[string]any
		if err := yaml.Unmarshal(doc, &body); err != nil {
			return nil, err
		}
		if body != nil {
			out = append(out, body)
		}
	}
	return out, nil
}
