package patch

import (
	"strings"

	"github.com/google/go-cmp/cmp"

	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Review tests: each case runs one patch through run (the direct route
// when it answers) and kustomize; the direct route must decline or give
// kustomize's bodies, and when it answers, also the bodies of the text
// route (kustomize fed and read as JSON text, legacy_test.go).

type reviewCase struct {
	name   string
	objs   []*manifest.Object
	target *model.PatchTarget
	patch  string
}

// reviewRun runs the cases and returns how many took the direct route.
func reviewRun(t *testing.T, cases []reviewCase) int {
	t.Helper()
	direct := 0
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parse(&model.Patch{Target: tc.target, Patch: tc.patch})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			in := selected(t, s, tc.objs)
			if len(in) == 0 {
				t.Fatal("selects nothing")
			}
			_, d := compareKustomize(t, s, in)
			if got, ok := runStrategic(s, in); ok {
				// The text route is kustomize fed and read as JSON text,
				// without this package's node shortcuts.
				want, err := runText(s, in)
				if err != nil {
					t.Errorf("direct route answered, text route failed: %v", err)
				} else if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("bodies differ (-text route +direct):\n%s", diff)
				}
			}
			if d {
				direct++
			}
		})
	}
	t.Logf("%d of %d cases took the direct route", direct, len(cases))
	return direct
}

// atLeast fails a table whose cases no longer exercise the direct route.
func atLeast(t *testing.T, direct, want int) {
	t.Helper()
	if direct < want {
		t.Errorf("only %d cases took the direct route, want at least %d", direct, want)
	}
}

func obj(body map[string]any) *manifest.Object { return &manifest.Object{Body: body} }

func cm(name string, data map[string]any, meta map[string]any) *manifest.Object {
	m := map[string]any{"name": name, "namespace": "staging"}
	for k, v := range meta {
		m[k] = v
	}
	b := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": m}
	if data != nil {
		b["data"] = data
	}
	return obj(b)
}

// TestEdgeStrategicScalarSpellings writes YAML 1.1 oddities, tags, block
// scalars and quoted look-alikes over a string, over an integer and as a
// new field.
func TestEdgeStrategicScalarSpellings(t *testing.T) {
	base := []*manifest.Object{cm("c", map[string]any{"a": "x", "n": int64(1)}, nil)}
	ct := &model.PatchTarget{Kind: "ConfigMap"}
	var cases []reviewCase
	for _, v := range []string{"yes", "no", "on", "off", "y", "n", "Y", "N", "0o17", "017", "0x1F", "1_000", ".inf", "-.inf", ".nan", "-0", "1e3", "~", "null", "Null", "NULL", "2001-12-14", "2001-12-14T21:59:43.10-05:00", "<<", "'<<'", "!!str 1", "!!int \"1\"", "!!int 1", "!!float 1", "!!bool true", "!!str true", "!!null ''", "|\n    a\n    b\n", "|-\n    a\n", "|+\n    a\n\n", ">\n    a\n    b\n", ">-\n    a\n", "|2-\n     a\n", "\"\"", "''", "''''", "\"\\t\"", "\"\\x01\"", "\"\\u0085\"", "\"\\u2028\"", "+1", "+.5", "0.", "1.", ".5", "1e-400", "1e400", "9223372036854775808", "-9223372036854775809", "0b101", "=", "?x", "True", "TRUE", "tRUE", "0777", "08", "1:20", "190:20:30", "-x", "\"a\\nb\"", "[]", "{}", "a #b"} {
		for _, f := range []string{"a", "n", "new"} {
			cases = append(cases, reviewCase{f + "=" + v, base, ct, "data:\n  " + f + ": " + v + "\n"})
		}
	}
	atLeast(t, reviewRun(t, cases), 60)
}

func dep(name string, spec map[string]any, meta map[string]any) *manifest.Object {
	m := map[string]any{"name": name, "namespace": "staging"}
	for k, v := range meta {
		m[k] = v
	}
	b := map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": m}
	if spec != nil {
		b["spec"] = spec
	}
	return obj(b)
}

// TestEdgeStrategicIdentityAndMetadata covers patches that set name,
// namespace, labels and annotations (kustomize's build and internal ones
// included) against objects with empty, missing or null metadata fields,
// cluster-scoped objects, selections by namespace and selectors, and
// merge-keyed lists the walker would rebuild.
func TestEdgeStrategicIdentityAndMetadata(t *testing.T) {
	tricky := trickyObjects(t)
	ct := &model.PatchTarget{Kind: "ConfigMap"}
	dt := &model.PatchTarget{Kind: "Deployment"}
	widget := obj(map[string]any{"apiVersion": "example.org/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "w", "namespace": "staging", "labels": map[string]any{"a": "b"}},
		"spec":     map[string]any{"m": map[string]any{"x": "1"}, "e": map[string]any{}, "z": nil, "l": []any{map[string]any{"name": "a"}, map[string]any{"name": "a"}}}})
	wt := &model.PatchTarget{Kind: "Widget"}
	cr := obj(map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
		"metadata": map[string]any{"name": "cr"}, "rules": []any{map[string]any{"verbs": []any{"get", "get"}}}})
	crNS := obj(map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
		"metadata": map[string]any{"name": "cr2", "namespace": "staging"}})
	emptyNS := obj(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "e", "namespace": ""}})
	noNS := obj(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "nons"}})
	nullMeta := obj(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "nm", "labels": nil, "annotations": nil}})
	emptyMeta := obj(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "em", "labels": map[string]any{}, "annotations": map[string]any{}}})
	nsObj := obj(map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "staging"}})
	fin := dep("fin", map[string]any{"replicas": int64(1)}, map[string]any{"finalizers": []any{"a", "b"}})
	envs := dep("envs", map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "c", "env": []any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "A", "value": "2"}}}},
		"volumes":    []any{map[string]any{"name": "v", "emptyDir": map[string]any{}}},
	}}}, nil)
	envsOK := dep("envsok", map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "c", "args": []any{"a", "a"}, "env": []any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "B"}},
			"ports": []any{map[string]any{"containerPort": int64(80)}, map[string]any{"containerPort": "80"}}}},
		"volumes": []any{map[string]any{"name": "v", "emptyDir": map[string]any{}}, map[string]any{"name": "w", "configMap": map[string]any{"name": "x", "items": []any{map[string]any{"key": "a", "path": "p"}}}}},
	}}}, nil)
	svc := obj(map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s", "namespace": "staging"},
		"spec": map[string]any{"ports": []any{map[string]any{"port": int64(80)}, map[string]any{"port": int64(80), "protocol": "UDP"}}}})
	svc2 := obj(map[string]any{"apiVersion": "v1", "kind": "Service", "metadata": map[string]any{"name": "s2", "namespace": "staging"},
		"spec": map[string]any{"ports": []any{map[string]any{"port": int64(80), "protocol": "TCP"}, map[string]any{"port": int64(80), "protocol": "UDP"}}}})
	deep := map[string]any{"leaf": "x"}
	for range 50 {
		deep = map[string]any{"d": deep}
	}
	deepObj := obj(map[string]any{"apiVersion": "example.org/v1", "kind": "Deep", "metadata": map[string]any{"name": "deep"}, "spec": deep})
	goodCM := cm("c", map[string]any{"a": "x", "n": int64(1)}, map[string]any{"labels": map[string]any{"l": "v"}, "annotations": map[string]any{"an": "v"}})
	ct = &model.PatchTarget{Kind: "ConfigMap", Name: "c"}
	wt = &model.PatchTarget{Name: "w"}
	all := append([]*manifest.Object{goodCM, widget, cr, crNS, emptyNS, noNS, nullMeta, emptyMeta, nsObj, fin, envs, envsOK, svc, svc2, deepObj}, tricky...)
	cases := []reviewCase{
		{"cm meta name", all, ct, "metadata: {name: other, namespace: other, labels: {x: y}}"},
		{"cm meta name only", all, &model.PatchTarget{Name: "e"}, "metadata: {name: other}"},
		{"empty ns name", all, &model.PatchTarget{Name: "e"}, "metadata: {labels: {x: y}}"},
		{"empty ns set ns", all, &model.PatchTarget{Name: "e"}, "metadata: {namespace: foo}"},
		{"empty ns set ns empty", all, &model.PatchTarget{Name: "e"}, "metadata: {namespace: ''}"},
		{"no ns set ns", all, &model.PatchTarget{Name: "nons"}, "metadata: {namespace: foo}"},
		{"no ns set ns empty", all, &model.PatchTarget{Name: "nons"}, "metadata: {namespace: \"\", labels: {}}"},
		{"null meta", all, &model.PatchTarget{Name: "nm"}, "metadata: {labels: {a: b}, annotations: {c: d}}"},
		{"null meta empty", all, &model.PatchTarget{Name: "nm"}, "metadata: {labels: {}, annotations: {}}"},
		{"null meta other", all, &model.PatchTarget{Name: "nm"}, "data: {a: b}"},
		{"empty meta", all, &model.PatchTarget{Name: "em"}, "data: {a: b}"},
		{"empty meta labels", all, &model.PatchTarget{Name: "em"}, "metadata: {labels: {a: b}}"},
		{"empty meta labels empty", all, &model.PatchTarget{Name: "em"}, "metadata: {labels: {}}"},
		{"ns object", all, &model.PatchTarget{Kind: "Namespace"}, "metadata: {labels: {a: b}, namespace: x}"},
		{"ns target", all, &model.PatchTarget{Namespace: "staging"}, "metadata: {labels: {a: b}}"},
		{"ns target default", all, &model.PatchTarget{Namespace: "default"}, "metadata: {labels: {a: b}}"},
		{"ns target cluster", all, &model.PatchTarget{Kind: "ClusterRole"}, "metadata: {labels: {a: b}}"},
		{"ns target cluster ns any", all, &model.PatchTarget{Kind: "ClusterRole", Namespace: ".*"}, "metadata: {labels: {a: b}}"},
		{"label sel", all, &model.PatchTarget{LabelSelector: "a=b"}, "metadata: {labels: {c: d}}"},
		{"label sel notin", all, &model.PatchTarget{LabelSelector: "a notin (x)", Kind: "Widget|ConfigMap"}, "metadata: {labels: {c: d}}"},
		{"ann sel", all, &model.PatchTarget{AnnotationSelector: "dots.in.key"}, "metadata: {annotations: {c: d}}"},
		{"widget map over", all, wt, "spec: {m: {y: 2}, e: {a: {}}, z: {q: 1}, new: {}}"},
		{"widget dup list", all, wt, "spec: {m: {y: 2}}"},
		{"widget kind deployment", all, wt, "kind: Deployment\nspec: {m: {y: 2}}"},
		{"widget apiVersion apps", all, wt, "apiVersion: apps/v1\nkind: Deployment\nspec: {m: {y: 2}}"},
		{"cr rules", all, &model.PatchTarget{Name: "cr"}, "metadata: {labels: {a: b}}"},
		{"cr ns", all, &model.PatchTarget{Name: "cr2"}, "metadata: {labels: {a: b}}"},
		{"cr ns set", all, &model.PatchTarget{Name: "cr2"}, "metadata: {namespace: other}"},
		{"fin", all, &model.PatchTarget{Name: "fin"}, "spec: {replicas: 2}"},
		{"envs dup", all, &model.PatchTarget{Name: "envs"}, "spec: {replicas: 2}"},
		{"envs ok", all, &model.PatchTarget{Name: "envsok"}, "spec: {replicas: 2}"},
		{"envs ok template", all, &model.PatchTarget{Name: "envsok"}, "spec: {template: {metadata: {labels: {a: b}}}}"},
		{"svc ports mixed proto", all, &model.PatchTarget{Name: "s"}, "spec: {type: ClusterIP}"},
		{"svc ports proto", all, &model.PatchTarget{Name: "s2"}, "spec: {type: ClusterIP}"},
		{"deep", all, &model.PatchTarget{Name: "deep"}, "spec: {d: {d: {d: {new: 1}}}}"},
		{"deep labels", all, &model.PatchTarget{Name: "deep"}, "metadata: {labels: {a: b}}"},
		{"all deps", all, dt, "metadata: {labels: {a: b}}"},
		{"tricky data", all, ct, "data: {true: 'x', yes: y, 'on': z}"},
		{"empty patch meta", all, ct, "metadata: {}"},
		{"patch only kind", all, ct, "kind: Foo"},
		{"patch apiVersion", all, ct, "apiVersion: v2"},
		{"patch apiVersion only", all, ct, "apiVersion: v1"},
		{"metadata scalar", all, ct, "metadata: x\ndata: {a: b}"},
		{"labels scalar", all, ct, "metadata: {labels: x}"},
		{"annotations scalar", all, ct, "metadata: {annotations: 1}"},
		{"labels null-like", all, ct, "metadata: {labels: {a: ~}}"},
		{"labels nested", all, ct, "metadata: {labels: {a: {b: c}}}"},
		{"annotations ints", all, ct, "metadata: {annotations: {a: 1, b: 0x10, c: 1.0, d: true, e: yes, f: 1e3, g: .inf}}"},
		{"annotations block", all, ct, "metadata:\n  annotations:\n    a: |\n      x\n      y\n    b: >\n      x\n      y\n"},
		{"name via metadata generateName", all, ct, "metadata: {generateName: x-}"},
		{"uid", all, ct, "metadata: {uid: '1', resourceVersion: 2}"},
		{"build ann need hash", all, ct, "metadata: {annotations: {kustomize.config.k8s.io/needs-hash: 'true'}}"},
		{"build ann behavior", all, ct, "metadata: {annotations: {kustomize.config.k8s.io/behavior: merge}}"},
		{"local config", all, ct, "metadata: {annotations: {config.kubernetes.io/local-config: 'true'}}"},
		{"internal path", all, ct, "metadata: {annotations: {internal.config.kubernetes.io/path: a.yaml, config.kubernetes.io/path: b}}"},
		{"prev names", all, &model.PatchTarget{Name: "hub", Kind: "ConfigMap"}, "metadata: {annotations: {internal.config.kubernetes.io/previousNames: 'a,b', internal.config.kubernetes.io/previousKinds: 'X'}}"},
		{"allow kind change", all, ct, "metadata: {annotations: {internal.config.kubernetes.io/allowKindChange: enabled}}"},
		{"helm", all, ct, "metadata: {annotations: {config.kubernetes.io/local-config: x, kustomize.config.k8s.io/id: y}}"},
	}
	atLeast(t, reviewRun(t, cases), 20)
}

// TestEdgeStrategicSelectorTrailingEmptyValues: kustomize parses label
// and annotation selectors with kyaml's copy of apimachinery v0.19.8's
// labels package, which rejects a set ending in ",,)" ("app in (x,,)",
// "app notin (,,)"); the matcher (apimachinery v0.37.2) accepts it. The
// direct route then patches the object where kustomize fails with
// "unable to find patch target ... unable to parse requirement".
func TestEdgeStrategicSelectorTrailingEmptyValues(t *testing.T) {
	all := []*manifest.Object{cm("c", map[string]any{"a": "x"}, map[string]any{"labels": map[string]any{"app": "x"}, "annotations": map[string]any{"app": "x"}})}
	reviewRun(t, []reviewCase{
		{"label in with trailing empties", all, &model.PatchTarget{LabelSelector: "app in (x,,)"}, "metadata: {labels: {b: c}}"},
		{"label in empties", all, &model.PatchTarget{LabelSelector: "app notin (,,)"}, "metadata: {labels: {b: c}}"},
		{"annotation in with trailing empties", all, &model.PatchTarget{AnnotationSelector: "app in (x,,)"}, "metadata: {labels: {b: c}}"},
	})
}

// TestEdgeStrategicYAMLForms covers schema lookups through kinds named
// by the patch or nested in a CRD, merge keys, anchors, tagged maps,
// directives, chomping, keys of every type and scalars that change type.
func TestEdgeStrategicYAMLForms(t *testing.T) {
	dupContainers := map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []any{map[string]any{"name": "a", "image": "1"}, map[string]any{"name": "a", "image": "2"}}}}}
	appsWidget := obj(map[string]any{"apiVersion": "apps/v1", "kind": "Widget", "metadata": map[string]any{"name": "aw", "namespace": "s"}, "spec": dupContainers})
	crd := obj(map[string]any{"apiVersion": "example.org/v1", "kind": "Widget", "metadata": map[string]any{"name": "cw", "namespace": "s"},
		"spec": map[string]any{"inner": map[string]any{"spec": dupContainers}}})
	crd2 := obj(map[string]any{"apiVersion": "example.org/v1", "kind": "Widget", "metadata": map[string]any{"name": "cw2", "namespace": "s"},
		"spec": map[string]any{"inner": map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "spec": dupContainers}}})
	good := cm("c", map[string]any{"a": "x", "n": int64(1)}, nil)
	all := []*manifest.Object{appsWidget, crd, crd2, good}
	c := &model.PatchTarget{Name: "c"}
	atLeast(t, reviewRun(t, []reviewCase{
		{"apps widget plain", all, &model.PatchTarget{Name: "aw"}, "metadata: {labels: {a: b}}"},
		{"apps widget as deployment", all, &model.PatchTarget{Name: "aw"}, "kind: Deployment\nmetadata: {labels: {a: b}}"},
		{"crd nested kind in patch", all, &model.PatchTarget{Name: "cw"}, "spec: {inner: {apiVersion: apps/v1, kind: Deployment}}"},
		{"crd nested kind in patch 2", all, &model.PatchTarget{Name: "cw"}, "spec: {inner: {apiVersion: apps/v1, kind: Deployment, spec: {replicas: 2}}}"},
		{"crd nested kind in object", all, &model.PatchTarget{Name: "cw2"}, "spec: {inner: {x: y}}"},
		{"crd nested kind in object untouched", all, &model.PatchTarget{Name: "cw2"}, "metadata: {labels: {x: y}}"},
		{"merge key", all, c, "base: &b {x: '1'}\ndata:\n  <<: *b\n  y: '2'\n"},
		{"merge key override", all, c, "data:\n  <<: {a: over, z: '3'}\n  a: mine\n"},
		{"merge key list", all, c, "data:\n  <<: [{a: one}, {b: two}]\n"},
		{"tagged map", all, c, "data: !!map {b: c}"},
		{"tagged map new", all, c, "spec: !!map {b: c}"},
		{"custom tagged map", all, c, "data: !foo {b: c}"},
		{"custom tagged map new", all, c, "spec: !foo {b: c}"},
		{"omap", all, c, "spec: !!omap {b: c}"},
		{"set", all, c, "spec: !!set {b, c}"},
		{"binary", all, c, "binaryData: {b: !!binary aGVsbG8=}"},
		{"timestamp", all, c, "data: {b: !!timestamp 2001-12-14}"},
		{"alias scalar", all, c, "data: {a: &x hello, b: *x}"},
		{"alias map twice", all, c, "spec: {a: &m {k: v}, b: *m}\ndata: {q: r}"},
		{"alias map into existing and new", all, c, "data: &m {k: v}\nspec: *m"},
		{"yaml directive", all, c, "%YAML 1.1\n---\ndata: {b: yes}"},
		{"doc start", all, c, "---\ndata: {b: c}\n..."},
		{"doc end", all, c, "data: {b: c}\n...\n"},
		{"flow multiline", all, c, "data: {b: c,\n  d: e}"},
		{"plain multiline", all, c, "data:\n  b: one\n    two\n"},
		{"quoted multiline", all, c, "data:\n  b: \"one\n    two\"\n"},
		{"keep chomp", all, c, "data:\n  b: |+\n    one\n\n"},
		{"strip chomp", all, c, "data:\n  b: |-\n    one\n"},
		{"indent indicator", all, c, "data:\n  b: |2\n     one\n"},
		{"folded keep", all, c, "data:\n  a: >+\n    one\n\n"},
		{"long string", all, c, "data:\n  b: " + longString + "\n"},
		{"unicode", all, c, "data:\n  ключ: значение\n  \"emoji😀\": \"\\U0001F600\"\n"},
		{"ctrl", all, c, "data:\n  b: \"a\\x01b\\x7f\"\n"},
		{"nbsp", all, c, "data:\n  b: \"a\\u0085b\"\n"},
		{"bom", all, c, "data:\n  b: \"a\\ufeffb\"\n"},
		{"key slash dot", all, c, "data:\n  a.b/c: x\n  'a b': y\n  -x: z\n"},
		{"int key new", all, c, "data:\n  1: x\n"},
		{"int key existing", all, c, "data:\n  n: 2\nspec:\n  '1': x\n"},
		{"bool key", all, c, "data:\n  true: x\n"},
		{"null key", all, c, "data:\n  ~: x\n"},
		{"null key quoted", all, c, "data:\n  '~': x\n  'null': y\n"},
		{"key 01 and 1", all, c, "spec:\n  '1': x\n  '01': y\n"},
		{"empty object", all, c, "data: {}"},
		{"empty everything", all, c, "metadata: {labels: {}, annotations: {}}\ndata: {}\nspec: {}\n"},
		{"data scalar", all, c, "data: x"},
		{"replace scalar w/ map", all, c, "data: {a: {b: c}}"},
		{"replace int w/ str", all, c, "data: {n: 'two'}"},
		{"replace int w/ float", all, c, "data: {n: 2.5}"},
		{"replace int w/ bool", all, c, "data: {n: false}"},
		{"replace str w/ yes", all, c, "data: {a: yes}"},
		{"replace str w/ y", all, c, "data: {a: y}"},
		{"replace str w/ 0o17", all, c, "data: {a: 0o17}"},
		{"replace str w/ 017", all, c, "data: {a: 017}"},
		{"replace str w/ 1_000", all, c, "data: {a: 1_000}"},
		{"replace str w/ -0", all, c, "data: {a: -0}"},
		{"replace str w/ -0.0", all, c, "data: {a: -0.0}"},
		{"replace str w/ 1e3", all, c, "data: {a: 1e3}"},
		{"replace str w/ 1E3", all, c, "data: {a: 1E3}"},
		{"replace str w/ +12", all, c, "data: {a: +12}"},
		{"replace str w/ 12.", all, c, "data: {a: 12.}"},
		{"replace str w/ tagged int str", all, c, "data: {a: !!int '12'}"},
		{"replace str w/ tagged float", all, c, "data: {a: !!float 12}"},
		{"replace str w/ tagged str", all, c, "data: {a: !!str 12}"},
		{"new tagged str", all, c, "data: {q: !!str 12}"},
		{"new tagged int quoted", all, c, "data: {q: !!int \"12\"}"},
		{"new yes", all, c, "data: {q: yes, r: No, s: ON, t: y}"},
		{"new null-like string", all, c, "data: {q: 'null', r: '~', s: \"Null\"}"},
		{"new inf nan", all, c, "spec: {q: .inf, r: .nan, s: -.Inf}"},
		{"new big", all, c, "spec: {q: 18446744073709551615, r: 18446744073709551616}"},
		{"new exp", all, c, "spec: {q: 1e21, r: 1e20, s: 1.5e-7, u: 100000000000000000000000}"},
	}), 19)
}

var longString = strings.Repeat("ab ", 2000) + "end"

// TestEdgeStrategicListPatchesAndSelections covers patches written as
// List kinds and targets selecting several objects of different kinds.
func TestEdgeStrategicListPatchesAndSelections(t *testing.T) {
	objs := testObjects(t, "staging")
	good := cm("c", map[string]any{"a": "x", "n": int64(1)}, nil)
	all := append([]*manifest.Object{good}, objs...)
	c := &model.PatchTarget{Name: "c"}
	atLeast(t, reviewRun(t, []reviewCase{
		{"list patch one item", all, c, "kind: ConfigMapList\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {a: b}}"},
		{"list patch two items", all, c, "kind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {a: b}}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: y}, data: {a: c}}"},
		{"list patch no items", all, c, "kind: List\nmetadata: {name: x}\ndata: {a: b}"},
		{"list patch empty item", all, c, "kind: List\nitems:\n- {}\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: {a: b}}"},
		{"multi kinds", all, &model.PatchTarget{LabelSelector: "app=jupyterhub"}, "metadata: {labels: {x: y}, annotations: {z: w}}\nspec: {template: {spec: {nodeSelector: {a: b}}}}"},
		{"multi kinds deps", all, &model.PatchTarget{Kind: "Deployment"}, "spec: {template: {spec: {nodeSelector: {a: b}}}, replicas: 3}"},
		{"multi kinds data", all, &model.PatchTarget{Kind: "ConfigMap"}, "data: {a: b, flag: 'off'}"},
		{"cluster role", all, &model.PatchTarget{Kind: "ClusterRole"}, "metadata: {namespace: x, labels: {a: b}}\naggregationRule: {x: y}"},
		{"service", all, &model.PatchTarget{Kind: "Service"}, "spec: {type: LoadBalancer, sessionAffinityConfig: {clientIP: {timeoutSeconds: 10}}}"},
	}), 4)
}

// TestEdgeJSON6902SelectorTrailingEmptyValues is the same selector hole
// in the JSON 6902 direct route (select.go is shared).
func TestEdgeJSON6902SelectorTrailingEmptyValues(t *testing.T) {
	all := []*manifest.Object{cm("c", map[string]any{"a": "x"}, map[string]any{"labels": map[string]any{"app": "x"}})}
	reviewRun(t, []reviewCase{
		{"json6902 label in with trailing empties", all, &model.PatchTarget{LabelSelector: "app in (x,,)"}, `[{"op": "add", "path": "/data/b", "value": "c"}]`},
	})
}

func podDep(name string, podSpec map[string]any, extra map[string]any) *manifest.Object {
	spec := map[string]any{"template": map[string]any{"spec": podSpec}}
	for k, v := range extra {
		spec[k] = v
	}
	return dep(name, spec, nil)
}

// TestEdgeStrategicMergeKeyedLists applies patches beside merge-keyed
// lists (env, volumes, mounts, ports, pull secrets, host aliases,
// topology constraints, status conditions ...) with duplicate, missing,
// empty, null, non-string and odd merge-key values.
func TestEdgeStrategicMergeKeyedLists(t *testing.T) {
	m := func(kv ...any) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	l := func(xs ...any) []any { return xs }
	objs := []*manifest.Object{
		podDep("env-empty-name", m("containers", l(m("name", "c", "env", l(m("name", "", "value", "1"), m("name", "B"))))), nil),
		podDep("env-distinct", m("containers", l(m("name", "c", "env", l(m("name", "A", "value", "1"), m("name", "B"))), m("name", "d", "env", l(m("name", "A"))))), nil),
		podDep("env-null-name", m("containers", l(m("name", "c", "env", l(m("name", nil), m("name", "B"))))), nil),
		podDep("vol-dup", m("containers", l(m("name", "c")), "volumes", l(m("name", "v"), m("name", "v", "emptyDir", m()))), nil),
		podDep("vol-ok", m("containers", l(m("name", "c", "volumeMounts", l(m("name", "v", "mountPath", "/a"), m("name", "v", "mountPath", "/b")))), "volumes", l(m("name", "v", "emptyDir", m()), m("name", "w"))), nil),
		podDep("mount-dup", m("containers", l(m("name", "c", "volumeMounts", l(m("name", "v", "mountPath", "/a"), m("name", "w", "mountPath", "/a"))))), nil),
		podDep("port-str", m("containers", l(m("name", "c", "ports", l(m("containerPort", "80"), m("containerPort", int64(81)))))), nil),
		podDep("port-host", m("containers", l(m("name", "c", "ports", l(m("containerPort", int64(80), "hostPort", int64(1)), m("containerPort", int64(80), "protocol", "UDP"))))), nil),
		podDep("pull-secrets", m("containers", l(m("name", "c")), "imagePullSecrets", l(m("name", "a"), m("name", "b"))), nil),
		podDep("pull-secrets-dup", m("containers", l(m("name", "c")), "imagePullSecrets", l(m("name", "a"), m("name", "a"))), nil),
		podDep("host-aliases", m("containers", l(m("name", "c")), "hostAliases", l(m("ip", "1.1.1.1", "hostnames", l("a", "a")), m("ip", "1.1.1.2"))), nil),
		podDep("tsc", m("containers", l(m("name", "c")), "topologySpreadConstraints", l(m("topologyKey", "z", "whenUnsatisfiable", "DoNotSchedule", "maxSkew", int64(1)), m("topologyKey", "z", "whenUnsatisfiable", "ScheduleAnyway", "maxSkew", int64(1)))), nil),
		podDep("tsc-missing", m("containers", l(m("name", "c")), "topologySpreadConstraints", l(m("topologyKey", "z", "maxSkew", int64(1)), m("topologyKey", "y", "whenUnsatisfiable", "ScheduleAnyway"))), nil),
		podDep("init", m("containers", l(m("name", "c")), "initContainers", l(m("name", "i"), m("name", "j"))), nil),
		podDep("status", m("containers", l(m("name", "c"))), map[string]any{}),
		dep("status-conds", map[string]any{"replicas": int64(1)}, nil),
		podDep("tolerations", m("containers", l(m("name", "c")), "tolerations", l(m("key", "a"), m("key", "a"), nil, "x")), nil),
		podDep("readiness", m("containers", l(m("name", "c")), "readinessGates", l(m("conditionType", "a"), m("conditionType", "a"))), nil),
		podDep("containers-null", m("containers", nil), nil),
		podDep("containers-empty", m("containers", l()), nil),
		podDep("containers-key-map", m("containers", l(m("name", m("a", "b")), m("name", "x"))), nil),
		podDep("containers-key-int", m("containers", l(m("name", int64(1)), m("name", "1"))), nil),
		podDep("containers-key-bool", m("containers", l(m("name", true), m("name", "x"))), nil),
		podDep("containers-key-special", m("containers", l(m("name", "a,b"), m("name", "a b"), m("name", "a\nb"), m("name", "~"), m("name", "null"))), nil),
		podDep("containers-extra-dollar", m("containers", l(m("name", "a", "$patch", "delete"), m("name", "b"))), nil),
		podDep("containers-empty-elem", m("containers", l(m(), m("name", "b"))), nil),
		podDep("containers-null-elem", m("containers", l(nil, m("name", "b"))), nil),
		podDep("ephemeral", m("containers", l(m("name", "c")), "ephemeralContainers", l(m("name", "e"), m("name", "e"))), nil),
		podDep("resource-claims", m("containers", l(m("name", "c", "resources", m("claims", l(m("name", "x"), m("name", "x")))))), nil),
		podDep("sysctls", m("containers", l(m("name", "c")), "securityContext", m("sysctls", l(m("name", "a"), m("name", "a")))), nil),
		podDep("dns", m("containers", l(m("name", "c")), "dnsConfig", m("options", l(m("name", "a"), m("name", "a")), "nameservers", l("x", "x"))), nil),
	}
	objs[15].Body["status"] = map[string]any{"conditions": []any{map[string]any{"type": "A"}, map[string]any{"type": "A"}}}
	var cases []reviewCase
	for _, o := range objs {
		cases = append(cases,
			reviewCase{o.Name() + " labels", objs, &model.PatchTarget{Name: o.Name()}, "metadata: {labels: {x: '1'}}"},
			reviewCase{o.Name() + " pod", objs, &model.PatchTarget{Name: o.Name()}, "spec: {template: {spec: {nodeSelector: {a: b}}}}"},
			reviewCase{o.Name() + " pod sc", objs, &model.PatchTarget{Name: o.Name()}, "spec: {template: {spec: {securityContext: {runAsUser: 1}, dnsConfig: {x: {}}}}}"},
		)
	}
	atLeast(t, reviewRun(t, cases), 27)
}
