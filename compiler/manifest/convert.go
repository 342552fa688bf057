package manifest

import (
	"encoding/base64"
	"errors"
	"math"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/structured-merge-diff/v6/value"
)

// This file is a fast replacement for
// runtime.DefaultUnstructuredConverter.ToUnstructured followed by Prune.
// It walks the typed value with a plan computed once per reflect.Type and
// writes plain Go values, pruning as it goes. It mirrors apimachinery's
// pkg/runtime/converter.go rule by rule (field names, omitempty, inlining,
// marshaler hooks via structured-merge-diff's type cache); whatever it is
// not sure about returns errFallback and New takes the apimachinery path
// for the whole object, so the result is always the same.

// errFallback says the fast path cannot vouch for a value.
var errFallback = errors.New("manifest: fast conversion not applicable")

type planKind uint8

const (
	kBad planKind = iota // apimachinery errors or misbehaves: fall back
	kString
	kBool
	kInt
	kUint
	kFloat
	kBytes // slice of uint8: base64 string
	kSlice
	kMap // map with string keys
	kMapNonString
	kPtr
	kStruct
	kIface
	kMarshal // json.Marshaler or unstructured converter: delegate
	kTime
	kQuantity
	kIntOrString
	kMapStringString // exactly map[string]string
)

// plan says how to convert values of one type.
type plan struct {
	kind planKind
	typ  reflect.Type
	// rkind is typ.Kind(), which tells the direct walker the size of a
	// number; elemSize is the size of a slice's elements.
	rkind    reflect.Kind
	elemSize uintptr
	elem     *plan // slice element, map value, pointer target
	fields   []fieldPlan
	// size is the length of the last map this struct plan produced, a
	// good guess for the next one's.
	size atomic.Int32
	// collide is set when two fields, counting those of inlined structs,
	// may write the same key, so a pruned value must delete what an
	// earlier field wrote.
	collide bool
	entry   *value.TypeReflectCacheEntry

	// walk is the struct's fields in key order, for Walk (walk.go), and
	// direct the same keys with their offsets (direct.go).
	walkOnce sync.Once
	walk     []walkField
	direct   []directKey
	// order caches the order of those keys for the last First list an
	// emitter asked for (order.go).
	order atomic.Pointer[firstOrder]
	// plain says whether the direct walker may read a struct of this plan
	// (direct.go; a cachedFlag).
	plain atomic.Int32
	// unstructured is set for a struct whose pointer is a
	// runtime.Unstructured, which Walk leaves alone.
	unstructured bool
	// fallible caches mayFail (deferrable.go; a cachedFlag).
	fallible atomic.Int32
}

// fieldPlan is one struct field, as apimachinery's fieldInfoFromField
// reads it.
type fieldPlan struct {
	index int
	// offset and typ locate the field for the direct walker; exported
	// says whether reflect lets its value be used as an interface.
	offset    uintptr
	typ       reflect.Type
	exported  bool
	name      string
	omitempty bool
	omitzero  func(reflect.Value) bool
	keepEmpty bool
	// basic is set for string, bool, int, uint and float fields, which
	// apimachinery writes directly without looking for a marshaler.
	basic planKind
	// inline fields merge their struct's fields into the parent map.
	inline    bool
	inlinePtr bool
	// bad fields make the whole conversion fall back.
	bad  bool
	plan *plan
}

var (
	plans sync.Map // reflect.Type -> *plan

	timeType        = reflect.TypeFor[metav1.Time]()
	quantityType    = reflect.TypeFor[resource.Quantity]()
	intOrStringType = reflect.TypeFor[intstr.IntOrString]()
	mapSSType       = reflect.TypeFor[map[string]string]()
	convType        = reflect.TypeFor[value.UnstructuredConverter]()
	convErrType     = reflect.TypeFor[value.UnstructuredConverterWithError]()
	unstructType    = reflect.TypeFor[runtime.Unstructured]()
)

// planFor returns the cached plan of t, building it (and the plans of the
// types it contains) on first use.
func planFor(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	b := &planBuilder{building: map[reflect.Type]*plan{}}
	p := b.build(t)
	for _, sp := range b.structs {
		sp.collide = collides(sp)
	}
	for bt, bp := range b.building {
		plans.LoadOrStore(bt, bp)
	}
	return p
}

type planBuilder struct {
	building map[reflect.Type]*plan
	structs  []*plan
}

func (b *planBuilder) build(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	if p, ok := b.building[t]; ok {
		return p
	}
	p := &plan{typ: t, rkind: t.Kind()}
	b.building[t] = p
	entry := value.TypeReflectEntryOf(t)
	if entry.CanConvertToUnstructured() {
		p.kind, p.entry = kMarshal, entry
		switch t {
		case timeType:
			if !t.Implements(convErrType) {
				p.kind = kTime
			}
		case quantityType:
			if !t.Implements(convErrType) {
				p.kind = kQuantity
			}
		case intOrStringType:
			// Only MarshalJSON: the hooks would take precedence.
			if !t.Implements(convErrType) && !t.Implements(convType) {
				p.kind = kIntOrString
			}
		}
		if t.Kind() == reflect.Pointer && knownValueMarshaler(t.Elem()) {
			// The pointer's methods are the value's: convert the
			// target, which avoids boxing it.
			p.kind, p.elem = kPtr, b.build(t.Elem())
		}
		return p
	}
	if k := basicKind(t.Kind()); k != kBad {
		p.kind = k
		return p
	}
	switch t.Kind() {
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			p.kind = kBytes
		} else {
			p.kind, p.elem = kSlice, b.build(t.Elem())
			p.elemSize = t.Elem().Size()
		}
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			p.kind = kMapNonString
		} else if t == mapSSType {
			p.kind, p.elem = kMapStringString, b.build(t.Elem())
		} else {
			p.kind, p.elem = kMap, b.build(t.Elem())
		}
	case reflect.Pointer:
		p.kind, p.elem = kPtr, b.build(t.Elem())
	case reflect.Interface:
		p.kind = kIface
	case reflect.Struct:
		p.kind = kStruct
		p.unstructured = reflect.PointerTo(t).Implements(unstructType)
		b.structs = append(b.structs, p)
		b.buildStruct(p, t)
	default:
		p.kind = kBad // arrays, uintptr, chan, func, complex, unsafe pointers
	}
	return p
}

// basicKind is the plan kind of strings, bools and numbers, kBad for any
// other kind.
func basicKind(k reflect.Kind) planKind {
	switch k {
	case reflect.String:
		return kString
	case reflect.Bool:
		return kBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return kInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return kUint
	case reflect.Float32, reflect.Float64:
		return kFloat
	}
	return kBad
}

// knownValueMarshaler reports whether t is one of the types converted
// natively whose hooks have value receivers.
func knownValueMarshaler(t reflect.Type) bool {
	return t == timeType || t == quantityType || t == intOrStringType
}

func (b *planBuilder) buildStruct(p *plan, t reflect.Type) {
	n := t.NumField()
	for i := range n {
		sf := t.Field(i)
		f := fieldPlan{index: i, offset: sf.Offset, typ: sf.Type, exported: sf.IsExported()}
		tag, exists := sf.Tag.Lookup("json")
		if !exists || tag == "" {
			if !sf.Anonymous {
				f.name = sf.Name
			}
		} else {
			items := strings.Split(tag, ",")
			f.name = items[0]
			if f.name == "" && len(items) == 2 && items[1] == "embed" {
				// Go 1.27 builds of apimachinery inline these.
				f.bad = true
			}
			if f.name == "" && !sf.Anonymous {
				f.name = sf.Name
			}
			for _, o := range items[1:] {
				switch o {
				case "omitempty":
					f.omitempty = true
				case "omitzero":
					f.omitzero = value.OmitZeroFunc(sf.Type)
				}
			}
		}
		if f.name == "-" {
			continue
		}
		f.keepEmpty = keepEmpty[f.name]
		if f.name == "" {
			f.inline = true
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				f.inlinePtr = true
				et = et.Elem()
			}
			// apimachinery writes an inlined value into the parent map
			// directly; only plain structs (or pointers to them) end up
			// as fields there.
			if et.Kind() != reflect.Struct || value.TypeReflectEntryOf(sf.Type).CanConvertToUnstructured() ||
				value.TypeReflectEntryOf(et).CanConvertToUnstructured() {
				f.bad = true
			} else {
				f.plan = b.build(et)
			}
			p.fields = append(p.fields, f)
			continue
		}
		if f.basic = basicKind(sf.Type.Kind()); f.basic == kBad {
			f.plan = b.build(sf.Type)
		}
		p.fields = append(p.fields, f)
	}
}

// collides reports whether the keys a struct plan writes may repeat.
func collides(p *plan) bool {
	seen := map[string]bool{}
	return !addNames(p, seen, map[*plan]bool{})
}

// addNames records the keys p writes; false on a repeat or a cycle.
func addNames(p *plan, seen map[string]bool, visiting map[*plan]bool) bool {
	if visiting[p] {
		return false
	}
	visiting[p] = true
	defer delete(visiting, p)
	for i := range p.fields {
		f := &p.fields[i]
		if f.inline {
			if f.bad || !addNames(f.plan, seen, visiting) {
				return false
			}
			continue
		}
		if seen[f.name] {
			return false
		}
		seen[f.name] = true
	}
	return true
}

// convert is ToUnstructured followed by Prune, or errFallback. The result
// is never nil.
func convert(v any) (map[string]any, error) {
	if v == nil {
		return nil, errFallback
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Type().Implements(unstructType) {
		return nil, errFallback
	}
	p := planFor(rv.Type().Elem())
	if p.kind != kStruct {
		return nil, errFallback
	}
	w := mapWriter{plan: p}
	if err := structInto(&w, rv.Elem(), p); err != nil {
		return nil, err
	}
	if w.m == nil {
		return map[string]any{}, nil
	}
	return w.done(), nil
}

// mapWriter builds the map of one struct, allocating it on the first key
// so that structs that prune to nothing cost nothing.
type mapWriter struct {
	m    map[string]any
	plan *plan // the outer struct, whose size guess sizes m
}

func (w *mapWriter) set(k string, v any) {
	if w.m == nil {
		w.m = make(map[string]any, w.plan.size.Load())
	}
	w.m[k] = v
}

func (w *mapWriter) done() map[string]any {
	if n := int32(len(w.m)); w.plan.size.Load() != n {
		w.plan.size.Store(n)
	}
	return w.m
}

// structInto writes the pruned fields of the struct sv into w.
func structInto(w *mapWriter, sv reflect.Value, p *plan) error {
	for i := range p.fields {
		f := &p.fields[i]
		fv := sv.Field(f.index)
		if skip, err := omitted(fv, f); err != nil {
			return err
		} else if skip {
			continue
		}
		if f.inline {
			if f.inlinePtr {
				if fv.IsNil() {
					continue
				}
				fv = fv.Elem()
			}
			if err := structInto(w, fv, f.plan); err != nil {
				return err
			}
			continue
		}
		switch f.basic {
		case kString:
			w.set(f.name, fv.String())
			continue
		case kBool:
			w.set(f.name, fv.Bool())
			continue
		case kInt:
			w.set(f.name, fv.Int())
			continue
		case kUint:
			u := fv.Uint()
			if u > math.MaxInt64 {
				return errFallback
			}
			w.set(f.name, int64(u))
			continue
		case kFloat:
			w.set(f.name, fv.Float())
			continue
		}
		val, isMap, err := convertValue(fv, f.plan)
		if err != nil {
			return err
		}
		if val != nil {
			w.set(f.name, val)
		} else if isMap && f.keepEmpty {
			w.set(f.name, map[string]any{})
		} else if w.plan.collide && w.m != nil {
			// An earlier field (maybe of an inlined struct) may have
			// written this key; the last write wins, pruned or not.
			delete(w.m, f.name)
		}
	}
	return nil
}

// omitted reports whether the field f, of value fv, is left out of its
// map (omitempty, omitzero), or errFallback when it cannot be converted.
func omitted(fv reflect.Value, f *fieldPlan) (bool, error) {
	if f.omitempty && isEmpty(fv) {
		return true, nil
	}
	if f.omitzero != nil {
		if !fv.CanInterface() {
			return false, errFallback // IsZero hooks may panic on it
		}
		if f.omitzero(fv) {
			return true, nil
		}
	}
	if f.bad {
		return false, errFallback
	}
	return false, nil
}

// convertValue converts sv, already pruned: nil means Prune would drop it.
// isMap says whether the unpruned value was a map, which Prune keeps as {}
// in lists and under the keys of keepEmpty.
func convertValue(sv reflect.Value, p *plan) (val any, isMap bool, err error) {
	switch p.kind {
	case kString:
		return sv.String(), false, nil
	case kBool:
		return sv.Bool(), false, nil
	case kInt:
		return sv.Int(), false, nil
	case kUint:
		u := sv.Uint()
		if u > math.MaxInt64 {
			return nil, false, errFallback
		}
		return int64(u), false, nil
	case kFloat:
		return sv.Float(), false, nil
	case kBytes:
		if sv.IsNil() {
			return nil, false, nil
		}
		return base64.StdEncoding.EncodeToString(sv.Bytes()), false, nil
	case kPtr:
		if sv.IsNil() {
			return nil, false, nil
		}
		return convertValue(sv.Elem(), p.elem)
	case kStruct:
		w := mapWriter{plan: p}
		if err := structInto(&w, sv, p); err != nil {
			return nil, false, err
		}
		if len(w.m) == 0 {
			return nil, true, nil
		}
		return w.done(), true, nil
	case kSlice:
		return convertSlice(sv, p)
	case kMap, kMapStringString:
		return convertMap(sv, p)
	case kMapNonString:
		if sv.IsNil() {
			return nil, false, nil
		}
		return nil, false, errFallback
	case kIface:
		if sv.IsNil() {
			return nil, false, nil
		}
		e := sv.Elem()
		return convertValue(e, planFor(e.Type()))
	case kTime:
		if !sv.CanInterface() {
			return nil, false, errFallback
		}
		t := timeOf(sv)
		if t.IsZero() {
			return nil, false, nil
		}
		return t.ToUnstructured(), false, nil
	case kQuantity:
		if !sv.CanInterface() {
			return nil, false, errFallback
		}
		if sv.CanAddr() {
			return sv.Addr().Interface().(*resource.Quantity).ToUnstructured(), false, nil
		}
		return sv.Interface().(resource.Quantity).ToUnstructured(), false, nil
	case kIntOrString:
		if sv.CanInterface() {
			var is *intstr.IntOrString
			if sv.CanAddr() {
				is = sv.Addr().Interface().(*intstr.IntOrString)
			} else {
				c := sv.Interface().(intstr.IntOrString)
				is = &c
			}
			// MarshalJSON's output read back: json.Marshal replaces
			// invalid UTF-8, so leave such strings to it.
			switch {
			case is.Type == intstr.Int:
				return int64(is.IntVal), false, nil
			case is.Type == intstr.String && utf8.ValidString(is.StrVal):
				return is.StrVal, false, nil
			}
		}
		return convertMarshal(sv, p)
	case kMarshal:
		return convertMarshal(sv, p)
	}
	return nil, false, errFallback
}

func timeOf(sv reflect.Value) *metav1.Time {
	if sv.CanAddr() {
		return sv.Addr().Interface().(*metav1.Time)
	}
	t := sv.Interface().(metav1.Time)
	return &t
}

// convertMarshal runs the type's own hook exactly as apimachinery does.
func convertMarshal(sv reflect.Value, p *plan) (any, bool, error) {
	if !sv.CanInterface() {
		// Reached through an unexported field: the hooks would panic.
		return nil, false, errFallback
	}
	raw, err := p.entry.ToUnstructured(sv)
	if err != nil {
		return nil, false, errFallback
	}
	_, isMap := raw.(map[string]any)
	return Prune(raw), isMap, nil
}

func convertSlice(sv reflect.Value, p *plan) (any, bool, error) {
	if sv.IsNil() {
		return nil, false, nil
	}
	n := sv.Len()
	if n == 0 {
		return nil, false, nil
	}
	out := make([]any, 0, n)
	for i := range n {
		val, isMap, err := convertValue(sv.Index(i), p.elem)
		if err != nil {
			return nil, false, err
		}
		if val != nil {
			out = append(out, val)
		} else if isMap {
			// An empty map in a list still counts as an element.
			out = append(out, map[string]any{})
		}
	}
	if len(out) == 0 {
		return nil, false, nil
	}
	return out, false, nil
}

func convertMap(sv reflect.Value, p *plan) (any, bool, error) {
	if sv.IsNil() {
		return nil, false, nil
	}
	if sv.Len() == 0 {
		return nil, true, nil
	}
	if !sv.CanInterface() {
		// apimachinery cannot store keys read through an unexported
		// field (reflect panics); leave that to it.
		return nil, false, errFallback
	}
	if p.kind == kMapStringString {
		src := sv.Interface().(map[string]string)
		m := make(map[string]any, len(src))
		for k, s := range src {
			m[k] = s
		}
		return m, true, nil
	}
	m := make(map[string]any, sv.Len())
	it := sv.MapRange()
	for it.Next() {
		k := it.Key().String()
		val, isMap, err := convertValue(it.Value(), p.elem)
		if err != nil {
			return nil, false, err
		}
		if val != nil {
			m[k] = val
		} else if isMap && keepEmpty[k] {
			m[k] = map[string]any{}
		}
	}
	if len(m) == 0 {
		return nil, true, nil
	}
	return m, true, nil
}

// isEmpty is apimachinery's omitempty test (converter.go), which differs
// from encoding/json's: structs are never empty, arrays only when of
// length zero.
func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Map, reflect.Slice:
		return v.IsNil() || v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return false
}
