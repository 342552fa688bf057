package verify

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// compileSchema compiles an apiextensions/v1 schema as a CRD version.
func compileSchema(t *testing.T, schema string) *crdVersion {
	t.Helper()
	v := &crdVersion{raw: json.RawMessage(schema)}
	if err := v.compile(); err != nil {
		t.Fatalf("compiling %s: %v", schema, err)
	}
	return v
}

// schemaPasses runs the memo-covered checks on a copy of body, no memo.
func schemaPasses(t testing.TB, v *crdVersion, body map[string]any) (bool, string) {
	t.Helper()
	n, err := normalize(body)
	if err != nil {
		t.Fatal(err)
	}
	c := &collector{obj: &manifest.Object{Body: body}}
	schemaChecks(c, n.(map[string]any), v)
	return len(c.errs) == 0, c.errs.Error()
}

func sameKey(t *testing.T, v *crdVersion, a, b map[string]any) bool {
	t.Helper()
	ka, okA := schemaKey(v, a)
	kb, okB := schemaKey(v, b)
	if !okA || !okB {
		t.Fatal("body not keyed")
	}
	return ka == kb
}

// withSpec is a root schema with one spec property.
func withSpec(spec string) string {
	return `{"type":"object","properties":{"metadata":{"type":"object"},"spec":` + spec + `}}`
}

func body(spec any) map[string]any {
	return map[string]any{"apiVersion": "x.io/v1", "kind": "X", "metadata": map[string]any{"name": "n"}, "spec": spec}
}

// Each schema feature that reads a string's value keeps it in the key;
// where the feature can fail one value and pass the other, the case shows
// it (the exclusion is needed, not merely cautious).
func TestBlindStrings(t *testing.T) {
	obj := func(k string, v any) map[string]any { return map[string]any{k: v} }
	cases := []struct {
		name   string
		spec   string
		a, b   any
		blind  bool
		differ bool // a and b get different verdicts
	}{
		{"plain string", `{"type":"object","properties":{"s":{"type":"string","description":"d","default":"x","nullable":true}}}`,
			obj("s", "a"), obj("s", "ünïcode "+strings.Repeat("z", 5000)), true, false},
		{"list of strings", `{"type":"object","properties":{"l":{"type":"array","maxItems":3,"items":{"type":"string"}}}}`,
			obj("l", []any{"a", "b"}), obj("l", []any{"", "c"}), true, false},
		{"atomic list", `{"type":"object","properties":{"l":{"type":"array","x-kubernetes-list-type":"atomic","items":{"type":"string"}}}}`,
			obj("l", []any{"a", "a"}), obj("l", []any{"a", "b"}), true, false},
		{"map values", `{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"string"}}}}`,
			obj("m", map[string]any{"k": "a"}), obj("m", map[string]any{"k": "b"}), true, false},
		{"map keys", `{"type":"object","properties":{"m":{"type":"object","additionalProperties":{"type":"string"}}}}`,
			obj("m", map[string]any{"k": "a"}), obj("m", map[string]any{"j": "a"}), false, false},
		{"string against a number", `{"type":"object","properties":{"s":{"type":"string"}}}`,
			obj("s", "1"), obj("s", int64(1)), false, true},
		{"unknown field", `{"type":"object","properties":{"s":{"type":"string"}}}`,
			obj("t", "a"), obj("t", "b"), false, false},
		{"pattern", `{"type":"object","properties":{"s":{"type":"string","pattern":"^a$"}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
		{"enum", `{"type":"object","properties":{"s":{"type":"string","enum":["a"]}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
		{"format", `{"type":"object","properties":{"s":{"type":"string","format":"uuid"}}}`,
			obj("s", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"), obj("s", "b"), false, true},
		{"minLength", `{"type":"object","properties":{"s":{"type":"string","minLength":2}}}`,
			obj("s", "aa"), obj("s", "b"), false, true},
		{"maxLength", `{"type":"object","properties":{"s":{"type":"string","maxLength":1}}}`,
			obj("s", "a"), obj("s", "bb"), false, true},
		{"maxLength, same length", `{"type":"object","properties":{"s":{"type":"string","maxLength":1}}}`,
			obj("s", "a"), obj("s", "b"), true, false},
		{"minLength, same length", `{"type":"object","properties":{"s":{"type":"string","minLength":3}}}`,
			obj("s", "abc"), obj("s", "xyz"), true, false},
		{"maxLength, same runes, more bytes", `{"type":"object","properties":{"s":{"type":"string","maxLength":1}}}`,
			obj("s", "a"), obj("s", "ü"), false, false},
		{"maxLength and pattern", `{"type":"object","properties":{"s":{"type":"string","maxLength":1,"pattern":"^a$"}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
		{"int-or-string", `{"type":"object","properties":{"s":{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]}}}`,
			obj("s", "a"), obj("s", "b"), false, false},
		{"CEL on the node", `{"type":"object","properties":{"s":{"type":"string","x-kubernetes-validations":[{"rule":"self == 'a'"}]}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
		{"CEL on the parent", `{"type":"object","x-kubernetes-validations":[{"rule":"self.s == 'a'"}],"properties":{"s":{"type":"string"}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
		{"CEL on an ancestor", `{"type":"object","x-kubernetes-validations":[{"rule":"self.o.l[0] == 'a'"}],"properties":{"o":{"type":"object","properties":{"l":{"type":"array","items":{"type":"string"}}}}}}`,
			obj("o", obj("l", []any{"a"})), obj("o", obj("l", []any{"b"})), false, true},
		{"list-type set", `{"type":"object","properties":{"l":{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}}}`,
			obj("l", []any{"a", "b"}), obj("l", []any{"a", "a"}), false, true},
		{"list-type map", `{"type":"object","properties":{"l":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["k"],"items":{"type":"object","required":["k"],"properties":{"k":{"type":"string"},"v":{"type":"string"}}}}}}`,
			obj("l", []any{obj("k", "a"), obj("k", "b")}), obj("l", []any{obj("k", "a"), obj("k", "a")}), false, true},
		{"uniqueItems", `{"type":"object","properties":{"l":{"type":"array","uniqueItems":true,"items":{"type":"string"}}}}`,
			obj("l", []any{"a", "b"}), obj("l", []any{"a", "a"}), false, true},
		{"embedded resource", `{"type":"object","properties":{"r":{"type":"object","x-kubernetes-embedded-resource":true,"x-kubernetes-preserve-unknown-fields":true,"properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"}}}}}`,
			obj("r", map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}), obj("r", map[string]any{"apiVersion": "v1", "kind": "not a kind!"}), false, true},
		{"preserve-unknown-fields", `{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"s":{"type":"string"}}}`,
			obj("s", "a"), obj("s", "b"), false, false},
		{"anyOf on the parent", `{"type":"object","anyOf":[{"properties":{"s":{"pattern":"^a$"}}}],"properties":{"s":{"type":"string"}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
		{"not on the parent", `{"type":"object","not":{"properties":{"s":{"enum":["b"]}}},"properties":{"s":{"type":"string"}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
		{"enum on the parent", `{"type":"object","enum":[{"s":"a"}],"properties":{"s":{"type":"string"}}}`,
			obj("s", "a"), obj("s", "b"), false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := compileSchema(t, withSpec(tc.spec))
			a, b := body(tc.a), body(tc.b)
			if got := sameKey(t, v, a, b); got != tc.blind {
				t.Errorf("bodies share a key: %v, want %v", got, tc.blind)
			}
			passA, errsA := schemaPasses(t, v, a)
			passB, errsB := schemaPasses(t, v, b)
			if tc.differ && passA == passB {
				t.Errorf("verdicts %v (%s) and %v (%s): the case does not show the feature reads values", passA, errsA, passB, errsB)
			}
			if tc.blind && (!passA || !passB) {
				t.Errorf("a blind case should pass both ways: %s / %s", errsA, errsB)
			}
		})
	}
}

// metadata.name and generateName leave the key unless a schema node or a
// root CEL rule can read them.
func TestBlindMetadataName(t *testing.T) {
	named := func(name string) map[string]any {
		b := body(map[string]any{})
		b["metadata"] = map[string]any{"name": name, "generateName": name + "-"}
		return b
	}
	cases := []struct {
		name   string
		schema string
		blind  bool
	}{
		{"plain metadata", `{"type":"object","properties":{"metadata":{"type":"object"},"spec":{"type":"object"}}}`, true},
		{"no metadata node", `{"type":"object","properties":{"spec":{"type":"object"}}}`, true},
		{"name with maxLength", `{"type":"object","properties":{"metadata":{"type":"object","properties":{"name":{"type":"string","maxLength":3}}},"spec":{"type":"object"}}}`, false},
		{"root CEL", `{"type":"object","x-kubernetes-validations":[{"rule":"self.metadata.name.size() < 4"}],"properties":{"metadata":{"type":"object"},"spec":{"type":"object"}}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := compileSchema(t, tc.schema)
			if got := sameKey(t, v, named("abc"), named("abcdef")); got != tc.blind {
				t.Errorf("names share a key: %v, want %v", got, tc.blind)
			}
			if !tc.blind {
				passA, _ := schemaPasses(t, v, named("abc"))
				passB, _ := schemaPasses(t, v, named("abcdef"))
				if passA == passB {
					t.Errorf("verdicts %v and %v: the case does not show the name is read", passA, passB)
				}
			}
		})
	}
}

// A keyword the analysis does not list (here a default-free "title" is
// allowed, "x-kubernetes-map-type" is not on strings) stops blindness: the
// test is a whitelist.
func TestBlindWhitelist(t *testing.T) {
	v := compileSchema(t, withSpec(`{"type":"object","properties":{"s":{"type":"string","title":"t"},"m":{"type":"string","x-kubernetes-map-type":"atomic"}}}`))
	sp := func(s, m string) map[string]any { return body(map[string]any{"s": s, "m": m}) }
	if !sameKey(t, v, sp("a", "x"), sp("b", "x")) {
		t.Error("a titled string should be blind")
	}
	if sameKey(t, v, sp("a", "x"), sp("a", "y")) {
		t.Error("a string with a keyword outside the whitelist should not be blind")
	}
}

// Arrays whose items the checks take one by one key as the set of their
// items: repeats and order leave the key; a count or a CEL rule in the
// items keeps the list as it is.
func TestBlindSets(t *testing.T) {
	item := `{"type":"object","required":["k"],"properties":{"k":{"type":"string","pattern":"^[a-z]+$"},"v":{"type":"string"}}}`
	kv := func(k, v string) map[string]any { return map[string]any{"k": k, "v": v} }
	cases := []struct {
		name   string
		list   string
		a, b   []any
		shared bool
		differ bool
	}{
		{"repeats", `{"type":"array","items":` + item + `}`,
			[]any{kv("a", "1")}, []any{kv("a", "2"), kv("a", "3"), kv("a", "1")}, true, false},
		{"order", `{"type":"array","items":` + item + `}`,
			[]any{kv("a", "1"), kv("b", "1")}, []any{kv("b", "x"), kv("a", "y")}, true, false},
		{"another item", `{"type":"array","items":` + item + `}`,
			[]any{kv("a", "1")}, []any{kv("a", "1"), kv("b", "1")}, false, false},
		{"a failing item", `{"type":"array","items":` + item + `}`,
			[]any{kv("a", "1")}, []any{kv("a", "1"), kv("B", "1")}, false, true},
		{"empty", `{"type":"array","items":` + item + `}`,
			[]any{}, []any{kv("a", "1")}, false, false},
		{"minItems", `{"type":"array","minItems":2,"items":` + item + `}`,
			[]any{kv("a", "1")}, []any{kv("a", "1"), kv("a", "2")}, false, true},
		{"maxItems", `{"type":"array","maxItems":1,"items":` + item + `}`,
			[]any{kv("a", "1")}, []any{kv("a", "1"), kv("a", "2")}, false, true},
		{"CEL in the items", `{"type":"array","items":{"type":"object","properties":{"k":{"type":"string","x-kubernetes-validations":[{"rule":"self.size() < 9"}]}}}}`,
			[]any{kv("a", "1")}, []any{kv("a", "1"), kv("a", "1")}, false, false},
		{"uniqueItems", `{"type":"array","uniqueItems":true,"items":` + item + `}`,
			[]any{kv("a", "1")}, []any{kv("a", "1"), kv("a", "1")}, false, true},
		{"list-type set", `{"type":"array","x-kubernetes-list-type":"set","items":{"type":"string"}}`,
			[]any{"a"}, []any{"a", "a"}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := compileSchema(t, withSpec(`{"type":"object","properties":{"l":`+tc.list+`}}`))
			a, b := body(map[string]any{"l": tc.a}), body(map[string]any{"l": tc.b})
			if got := sameKey(t, v, a, b); got != tc.shared {
				t.Errorf("bodies share a key: %v, want %v", got, tc.shared)
			}
			passA, errsA := schemaPasses(t, v, a)
			passB, errsB := schemaPasses(t, v, b)
			if tc.differ && passA == passB {
				t.Errorf("verdicts %v (%s) and %v (%s): the case does not show the feature reads the list", passA, errsA, passB, errsB)
			}
			if tc.shared && (!passA || !passB) {
				t.Errorf("a shared case should pass both ways: %s / %s", errsA, errsB)
			}
		})
	}
}
