package verify

import (
	"fmt"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

func password(ns string, spec map[string]any) *manifest.Object {
	return &manifest.Object{Source: "hubs/aws/" + ns + ".yaml", Body: map[string]any{
		"apiVersion": "generators.external-secrets.io/v1alpha1", "kind": "Password",
		"metadata": map[string]any{"name": "cookie-secret", "namespace": ns,
			"labels": map[string]any{"app.kubernetes.io/instance": ns}},
		"spec": spec,
	}}
}

func memoSize(m *Memo) int {
	n := 0
	m.passed.Range(func(any, any) bool { n++; return true })
	return n
}

// Objects whose bodies differ only where the schema cannot look share one
// verdict; what it can see, and every metadata rule, still count per object.
func TestMemoSharesPassesOnly(t *testing.T) {
	memo := &Memo{}
	opts := Options{Memo: memo}
	spec := func() map[string]any { return map[string]any{"length": int64(64), "digits": int64(8)} }
	for _, ns := range []string{"staging", "prod", "dev"} {
		if err := ObjectFor(password(ns, spec()), opts); err != nil {
			t.Fatalf("%s: %v", ns, err)
		}
	}
	if n := memoSize(memo); n != 1 {
		t.Errorf("three passwords differing in namespace and labels: %d memo entries, want 1", n)
	}

	// A bad label on an object whose body is memoized is still found.
	o := password("qa", spec())
	o.Map()["metadata"].(map[string]any)["labels"] = map[string]any{"bad key!": "x"}
	wantErr(t, ObjectFor(o, opts), "Password/qa/cookie-secret", "metadata.labels")

	// A body that fails is reported for every object and never remembered.
	bad := func() map[string]any { return map[string]any{"length": "long", "encoding": "rot13"} }
	for _, ns := range []string{"a", "b"} {
		wantErr(t, ObjectFor(password(ns, bad()), opts), "Password/"+ns+"/cookie-secret", "spec.length", "spec.encoding")
	}
	if n := memoSize(memo); n != 1 {
		t.Errorf("after failures: %d memo entries, want 1", n)
	}

	// The Password schema neither constrains the name nor has a root CEL
	// rule: another name shares the entry (blind_test.go covers schemas
	// that can see it).
	o = password("staging", spec())
	o.Map()["metadata"].(map[string]any)["name"] = "crypt-key"
	if err := ObjectFor(o, opts); err != nil {
		t.Fatal(err)
	}
	if n := memoSize(memo); n != 1 {
		t.Errorf("a second name: %d memo entries, want 1", n)
	}

	// What the schema reads (an enum) still makes another entry.
	s := spec()
	s["encoding"] = "hex"
	if err := ObjectFor(password("staging", s), opts); err != nil {
		t.Fatal(err)
	}
	if n := memoSize(memo); n != 2 {
		t.Errorf("another encoding: %d memo entries, want 2", n)
	}
}

// A memo hit must never hide an error the same object has without it:
// every variant below is checked with a memo primed by the valid body.
func TestMemoNeverHidesErrors(t *testing.T) {
	valid := map[string]any{"length": int64(64), "digits": int64(8)}
	variants := []map[string]any{
		{"length": "64", "digits": int64(8)},                 // a string where an integer goes
		{"length": 64.5, "digits": int64(8)},                 // a fraction
		{"length": int64(64), "digits": int64(8), "x": true}, // an unknown field
		{"length": int64(64), "digits": []any{int64(8)}},     // a list
		{"length": int64(64), "secretKeys": []any{}},         // minItems
		{"length": int64(64), "encoding": "base16"},          // not in the enum
	}
	for i, v := range variants {
		memo := &Memo{}
		if err := ObjectFor(password("staging", valid), Options{Memo: memo}); err != nil {
			t.Fatal(err)
		}
		without := ObjectFor(password("prod", v), Options{})
		with := ObjectFor(password("prod", v), Options{Memo: memo})
		if without == nil {
			t.Fatalf("variant %d: no error without the memo; the test needs an invalid body", i)
		}
		if fmt.Sprint(with) != fmt.Sprint(without) {
			t.Errorf("variant %d: with memo %v, without %v", i, with, without)
		}
	}
}

func TestSchemaKeyDistinguishesTypes(t *testing.T) {
	ver := &crdVersion{}
	bodies := []map[string]any{
		{"spec": map[string]any{"n": int64(1)}},
		{"spec": map[string]any{"n": float64(1)}},
		{"spec": map[string]any{"n": "1"}},
		{"spec": map[string]any{"n": true}},
		{"spec": map[string]any{"n": nil}},
		{"spec": map[string]any{"n": []any{int64(1)}}},
		{"spec": map[string]any{"n": map[string]any{}}},
		{"spec": map[string]any{"n": []any{}}},
		{"spec": map[string]any{"n1": ""}},
		{"spec": map[string]any{"n": "", "1": ""}},
		{"spec": map[string]any{"n": "a", "b": "c"}},
		{"spec": map[string]any{"n": "ab", "": "c"}},
		{"spec": map[string]any{}, "metadata": map[string]any{"name": "x"}},
		{"spec": map[string]any{}, "metadata": map[string]any{"generateName": "x"}},
	}
	seen := map[string]int{}
	for i, b := range bodies {
		k, ok := schemaKey(ver, b)
		if !ok {
			t.Fatalf("body %d: not keyed", i)
		}
		if j, dup := seen[k.body]; dup {
			t.Errorf("bodies %d and %d share the key %q", j, i, k.body)
		}
		seen[k.body] = i
	}
	same := []map[string]any{
		{"spec": map[string]any{}, "metadata": map[string]any{"name": "x", "namespace": "a", "labels": map[string]any{"a": "b"}}},
		{"spec": map[string]any{}, "metadata": map[string]any{"name": "x", "namespace": "b", "annotations": map[string]any{"c": "d"}}},
	}
	k0, _ := schemaKey(ver, same[0])
	k1, _ := schemaKey(ver, same[1])
	if k0 != k1 {
		t.Errorf("namespace, labels and annotations must not be part of the key: %q vs %q", k0.body, k1.body)
	}
	if _, ok := schemaKey(ver, map[string]any{"spec": map[string]any{"n": int(1)}}); ok {
		t.Error("a type normalize never produces must not be keyed")
	}
}

// Metadata that does not decode strictly stops hubfleet's own metadata
// rules; the API server's root check must still report the rest.
func TestCustomMetaErrorsNotHidden(t *testing.T) {
	o := password("staging", map[string]any{"length": int64(64)})
	o.Map()["metadata"] = map[string]any{"name": "cookie-secret", "namespace": "staging",
		"labelz": map[string]any{}, "labels": map[string]any{"bad key!": "x"}}
	wantErr(t, ObjectFor(o, Options{Memo: &Memo{}}), "labelz", "metadata.labels")

	o = password("staging", map[string]any{"length": int64(64)})
	o.Map()["metadata"].(map[string]any)["name"] = "a/b"
	wantErr(t, ObjectFor(o, Options{Memo: &Memo{}}), "metadata.name")
}

// Pruning and defaulting modify the body they check: the object's own
// body must come out as it went in, whether the memo reads it (a hit) or
// the checks run on a copy (a miss), and whether it passes or not.
func TestCheckCustomLeavesBodyAlone(t *testing.T) {
	memo := &Memo{}
	for _, spec := range []map[string]any{
		{"length": int64(64)},                        // defaults to fill in
		{"length": int64(64)},                        // the same: a memo hit
		{"length": int64(64), "x": map[string]any{}}, // an unknown field to prune
		{"length": int(64)},                          // not normalized: copied first
		{"length": int64(64), "encoding": "rot13"},   // invalid
	} {
		for _, opts := range []Options{{}, {Memo: memo}} {
			o := password("staging", spec)
			before := fmt.Sprintf("%#v", o.Map())
			_ = ObjectFor(o, opts)
			if after := fmt.Sprintf("%#v", o.Map()); after != before {
				t.Errorf("memo %v: checking changed the body\nbefore %s\nafter  %s", opts.Memo != nil, before, after)
			}
		}
	}
	if memoSize(memo) == 0 {
		t.Error("no pass remembered; the memo's path is not covered")
	}
}

// Built-in objects that arrive as maps share a verdict only with the very
// same body: passes are remembered, failures reported for each object,
// and a body that differs anywhere (a namespace) is checked on its own.
func TestMemoBuiltinBodies(t *testing.T) {
	memo := &Memo{}
	opts := Options{Memo: memo}
	bodies := func() int {
		n := 0
		memo.bodies.Range(func(any, any) bool { n++; return true })
		return n
	}
	for range 2 {
		if err := ObjectFor(obj(t, deployment()), opts); err != nil {
			t.Fatal(err)
		}
	}
	if n := bodies(); n != 1 {
		t.Errorf("one body twice: %d entries, want 1", n)
	}
	d := deployment()
	d.Namespace = "prod"
	if err := ObjectFor(obj(t, d), opts); err != nil {
		t.Fatal(err)
	}
	if n := bodies(); n != 2 {
		t.Errorf("another namespace: %d entries, want 2", n)
	}
	d.Spec.Template.Spec.Containers[0].Image = ""
	for range 2 {
		wantErr(t, ObjectFor(obj(t, d), opts), "containers[0].image")
	}
	// A typed object is not keyed: it decodes by construction.
	if err := ObjectFor(typedObj(t, deployment()), opts); err != nil {
		t.Fatal(err)
	}
	if n := bodies(); n != 2 {
		t.Errorf("after failures and a typed object: %d entries, want 2", n)
	}
}
