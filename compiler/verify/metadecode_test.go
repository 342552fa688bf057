package verify

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// TestDecodeMetaMatchesConverter compares decodeMeta (and its fast path)
// with the strict converter on metadata of every shape: what the fast
// path accepts, the converter must decode to the same ObjectMeta; what
// either rejects, decodeMeta must reject with the converter's error.
func TestDecodeMetaMatchesConverter(t *testing.T) {
	cases := []map[string]any{
		{},
		{"name": "a"},
		{"name": "a", "namespace": "ns", "generateName": "g-"},
		{"name": "", "namespace": ""},
		{"name": "a", "labels": map[string]any{"k": "v", "e": ""}, "annotations": map[string]any{"x/y": "z"}},
		{"name": "a", "labels": map[string]any{}},
		{"name": "a", "annotations": map[string]any{}},
		{"name": "a", "labels": nil},
		{"name": nil},
		{"name": int64(1)},
		{"name": true},
		{"name": "a", "labels": map[string]any{"k": int64(1)}},
		{"name": "a", "labels": map[string]any{"k": nil}},
		{"name": "a", "labels": map[string]string{"k": "v"}},
		{"name": "a", "labels": []any{"k"}},
		{"name": "a", "annotations": "x"},
		{"Name": "a"},
		{"name": "a", "unknown": "x"},
		{"name": "a", "uid": "u", "resourceVersion": "1", "generation": int64(2)},
		{"name": "a", "finalizers": []any{"f"}},
		{"name": "a", "ownerReferences": []any{map[string]any{"apiVersion": "v1", "kind": "K", "name": "n", "uid": "u"}}},
		{"name": "a", "creationTimestamp": nil},
		{"name": "a", "creationTimestamp": "2024-01-01T00:00:00Z"},
	}
	for _, raw := range cases {
		var want metav1.ObjectMeta
		werr := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(raw, &want, true)
		if fast, ok := plainMeta(raw); ok {
			if werr != nil {
				t.Errorf("%v: fast path accepts what the converter rejects: %v", raw, werr)
			} else if !reflect.DeepEqual(fast, want) {
				t.Errorf("%v: fast path gives %+v, converter %+v", raw, fast, want)
			}
		}
		got, gerr := decodeMeta(raw)
		switch {
		case (gerr == nil) != (werr == nil):
			t.Errorf("%v: error %v, converter's %v", raw, gerr, werr)
		case gerr != nil && gerr.Error() != werr.Error():
			t.Errorf("%v: error %q, converter's %q", raw, gerr, werr)
		case gerr == nil && !reflect.DeepEqual(got, want):
			t.Errorf("%v: %+v, converter %+v", raw, got, want)
		}
	}
	// The shapes hubfleet renders must take the fast path.
	if _, ok := plainMeta(map[string]any{"name": "a", "namespace": "b", "labels": map[string]any{"k": "v"}}); !ok {
		t.Error("plain metadata does not take the fast path")
	}
}
