package manifest

import (
	"reflect"
	"sync/atomic"
)

// New defers the conversion of a Kubernetes API struct (Map) only when it
// cannot fail. What can fail is a value whose own marshaling hook may
// return an error (metav1.FieldsV1 and apiextensions JSON hold raw JSON),
// an interface, or anything else convert leaves to apimachinery. Object
// metadata has such a field (managedFields), so the test is on values:
// holdsFallible walks only the paths of a type that can reach one, which
// are nearly always empty, and runs the hooks of the values set there.

// mayFail reports whether a value of plan p may hold something whose
// conversion can fail. Time, Quantity and IntOrString are converted
// natively and cannot. The answer is kept in the plan.
func mayFail(p *plan) bool {
	return cachedFlag(&p.fallible, func() bool { return planMayFail(p, map[*plan]bool{}) })
}

// cachedFlag is a property of a plan computed once: state is 0 while not
// known, then 1 for true or 2 for false. Plans are shared by goroutines;
// two may compute the same answer at once.
func cachedFlag(state *atomic.Int32, compute func() bool) bool {
	switch state.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	r := compute()
	if r {
		state.Store(1)
	} else {
		state.Store(2)
	}
	return r
}

func planMayFail(p *plan, seen map[*plan]bool) bool {
	if seen[p] {
		return false // a cycle: judged where it started
	}
	seen[p] = true
	switch p.kind {
	case kString, kBool, kInt, kUint, kFloat, kBytes, kTime, kQuantity, kIntOrString:
		return false
	case kSlice, kMap, kMapStringString, kPtr:
		return planMayFail(p.elem, seen)
	case kStruct:
		for i := range p.fields {
			f := &p.fields[i]
			if f.bad || (f.basic == kBad && (f.plan == nil || planMayFail(f.plan, seen))) {
				return true
			}
		}
		return false
	}
	return true // kBad, kMarshal, kIface, kMapNonString
}

// holdsFallible reports whether v, of plan p, holds a value whose
// conversion may fail: it follows only the fields, elements and pointers
// whose plans may (mayFail), and answers yes at the first such value that
// is set.
func holdsFallible(v reflect.Value, p *plan) bool {
	if !mayFail(p) {
		return false
	}
	switch p.kind {
	case kPtr:
		return !v.IsNil() && holdsFallible(v.Elem(), p.elem)
	case kSlice:
		for i := range v.Len() {
			if holdsFallible(v.Index(i), p.elem) {
				return true
			}
		}
		return false
	case kMap, kMapStringString:
		if v.Len() == 0 {
			return false
		}
		for it := v.MapRange(); it.Next(); {
			if holdsFallible(it.Value(), p.elem) {
				return true
			}
		}
		return false
	case kStruct:
		for i := range p.fields {
			f := &p.fields[i]
			if f.bad {
				return true
			}
			if f.basic == kBad && f.plan != nil && holdsFallible(v.Field(f.index), f.plan) {
				return true
			}
		}
		return false
	case kIface:
		return !v.IsNil()
	case kMarshal:
		// Run the hook as convert will: it is a function of the value,
		// so what converts now converts then.
		if nilable(v) && v.IsNil() {
			return false
		}
		_, _, err := convertMarshal(v, p)
		return err != nil
	}
	// kBad, kMapNonString: set means fallible.
	return !nilable(v) || !v.IsNil()
}

func nilable(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	}
	return false
}

// deferrable reports whether converting v, a pointer to a struct, can
// never fail.
func deferrable(v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	p := planFor(rv.Type().Elem())
	return p.kind == kStruct && !holdsFallible(rv.Elem(), p)
}
