// Package manifesttest fills Kubernetes API structs with random content
// for the differential tests of manifest (conversion, Walk) and output
// (encoding from the struct).
package manifesttest

import (
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Filler fills any value with random content, reproducibly from a seed:
// every exported field, with nil, empty and populated variants of
// pointers, slices and maps, and valid values for the types whose
// marshalers need them (Quantity, Time, IntOrString, raw JSON).
type Filler struct {
	r *rand.Rand
	// zero is the chance that a field is left at its zero value.
	zero float64
	// weird allows values the fast path declines (invalid UTF-8 in an
	// IntOrString, uint64 above MaxInt64, broken IntOrString types).
	weird bool
	// ASCII keeps strings to ASCII, which the fast YAML writer of
	// package output takes; otherwise some hold non-ASCII text.
	ASCII bool
	// maxDepth stops recursive types.
	maxDepth int
}

// NewFiller returns a filler seeded with seed that leaves a field at its
// zero value with chance zero; weird allows values apimachinery converts
// but manifest's fast path declines.
func NewFiller(seed uint64, zero float64, weird bool) *Filler {
	return &Filler{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), zero: zero, weird: weird, maxDepth: 9}
}

// RawJSON are marshaler outputs that exercise Prune: nulls, empty maps
// and lists, keepEmpty keys, scalars of every JSON kind.
var RawJSON = []string{
	`{"a":1,"b":null,"selector":{},"emptyDir":{"x":null},"l":[{},null,[],1.5,"s",true,{"k":{}}]}`,
	`{"podSelector":{"matchLabels":{}},"n":-3,"f":2.5e3,"big":12345678901234}`,
	`[1,{},null,"x",[{}]]`,
	`[]`,
	`{}`,
	`"str<&>"`,
	`42`,
	`-0.5`,
	`true`,
	`false`,
	`null`,
	`{"nested":{"deeper":{"emptyDir":{}}}}`,
}

var quantities = []string{"0", "100m", "1Gi", "1.5", "2e3", "500Mi", "1k", "-3", "0.1", "123456789012345", "1.0001Ti", "7n"}

var (
	fTime        = reflect.TypeFor[metav1.Time]()
	fMicroTime   = reflect.TypeFor[metav1.MicroTime]()
	fDuration    = reflect.TypeFor[metav1.Duration]()
	fQuantity    = reflect.TypeFor[resource.Quantity]()
	fIntOrString = reflect.TypeFor[intstr.IntOrString]()
	fRawExt      = reflect.TypeFor[runtime.RawExtension]()
	fFieldsV1    = reflect.TypeFor[metav1.FieldsV1]()
	fExtJSON     = reflect.TypeFor[apiextv1.JSON]()
	fPropsOrBool = reflect.TypeFor[apiextv1.JSONSchemaPropsOrBool]()
	fPropsOrArr  = reflect.TypeFor[apiextv1.JSONSchemaPropsOrArray]()
	fPropsOrStrs = reflect.TypeFor[apiextv1.JSONSchemaPropsOrStringArray]()
)

func (f *Filler) chance(p float64) bool { return f.r.Float64() < p }

func (f *Filler) str() string {
	switch f.r.IntN(8) {
	case 0:
		return ""
	case 1:
		return []string{"selector", "emptyDir", "podSelector", "namespaceSelector", "labelSelector"}[f.r.IntN(5)]
	case 2:
		if f.ASCII {
			return []string{"<tag & \"quoted\">\n\t#: x", "true", "0x1F", "- a", " lead\n\ntrail \n", "1:30", "~"}[f.r.IntN(7)]
		}
		return "<tag & \"quoted\">\n\tü€"
	}
	const letters = "abcdefghijklmnopqrstuvwxyz0123456789-./"
	b := make([]byte, 1+f.r.IntN(12))
	for i := range b {
		b[i] = letters[f.r.IntN(len(letters))]
	}
	return string(b)
}

func (f *Filler) key() string {
	if f.chance(0.3) {
		return []string{"selector", "emptyDir", "podSelector", "namespaceSelector", "labelSelector", ""}[f.r.IntN(6)]
	}
	k := f.str()
	if f.ASCII && strings.ContainsRune(k, '\n') {
		// A multi-line key is written in the "? " form, which package
		// output leaves to yaml.v3: keep the keys to what it writes.
		return "multi-line"
	}
	return k
}

func (f *Filler) raw() []byte {
	if f.chance(0.1) {
		return nil
	}
	return []byte(RawJSON[f.r.IntN(len(RawJSON))])
}

func (f *Filler) time() time.Time {
	if f.chance(0.25) {
		return time.Time{}
	}
	loc := []*time.Location{time.UTC, time.FixedZone("x", 5*3600+1800), time.FixedZone("y", -7*3600)}[f.r.IntN(3)]
	return time.Unix(f.r.Int64N(4e9)-1e9, f.r.Int64N(1e9)).In(loc)
}

// Fill sets v (which must be settable) to random content.
func (f *Filler) Fill(v reflect.Value) { f.fill(v, 0) }

func (f *Filler) fill(v reflect.Value, depth int) {
	if depth > f.maxDepth {
		return
	}
	if f.special(v, depth) {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(f.str())
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if f.chance(0.2) {
			v.SetInt(0)
			return
		}
		bits := v.Type().Bits()
		n := f.r.Int64() >> (64 - bits)
		if f.r.IntN(2) == 0 {
			n = -n - 1
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if f.chance(0.2) {
			v.SetUint(0)
			return
		}
		n := f.r.Uint64() >> (64 - v.Type().Bits())
		if !f.weird && n > math.MaxInt64 {
			n &= math.MaxInt64
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		if f.chance(0.2) {
			v.SetFloat(0)
			return
		}
		v.SetFloat(f.r.NormFloat64() * 1e3)
	case reflect.Pointer:
		if f.chance(0.25) {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch f.r.IntN(5) {
		case 0:
			v.SetZero()
			return
		case 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, f.r.IntN(3)))
			return
		}
		n := 1 + f.r.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		switch f.r.IntN(5) {
		case 0:
			v.SetZero()
			return
		case 1:
			v.Set(reflect.MakeMap(v.Type()))
			return
		}
		m := reflect.MakeMap(v.Type())
		for range 1 + f.r.IntN(3) {
			k := reflect.New(v.Type().Key()).Elem()
			if k.Kind() == reflect.String {
				k.SetString(f.key())
			} else {
				f.fill(k, depth+1)
			}
			e := reflect.New(v.Type().Elem()).Elem()
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			fv := v.Field(i)
			if !fv.CanSet() || f.chance(f.zero) {
				continue
			}
			f.fill(fv, depth+1)
		}
	}
}

// special fills the types whose marshalers need valid content.
func (f *Filler) special(v reflect.Value, depth int) bool {
	switch v.Type() {
	case fTime:
		v.Set(reflect.ValueOf(metav1.NewTime(f.time())))
	case fMicroTime:
		v.Set(reflect.ValueOf(metav1.NewMicroTime(f.time())))
	case fDuration:
		v.Set(reflect.ValueOf(metav1.Duration{Duration: time.Duration(f.r.Int64N(1e13))}))
	case fQuantity:
		var q resource.Quantity
		switch f.r.IntN(4) {
		case 0: // zero Quantity
		case 1:
			q = *resource.NewMilliQuantity(f.r.Int64N(1e9)-5e8, resource.DecimalSI)
		default:
			q = resource.MustParse(quantities[f.r.IntN(len(quantities))])
		}
		v.Set(reflect.ValueOf(q))
	case fIntOrString:
		var is intstr.IntOrString
		switch {
		case f.weird && f.chance(0.02):
			is = intstr.IntOrString{Type: 7} // MarshalJSON fails
		case f.weird && f.chance(0.05):
			is = intstr.FromString("bad\xffutf8")
		case f.r.IntN(2) == 0:
			is = intstr.FromInt32(f.r.Int32N(1<<20) - 1<<10)
		default:
			is = intstr.FromString(f.str())
		}
		v.Set(reflect.ValueOf(is))
	case fRawExt:
		v.Set(reflect.ValueOf(runtime.RawExtension{Raw: f.raw()}))
	case fFieldsV1:
		v.Set(reflect.ValueOf(metav1.FieldsV1{Raw: f.raw()}))
	case fExtJSON:
		v.Set(reflect.ValueOf(apiextv1.JSON{Raw: f.raw()}))
	case fPropsOrBool:
		s := apiextv1.JSONSchemaPropsOrBool{Allows: f.r.IntN(2) == 0}
		if f.chance(0.5) {
			s.Schema = &apiextv1.JSONSchemaProps{}
			f.fill(reflect.ValueOf(s.Schema).Elem(), depth+3)
		}
		v.Set(reflect.ValueOf(s))
	case fPropsOrArr:
		var s apiextv1.JSONSchemaPropsOrArray
		if f.chance(0.5) {
			s.Schema = &apiextv1.JSONSchemaProps{}
			f.fill(reflect.ValueOf(s.Schema).Elem(), depth+3)
		} else {
			f.fill(reflect.ValueOf(&s.JSONSchemas).Elem(), depth+3)
		}
		v.Set(reflect.ValueOf(s))
	case fPropsOrStrs:
		var s apiextv1.JSONSchemaPropsOrStringArray
		if f.chance(0.5) {
			s.Schema = &apiextv1.JSONSchemaProps{}
			f.fill(reflect.ValueOf(s.Schema).Elem(), depth+3)
		} else {
			f.fill(reflect.ValueOf(&s.Property).Elem(), depth+1)
		}
		v.Set(reflect.ValueOf(s))
	default:
		return false
	}
	return true
}
