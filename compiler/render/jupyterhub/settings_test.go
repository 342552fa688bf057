package jupyterhub

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSettingsKeysSorted: settingsJSON relies on the settings structs
// declaring their fields in the byte order of their JSON names. For every
// test hub, its output must equal the same value written through a
// generic map (which encoding/json sorts), and every struct reachable
// from the value must declare its fields sorted.
func TestSettingsKeysSorted(t *testing.T) {
	for name, h := range testHubs() {
		r, err := newRenderer(h, testFleet())
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.settingsJSON()
		if err != nil {
			t.Fatal(err)
		}
		// json.Number keeps every number as written, so only key order
		// can differ.
		dec := json.NewDecoder(strings.NewReader(got))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		want, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want)+"\n" {
			t.Errorf("%s: hubfleet.json keys are not sorted:\n%s", name, got)
		}
		s, err := r.settings()
		if err != nil {
			t.Fatal(err)
		}
		checkSortedFields(t, reflect.ValueOf(s))
	}
}

func checkSortedFields(t *testing.T, v reflect.Value) {
	t.Helper()
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			checkSortedFields(t, v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			checkSortedFields(t, v.Index(i))
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			checkSortedFields(t, it.Value())
		}
	case reflect.Struct:
		var names []string
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			names = append(names, name)
			checkSortedFields(t, v.Field(i))
		}
		if !slices.IsSorted(names) {
			t.Errorf("%s declares its JSON fields out of order: %v", v.Type(), names)
		}
	}
}
