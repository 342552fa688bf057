package jupyterhub

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

// A one-pass writer of json.MarshalIndent(v, "", "  ") for the settings
// structs: encoding/json followed by json.Indent was most of a hub's
// ConfigMap time. It knows only what the settings types use (structs of
// exported, tagged or plain fields, strings, bools, ints, float64,
// pointers, slices, maps with string keys); a type using anything else
// gets no plan, and settingsFile then takes the encoding/json path
// (marshalSettings).
// TestIndentWriterMatchesMarshalIndent holds it to encoding/json.

// jsonPlan says how to write values of one type.
type jsonPlan struct {
	kind   reflect.Kind
	elem   *jsonPlan   // pointer target, slice element, map value
	fields []jsonField // struct fields in declaration order
	// stringMap marks map[string]string, read without reflection.
	stringMap bool
}

type jsonField struct {
	index     int
	key       string // `"name": `
	escKey    string // key as a JSON string's content
	omitEmpty bool
	omitZero  bool
	isZero    func(reflect.Value) bool // the type's IsZero method, if any
	plan      *jsonPlan
}

var (
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	stringMapType     = reflect.TypeFor[map[string]string]()
)

// settingsPlan is the plan of settings, or why it has none.
var settingsPlan = sync.OnceValues(func() (*jsonPlan, error) {
	return buildJSONPlan(reflect.TypeFor[settings](), map[reflect.Type]*jsonPlan{})
})

func buildJSONPlan(t reflect.Type, seen map[reflect.Type]*jsonPlan) (*jsonPlan, error) {
	if p := seen[t]; p != nil {
		return p, nil
	}
	if t.Implements(marshalerType) || t.Implements(textMarshalerType) ||
		reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return nil, fmt.Errorf("%s marshals itself", t)
	}
	p := &jsonPlan{kind: t.Kind()}
	seen[t] = p
	var err error
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float64:
	case reflect.Pointer:
		p.elem, err = buildJSONPlan(t.Elem(), seen)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil, fmt.Errorf("%s: byte slices are base64", t)
		}
		p.elem, err = buildJSONPlan(t.Elem(), seen)
	case reflect.Map:
		if t.Key().Kind() != reflect.String || t.Key() != reflect.TypeFor[string]() {
			return nil, fmt.Errorf("%s: map keys other than string", t)
		}
		p.stringMap = t == stringMapType
		p.elem, err = buildJSONPlan(t.Elem(), seen)
	case reflect.Struct:
		err = p.buildFields(t, seen)
	default:
		return nil, fmt.Errorf("%s: kind %s", t, t.Kind())
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// buildFields takes encoding/json's field rules for structs without
// embedded fields: "-" skips, a valid tag name renames, options other than
// omitempty and omitzero are refused, and so are duplicate names.
func (p *jsonPlan) buildFields(t reflect.Type, seen map[reflect.Type]*jsonPlan) error {
	names := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return fmt.Errorf("%s.%s: embedded field", t, sf.Name)
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		} else if !validJSONName(name) {
			return fmt.Errorf("%s.%s: tag name %q", t, sf.Name, name)
		}
		if names[name] {
			return fmt.Errorf("%s: two fields named %q", t, name)
		}
		names[name] = true
		key := string(appendJSONString(nil, name)) + ": "
		f := jsonField{index: i, key: key, escKey: string(appendJSONStringBody(nil, key))}
		for o := range strings.SplitSeq(opts, ",") {
			switch o {
			case "":
			case "omitempty":
				f.omitEmpty = true
			case "omitzero":
				f.omitZero = true
			default:
				return fmt.Errorf("%s.%s: tag option %q", t, sf.Name, o)
			}
		}
		if f.omitZero {
			switch ft := sf.Type; {
			case ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Interface:
				if ft.Implements(isZeroerType) {
					return fmt.Errorf("%s.%s: IsZero on a pointer", t, sf.Name)
				}
			case ft.Implements(isZeroerType):
				f.isZero = func(v reflect.Value) bool { return v.Interface().(interface{ IsZero() bool }).IsZero() }
			case reflect.PointerTo(ft).Implements(isZeroerType):
				return fmt.Errorf("%s.%s: IsZero on the pointer receiver", t, sf.Name)
			}
		}
		fp, err := buildJSONPlan(sf.Type, seen)
		if err != nil {
			return err
		}
		f.plan = fp
		p.fields = append(p.fields, f)
	}
	return nil
}

// validJSONName is encoding/json's test for a usable tag name, less the
// punctuation that appendJSONString would escape.
func validJSONName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%()*+-./:;=?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// indentWriter appends indented JSON to buf and, to esc, the same text
// escaped as the content of a JSON string: what configHash would make of
// it, without a second pass over the text. ok turns false on a value
// Marshal would reject (NaN, infinities).
type indentWriter struct {
	buf, esc []byte
	depth    int
	ok       bool
}

func (w *indentWriter) reset() {
	w.buf, w.esc, w.depth, w.ok = w.buf[:0], w.esc[:0], 0, true
}

// raw writes bytes that JSON strings hold unescaped: punctuation other
// than '"' and '\\', digits, letters, spaces.
func (w *indentWriter) raw(s string) {
	w.buf = append(w.buf, s...)
	w.esc = append(w.esc, s...)
}

func (w *indentWriter) rawByte(c byte) {
	w.buf = append(w.buf, c)
	w.esc = append(w.esc, c)
}

// str writes a JSON string.
func (w *indentWriter) str(s string) {
	start := len(w.buf)
	w.buf = appendJSONString(w.buf, s)
	body := w.buf[start+1 : len(w.buf)-1]
	w.esc = append(w.esc, '\\', '"')
	if bytes.IndexByte(body, '\\') < 0 {
		// No escapes, so no '"' or '\\' either: escaping again changes
		// nothing.
		w.esc = append(w.esc, body...)
	} else {
		w.esc = appendJSONStringBody(w.esc, string(body))
	}
	w.esc = append(w.esc, '\\', '"')
}

// colon ends an object key.
func (w *indentWriter) colon() { w.raw(": ") }

func (w *indentWriter) newline() {
	w.buf = append(w.buf, '\n')
	w.esc = append(w.esc, '\\', 'n')
	for range w.depth {
		w.buf = append(w.buf, ' ', ' ')
		w.esc = append(w.esc, ' ', ' ')
	}
}

// open starts a non-empty object or array.
func (w *indentWriter) open(c byte) {
	w.rawByte(c)
	w.depth++
	w.newline()
}

// close ends a non-empty object or array.
func (w *indentWriter) close(c byte) {
	w.depth--
	w.newline()
	w.rawByte(c)
}

func (w *indentWriter) value(v reflect.Value, p *jsonPlan) {
	switch p.kind {
	case reflect.String:
		w.str(v.String())
	case reflect.Bool:
		if v.Bool() {
			w.raw("true")
		} else {
			w.raw("false")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		start := len(w.buf)
		w.buf = strconv.AppendInt(w.buf, v.Int(), 10)
		w.esc = append(w.esc, w.buf[start:]...)
	case reflect.Float64:
		start := len(w.buf)
		var ok bool
		if w.buf, ok = appendJSONFloat(w.buf, v.Float()); !ok {
			w.ok = false
		}
		w.esc = append(w.esc, w.buf[start:]...)
	case reflect.Pointer:
		if v.IsNil() {
			w.raw("null")
			return
		}
		w.value(v.Elem(), p.elem)
	case reflect.Slice:
		if v.IsNil() {
			w.raw("null")
			return
		}
		n := v.Len()
		if n == 0 {
			w.raw("[]")
			return
		}
		w.open('[')
		for i := range n {
			if i > 0 {
				w.rawByte(',')
				w.newline()
			}
			w.value(v.Index(i), p.elem)
		}
		w.close(']')
	case reflect.Map:
		w.mapValue(v, p)
	case reflect.Struct:
		w.structValue(v, p)
	}
}

func (w *indentWriter) mapValue(v reflect.Value, p *jsonPlan) {
	if v.IsNil() {
		w.raw("null")
		return
	}
	if v.Len() == 0 {
		w.raw("{}")
		return
	}
	if p.stringMap && v.CanInterface() {
		m := v.Interface().(map[string]string)
		w.open('{')
		for i, k := range slices.Sorted(maps.Keys(m)) {
			if i > 0 {
				w.rawByte(',')
				w.newline()
			}
			w.str(k)
			w.colon()
			w.str(m[k])
		}
		w.close('}')
		return
	}
	keys := v.MapKeys()
	slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
	w.open('{')
	for i, k := range keys {
		if i > 0 {
			w.rawByte(',')
			w.newline()
		}
		w.str(k.String())
		w.colon()
		w.value(v.MapIndex(k), p.elem)
	}
	w.close('}')
}

func (w *indentWriter) structValue(v reflect.Value, p *jsonPlan) {
	n := 0
	for i := range p.fields {
		f := &p.fields[i]
		fv := v.Field(f.index)
		if f.omitEmpty && emptyJSONValue(fv) ||
			f.omitZero && (f.isZero == nil && fv.IsZero() || f.isZero != nil && f.isZero(fv)) {
			continue
		}
		if n == 0 {
			w.open('{')
		} else {
			w.rawByte(',')
			w.newline()
		}
		n++
		w.buf = append(w.buf, f.key...)
		w.esc = append(w.esc, f.escKey...)
		w.value(fv, f.plan)
	}
	if n == 0 {
		w.raw("{}")
		return
	}
	w.close('}')
}

// emptyJSONValue is omitempty's test.
func emptyJSONValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Float64, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
