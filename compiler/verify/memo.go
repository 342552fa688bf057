package verify

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"
)

// Memo remembers, for one render, which custom-resource bodies passed the
// schema checks (pruning, defaulting, OpenAPI, list types, CEL, embedded
// objects). Fleets repeat custom bodies in every hub (a hub's password
// generators, say, differ only in their namespace; its Argo CD
// Applications in names and paths), and those checks cost 100–300 µs
// each.
//
// The key is what the schema checks can see: the CRD version, and the body
// with metadata cut down to name and generateName, and with each string
// the version's schema is blind to (see blindNode) written as a marker. A
// CRD schema may only constrain those two metadata fields (the API server
// rejects any other under metadata) and its CEL rules see no other;
// labels, annotations and namespace are checked per object by
// checkCustomMeta, memo or not. Only passes are remembered, so every
// failure is reported for its own object. A Memo is safe for concurrent
// use; the zero value is ready.
type Memo struct{ passed sync.Map }

type memoKey struct {
	ver  *crdVersion
	body string
}

// schemaKey encodes obj's schema-visible content exactly: each value is
// tagged with its Go type (int64 1 and float64 1 validate differently) and
// strings are length-prefixed, so distinct bodies never share a key unless
// they differ only in blind strings, which are written as 'S' (a string,
// whatever its content; any other value there stays as it is). It returns
// false for a body holding a type normalize never produces.
func schemaKey(ver *crdVersion, obj map[string]any) (memoKey, bool) {
	e := keyEncoder{b: make([]byte, 0, 512), ok: true}
	e.b = append(e.b, '{')
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		v := obj[k]
		if meta, isMap := v.(map[string]any); isMap && k == "metadata" {
			cut := map[string]any{}
			for _, f := range []string{"name", "generateName"} {
				if x, ok := meta[f]; ok {
					cut[f] = x
				}
			}
			v = cut
		}
		e.str(k)
		e.value(v, ver.blind.child(k))
	}
	e.b = append(e.b, '}')
	return memoKey{ver: ver, body: string(e.b)}, e.ok
}

// child is the blind tree of property k's value, as the schema checks
// choose its schema: a property first, else additionalProperties.
func (n *blindNode) child(k string) *blindNode {
	if n == nil {
		return nil
	}
	if c, ok := n.props[k]; ok {
		return c
	}
	return n.extra
}

type keyEncoder struct {
	b  []byte
	ok bool
}

func (e *keyEncoder) str(s string) {
	e.b = append(e.b, 's')
	e.b = strconv.AppendInt(e.b, int64(len(s)), 10)
	e.b = append(e.b, ':')
	e.b = append(e.b, s...)
}

func (e *keyEncoder) value(v any, n *blindNode) {
	switch t := v.(type) {
	case nil:
		e.b = append(e.b, 'n')
	case bool:
		if t {
			e.b = append(e.b, 't')
		} else {
			e.b = append(e.b, 'f')
		}
	case string:
		if n != nil && n.str {
			e.b = append(e.b, 'S')
		} else {
			e.str(t)
		}
	case int64:
		e.b = append(e.b, 'i')
		e.b = strconv.AppendInt(e.b, t, 10)
		e.b = append(e.b, ';')
	case float64:
		e.b = append(e.b, 'd')
		e.b = strconv.AppendUint(e.b, math.Float64bits(t), 16)
		e.b = append(e.b, ';')
	case map[string]any:
		e.b = append(e.b, '{')
		for _, k := range slices.Sorted(maps.Keys(t)) {
			e.str(k)
			e.value(t[k], n.child(k))
		}
		e.b = append(e.b, '}')
	case []any:
		e.b = append(e.b, '[')
		var items *blindNode
		if n != nil {
			items = n.items
		}
		for _, x := range t {
			e.value(x, items)
		}
		e.b = append(e.b, ']')
	default:
		e.ok = false
	}
}
