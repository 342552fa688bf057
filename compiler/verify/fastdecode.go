package verify

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
)

// fastDecode decodes a body of JSON-like values (canonical) into obj, a
// pointer to a zero value, as runtime.DefaultUnstructuredConverter's
// FromUnstructuredWithValidation(body, obj, true) does when it succeeds,
// without its per-call reflection over field tags and its bookkeeping of
// matched keys (four fifths of checking a patched Deployment).
//
// It takes the converter's steps in the converter's order (the same
// reflect conversions, the same json.Unmarshaler round trip for types
// with their own decoding) but gives up, returning false, at anything
// that would make the converter fail or that it does not mirror: an
// unknown field, a value of another kind than the field's, []byte,
// interface fields, inlined pointers. obj is then partly written: the
// caller zeroes it and runs the converter, whose result and errors stand.
// When it returns true the converter would have succeeded with the same
// value (TestFastDecodeMatchesConverter), and so would the lenient
// FromUnstructured, which differs only by ignoring unknown fields.
func fastDecode(body map[string]any, obj any) bool {
	rv := reflect.ValueOf(obj)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	dv := rv.Elem()
	return decodeValue(body, dv, planOf(dv.Type()))
}

type decKind uint8

const (
	decUnsupported decKind = iota
	decBasic               // bool, numbers, strings
	decUnmarshal           // a composite type with its own UnmarshalJSON
	decMap
	decSlice
	decPointer
	decStruct
)

// decPlan is how values of one Go type are decoded.
type decPlan struct {
	kind   decKind
	elem   *decPlan            // map value, slice item, pointer target
	fields map[string]decField // struct: by JSON name, inlined structs' included
}

type decField struct {
	index []int // through inlined structs
	plan  *decPlan
}

var (
	planMu sync.Mutex
	plans  sync.Map // reflect.Type → *decPlan, complete
)

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func planOf(t reflect.Type) *decPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*decPlan)
	}
	planMu.Lock()
	defer planMu.Unlock()
	building := map[reflect.Type]*decPlan{}
	p := buildPlan(t, building)
	for t, q := range building {
		plans.Store(t, q)
	}
	return p
}

// buildPlan makes t's plan; building holds the plans under way, so that
// recursive types (JSONSchemaProps) refer to themselves.
func buildPlan(t reflect.Type, building map[reflect.Type]*decPlan) *decPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*decPlan)
	}
	if p, ok := building[t]; ok {
		return p
	}
	p := &decPlan{}
	building[t] = p
	switch t.Kind() {
	case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Struct, reflect.Interface:
		// The converter asks composite types for their own decoding first.
		if reflect.PointerTo(t).Implements(unmarshalerType) {
			p.kind = decUnmarshal
			return p
		}
	case reflect.Bool, reflect.String,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		p.kind = decBasic
		return p
	default:
		return p
	}
	switch t.Kind() {
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			p.kind, p.elem = decMap, buildPlan(t.Elem(), building)
		}
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 { // []byte decodes from base64 strings
			p.kind, p.elem = decSlice, buildPlan(t.Elem(), building)
		}
	case reflect.Pointer:
		p.kind, p.elem = decPointer, buildPlan(t.Elem(), building)
	case reflect.Struct:
		fields := map[string]decField{}
		if addFields(t, nil, fields, building) {
			p.kind, p.fields = decStruct, fields
		}
	}
	return p
}

// addFields adds t's fields to fields under their JSON names as the
// converter reads them (fieldInfoFromField), those of inlined structs
// too; false for a struct the plan does not mirror.
func addFields(t reflect.Type, index []int, fields map[string]decField, building map[reflect.Type]*decPlan) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			return false
		}
		name := f.Name
		inline := false
		if tag, ok := f.Tag.Lookup("json"); !ok || tag == "" {
			inline = f.Anonymous
		} else {
			items := strings.Split(tag, ",")
			for _, d := range items[1:] {
				if d == "embed" { // inlined by newer converters
					return false
				}
			}
			if items[0] != "" {
				name = items[0]
			} else {
				inline = f.Anonymous
			}
		}
		at := append(append([]int(nil), index...), i)
		if inline {
			// The converter decodes the same map into an inlined struct,
			// checking its keys together with the outer struct's.
			if f.Type.Kind() != reflect.Struct || reflect.PointerTo(f.Type).Implements(unmarshalerType) ||
				!addFields(f.Type, at, fields, building) {
				return false
			}
			continue
		}
		if name == "-" {
			return false
		}
		if _, dup := fields[name]; dup {
			return false
		}
		fields[name] = decField{index: at, plan: buildPlan(f.Type, building)}
	}
	return true
}

// decodeValue decodes sv, never nil, into dv, a zero value of p's type.
func decodeValue(sv any, dv reflect.Value, p *decPlan) bool {
	switch p.kind {
	case decBasic:
		return decodeBasic(sv, dv)
	case decUnmarshal:
		data, err := json.Marshal(sv)
		if err != nil {
			return false
		}
		return dv.Addr().Interface().(json.Unmarshaler).UnmarshalJSON(data) == nil
	case decMap:
		m, ok := sv.(map[string]any)
		if !ok {
			return false
		}
		if m == nil {
			return true
		}
		t := dv.Type()
		out := reflect.MakeMapWithSize(t, len(m))
		for k, v := range m {
			e := reflect.New(t.Elem()).Elem()
			if v != nil && !decodeValue(v, e, p.elem) {
				return false
			}
			out.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), e)
		}
		dv.Set(out)
		return true
	case decSlice:
		s, ok := sv.([]any)
		if !ok {
			return false
		}
		if s == nil {
			return true
		}
		out := reflect.MakeSlice(dv.Type(), len(s), cap(s))
		for i, v := range s {
			if v != nil && !decodeValue(v, out.Index(i), p.elem) {
				return false
			}
		}
		dv.Set(out)
		return true
	case decPointer:
		ptr := reflect.New(dv.Type().Elem())
		if !decodeValue(sv, ptr.Elem(), p.elem) {
			return false
		}
		dv.Set(ptr)
		return true
	case decStruct:
		m, ok := sv.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range m {
			f, ok := p.fields[k]
			if !ok {
				return false // an unknown field: the converter reports it
			}
			if v == nil {
				continue // the converter leaves the field zero
			}
			if !decodeValue(v, dv.FieldByIndex(f.index), f.plan) {
				return false
			}
		}
		return true
	}
	return false
}

// decodeBasic sets a bool, number or string from a JSON-like scalar by the
// converter's rules: assignable values as they are, and conversions only
// within bools, within strings, from integers to numbers, and between
// floats (float-to-integer conversions are left to the converter).
func decodeBasic(sv any, dv reflect.Value) bool {
	dk := dv.Kind()
	switch t := sv.(type) {
	case string:
		if dk != reflect.String {
			return false
		}
		dv.SetString(t)
	case bool:
		if dk != reflect.Bool {
			return false
		}
		dv.SetBool(t)
	case int64:
		switch dk {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
			dv.Set(reflect.ValueOf(t).Convert(dv.Type()))
		default:
			return false
		}
	case float64:
		if dk != reflect.Float32 && dk != reflect.Float64 {
			return false
		}
		dv.Set(reflect.ValueOf(t).Convert(dv.Type()))
	default:
		return false
	}
	return true
}
