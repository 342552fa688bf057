package patch

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// trickyObjects adds to testObjects bodies whose values the node route
// must carry exactly as the JSON text did: strings that read as other
// types when unquoted, every number shape a body holds, empty and null
// collections, keys with '/', '~' and '.', and multi-line text.
func trickyObjects(t testing.TB) []*manifest.Object {
	objs := testObjects(t, "staging")
	strs := map[string]any{
		"true": "true", "false": "False", "yes": "yes", "on": "on", "null": "null", "tilde": "~",
		"empty": "", "one": "1", "onePointO": "1.0", "half": ".5", "exp": "1e3", "hex": "0x1F",
		"octal": "0o17", "under": "1_000", "date": "2001-12-14", "inf": ".inf", "nan": ".NaN",
		"merge": "<<", "colon": "a: b", "dash": "- x", "hash": "#note", "quote": `it's "q"`,
		"spaces": "  padded  ", "tab": "a\tb", "multi": "line1\nline2\n", "trail": "x\n\n",
		"leadnl": "\nx", "unicode": "Grüße – 日本", "bom": "a\u00a0b", "esc": "\\n", "ls": "a\u2028b",
		"long": strings.Repeat("word ", 40), "longword": strings.Repeat("x", 300), "ctrl": "a\x01b",
		"flowish": "{a: 1}", "seqish": "[1, 2]", "star": "*x", "amp": "&x", "bang": "!x", "pct": "%x",
		"question": "? x", "pipe": "| x",
	}
	objs = append(objs,
		&manifest.Object{Cluster: "pangeo-aws", Hub: "staging", Body: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{
				"name": "tricky", "namespace": "staging",
				"labels": map[string]any{"app": "jupyterhub", "component": "tricky"},
				"annotations": map[string]any{
					"example.org/owner": "data~team", "a~b/c": "1", "dots.in.key": "x",
				},
			},
			"data": strs,
		}},
		&manifest.Object{Cluster: "pangeo-aws", Hub: "staging", Body: map[string]any{
			"apiVersion": "example.org/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "numbers", "namespace": "staging",
				"labels": map[string]any{"app": "jupyterhub", "component": "tricky"}},
			"spec": map[string]any{
				"ints":   []any{int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), int64(8081)},
				"floats": []any{0.5, 1000.0, -0.0, 1e21, 1e-7, 2.5e-300, 1e20, 1.5e19, 123456789.125, -3.25},
				"bools":  []any{true, false},
				"empty":  map[string]any{"map": map[string]any{}, "list": []any{}, "nilMap": map[string]any(nil), "nilList": []any(nil)},
				"null":   nil,
				"nested": []any{[]any{int64(1), "1"}, map[string]any{"k": []any{map[string]any{}}}},
				"mixed":  []any{"true", true, int64(1), "1", nil, "null", 0.5, "0.5"},
			},
		}},
		// Keys that read as other types when unquoted; kustomize's
		// strategic merge cannot handle the empty one.
		&manifest.Object{Cluster: "pangeo-aws", Hub: "staging", Body: map[string]any{
			"apiVersion": "example.org/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "keys", "namespace": "staging"},
			"spec": map[string]any{
				"keys": map[string]any{"": "empty key", "1": "one", "true": "t", "null": "n", "~": "tilde", "<": "lt", "1.5": int64(2)},
			},
		}},
	)
	return objs
}

type diffCase struct {
	name   string
	target *model.PatchTarget
	patch  string
}

// tricky targets the two objects above.
var tricky = &model.PatchTarget{LabelSelector: "component=tricky"}

func cmTarget(name string) *model.PatchTarget {
	return &model.PatchTarget{Kind: "ConfigMap", Name: name}
}

// diffCases are the patches of the other tests plus edge cases of both
// patch kinds.
var diffCases = []diffCase{
	// From apply_test.go, concurrency_test.go and select_test.go.
	{"pod annotation", deploymentTarget("hub"), "- op: add\n  path: /spec/template/metadata/annotations/example.org~1owner\n  value: data-team"},
	{"env var", deploymentTarget("hub"), "spec:\n  template:\n    spec:\n      containers:\n        - name: hub\n          env:\n            - name: EXTRA\n              value: \"true\""},
	{"untargeted service", nil, "apiVersion: v1\nkind: Service\nmetadata:\n  name: proxy-public\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: nlb\nspec:\n  type: LoadBalancer"},
	{"label selector", &model.PatchTarget{LabelSelector: "app=jupyterhub,component in (hub,proxy)"}, "- op: add\n  path: /metadata/annotations\n  value: {example.org/team: data}"},
	{"label", deploymentTarget("proxy"), `metadata: {labels: {example.org/tier: edge}}`},
	{"replicas", deploymentTarget("proxy"), `[{"op": "replace", "path": "/spec/replicas", "value": 3}]`},
	{"ratio", cmTarget("hub"), `[{"op": "add", "path": "/data/ratio", "value": "0.5"}]`},
	{"ports", &model.PatchTarget{Kind: "Service", Name: "hub"}, `[{"op": "add", "path": "/spec/ports/-", "value": {"name": "metrics", "port": 9090}}, {"op": "add", "path": "/metadata/annotations", "value": {"weight": "2.5"}}]`},
	{"remove missing", deploymentTarget("proxy"), `[{"op": "remove", "path": "/spec/nonexistent"}]`},
	{"bad pointer", deploymentTarget("proxy"), "- op: add\n  path: /spec/template/metadata/annotations/example.org~1owner\n  value: data-team\n- op: add\n  path: /spec/template/spec/nodeSelector/disk\n  value: ssd"},
	{"replace env everywhere", &model.PatchTarget{Kind: "Deployment"}, `[{"op": "replace", "path": "/spec/template/spec/containers/0/env/0/value", "value": "0"}]`},
	{"rename", deploymentTarget("hub"), `[{"op": "replace", "path": "/metadata/name", "value": "hub2"}]`},
	{"change kind", deploymentTarget("hub"), `[{"op": "replace", "path": "/kind", "value": "StatefulSet"}]`},
	{"hub index label", &model.PatchTarget{LabelSelector: "component in (proxy,user-placeholder)"}, `[{"op": "add", "path": "/metadata/labels/example.org~1hub", "value": "hub07"}]`},
	{"hub index env", deploymentTarget("hub"), "spec:\n  template:\n    spec:\n      containers:\n        - name: hub\n          env:\n            - {name: HUB_INDEX, value: \"7\"}"},
	{"cluster role rule", &model.PatchTarget{Kind: "ClusterRole"}, `[{"op": "remove", "path": "/rules/3"}]`},
	{"selected annotation", &model.PatchTarget{Namespace: ".*"}, `metadata: {annotations: {selected: "yes"}}`},
	{"annotation ok", deploymentTarget("proxy"), `metadata: {annotations: {ok: "yes"}}`},

	// JSON 6902: values that look like other types, numbers, collections.
	{"6902 string lookalikes", tricky, `[
		{"op": "add", "path": "/metadata/annotations/b", "value": "true"},
		{"op": "add", "path": "/metadata/annotations/n", "value": "null"},
		{"op": "add", "path": "/metadata/annotations/i", "value": "1"},
		{"op": "add", "path": "/metadata/annotations/f", "value": "1.0"},
		{"op": "add", "path": "/metadata/annotations/e", "value": ""},
		{"op": "add", "path": "/metadata/annotations/t", "value": "~"},
		{"op": "add", "path": "/metadata/annotations/x", "value": "0x10"}]`},
	{"6902 yaml lookalikes", tricky, "- op: add\n  path: /metadata/annotations/y\n  value: \"yes\"\n- op: add\n  path: /metadata/annotations/z\n  value: '1e3'\n- op: add\n  path: /metadata/annotations/d\n  value: \"2001-12-14\""},
	{"6902 numbers", tricky, "- {op: add, path: /metadata/annotations~1x, value: 1}\n- {op: add, path: /spec~1x, value: 2}\n- op: add\n  path: /zint\n  value: 3\n- {op: add, path: /zhalf, value: 0.5}\n- {op: add, path: /zexp, value: 1e3}\n- {op: add, path: /zone, value: 1.0}\n- {op: add, path: /zbig, value: 12345678901234567890}\n- {op: add, path: /zneg, value: -0.0}\n- {op: add, path: /zsmall, value: 1.0e-7}"},
	{"6902 yaml 1.1 numbers", tricky, "- {op: add, path: /zoct, value: 0o17}\n- {op: add, path: /zhex, value: 0x1F}\n- {op: add, path: /zunder, value: 1_000}\n- {op: add, path: /zdate, value: 2001-12-14}"},
	{"6902 bool null", tricky, "- {op: add, path: /zb, value: true}\n- {op: add, path: /zn, value: null}\n- {op: add, path: /zt, value: ~}\n- {op: add, path: /zy, value: yes}"},
	{"6902 empty collections", tricky, `[{"op": "add", "path": "/zmap", "value": {}}, {"op": "add", "path": "/zlist", "value": []}, {"op": "add", "path": "/zdeep", "value": {"a": [{}, [], {"b": {}}]}}]`},
	{"6902 keys with slash and tilde", tricky, `[{"op": "add", "path": "/metadata/annotations/example.org~1new~0x", "value": "v"}, {"op": "replace", "path": "/metadata/annotations/a~0b~1c", "value": "2"}]`},
	{"6902 replace", tricky, `[{"op": "replace", "path": "/metadata/annotations/example.org~1owner", "value": "1.5"}]`},
	{"6902 remove", tricky, `[{"op": "remove", "path": "/metadata/annotations/dots.in.key"}]`},
	{"6902 test ok", tricky, `[{"op": "test", "path": "/metadata/labels/app", "value": "jupyterhub"}, {"op": "add", "path": "/metadata/labels/tested", "value": "true"}]`},
	{"6902 test fails", tricky, `[{"op": "test", "path": "/metadata/labels/app", "value": "other"}]`},
	{"6902 test number", &model.PatchTarget{Name: "numbers"}, `[{"op": "test", "path": "/spec/ints/4", "value": 8081}, {"op": "test", "path": "/spec/floats/0", "value": 0.5}]`},
	{"6902 move", tricky, `[{"op": "move", "from": "/metadata/annotations/example.org~1owner", "path": "/metadata/labels/owner"}]`},
	{"6902 copy", tricky, `[{"op": "copy", "from": "/metadata/labels", "path": "/metadata/annotations"}]`},
	{"6902 copy numbers", &model.PatchTarget{Name: "numbers"}, `[{"op": "copy", "from": "/spec/floats", "path": "/spec/floats2"}, {"op": "move", "from": "/spec/ints", "path": "/spec/ints2"}]`},
	{"6902 multi-object partial failure", tricky, `[{"op": "replace", "path": "/data/true", "value": "x"}]`},
	{"6902 whole object", &model.PatchTarget{Name: "numbers"}, `[{"op": "replace", "path": "/spec", "value": {"a": "b", "c": [1, "1", 1.5, null, true]}}]`},
	{"6902 append", deploymentTarget("hub"), `[{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "side", "image": "busybox", "args": ["--port", "8080", "true"]}}]`},
	{"6902 unicode", cmTarget("tricky"), `[{"op": "add", "path": "/data/u", "value": "héllo\u2028wörld\t\"q\""}]`},
	{"6902 odd keys", &model.PatchTarget{Name: "keys"}, `[{"op": "add", "path": "/spec/keys/false", "value": "f"}, {"op": "copy", "from": "/spec/keys/1", "path": "/spec/keys/2"}]`},
	{"smp odd keys", &model.PatchTarget{Name: "keys"}, "spec:\n  keys:\n    '3': three\n"},
	{"6902 multiline", cmTarget("tricky"), "- op: add\n  path: /data/script\n  value: |\n    #!/bin/sh\n    echo \"hi\"  \n\n    exit 0\n"},

	// Strategic merge: directives, list merges, tags and styles.
	{"smp delete container", deploymentTarget("hub"), "spec:\n  template:\n    spec:\n      containers:\n        - name: hub\n          $patch: delete"},
	{"smp replace labels", deploymentTarget("hub"), "spec:\n  template:\n    metadata:\n      labels:\n        $patch: replace\n        only: one"},
	{"smp delete annotations map", deploymentTarget("hub"), "spec:\n  template:\n    metadata:\n      annotations:\n        $patch: delete"},
	{"smp replace list", deploymentTarget("hub"), "spec:\n  template:\n    spec:\n      containers:\n        - name: solo\n          image: x\n        - $patch: replace"},
	{"smp merge ports by key", deploymentTarget("hub"), "spec:\n  template:\n    spec:\n      containers:\n        - name: hub\n          ports:\n            - containerPort: 8081\n              name: renamed\n            - containerPort: 9090\n              name: metrics"},
	{"smp add container", deploymentTarget("proxy"), "spec:\n  template:\n    spec:\n      containers:\n        - name: sidecar\n          image: busybox\n          env:\n            - name: A\n              value: '1'"},
	{"smp null removes", deploymentTarget("hub"), "metadata:\n  labels:\n    app: null\nspec:\n  replicas: null"},
	{"smp values", tricky, "data:\n  q1: \"true\"\n  q2: '1'\n  q3: \"\"\n  p1: plain\n  tagged: !!str 123\n  yesno: !!str yes\n  lit: |\n    a\n    b\n  fold: >\n    a\n    b\nspec:\n  n1: 1\n  n2: 1.5\n  n3: 1e3\n  n4: -0\n  b: true\n  nil: ~\n  empty:\n  list: [1, '2', 3.0, \"x\", null]\n  map: {}\n"},
	{"smp yaml 1.1 values", tricky, "spec:\n  oct: 0o17\n  hex: 0x1F\n  under: 1_000\n  date: 2001-12-14\n  word: yes\n  tbool: True\n  nul: NULL\n  leadzero: 010\n  plus: +1\n"},
	{"smp flow empties", tricky, "spec: {flowmap: {a: , b: ~, c: null, d: ''}, flowlist: [a, '', ~, {k: }]}\n"},
	{"smp explicit tags", tricky, "spec:\n  i: !!int 3\n  f: !!float 1\n  s: !!str true\n  custom: !thing value\n  bin: !!binary aGVsbG8=\n"},
	{"smp anchors", tricky, "spec:\n  base: &b {x: 1, y: two}\n  copy: *b\n"},
	{"smp comments", tricky, "# head\nspec:\n  commented: value # trailing\n  # foot\n"},
	{"smp big numbers", tricky, "spec:\n  big: 12345678901234567890\n  huge: 1e400\n  tiny: 1e-400\n  neg: -9223372036854775808\n"},
	{"smp special floats", tricky, "spec:\n  inf: .inf\n"},
	{"smp dollar keys", deploymentTarget("hub"), "spec:\n  template:\n    spec:\n      $setElementOrder/containers:\n        - name: hub\n      containers:\n        - name: hub\n          image: other"},
	{"smp retain keys", deploymentTarget("hub"), "spec:\n  strategy:\n    $retainKeys: [type]\n    type: Recreate"},
	{"smp annotation keys", tricky, "metadata:\n  annotations:\n    example.org/x~y: \"1\"\n    \"quoted key\": v\n    '123': numeric key\n"},
	{"smp annotation keys, all strings", tricky, "metadata:\n  annotations:\n    example.org/x~y: \"1\"\n    \"quoted key\": v\n"},
	{"smp long values", tricky, "data:\n  longline: " + strings.Repeat("abc def ", 30) + "\n"},
	{"smp scalar replace map", tricky, "metadata:\n  annotations: gone\n"},
	{"smp untargeted widget", nil, "apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: numbers\nspec:\n  floats: [1]\n  extra: {k: v}\n"},
}

// selected returns the objects s's target selects, as Apply would.
func selected(t testing.TB, s *spec, objs []*manifest.Object) []*manifest.Object {
	m, err := newMatcher(s.target)
	if err != nil {
		t.Fatalf("target: %v", err)
	}
	var in []*manifest.Object
	for _, i := range m.selectFrom(objs) {
		in = append(in, objs[i])
	}
	return in
}

// compareRoutes runs one patch through run and runText and reports any
// difference in bodies or error text.
func compareRoutes(t testing.TB, s *spec, in []*manifest.Object) (ok bool) {
	t.Helper()
	got, gotErr := run(s, in)
	want, wantErr := runText(s, in)
	if errText(gotErr) != errText(wantErr) || hintOf(gotErr) != hintOf(wantErr) {
		t.Errorf("errors differ:\n new: %v (hint %q)\n old: %v (hint %q)", gotErr, hintOf(gotErr), wantErr, hintOf(wantErr))
		return false
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bodies differ (-old +new):\n%s", diff)
		return false
	}
	return gotErr == nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestRunMatchesTextRoute holds run to the former text route for every
// case, on the whole selection and object by object (as runIsolated
// retries).
func TestRunMatchesTextRoute(t *testing.T) {
	objs := trickyObjects(t)
	succeeded := 0
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parse(&model.Patch{Target: tc.target, Patch: tc.patch})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			in := selected(t, s, objs)
			if len(in) == 0 {
				t.Fatal("case selects nothing")
			}
			if compareRoutes(t, s, in) {
				succeeded++
			}
			if len(in) > 1 {
				for _, o := range in {
					compareRoutes(t, s, []*manifest.Object{o})
				}
			}
		})
	}
	// Both kinds of outcome must be covered, or the comparison proves
	// little.
	if succeeded < len(diffCases)/2 || succeeded == len(diffCases) {
		t.Errorf("%d of %d cases succeeded; want a mix dominated by successes", succeeded, len(diffCases))
	}
}

// TestNodeRouteIsTheCommonOne checks that ordinary bodies and results
// never take the text route, so the speed-up is real.
func TestNodeRouteIsTheCommonOne(t *testing.T) {
	objs := trickyObjects(t)
	for _, tc := range diffCases[:18] {
		s, err := parse(&model.Patch{Target: tc.target, Patch: tc.patch})
		if err != nil {
			t.Fatal(err)
		}
		loads, reads := textLoads.Load(), textReads.Load()
		_, _ = run(s, selected(t, s, objs))
		if textLoads.Load() != loads || textReads.Load() != reads {
			t.Errorf("%s: took the text route (loads %d, reads %d)", tc.name, textLoads.Load()-loads, textReads.Load()-reads)
		}
	}
}

// TestTextRouteFallbacks covers bodies the node route must hand to the
// text route, including ones whose text kustomize rejects or alters.
func TestTextRouteFallbacks(t *testing.T) {
	base := func(extra map[string]any) *manifest.Object {
		b := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": "odd", "namespace": "staging"}}
		for k, v := range extra {
			b[k] = v
		}
		return &manifest.Object{Body: b}
	}
	for _, tc := range []struct {
		name string
		obj  *manifest.Object
	}{
		{"invalid utf-8", base(map[string]any{"data": map[string]any{"k": "a\xffb"}})},
		{"DEL", base(map[string]any{"data": map[string]any{"k": "a\x7fb"}})},
		{"NEL", base(map[string]any{"data": map[string]any{"k": "a\u0085b"}})},
		{"BOM", base(map[string]any{"data": map[string]any{"k": "\ufeffb"}})},
		{"merge key", base(map[string]any{"data": map[string]any{"<<": "x", "k": "v"}})},
		{"long key", base(map[string]any{"data": map[string]any{strings.Repeat("k", 1100): "v"}})},
		{"NaN", base(map[string]any{"spec": map[string]any{"x": math.NaN()}})},
		{"int type", base(map[string]any{"spec": map[string]any{"x": 3}})},
		{"typed map", base(map[string]any{"spec": map[string]string{"x": "y"}})},
		{"list kind", &manifest.Object{Body: map[string]any{"apiVersion": "v1", "kind": "ConfigMapList",
			"metadata": map[string]any{"name": "odd"},
			"items":    []any{map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "odd"}}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parse(&model.Patch{Target: &model.PatchTarget{Name: "odd"}, Patch: `metadata: {labels: {x: "1"}}`})
			if err != nil {
				t.Fatal(err)
			}
			loads := textLoads.Load()
			compareRoutes(t, s, []*manifest.Object{tc.obj})
			if textLoads.Load() == loads {
				t.Error("took the node route")
			}
		})
	}
	// Bodies kustomize refuses on load fail alike on both routes.
	s, err := parse(&model.Patch{Target: &model.PatchTarget{Name: "odd|dup"}, Patch: `metadata: {labels: {x: "1"}}`})
	if err != nil {
		t.Fatal(err)
	}
	noKind := &manifest.Object{Body: map[string]any{"metadata": map[string]any{"name": "odd"}}}
	dup := base(nil)
	for _, in := range [][]*manifest.Object{{noKind}, {dup, dup}, {{Body: map[string]any{}}, dup}} {
		compareRoutes(t, s, in)
	}
}
