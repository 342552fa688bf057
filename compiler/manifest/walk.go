package manifest

import (
	"encoding/base64"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file streams a typed object's body, exactly as convert would build
// it, to an Emitter: same plans, same rules, but no map. The output stage
// encodes most objects this way and never needs their maps.

// Emitter receives the body of a typed object from Walk, entries in the
// order the emitter asks for (First, then the rest in byte order) and
// values already pruned. Walk takes a Mark before every entry and item,
// and rolls back to it when the value prunes to nothing.
type Emitter interface {
	// Mark returns the current position; Rollback(m) undoes everything
	// emitted since Mark returned m. Marks grow with what is emitted.
	Mark() int
	Rollback(mark int)
	// First lists the keys the current mapping puts before the others.
	First() []string
	// Key starts an entry of the current mapping, Item one of the current
	// sequence; a value follows. False stops the walk.
	Key(k string) bool
	Item() bool
	// BeginMap and BeginSeq open a mapping or sequence as the value (the
	// first BeginMap opens the body); EndMap and EndSeq close it, empty or
	// not. EmptyMap is "{}" as the value.
	BeginMap()
	EndMap()
	EmptyMap()
	BeginSeq()
	EndSeq()
	// Scalar values. False stops the walk.
	String(s string) bool
	Int(i int64)
	Bool(b bool)
	Float(f float64) bool
	// Value is a non-nil value a marshaler hook produced, already pruned:
	// maps, slices, strings, int64, float64 and bools, as in Body.
	Value(v any) bool
}

// Walk streams the object's body, as Map returns it, to e without building
// the map. It returns false when it cannot vouch for the result (a value
// only apimachinery converts, a struct two of whose fields share a key, an
// empty body, an emitter that gave up); what e received is then to be
// discarded and Map used instead. It needs the typed struct: false for an
// object New did not make from one.
func (o *Object) Walk(e Emitter) bool {
	if !o.Lazy() {
		return false // no struct, or its map is the object now
	}
	rv := reflect.ValueOf(o.typed)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	p := planFor(rv.Type().Elem())
	if p.kind != kStruct || p.collide || p.unstructured {
		return false
	}
	w := walkers.Get().(*walker)
	w.e = e
	e.BeginMap()
	start := e.Mark()
	var ok bool
	if p.isPlain() {
		ok = w.directFields(rv.UnsafePointer(), p)
	} else {
		ok = w.fields(rv.Elem(), p)
	}
	ok = ok && e.Mark() != start
	e.EndMap()
	w.e = nil
	clear(w.keys[:cap(w.keys)])
	clear(w.entries[:cap(w.entries)])
	clear(w.pairs[:cap(w.pairs)])
	w.keys, w.entries, w.pairs = w.keys[:0], w.entries[:0], w.pairs[:0]
	walkers.Put(w)
	return ok
}

var walkers = sync.Pool{New: func() any { return new(walker) }}

// walker holds the scratch of one walk: the sorted keys of the maps being
// written, innermost last, so that sorting allocates nothing once grown.
type walker struct {
	e       Emitter
	keys    []string
	entries []mapEntry
	pairs   []stringPair
}

type mapEntry struct {
	key string
	val reflect.Value
}

// walkField is a key a struct writes: the field, reached through the
// inlined fields before it in path.
type walkField struct {
	name string
	path []*fieldPlan
}

// walkFields returns the keys of a struct plan without collisions, sorted.
func (p *plan) walkFields() []walkField {
	p.walkOnce.Do(func() {
		p.walk = flatten(p, nil, nil)
		slices.SortStableFunc(p.walk, func(a, b walkField) int { return strings.Compare(a.name, b.name) })
		p.direct = directKeys(p.walk)
	})
	return p.walk
}

func flatten(p *plan, path []*fieldPlan, out []walkField) []walkField {
	for i := range p.fields {
		f := &p.fields[i]
		fp := append(path[:len(path):len(path)], f)
		if f.inline && !f.bad {
			out = flatten(f.plan, fp, out)
			continue
		}
		// A bad field stays, nameless, to fail the walk if reached.
		out = append(out, walkField{name: f.name, path: fp})
	}
	return out
}

// fields emits the entries of the struct sv, the current mapping.
func (w *walker) fields(sv reflect.Value, p *plan) bool {
	wfs := p.walkFields()
	if order := p.orderFor(w.e.First()); order != nil {
		for _, i := range order {
			if !w.field(sv, &wfs[i]) {
				return false
			}
		}
		return true
	}
	for i := range wfs {
		if !w.field(sv, &wfs[i]) {
			return false
		}
	}
	return true
}

// field emits one key of the struct sv, as structInto writes it.
func (w *walker) field(sv reflect.Value, wf *walkField) bool {
	fv := sv
	var f *fieldPlan
	for i, step := range wf.path {
		f = step
		fv = fv.Field(f.index)
		if skip, err := omitted(fv, f); err != nil {
			return false
		} else if skip {
			return true
		}
		if i < len(wf.path)-1 && f.inlinePtr {
			if fv.IsNil() {
				return true
			}
			fv = fv.Elem()
		}
	}
	if f.inline {
		return false // reached a bad inline field
	}
	e := w.e
	if f.basic != kBad {
		if !e.Key(f.name) {
			return false
		}
		return w.basic(fv, f.basic)
	}
	mark := e.Mark()
	if !e.Key(f.name) {
		return false
	}
	emitted, isMap, ok := w.value(fv, f.plan)
	if !ok {
		return false
	}
	if !emitted {
		e.Rollback(mark)
		if isMap && f.keepEmpty {
			if !e.Key(f.name) {
				return false
			}
			e.EmptyMap()
		}
	}
	return true
}

// basic emits a string, bool or number of kind k.
func (w *walker) basic(v reflect.Value, k planKind) bool {
	switch k {
	case kString:
		return w.e.String(v.String())
	case kBool:
		w.e.Bool(v.Bool())
	case kInt:
		w.e.Int(v.Int())
	case kUint:
		return w.emitUint(v.Uint())
	case kFloat:
		return w.e.Float(v.Float())
	default:
		return false
	}
	return true
}

// emitUint emits u, which convert declines above the largest int64.
func (w *walker) emitUint(u uint64) bool {
	if u > math.MaxInt64 {
		return false
	}
	w.e.Int(int64(u))
	return true
}

// value emits sv as convertValue converts it, after a Key or Item.
// emitted is false when the value prunes to nothing (the caller rolls the
// entry back); isMap says whether it was a map, as convertValue reports.
func (w *walker) value(sv reflect.Value, p *plan) (emitted, isMap, ok bool) {
	e := w.e
	switch p.kind {
	case kString, kBool, kInt, kUint, kFloat:
		return true, false, w.basic(sv, p.kind)
	case kBytes:
		if sv.IsNil() {
			return false, false, true
		}
		return true, false, e.String(base64.StdEncoding.EncodeToString(sv.Bytes()))
	case kPtr:
		if sv.IsNil() {
			return false, false, true
		}
		return w.value(sv.Elem(), p.elem)
	case kStruct:
		if p.collide {
			return false, false, false
		}
		e.BeginMap()
		start := e.Mark()
		ok := w.fields(sv, p)
		emitted := e.Mark() != start
		e.EndMap()
		return emitted, true, ok
	case kSlice:
		return w.slice(sv, p)
	case kMapStringString:
		switch {
		case sv.IsNil():
			return false, false, true
		case sv.Len() == 0:
			return false, true, true
		case !sv.CanInterface():
			return false, false, false
		}
		return w.stringMap(sv.Interface().(map[string]string))
	case kMap:
		return w.mapping(sv, p)
	case kMapNonString:
		return false, false, sv.IsNil()
	case kIface:
		if sv.IsNil() {
			return false, false, true
		}
		el := sv.Elem()
		return w.value(el, planFor(el.Type()))
	case kTime:
		if !sv.CanInterface() {
			return false, false, false
		}
		t := timeOf(sv)
		if t.IsZero() {
			return false, false, true
		}
		return true, false, w.leaf(t.ToUnstructured())
	case kQuantity:
		if !sv.CanInterface() {
			return false, false, false
		}
		if sv.CanAddr() {
			return true, false, w.leaf(sv.Addr().Interface().(*resource.Quantity).ToUnstructured())
		}
		return true, false, w.leaf(sv.Interface().(resource.Quantity).ToUnstructured())
	case kIntOrString:
		if sv.CanInterface() {
			if native, ok := w.intOrString(intOrStringOf(sv)); native {
				return true, false, ok
			}
		}
		return w.marshaled(sv, p)
	case kMarshal:
		return w.marshaled(sv, p)
	}
	return false, false, false
}

// intOrString emits is as convertValue converts it without its hook: an
// int, or a string that is valid UTF-8 (json.Marshal would replace the
// rest). native is false for the values left to the hook.
func (w *walker) intOrString(is *intstr.IntOrString) (native, ok bool) {
	switch {
	case is.Type == intstr.Int:
		w.e.Int(int64(is.IntVal))
		return true, true
	case is.Type == intstr.String && utf8.ValidString(is.StrVal):
		return true, w.e.String(is.StrVal)
	}
	return false, false
}

func intOrStringOf(sv reflect.Value) *intstr.IntOrString {
	if sv.CanAddr() {
		return sv.Addr().Interface().(*intstr.IntOrString)
	}
	c := sv.Interface().(intstr.IntOrString)
	return &c
}

// marshaled emits what the type's own hook converts sv to.
func (w *walker) marshaled(sv reflect.Value, p *plan) (emitted, isMap, ok bool) {
	val, isMap, err := convertMarshal(sv, p)
	if err != nil {
		return false, false, false
	}
	if val == nil {
		return false, isMap, true
	}
	return true, isMap, w.leaf(val)
}

// leaf emits a converted, pruned, non-nil value.
func (w *walker) leaf(v any) bool {
	switch t := v.(type) {
	case string:
		return w.e.String(t)
	case int64:
		w.e.Int(t)
	case bool:
		w.e.Bool(t)
	case float64:
		return w.e.Float(t)
	case nil:
		return false
	default:
		return w.e.Value(v)
	}
	return true
}

// slice emits a sequence as convertSlice converts it.
func (w *walker) slice(sv reflect.Value, p *plan) (emitted, isMap, ok bool) {
	if sv.IsNil() {
		return false, false, true
	}
	return w.sequence(sv.Len(), func(i int) (bool, bool, bool) { return w.value(sv.Index(i), p.elem) })
}

// sequence emits the n items item emits as a sequence, as convertSlice
// converts them: nothing for none, {} for an item that was a map and
// pruned to nothing, no item for other values that did.
func (w *walker) sequence(n int, item func(i int) (emitted, isMap, ok bool)) (emitted, isMap, ok bool) {
	if n == 0 {
		return false, false, true
	}
	e := w.e
	e.BeginSeq()
	start := e.Mark()
	for i := range n {
		mark := e.Mark()
		if !e.Item() {
			e.EndSeq()
			return false, false, false
		}
		em, isMap, ok := item(i)
		if !ok {
			e.EndSeq()
			return false, false, false
		}
		if !em {
			e.Rollback(mark)
			if isMap {
				// An empty map in a list still counts as an element.
				if !e.Item() {
					e.EndSeq()
					return false, false, false
				}
				e.EmptyMap()
			}
		}
	}
	emitted = e.Mark() != start
	e.EndSeq()
	return emitted, false, true
}

// stringMap emits a non-empty map[string]string, keys sorted.
func (w *walker) stringMap(src map[string]string) (emitted, isMap, ok bool) {
	// The values are taken with the keys, saving a lookup per key.
	pstart := len(w.pairs)
	for k, v := range src {
		w.pairs = append(w.pairs, stringPair{k, v})
	}
	pairs := w.pairs[pstart:]
	sortPairs(pairs)
	start := len(w.keys)
	for _, p := range pairs {
		w.keys = append(w.keys, p.key)
	}
	keys := w.keys[start:]
	e := w.e
	e.BeginMap()
	ok = w.inOrder(keys, func(i int) bool {
		return e.Key(pairs[i].key) && e.String(pairs[i].val)
	})
	e.EndMap()
	w.keys = w.keys[:start]
	w.pairs = w.pairs[:pstart]
	return ok, true, ok
}

type stringPair struct{ key, val string }

// sortPairs sorts pairs by their distinct keys: by insertion for the few
// entries of most label and data maps.
func sortPairs(pairs []stringPair) {
	if len(pairs) > 12 {
		slices.SortFunc(pairs, func(a, b stringPair) int { return strings.Compare(a.key, b.key) })
		return
	}
	for i := 1; i < len(pairs); i++ {
		for j := i; j > 0 && pairs[j].key < pairs[j-1].key; j-- {
			pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
		}
	}
}

// mapping emits any other map with string keys as convertMap converts it.
func (w *walker) mapping(sv reflect.Value, p *plan) (emitted, isMap, ok bool) {
	if sv.IsNil() {
		return false, false, true
	}
	if sv.Len() == 0 {
		return false, true, true
	}
	if !sv.CanInterface() {
		return false, false, false
	}
	start := len(w.entries)
	for it := sv.MapRange(); it.Next(); {
		w.entries = append(w.entries, mapEntry{key: it.Key().String(), val: it.Value()})
	}
	slices.SortFunc(w.entries[start:], func(a, b mapEntry) int { return strings.Compare(a.key, b.key) })
	// keys is filled too, for inOrder.
	kstart := len(w.keys)
	for _, me := range w.entries[start:] {
		w.keys = append(w.keys, me.key)
	}
	keys := w.keys[kstart:]
	e := w.e
	e.BeginMap()
	mstart := e.Mark()
	ok = w.inOrder(keys, func(i int) bool {
		k := keys[i]
		mark := e.Mark()
		if !e.Key(k) {
			return false
		}
		// entries may have grown (and moved) below: index it afresh.
		em, isMap, ok := w.value(w.entries[start+i].val, p.elem)
		if !ok {
			return false
		}
		if !em {
			e.Rollback(mark)
			if isMap && keepEmpty[k] {
				if !e.Key(k) {
					return false
				}
				e.EmptyMap()
			}
		}
		return true
	})
	emitted = e.Mark() != mstart
	e.EndMap()
	w.keys = w.keys[:kstart]
	w.entries = w.entries[:start]
	return emitted, true, ok
}

// inOrder calls emit for the indexes of sorted keys in the emitter's
// order: its First keys, then the rest.
func (w *walker) inOrder(keys []string, emit func(i int) bool) bool {
	first := w.e.First()
	for _, k := range first {
		if i, found := slices.BinarySearch(keys, k); found && !emit(i) {
			return false
		}
	}
	for i, k := range keys {
		if len(first) > 0 && slices.Contains(first, k) {
			continue
		}
		if !emit(i) {
			return false
		}
	}
	return true
}
