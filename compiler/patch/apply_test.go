package patch

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

func deploymentTarget(name string) *model.PatchTarget {
	return &model.PatchTarget{Kind: "Deployment", Name: name}
}

// mustApply applies the patches and fails on any diagnostic.
func mustApply(t *testing.T, h *model.Hub, objs []*manifest.Object) []*manifest.Object {
	t.Helper()
	out, diags := Apply(h, objs)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", listString(diags))
	}
	if len(out) != len(objs) {
		t.Fatalf("got %d objects, want %d", len(out), len(objs))
	}
	return out
}

func listString(l diag.List) string {
	var b strings.Builder
	for _, d := range l {
		b.WriteString(d.String())
		b.WriteString("\n")
	}
	return b.String()
}

// onlyDiag returns the single diagnostic of l.
func onlyDiag(t *testing.T, l diag.List) diag.Diagnostic {
	t.Helper()
	if len(l) != 1 {
		t.Fatalf("want 1 diagnostic, got %d:\n%s", len(l), listString(l))
	}
	return l[0]
}

func TestNoPatchesSkipsKustomize(t *testing.T) {
	objs := testObjects(t, "staging")
	before := builds.Load()
	out, diags := Apply(testHub("staging"), objs)
	if len(diags) != 0 || builds.Load() != before {
		t.Fatalf("a hub without patches ran kustomize or reported %v", diags)
	}
	for i := range objs {
		if out[i] != objs[i] {
			t.Fatalf("object %d replaced", i)
		}
	}
}

func TestJSON6902AddsPodAnnotation(t *testing.T) {
	objs := testObjects(t, "staging")
	orig := find(t, objs, "Deployment", "hub")
	origBody := deepCopy(orig.Map())
	h := testHub("staging", model.Patch{
		Target: deploymentTarget("hub"),
		Patch: `- op: add
  path: /spec/template/metadata/annotations/example.org~1owner
  value: data-team`,
	})
	before, direct := builds.Load(), directRuns.Load()
	out := mustApply(t, h, objs)
	// A plain JSON 6902 patch takes the direct route (json6902.go), once.
	if n, d := builds.Load()-before, directRuns.Load()-direct; n != 0 || d != 1 {
		t.Errorf("kustomize builds = %d, direct runs = %d; want 0 and 1", n, d)
	}

	hub := find(t, out, "Deployment", "hub")
	ann := hub.Get("spec", "template", "metadata", "annotations").(map[string]any)
	if ann["example.org/owner"] != "data-team" || ann["checksum/config-map"] != "abc123" {
		t.Errorf("pod annotations = %v", ann)
	}
	if hub == orig {
		t.Error("patched object is the input object; want a new one")
	}
	if hub.Cluster != "pangeo-aws" || hub.Hub != "staging" || hub.Source != "hubs/pangeo-aws/staging.yaml" {
		t.Errorf("placement lost: %q %q %q", hub.Cluster, hub.Hub, hub.Source)
	}
	if diff := cmp.Diff(origBody, orig.Map()); diff != "" {
		t.Errorf("input object modified (-before +after):\n%s", diff)
	}
	// Everything else is untouched, in the same order, as the same objects.
	for i := range objs {
		if out[i].Kind() != objs[i].Kind() || out[i].Name() != objs[i].Name() {
			t.Fatalf("order changed at %d: %s vs %s", i, out[i], objs[i])
		}
		if objs[i] != orig && out[i] != objs[i] {
			t.Errorf("%s was replaced though no patch selects it", objs[i])
		}
	}
}

func TestStrategicMergeAddsEnvVar(t *testing.T) {
	objs := testObjects(t, "staging")
	// Targeted, written without kind or metadata: only the fields it changes.
	h := testHub("staging", model.Patch{
		Target: deploymentTarget("hub"),
		Patch: `spec:
  template:
    spec:
      containers:
        - name: hub
          env:
            - name: EXTRA
              value: "true"`,
	})
	out := mustApply(t, h, objs)
	c := find(t, out, "Deployment", "hub").Get("spec", "template", "spec", "containers").([]any)
	if len(c) != 1 {
		t.Fatalf("containers = %v; the env patch must merge by container name", c)
	}
	ctr := c[0].(map[string]any)
	env := map[string]any{}
	for _, e := range ctr["env"].([]any) {
		m := e.(map[string]any)
		env[m["name"].(string)] = m["value"]
	}
	want := map[string]any{"PYTHONUNBUFFERED": "1", "HELM_RELEASE_NAME": "staging", "EXTRA": "true"}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
	if ctr["image"] != "quay.io/jupyterhub/k8s-hub:4.4.0" {
		t.Errorf("image lost: %v", ctr["image"])
	}
	if d := find(t, out, "Deployment", "hub"); d.Kind() != "Deployment" || d.Name() != "hub" {
		t.Errorf("placeholder identity leaked: %s", d)
	}
}

func TestStrategicMergeWithoutTarget(t *testing.T) {
	objs := testObjects(t, "staging")
	// The patch's own kind and name select the object; the namespace may be
	// left out.
	h := testHub("staging", model.Patch{Patch: `apiVersion: v1
kind: Service
metadata:
  name: proxy-public
  annotations:
    service.beta.kubernetes.io/aws-load-balancer-type: nlb
spec:
  type: LoadBalancer`})
	out := mustApply(t, h, objs)
	svc := find(t, out, "Service", "proxy-public")
	if svc.Get("spec", "type") != "LoadBalancer" ||
		svc.Annotations()["service.beta.kubernetes.io/aws-load-balancer-type"] != "nlb" {
		t.Errorf("service not patched: %v", svc.Map())
	}
	if find(t, out, "Service", "hub").Get("spec", "type") != nil {
		t.Error("Service/hub was patched too")
	}
}

func TestLabelSelectorHitsSeveralObjects(t *testing.T) {
	objs := testObjects(t, "staging")
	h := testHub("staging", model.Patch{
		Target: &model.PatchTarget{LabelSelector: "app=jupyterhub,component in (hub,proxy)"},
		Patch: `- op: add
  path: /metadata/annotations
  value: {example.org/team: data}`,
	})
	out := mustApply(t, h, objs)
	var hit []string
	for _, o := range out {
		if o.Annotations()["example.org/team"] == "data" {
			hit = append(hit, o.String())
		}
	}
	want := []string{"ConfigMap/staging/hub", "Deployment/staging/hub", "Deployment/staging/proxy", "Service/staging/hub"}
	if diff := cmp.Diff(want, hit); diff != "" {
		t.Errorf("annotated objects (-want +got):\n%s", diff)
	}
}

func TestPatchesApplyInOrder(t *testing.T) {
	objs := testObjects(t, "staging")
	// The second patch selects by the label the first one adds.
	h := testHub("staging",
		model.Patch{Target: deploymentTarget("proxy"), Patch: `metadata: {labels: {example.org/tier: edge}}`},
		model.Patch{
			Target: &model.PatchTarget{LabelSelector: "example.org/tier=edge"},
			Patch:  `[{"op": "replace", "path": "/spec/replicas", "value": 3}]`,
		},
	)
	out := mustApply(t, h, objs)
	if r := find(t, out, "Deployment", "proxy").Get("spec", "replicas"); r != int64(3) {
		t.Errorf("proxy replicas = %#v, want int64 3", r)
	}
	if r := find(t, out, "Deployment", "hub").Get("spec", "replicas"); r != int64(1) {
		t.Errorf("hub replicas = %#v, want 1", r)
	}
}

func TestValueTypesSurvive(t *testing.T) {
	objs := testObjects(t, "staging")
	h := testHub("staging", model.Patch{
		Target: &model.PatchTarget{Kind: "ConfigMap", Name: "hub"},
		Patch:  `[{"op": "add", "path": "/data/ratio", "value": "0.5"}]`,
	})
	out := mustApply(t, h, objs)
	cm := find(t, out, "ConfigMap", "hub")
	want := map[string]any{"flag": "on", "count": "1", "ratio": "0.5"}
	if diff := cmp.Diff(want, cm.Get("data")); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	ports := find(t, out, "Service", "hub").Get("spec", "ports").([]any)
	if p := ports[0].(map[string]any)["port"]; p != int64(8081) {
		t.Errorf("untouched port = %#v", p)
	}
	h = testHub("staging", model.Patch{
		Target: &model.PatchTarget{Kind: "Service", Name: "hub"},
		Patch:  `[{"op": "add", "path": "/spec/ports/-", "value": {"name": "metrics", "port": 9090}}, {"op": "add", "path": "/metadata/annotations", "value": {"weight": "2.5"}}]`,
	})
	out = mustApply(t, h, objs)
	ports = find(t, out, "Service", "hub").Get("spec", "ports").([]any)
	if p := ports[0].(map[string]any)["port"]; p != int64(8081) {
		t.Errorf("patched object's port = %#v (%T), want int64", p, p)
	}
	if p := ports[1].(map[string]any)["port"]; p != int64(9090) {
		t.Errorf("added port = %#v (%T), want int64", p, p)
	}
}

func TestFleetDefaultPatchPosition(t *testing.T) {
	// A patch layered in from fleet.yaml hubDefaults keeps its position
	// there; the hub's own patch points into the hub file.
	objs := testObjects(t, "staging")
	fleetPos := model.Pos{File: "hubs/fleet.yaml", Line: 12, Col: 7}
	h := testHub("staging",
		model.Patch{Path: "patches[0]", Pos: fleetPos, Target: deploymentTarget("hubb"),
			Patch: `[{"op": "remove", "path": "/spec/replicas"}]`},
		model.Patch{Path: "patches[1]", Target: deploymentTarget("proxy"),
			Patch: `[{"op": "remove", "path": "/spec/nonexistent"}]`},
	)
	_, diags := Apply(h, objs)
	if len(diags) != 2 {
		t.Fatalf("want 2 diagnostics, got:\n%s", listString(diags))
	}
	if diags[0].Pos != fleetPos || diags[0].Path != "patches[0]" {
		t.Errorf("first diagnostic at %s %s, want %s patches[0]", diags[0].Pos, diags[0].Path, fleetPos)
	}
	if diags[1].Pos.File != "hubs/pangeo-aws/staging.yaml" || diags[1].Pos.Line != 44 || diags[1].Path != "patches[1]" {
		t.Errorf("second diagnostic at %s %s", diags[1].Pos, diags[1].Path)
	}
}

func TestPositionFallsBackToHubSource(t *testing.T) {
	objs := testObjects(t, "staging")
	h := testHub("staging")
	h.Src.Positions = model.Positions{"patches": {File: hubFile, Line: 30, Col: 1}}
	h.Patches = []model.Patch{{Target: deploymentTarget("nope"), Patch: `[{"op": "remove", "path": "/x"}]`}}
	d := onlyDiag(t, func() diag.List { _, l := Apply(h, objs); return l }())
	if d.Pos.String() != hubFile+":30:1" || d.Path != "patches[0]" {
		t.Errorf("diagnostic at %s %s", d.Pos, d.Path)
	}
}

func TestBadJSONPointer(t *testing.T) {
	objs := testObjects(t, "staging")
	h := testHub("staging", model.Patch{
		Path:   "patches[0]",
		Target: deploymentTarget("proxy"),
		Patch: `- op: add
  path: /spec/template/metadata/annotations/example.org~1owner
  value: data-team
- op: add
  path: /spec/template/spec/nodeSelector/disk
  value: ssd`,
	})
	out, diags := Apply(h, objs)
	d := onlyDiag(t, diags)
	s := d.String()
	const prefix = "hubs/pangeo-aws/staging.yaml:40:5: patches[0]: applying patch to Deployment/staging/proxy: kustomize: "
	if !strings.HasPrefix(s, prefix) {
		t.Errorf("diagnostic = %q, want prefix %q", s, prefix)
	}
	if !strings.Contains(d.Message, "/spec/template/spec/nodeSelector/disk") {
		t.Errorf("message does not name the failing path: %q", d.Message)
	}
	if strings.Contains(d.Message, "\n") || strings.Contains(d.Message, ".go:") || strings.Contains(d.Message, "op: add") {
		t.Errorf("message carries a stack trace or the patch text: %q", d.Message)
	}
	if d.Hint == "" {
		t.Error("no hint")
	}
	// The failed patch leaves the objects as they were.
	if find(t, out, "Deployment", "proxy") != find(t, objs, "Deployment", "proxy") {
		t.Error("failed patch replaced the object")
	}
}

func TestFailureNamesTheObject(t *testing.T) {
	// Only the proxy Deployment lacks the env list the op replaces.
	objs := testObjects(t, "staging")
	h := testHub("staging", model.Patch{
		Target: &model.PatchTarget{Kind: "Deployment"},
		Patch:  `[{"op": "replace", "path": "/spec/template/spec/containers/0/env/0/value", "value": "0"}]`,
	})
	d := onlyDiag(t, func() diag.List { _, l := Apply(h, objs); return l }())
	if !strings.Contains(d.Message, "applying patch to Deployment/staging/proxy:") {
		t.Errorf("message = %q, want it to name Deployment/staging/proxy", d.Message)
	}
}

func TestPatchMatchesNothing(t *testing.T) {
	objs := testObjects(t, "staging")
	for _, tc := range []struct {
		name   string
		target *model.PatchTarget
		patch  string
		want   string
		hint   string
	}{
		{
			name:   "name typo",
			target: deploymentTarget("hubb"),
			want:   "hubs/pangeo-aws/staging.yaml:40:5: patches[0]: patch matches no object (target kind=Deployment name=hubb)",
			hint:   "did you mean name hub?",
		},
		{
			name:   "kind typo",
			target: &model.PatchTarget{Kind: "Deploymnet", Name: "hub"},
			want:   "patch matches no object (target kind=Deploymnet name=hub)",
			hint:   "did you mean kind Deployment?",
		},
		{
			name:   "no similar name",
			target: deploymentTarget("jupyterhub-frontend"),
			want:   "patch matches no object (target kind=Deployment name=jupyterhub-frontend)",
			hint:   "Deployment objects of this hub: hub, proxy",
		},
		{
			name:   "wrong namespace",
			target: &model.PatchTarget{Kind: "Deployment", Name: "hub", Namespace: "prod"},
			want:   "(target kind=Deployment name=hub namespace=prod)",
			hint:   "Deployment/staging/hub exists; the target's namespace or selectors exclude it",
		},
		{
			// Cluster-scoped objects have no namespace, as in kustomize.
			name:   "namespace never matches cluster-scoped",
			target: &model.PatchTarget{Kind: "ClusterRole", Namespace: "staging"},
			want:   "(target kind=ClusterRole namespace=staging)",
			hint:   "ClusterRole objects of this hub: staging-user-scheduler",
		},
		{
			name:  "untargeted strategic merge",
			patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: hubb}\nspec: {replicas: 2}",
			want:  `patch matches no object (target group=apps version=v1 kind=Deployment name=hubb)`,
			hint:  "did you mean name hub?",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.patch
			if p == "" {
				p = `[{"op": "add", "path": "/metadata/labels/x", "value": "y"}]`
			}
			before := builds.Load()
			out, diags := Apply(testHub("staging", model.Patch{Path: "patches[0]", Target: tc.target, Patch: p}), objs)
			d := onlyDiag(t, diags)
			if !strings.Contains(d.String(), tc.want) {
				t.Errorf("diagnostic %q does not contain %q", d.String(), tc.want)
			}
			if d.Hint != tc.hint {
				t.Errorf("hint = %q, want %q", d.Hint, tc.hint)
			}
			if builds.Load() != before {
				t.Error("kustomize ran for a patch that matches nothing")
			}
			if !reflect.DeepEqual(out, objs) {
				t.Error("objects changed")
			}
		})
	}
}

func TestIdentityChangesRejected(t *testing.T) {
	objs := testObjects(t, "staging")
	for _, tc := range []struct {
		name, patch, want string
	}{
		{"rename", `[{"op": "replace", "path": "/metadata/name", "value": "hub2"}]`,
			"patch changes the identity of Deployment/staging/hub to Deployment/staging/hub2"},
		{"move namespace", `[{"op": "replace", "path": "/metadata/namespace", "value": "prod"}]`,
			"patch changes the identity of Deployment/staging/hub to Deployment/prod/hub"},
		{"change kind", `[{"op": "replace", "path": "/kind", "value": "StatefulSet"}]`,
			"patch changes the identity of Deployment/staging/hub to StatefulSet/staging/hub"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, diags := Apply(testHub("staging", model.Patch{Target: deploymentTarget("hub"), Patch: tc.patch}), objs)
			d := onlyDiag(t, diags)
			if d.Message != tc.want || d.Pos.Line != 40 {
				t.Errorf("diagnostic = %s\nwant message %q", d, tc.want)
			}
			if !reflect.DeepEqual(out, objs) {
				t.Error("objects changed")
			}
		})
	}
}

func TestInvalidPatches(t *testing.T) {
	objs := testObjects(t, "staging")
	dep := deploymentTarget("hub")
	for _, tc := range []struct {
		name   string
		target *model.PatchTarget
		patch  string
		want   string
	}{
		{"empty", dep, "  \n", "patch is empty"},
		{"not yaml", dep, "spec: [unclosed", "patch is not valid YAML"},
		{"scalar", dep, "just text", "patch is a scalar"},
		{"two documents", dep, "spec: {replicas: 2}\n---\nspec: {replicas: 3}", "patch holds 2 YAML documents, want 1"},
		{"json patch without target", nil, `[{"op": "remove", "path": "/spec/replicas"}]`, "a JSON 6902 patch needs a target"},
		{"unknown op", dep, `[{"op": "merge", "path": "/spec"}]`, `operation 0: unknown op "merge"`},
		{"relative path", dep, `[{"op": "remove", "path": "spec/replicas"}]`, `operation 0 (remove): path "spec/replicas" is not a JSON pointer`},
		{"add without value", dep, `[{"op": "add", "path": "/spec/paused"}]`, "operation 0 (add): needs a value"},
		{"move without from", dep, `[{"op": "move", "path": "/spec/paused"}]`, "operation 0 (move): needs a from JSON pointer"},
		{"no operations", dep, `[]`, "JSON 6902 patch has no operations"},
		{"untargeted without kind", nil, "metadata: {name: hub}\nspec: {replicas: 2}", "a strategic-merge patch without target needs kind and metadata.name"},
		{"delete object", dep, "$patch: delete", "patches may not delete objects ($patch: delete)"},
		{"bad regex", &model.PatchTarget{Kind: "Deployment", Name: "hub("}, `[{"op": "remove", "path": "/spec/paused"}]`, `target.name "hub(" is not a valid regular expression`},
		{"bad label selector", &model.PatchTarget{LabelSelector: "app in jupyterhub"}, `[{"op": "remove", "path": "/spec/paused"}]`, `target.labelSelector "app in jupyterhub"`},
		{"empty target", &model.PatchTarget{}, `[{"op": "remove", "path": "/spec/paused"}]`, "patch target selects every object of the hub"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := builds.Load()
			_, diags := Apply(testHub("staging", model.Patch{Target: tc.target, Patch: tc.patch}), objs)
			d := onlyDiag(t, diags)
			if !strings.Contains(d.Message, tc.want) {
				t.Errorf("message = %q, want it to contain %q", d.Message, tc.want)
			}
			if d.Pos.String() != "hubs/pangeo-aws/staging.yaml:40:5" || d.Path != "patches[0]" {
				t.Errorf("diagnostic at %s %s", d.Pos, d.Path)
			}
			if builds.Load() != before {
				t.Error("kustomize ran for an invalid patch")
			}
		})
	}
}

func TestEveryBrokenPatchReported(t *testing.T) {
	objs := testObjects(t, "staging")
	h := testHub("staging",
		model.Patch{Target: deploymentTarget("hubb"), Patch: `[{"op": "remove", "path": "/spec/paused"}]`},
		model.Patch{Target: deploymentTarget("proxy"), Patch: `metadata: {annotations: {ok: "yes"}}`},
		model.Patch{Target: deploymentTarget("hub"), Patch: `[{"op": "remove", "path": "/spec/paused"}]`},
	)
	out, diags := Apply(h, objs)
	if len(diags) != 2 || diags[0].Path != "patches[0]" || diags[1].Path != "patches[2]" {
		t.Fatalf("diagnostics:\n%s", listString(diags))
	}
	if find(t, out, "Deployment", "proxy").Annotations()["ok"] != "yes" {
		t.Error("the valid patch between two broken ones was not applied")
	}
}

func deepCopy(m map[string]any) map[string]any {
	data, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	out, err := decodeBody(data)
	if err != nil {
		panic(err)
	}
	return out
}
