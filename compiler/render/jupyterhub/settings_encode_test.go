package jupyterhub

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// The settings types must have a plan: without one every hub takes the
// slower encoding/json path.
func TestSettingsPlanBuilds(t *testing.T) {
	if _, err := settingsPlan(); err != nil {
		t.Fatal(err)
	}
}

// writeIndented runs the one-pass writer over v and checks that its
// escaped copy is the text escaped as a JSON string.
func writeIndented(t *testing.T, v any) (string, bool) {
	t.Helper()
	plan, err := buildJSONPlan(reflect.TypeOf(v).Elem(), map[reflect.Type]*jsonPlan{})
	if err != nil {
		t.Fatal(err)
	}
	var w indentWriter
	w.reset()
	w.value(reflect.ValueOf(v).Elem(), plan)
	if w.ok {
		if esc := appendJSONStringBody(nil, string(w.buf)); !bytes.Equal(esc, w.esc) {
			t.Fatalf("escaped copy:\n%s\nwant:\n%s", w.esc, esc)
		}
	}
	return string(w.buf), w.ok
}

// fillRandom sets every settable value under v: strings from
// randomJSONText, nil or empty or full slices, maps and pointers, and
// zero or random numbers, so that omitempty, omitzero and null all occur.
func fillRandom(rng *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.String:
		if rng.IntN(3) > 0 {
			v.SetString(randomJSONText(rng))
		}
	case reflect.Bool:
		v.SetBool(rng.IntN(2) == 0)
	case reflect.Int, reflect.Int32, reflect.Int64:
		if rng.IntN(3) > 0 {
			v.SetInt(rng.Int64N(1<<40) - 1<<39)
		}
	case reflect.Float64:
		switch rng.IntN(4) {
		case 0:
		case 1:
			v.SetFloat(float64(rng.IntN(64)) / 4)
		default:
			v.SetFloat(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(50)-25)))
		}
	case reflect.Pointer:
		if depth < 6 && rng.IntN(2) == 0 {
			p := reflect.New(v.Type().Elem())
			fillRandom(rng, p.Elem(), depth+1)
			v.Set(p)
		}
	case reflect.Slice:
		if depth < 6 && rng.IntN(3) > 0 {
			n := rng.IntN(3)
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				fillRandom(rng, s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		if depth < 6 && rng.IntN(3) > 0 {
			m := reflect.MakeMap(v.Type())
			for range rng.IntN(4) {
				e := reflect.New(v.Type().Elem()).Elem()
				fillRandom(rng, e, depth+1)
				m.SetMapIndex(reflect.ValueOf(randomJSONText(rng)), e)
			}
			v.Set(m)
		}
	case reflect.Struct:
		if rng.IntN(5) == 0 {
			return // all zero: {} or left out
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillRandom(rng, v.Field(i), depth)
			}
		}
	}
}

// The writer against json.MarshalIndent over random settings.
func TestIndentWriterMatchesMarshalIndent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for i := range 3000 {
		s := new(settings)
		fillRandom(rng, reflect.ValueOf(s).Elem(), 0)
		got, ok := writeIndented(t, s)
		want, err := json.MarshalIndent(s, "", "  ")
		if !ok {
			if err == nil {
				t.Fatalf("case %d: the writer refused what json.MarshalIndent wrote:\n%s", i, want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("case %d: json.MarshalIndent: %v; the writer wrote:\n%s", i, err, got)
		}
		if got != string(want) {
			t.Fatalf("case %d: writer:\n%s\njson.MarshalIndent:\n%s", i, got, want)
		}
	}
}

// A NaN makes the writer give up, and settingsJSON reports encoding/json's
// error instead of writing a file.
func TestIndentWriterRejectsNaN(t *testing.T) {
	s := &settings{Spawner: spawnerSettings{CPULimit: math.NaN()}}
	if _, ok := writeIndented(t, s); ok {
		t.Fatal("the writer accepted NaN")
	}
	if _, err := marshalSettings(s); err == nil {
		t.Fatal("marshalSettings accepted NaN")
	}
}

// Types the writer does not know get no plan, so they go to encoding/json.
func TestJSONPlanRefuses(t *testing.T) {
	type embedded struct{ A string }
	for name, v := range map[string]any{
		"embedded":  &struct{ embedded }{},
		"interface": &struct{ A any }{},
		"bytes":     &struct{ A []byte }{},
		"int keys":  &struct{ A map[int]string }{},
		"string": &struct {
			A int `json:",string"`
		}{},
		"marshaler": &struct{ A json.RawMessage }{},
		"html name": &struct {
			A string `json:"a<b"`
		}{},
	} {
		if _, err := buildJSONPlan(reflect.TypeOf(v).Elem(), map[reflect.Type]*jsonPlan{}); err == nil {
			t.Errorf("%s: got a plan", name)
		}
	}
}
