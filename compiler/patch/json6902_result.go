package patch

import (
	"encoding/json"
	"math"
	"strings"

	"sigs.k8s.io/kustomize/api/resource"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
)

// resultBody is the body kustomize ends with for json-patch's result res
// (steps 5 and 6 of json6902.go, RemoveBuildAnnotations, readResource),
// or ok=false when that is not certain.
//
//   - encoding/json decodes res as kustomize does (same duplicate-key and
//     invalid-UTF-8 handling); a number out of float64 range fails there.
//   - A float64 f goes through yaml.v3 as strconv's shortest 'g' spelling
//     and is read back (documentBody) as an int64 when that spelling is a
//     decimal integer (|f| < 1e6, "-0" giving 0), else as the float64 f
//     when its JSON spelling is not an integer: both are jsonNumber(f).
//   - Strings and keys come back unchanged when yaml.v3 writes and parses
//     them faithfully; those with line breaks, tabs or other control
//     characters are checked by doing it (yamlSafe).
//   - The annotations are finished as finishAnnotations says.
func resultBody(res []byte) (map[string]any, bool) {
	var v any
	if err := json.Unmarshal(res, &v); err != nil {
		return nil, false
	}
	body, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	if _, ok := settleValue(body, 0); !ok || !finishAnnotations(body) {
		return nil, false
	}
	return body, true
}

// finishAnnotations does step 6 and RemoveBuildAnnotations on a settled
// result: the annotations become the result's, plus the three build ones,
// minus every build annotation, and the field goes when none is left.
// Only maps of strings with non-empty keys are handled (GetAnnotations
// reads any other node's raw scalar text), under a metadata map
// (SetAnnotations would create one).
func finishAnnotations(body map[string]any) bool {
	meta, ok := body["metadata"].(map[string]any)
	if !ok || meta == nil {
		return false
	}
	anns := map[string]any{}
	if a, has := meta["annotations"]; has {
		m, ok := a.(map[string]any)
		if !ok || m == nil {
			return false
		}
		for k, x := range m {
			// An empty key makes SetAnnotations fail half-way, an error
			// transformJson6902 ignores.
			if _, ok := x.(string); !ok || k == "" {
				return false
			}
		}
		anns = m
	}
	for _, k := range resource.BuildAnnotations {
		delete(anns, k)
	}
	for k := range anns {
		if !plainKey(k) {
			return false
		}
	}
	if len(anns) == 0 {
		delete(meta, "annotations")
	} else {
		meta["annotations"] = anns
	}
	return true
}

// plainKey reports an annotation key SetAnnotations may write: it writes
// keys as untagged plain scalars, which documentBody (and yaml.v3, when
// the text route reads them) resolve by their spelling, so a key such as
// "1" or "true" would not come back as a string.
func plainKey(k string) bool {
	if k == "" || !textSafe(k) || strings.ContainsFunc(k, lineOrControl) {
		return false
	}
	v, ok := plainScalar(k, true)
	s, isString := v.(string)
	return ok && isString && s == k
}

func lineOrControl(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 }

// settleValue returns v, a value encoding/json decoded, as kustomize's
// YAML round trip leaves it: every float64 replaced by jsonNumber (maps
// and lists in place). ok=false when a string, key or level might not
// survive that round trip as is.
func settleValue(v any, depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	switch t := v.(type) {
	case float64:
		return jsonNumber(t), true
	case string:
		return t, yamlSafe(t)
	case map[string]any:
		for k, x := range t {
			if !keySafe(k) {
				return nil, false
			}
			y, ok := settleValue(x, depth+1)
			if !ok {
				return nil, false
			}
			t[k] = y
		}
	case []any:
		for i, x := range t {
			y, ok := settleValue(x, depth+1)
			if !ok {
				return nil, false
			}
			t[i] = y
		}
	}
	return v, true
}

// settledCopy is settleValue for a body's values (see applyNative): a deep
// copy, int64s through float64, nil maps and lists as nulls.
func settledCopy(v any, depth int) (any, bool) {
	if depth > maxDepth {
		return nil, false
	}
	switch t := v.(type) {
	case nil, bool:
		return t, true
	case int64:
		return jsonNumber(float64(t)), true
	case float64:
		return jsonNumber(t), finite(t)
	case string:
		return t, yamlSafe(t)
	case map[string]any:
		if t == nil {
			return nil, true
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			if !keySafe(k) {
				return nil, false
			}
			y, ok := settledCopy(x, depth+1)
			if !ok {
				return nil, false
			}
			out[k] = y
		}
		return out, true
	case []any:
		if t == nil {
			return nil, true
		}
		out := make([]any, len(t))
		for i, x := range t {
			y, ok := settledCopy(x, depth+1)
			if !ok {
				return nil, false
			}
			out[i] = y
		}
		return out, true
	}
	return nil, false
}

// keySafe reports a key yaml.v3 writes and documentBody reads back as is.
func keySafe(k string) bool {
	return k != "<<" && quotedLen(k) <= maxKeyLen && yamlSafe(k)
}

// yamlSafe reports whether s comes back unchanged from yaml.v3 writing it
// as a mapping value and documentBody reading it: always for textSafe
// text without control characters or line separators; for the rest, the
// round trip is run on a one-entry document. Multi-line text starting
// with a tab is written without an indentation indicator that reading it
// back needs, so it is never safe.
func yamlSafe(s string) bool {
	if !textSafe(s) {
		return false
	}
	if !strings.ContainsFunc(s, lineOrControl) {
		return true
	}
	if strings.HasPrefix(s, "\t") && strings.ContainsAny(s, "\n\r") {
		return false
	}
	return roundTrips(map[string]any{"k": s}) && roundTrips(map[string]any{s: "v"})
}

// roundTrips runs kyaml.FromMap and documentBody on m and compares.
func roundTrips(m map[string]any) bool {
	n, err := kyaml.FromMap(m)
	if err != nil {
		return false
	}
	back, ok := documentBody(n.YNode())
	if !ok || len(back) != len(m) {
		return false
	}
	for k, v := range m {
		if back[k] != v {
			return false
		}
	}
	return true
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func signbit(f float64) bool { return math.Signbit(f) }
