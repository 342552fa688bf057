package jupyterhub

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestSettingsKeysSorted: settingsJSON relies on the settings structs
// declaring their fields in the byte order of their JSON names. For every
// test hub, its output must equal the same value written through a
// generic map (which encoding/json sorts), and every struct type reachable
// from settings must declare its fields sorted.
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
	}
	checkSortedFields(t, reflect.TypeFor[settings](), map[reflect.Type]bool{})
}

// checkSortedFields walks every struct type reachable from typ, whether or
// not a test hub sets it.
func checkSortedFields(t *testing.T, typ reflect.Type, seen map[reflect.Type]bool) {
	t.Helper()
	if seen[typ] {
		return
	}
	seen[typ] = true
	switch typ.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		checkSortedFields(t, typ.Elem(), seen)
	case reflect.Struct:
		var names []string
		for i := range typ.NumField() {
			f := typ.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			names = append(names, name)
			checkSortedFields(t, f.Type, seen)
		}
		if !slices.IsSorted(names) {
			t.Errorf("%s declares its JSON fields out of order: %v", typ, names)
		}
	}
}

// configHash is the SHA-256 of json.Marshal of the ConfigMap's data, the
// recipe the pods' checksum annotation has always used.
func TestConfigHashIsJSONMarshal(t *testing.T) {
	for _, data := range []map[string]string{
		{configFileKey: hubConfigPy, settingsFileKey: `{"a": "<&>", "b": "\u2028"}` + "\n"},
		{configFileKey: "other program", settingsFileKey: "{}"},
		{"z": "1", "a": "2", "m": "\x00\""},
		{},
	} {
		b, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got := configHash(data); got != hex.EncodeToString(sum[:]) {
			t.Errorf("configHash(%q) = %s; want %x", data, got, sum)
		}
	}
}

// settingsJSON is hubfleet.json alone, as the tests compare it.
func (r *renderer) settingsJSON() (string, error) {
	text, _, err := r.settingsFile()
	return text, err
}
