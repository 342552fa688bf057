package verify

import (
	"crypto/sha256"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Memo remembers, for one render, which custom-resource bodies passed the
// schema checks (pruning, defaulting, OpenAPI, list types, CEL, embedded
// objects). Fleets repeat custom bodies in every hub (a hub's password
// generators, say, differ only in their namespace; its Argo CD
// Applications in names and paths), and those checks cost 100–300 µs
// each.
//
// The key is what the schema checks can see: the CRD version, and the body
// with metadata cut down to name and generateName, with each string the
// version's schema is blind to (see blindNode) written as a marker, each
// string it reads only the length of written as that length, and each
// array whose items it checks one by one written as the set of its items'
// keys (so that a 20-hub cluster's AppProject and a 19-hub one share). A
// CRD schema may only constrain those two metadata fields (the API server
// rejects any other under metadata) and its CEL rules see no other;
// labels, annotations and namespace are checked per object by
// checkCustomMeta, memo or not. Only passes are remembered, so every
// failure is reported for its own object. A Memo is safe for concurrent
// use; the zero value is ready.
//
// It also remembers the built-in objects that arrive as maps (patched
// objects, CustomResourceDefinitions read from files) and passed, by
// their whole body (bodyKey): their checks are a function of the body
// alone, and the same CRD is rendered into every cluster.
type Memo struct {
	passed sync.Map // memoKey → struct{}
	bodies sync.Map // [sha256.Size]byte → struct{}
}

// bodyKey is the SHA-256 of a body's exact encoding (every value typed,
// every string written out); false for a body holding a type normalize
// never produces.
func bodyKey(body map[string]any) ([sha256.Size]byte, bool) {
	e := newKeyEncoder()
	defer e.free()
	e.value(body, nil)
	if !e.ok {
		return [sha256.Size]byte{}, false
	}
	return sha256.Sum256(e.b), true
}

type memoKey struct {
	ver  *crdVersion
	body string
}

// schemaKey encodes obj's schema-visible content exactly: each value is
// tagged with its Go type (int64 1 and float64 1 validate differently) and
// strings are length-prefixed, so distinct bodies never share a key unless
// they differ only in blind strings, which are written as 'S' (a string,
// whatever its content; any other value there stays as it is), in strings
// read for their length only, written as 'L' and their rune and byte
// counts, or in how often and in which order the items of a blindNode.set
// array come. It returns false for a body holding a type normalize never
// produces.
func schemaKey(ver *crdVersion, obj map[string]any) (memoKey, bool) {
	e := newKeyEncoder()
	defer e.free()
	e.b = append(e.b, '{')
	keys := e.sortedKeys(obj)
	for i := range keys.n {
		k := e.keys[keys.start+i]
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
	e.keys = e.keys[:keys.start]
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
	b    []byte
	ok   bool
	keys []string // a stack of the map keys being written, sorted
}

// Keys are built for every custom object and every built-in one that
// arrives as a map: the encoders and their buffers are reused.
var keyEncoders = sync.Pool{New: func() any { return &keyEncoder{b: make([]byte, 0, 4096)} }}

func newKeyEncoder() *keyEncoder {
	e := keyEncoders.Get().(*keyEncoder)
	e.b, e.ok, e.keys = e.b[:0], true, e.keys[:0]
	return e
}

func (e *keyEncoder) free() {
	if cap(e.b) <= 1<<20 { // not the buffer of a huge CRD
		keyEncoders.Put(e)
	}
}

// span is a run of e.keys.
type span struct{ start, n int }

// sortedKeys pushes m's keys onto e.keys, sorted; the caller reads them
// as e.keys[s.start+i] (the stack may move as nested maps push theirs)
// and pops them by truncating e.keys to s.start.
func (e *keyEncoder) sortedKeys(m map[string]any) span {
	s := span{start: len(e.keys), n: len(m)}
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys[s.start:])
	return s
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
		switch {
		case n != nil && n.str:
			e.b = append(e.b, 'S')
		case n != nil && n.length:
			// The validators count runes; the byte length is written
			// too, so that the key holds whichever a check counts.
			e.b = append(e.b, 'L')
			e.b = strconv.AppendInt(e.b, int64(utf8.RuneCountInString(t)), 10)
			e.b = append(e.b, ',')
			e.b = strconv.AppendInt(e.b, int64(len(t)), 10)
			e.b = append(e.b, ';')
		default:
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
		keys := e.sortedKeys(t)
		for i := range keys.n {
			k := e.keys[keys.start+i]
			e.str(k)
			e.value(t[k], n.child(k))
		}
		e.keys = e.keys[:keys.start]
		e.b = append(e.b, '}')
	case []any:
		if n != nil && n.set {
			e.set(t, n.items)
			return
		}
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

// set writes the distinct keys of the items of an array the checks see
// item by item (blindNode.set), sorted, between '<' and '>'. Each item's
// encoding is self-delimiting, so the result still spells the set
// exactly.
func (e *keyEncoder) set(list []any, items *blindNode) {
	start := len(e.b)
	e.b = append(e.b, '<')
	if len(list) == 1 {
		e.value(list[0], items)
		e.b = append(e.b, '>')
		return
	}
	keys := make([]string, len(list))
	for i, x := range list {
		from := len(e.b)
		e.value(x, items)
		keys[i] = string(e.b[from:])
	}
	slices.Sort(keys)
	e.b = e.b[:start+1]
	for i, k := range keys {
		if i == 0 || k != keys[i-1] {
			e.b = append(e.b, k...)
		}
	}
	e.b = append(e.b, '>')
}
