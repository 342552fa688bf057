package patch

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
)

// Patches made only of add, replace and remove operations (the usual
// ones) run on Go values instead of through json-patch's JSON documents.
// applyNative mirrors what json-patch.v4 does when such operations
// succeed, read from its source (Patch.add/replace/remove, findObject,
// partialDoc and partialArray):
//
//   - the path is split at '/', the first (empty) token dropped, each
//     token decoded ~1 then ~0; every token but the last must lead, from
//     the document, through existing objects and arrays (a missing key, an
//     index out of range, a scalar or a null fails);
//   - add sets an object's key (replacing any value), appends to an array
//     for "-", and inserts before an index up to the array's length;
//   - replace sets an object's key, existing or not (partialDoc.get never
//     fails), and an existing array element;
//   - remove deletes an existing key or element.
//
// Anything else answers ok=false and takes json-patch itself (or, on
// failure there too, kustomize): negative or non-canonical indices such as
// "+1" or "01" (strconv.Atoi accepts them), the root path, and every error,
// so errors are always kustomize's own.
//
// The values are those the library route would end with (resultBody): an
// operation's value is decoded from its JSON alone exactly as it is from
// json-patch's output (json-patch writes it back verbatim, compacted), and
// the body's values as they come back from encoding/json: strings as
// they are, an int64 i as the float64 nearest it (ParseFloat and Go's
// conversion both round to nearest even) and a float64 as itself, both
// then settled by jsonNumber.

// nativeOp is one add, replace or remove operation.
type nativeOp struct {
	kind  string
	parts []string         // decoded reference tokens, the key last
	value *json.RawMessage // nil for a JSON null
}

var rfc6901 = strings.NewReplacer("~1", "/", "~0", "~")

// nativeOps returns ops as native operations, or nil when one is not an
// add, replace or remove of a path below the root.
func nativeOps(ops jsonpatch.Patch) []nativeOp {
	out := make([]nativeOp, 0, len(ops))
	for _, op := range ops {
		kind := op.Kind()
		if kind != "add" && kind != "replace" && kind != "remove" {
			return nil
		}
		path, err := op.Path()
		if err != nil || !strings.HasPrefix(path, "/") {
			return nil
		}
		tokens := strings.Split(path, "/")[1:]
		n := nativeOp{kind: kind, parts: make([]string, len(tokens))}
		for i, t := range tokens {
			n.parts[i] = rfc6901.Replace(t)
		}
		if kind != "remove" {
			raw, has := op["value"]
			if !has {
				return nil
			}
			n.value = raw
		}
		out = append(out, n)
	}
	return out
}

// applyNative applies ops to a settled copy of body (which carries the
// build annotations) and finishes the annotations as kustomize does.
func applyNative(ops []nativeOp, body map[string]any) (map[string]any, bool) {
	v, ok := settledCopy(body, 0)
	if !ok {
		return nil, false
	}
	doc, ok := v.(map[string]any)
	if !ok || doc == nil {
		return nil, false
	}
	for i := range ops {
		if _, ok := ops[i].applyTo(doc, 0); !ok {
			return nil, false
		}
	}
	if !finishAnnotations(doc) {
		return nil, false
	}
	return doc, true
}

// canonicalIndex is an array index strconv.Atoi reads as written.
var canonicalIndex = regexp.MustCompile(`^(0|[1-9][0-9]{0,17})$`)

func index(token string, n int) (int, bool) {
	if !canonicalIndex.MatchString(token) {
		return 0, false
	}
	i, err := strconv.Atoi(token)
	return i, err == nil && i < n
}

// applyTo applies the operation below container c, reached through
// parts[:i], and returns c as it must be stored back (arrays may grow or
// shrink).
func (op *nativeOp) applyTo(c any, i int) (any, bool) {
	key := op.parts[i]
	last := i == len(op.parts)-1
	switch t := c.(type) {
	case map[string]any:
		if t == nil {
			return nil, false
		}
		if !last {
			child, ok := t[key]
			if !ok {
				return nil, false
			}
			nc, ok := op.applyTo(child, i+1)
			if !ok {
				return nil, false
			}
			t[key] = nc
			return t, true
		}
		if op.kind == "remove" {
			if _, ok := t[key]; !ok {
				return nil, false
			}
			delete(t, key)
			return t, true
		}
		v, ok := op.decodedValue(i + 1)
		if !ok {
			return nil, false
		}
		t[key] = v
		return t, true
	case []any:
		if t == nil {
			return nil, false
		}
		if !last {
			j, ok := index(key, len(t))
			if !ok {
				return nil, false
			}
			nc, ok := op.applyTo(t[j], i+1)
			if !ok {
				return nil, false
			}
			t[j] = nc
			return t, true
		}
		switch op.kind {
		case "remove":
			j, ok := index(key, len(t))
			if !ok {
				return nil, false
			}
			return append(t[:j:j], t[j+1:]...), true
		case "replace":
			j, ok := index(key, len(t))
			if !ok {
				return nil, false
			}
			v, ok := op.decodedValue(i + 1)
			if !ok {
				return nil, false
			}
			t[j] = v
			return t, true
		}
		j := len(t)
		if key != "-" {
			var ok bool
			if j, ok = index(key, len(t)+1); !ok {
				return nil, false
			}
		}
		v, ok := op.decodedValue(i + 1)
		if !ok {
			return nil, false
		}
		out := make([]any, 0, len(t)+1)
		out = append(out, t[:j]...)
		out = append(out, v)
		return append(out, t[j:]...), true
	}
	return nil, false
}

// decodedValue decodes the operation's value, fresh for every object, as
// settled values at the given depth.
func (op *nativeOp) decodedValue(depth int) (any, bool) {
	if op.value == nil {
		return nil, true
	}
	var v any
	if err := json.Unmarshal(*op.value, &v); err != nil {
		return nil, false
	}
	return settleValue(v, depth)
}
