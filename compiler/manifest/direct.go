package manifest

import (
	"encoding/base64"
	"reflect"
	"unsafe"

	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// This file is the direct walker, Walk's path for the structs of nearly
// every Kubernetes API type. It follows the same plans and emits the same
// events as the reflect walker (walk.go), but reads fields, pointers and
// slice elements at their addresses instead of through reflect.Value,
// whose Field, Elem and Index (flag checks, decoding whether a field is
// exported) cost more than writing the YAML. Maps other than
// map[string]string, interfaces and marshaler hooks are handed to the
// reflect walker as the reflect.Value of the same address.
//
// Why reading at addresses is sound: every address comes from the pointer
// Walk was given, plus the offsets reflect reports for the fields of the
// struct type stored there (fieldPlan.offset), the data pointer of a slice
// header plus a multiple of the element size, or a pointer read from a
// field of pointer type; each is read as the type its plan was built from.
// Nothing is written. The reflect walker would reach the same values as
// addressable ones that may be used as interfaces, provided no field on
// the way is unexported: the direct walker is only used for plans where
// none is (isPlain), so the two behave alike, which
// TestDirectWalkMatchesReflectWalk checks event by event.

// directKey is a walkField laid out for the direct walker: what it reads
// of the field plans is copied here, so that a struct's keys sit in one
// array.
type directKey struct {
	name string
	// hops are the inlined fields on the way to the key's own that need
	// a look (a pointer to follow, an omit rule); inlined structs without
	// one are folded into the offset of the next step.
	hops []directStep
	last directStep
	// The key's field (fieldPlan): basic is its kind when it is a string,
	// bool or number, else plan is its plan; inline marks a bad inlined
	// field, which fails the walk where reached.
	basic     planKind
	plan      *plan
	keepEmpty bool
	inline    bool
}

// directStep is a field at offset off from the address the walk is at,
// with its omit rules.
type directStep struct {
	off       uintptr
	kind      reflect.Kind // of typ
	omitempty bool
	bad       bool
	inlinePtr bool
	omitzero  func(reflect.Value) bool
	typ       reflect.Type
}

// directKeys lays out a struct's sorted keys for the direct walker.
func directKeys(wfs []walkField) []directKey {
	keys := make([]directKey, len(wfs))
	for i, wf := range wfs {
		k := &keys[i]
		k.name = wf.name
		var off uintptr
		for j, f := range wf.path {
			off += f.offset
			last := j == len(wf.path)-1
			// An inlined struct value has nothing to look at: omitempty
			// never drops a struct, and it is not a pointer.
			if !last && !f.inlinePtr && f.omitzero == nil && !f.bad {
				continue
			}
			s := directStep{off: off, kind: f.typ.Kind(), omitempty: f.omitempty, bad: f.bad,
				inlinePtr: f.inlinePtr, omitzero: f.omitzero, typ: f.typ}
			off = 0
			if !last {
				k.hops = append(k.hops, s)
				continue
			}
			k.last = s
			k.basic, k.plan, k.keepEmpty, k.inline = f.basic, f.plan, f.keepEmpty, f.inline
		}
	}
	return keys
}

// isPlain reports whether the direct walker may read values of plan p:
// no field it would reach through structs, pointers and slices is
// unexported. The answer is kept in the plan.
func (p *plan) isPlain() bool {
	return cachedFlag(&p.plain, func() bool { return !reachesUnexported(p, map[*plan]bool{}) })
}

func reachesUnexported(p *plan, seen map[*plan]bool) bool {
	if seen[p] {
		return false // a cycle: judged where it started
	}
	seen[p] = true
	switch p.kind {
	case kPtr, kSlice:
		return reachesUnexported(p.elem, seen)
	case kStruct:
		for i := range p.fields {
			f := &p.fields[i]
			if !f.exported || f.plan != nil && reachesUnexported(f.plan, seen) {
				return true
			}
		}
	}
	return false // the rest is read by the reflect walker
}

// directFields emits the entries of the struct at base, the current
// mapping, as fields does.
func (w *walker) directFields(base unsafe.Pointer, p *plan) bool {
	p.walkFields()
	keys := p.direct
	if order := p.orderFor(w.e.First()); order != nil {
		for _, i := range order {
			if !w.directField(base, &keys[i]) {
				return false
			}
		}
		return true
	}
	for i := range keys {
		if !w.directField(base, &keys[i]) {
			return false
		}
	}
	return true
}

// directField emits one key of the struct at base, as field does.
func (w *walker) directField(base unsafe.Pointer, k *directKey) bool {
	ptr := base
	for i := range k.hops {
		h := &k.hops[i]
		ptr = unsafe.Add(ptr, h.off)
		if skip, ok := h.omitted(ptr); !ok {
			return false
		} else if skip {
			return true
		}
		if h.inlinePtr {
			if ptr = *(*unsafe.Pointer)(ptr); ptr == nil {
				return true
			}
		}
	}
	s := &k.last
	ptr = unsafe.Add(ptr, s.off)
	// Most fields are omitempty and most of those empty: the common
	// kinds are tested here rather than in a call.
	if s.omitempty {
		switch s.kind {
		case reflect.Pointer:
			if *(*unsafe.Pointer)(ptr) == nil {
				return true
			}
		case reflect.String:
			if len(*(*string)(ptr)) == 0 {
				return true
			}
		case reflect.Slice:
			if (*sliceHeader)(ptr).len == 0 {
				return true
			}
		default:
			if emptyAt(ptr, s.kind, s.typ) {
				return true
			}
		}
	}
	if s.omitzero != nil || s.bad {
		if skip, ok := s.omitted(ptr); !ok {
			return false
		} else if skip {
			return true
		}
	}
	if k.inline {
		return false // reached a bad inline field
	}
	e := w.e
	if k.basic != kBad {
		if !e.Key(k.name) {
			return false
		}
		return w.basicAt(ptr, k.basic, s.kind)
	}
	mark := e.Mark()
	if !e.Key(k.name) {
		return false
	}
	emitted, isMap, ok := w.valueAt(ptr, k.plan)
	if !ok {
		return false
	}
	if !emitted {
		e.Rollback(mark)
		if isMap && k.keepEmpty {
			if !e.Key(k.name) {
				return false
			}
			e.EmptyMap()
		}
	}
	return true
}

// omitted is omitted (convert.go) for the field at ptr; ok is false where
// that returns an error. The field may be used as an interface (isPlain).
func (s *directStep) omitted(ptr unsafe.Pointer) (skip, ok bool) {
	if s.omitempty && emptyAt(ptr, s.kind, s.typ) {
		return true, true
	}
	if s.omitzero != nil && s.omitzero(reflect.NewAt(s.typ, ptr).Elem()) {
		return true, true
	}
	return false, !s.bad
}

// emptyAt is isEmpty for the value of type t, of kind k, at ptr.
func emptyAt(ptr unsafe.Pointer, k reflect.Kind, t reflect.Type) bool {
	switch k {
	case reflect.String:
		return len(*(*string)(ptr)) == 0
	case reflect.Bool:
		return !*(*bool)(ptr)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intAt(ptr, k) == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return uintAt(ptr, k) == 0
	case reflect.Float32, reflect.Float64:
		return floatAt(ptr, k) == 0
	case reflect.Slice:
		return (*sliceHeader)(ptr).len == 0 // nil slices too
	case reflect.Pointer:
		return *(*unsafe.Pointer)(ptr) == nil
	case reflect.Map:
		if t == mapSSType {
			return len(*(*map[string]string)(ptr)) == 0
		}
		return isEmpty(reflect.NewAt(t, ptr).Elem())
	case reflect.Array, reflect.Interface:
		return isEmpty(reflect.NewAt(t, ptr).Elem())
	}
	return false
}

// sliceHeader is how every slice value is laid out, whatever its element
// type (the runtime's slice; what reflect.SliceHeader described): only
// len is read through it.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

func intAt(ptr unsafe.Pointer, k reflect.Kind) int64 {
	switch k {
	case reflect.Int8:
		return int64(*(*int8)(ptr))
	case reflect.Int16:
		return int64(*(*int16)(ptr))
	case reflect.Int32:
		return int64(*(*int32)(ptr))
	case reflect.Int64:
		return *(*int64)(ptr)
	}
	return int64(*(*int)(ptr))
}

func uintAt(ptr unsafe.Pointer, k reflect.Kind) uint64 {
	switch k {
	case reflect.Uint8:
		return uint64(*(*uint8)(ptr))
	case reflect.Uint16:
		return uint64(*(*uint16)(ptr))
	case reflect.Uint32:
		return uint64(*(*uint32)(ptr))
	case reflect.Uint64:
		return *(*uint64)(ptr)
	}
	return uint64(*(*uint)(ptr))
}

func floatAt(ptr unsafe.Pointer, k reflect.Kind) float64 {
	if k == reflect.Float32 {
		return float64(*(*float32)(ptr))
	}
	return *(*float64)(ptr)
}

// basicAt is basic for the value of kind rk at ptr.
func (w *walker) basicAt(ptr unsafe.Pointer, k planKind, rk reflect.Kind) bool {
	switch k {
	case kString:
		return w.e.String(*(*string)(ptr))
	case kBool:
		w.e.Bool(*(*bool)(ptr))
	case kInt:
		w.e.Int(intAt(ptr, rk))
	case kUint:
		return w.emitUint(uintAt(ptr, rk))
	case kFloat:
		return w.e.Float(floatAt(ptr, rk))
	default:
		return false
	}
	return true
}

// valueAt is value for the value of plan p at ptr.
func (w *walker) valueAt(ptr unsafe.Pointer, p *plan) (emitted, isMap, ok bool) {
	e := w.e
	switch p.kind {
	case kString, kBool, kInt, kUint, kFloat:
		return true, false, w.basicAt(ptr, p.kind, p.rkind)
	case kBytes:
		b := *(*[]byte)(ptr)
		if b == nil {
			return false, false, true
		}
		return true, false, e.String(base64.StdEncoding.EncodeToString(b))
	case kPtr:
		q := *(*unsafe.Pointer)(ptr)
		if q == nil {
			return false, false, true
		}
		return w.valueAt(q, p.elem)
	case kStruct:
		if p.collide {
			return false, false, false
		}
		e.BeginMap()
		start := e.Mark()
		ok := w.directFields(ptr, p)
		emitted := e.Mark() != start
		e.EndMap()
		return emitted, true, ok
	case kSlice:
		h := (*sliceHeader)(ptr)
		return w.sequence(h.len, func(i int) (bool, bool, bool) {
			return w.valueAt(unsafe.Add(h.data, uintptr(i)*p.elemSize), p.elem)
		})
	case kMapStringString:
		m := *(*map[string]string)(ptr)
		switch {
		case m == nil:
			return false, false, true
		case len(m) == 0:
			return false, true, true
		}
		return w.stringMap(m)
	case kTime:
		t := (*metav1.Time)(ptr)
		if t.IsZero() {
			return false, false, true
		}
		return true, false, w.leaf(t.ToUnstructured())
	case kQuantity:
		return true, false, w.leaf((*resource.Quantity)(ptr).ToUnstructured())
	case kIntOrString:
		if native, ok := w.intOrString((*intstr.IntOrString)(ptr)); native {
			return true, false, ok
		}
	}
	// Maps, interfaces, hooks: the reflect walker, from the same address.
	return w.value(reflect.NewAt(p.typ, ptr).Elem(), p)
}
