// Package manifest is the currency between the render, patch, verify and
// output stages: one Kubernetes object as a JSON-compatible map, with the
// hub file it came from.
package manifest

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// Object is one rendered Kubernetes object.
type Object struct {
	// Cluster and Hub say where the object belongs; Hub is empty for
	// cluster-wide objects and Cluster is empty for the root Argo CD objects.
	Cluster string
	Hub     string
	// Source is the input file the object comes from, relative to the root;
	// it is written as the output file's first-line comment.
	Source string
	// Body is the object: maps, slices, strings, bools, int64, float64.
	Body map[string]any

	// typed is the API struct Body was converted from (see Typed).
	typed any
}

// Typed returns the struct (a k8s.io/api type, say) that New converted Body
// from, or nil. Later stages read it instead of decoding Body back into the
// same type: the conversion cannot produce a body the type would not
// decode to. Only New sets it and every mutator of this package clears it;
// code that replaces or edits Body in place must build a new Object (as the
// patch stage does) so the two never disagree.
func (o *Object) Typed() any { return o.typed }

// New converts a typed object (k8s.io/api structs, or any struct with JSON
// tags, or a map) into an Object. Empty and null fields are dropped, so the
// output carries no "creationTimestamp: null" or "status: {}" noise.
func New(source string, v any) (*Object, error) {
	var body map[string]any
	var typed any
	switch t := v.(type) {
	case map[string]any:
		body = t
	default:
		// convert gives what the apimachinery converter and Prune give,
		// several times faster; it declines what it is unsure about.
		if m, err := convert(v); err == nil {
			return &Object{Source: source, Body: m, typed: v}, nil
		}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(v)
		if err != nil {
			return nil, fmt.Errorf("converting %T: %w", v, err)
		}
		body, typed = m, v
	}
	body, _ = Prune(body).(map[string]any)
	if body == nil {
		body = map[string]any{}
	}
	return &Object{Source: source, Body: body, typed: typed}, nil
}

// MustNew is New for objects built by the compiler itself, where a failure
// is a programming error.
func MustNew(source string, v any) *Object {
	o, err := New(source, v)
	if err != nil {
		panic(err)
	}
	return o
}

// keepEmpty names fields whose empty value means something: an emptyDir
// volume, or a selector that selects everything. Prune never drops them.
var keepEmpty = map[string]bool{
	"emptyDir":          true,
	"podSelector":       true,
	"namespaceSelector": true,
	"selector":          true,
	"labelSelector":     true,
}

// Prune removes nil values, empty maps and empty slices recursively (the
// noise typed structs leave: creationTimestamp: null, status: {}, ...),
// except empty maps under the keys of keepEmpty and empty maps in lists. It
// returns nil when nothing is left.
func Prune(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			p := Prune(e)
			if p == nil {
				if _, isMap := e.(map[string]any); isMap && keepEmpty[k] {
					t[k] = map[string]any{}
					continue
				}
				delete(t, k)
				continue
			}
			t[k] = p
		}
		if len(t) == 0 {
			return nil
		}
		return t
	case []any:
		out := t[:0]
		for _, e := range t {
			if p := Prune(e); p != nil {
				out = append(out, p)
			} else if _, isMap := e.(map[string]any); isMap {
				// An empty map in a list still counts as an element
				// (e.g. "- {}" in a selector term list).
				out = append(out, map[string]any{})
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case nil:
		return nil
	}
	return v
}

// APIVersion returns apiVersion.
func (o *Object) APIVersion() string { s, _ := o.Body["apiVersion"].(string); return s }

// Kind returns kind.
func (o *Object) Kind() string { s, _ := o.Body["kind"].(string); return s }

// Group returns the API group ("" for the core group).
func (o *Object) Group() string {
	if i := strings.IndexByte(o.APIVersion(), '/'); i >= 0 {
		return o.APIVersion()[:i]
	}
	return ""
}

// Version returns the API version without the group.
func (o *Object) Version() string {
	v := o.APIVersion()
	return v[strings.IndexByte(v, '/')+1:]
}

func (o *Object) meta() map[string]any {
	m, _ := o.Body["metadata"].(map[string]any)
	return m
}

// Name returns metadata.name.
func (o *Object) Name() string { s, _ := o.meta()["name"].(string); return s }

// Namespace returns metadata.namespace.
func (o *Object) Namespace() string { s, _ := o.meta()["namespace"].(string); return s }

// Labels returns metadata.labels as strings.
func (o *Object) Labels() map[string]string { return stringMap(o.meta()["labels"]) }

// Annotations returns metadata.annotations as strings.
func (o *Object) Annotations() map[string]string { return stringMap(o.meta()["annotations"]) }

// SetAnnotation sets one metadata annotation.
func (o *Object) SetAnnotation(k, v string) {
	o.typed = nil
	m := o.meta()
	if m == nil {
		m = map[string]any{}
		o.Body["metadata"] = m
	}
	a, _ := m["annotations"].(map[string]any)
	if a == nil {
		a = map[string]any{}
		m["annotations"] = a
	}
	a[k] = v
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		if s, ok := e.(string); ok {
			out[k] = s
		}
	}
	return out
}

// ID identifies an object within the fleet: group/kind/namespace/name.
func (o *Object) ID() string {
	return o.Group() + "/" + o.Kind() + "/" + o.Namespace() + "/" + o.Name()
}

// String is "Kind/name" or "Kind/namespace/name", for messages.
func (o *Object) String() string {
	if ns := o.Namespace(); ns != "" {
		return o.Kind() + "/" + ns + "/" + o.Name()
	}
	return o.Kind() + "/" + o.Name()
}

// FileName is the object's file name: "<kind>-<name>.yaml" in lower case.
func (o *Object) FileName() string {
	return strings.ToLower(o.Kind() + "-" + o.Name() + ".yaml")
}

// Get walks a path of map keys and returns the value found, or nil.
func (o *Object) Get(path ...string) any {
	var cur any = o.Body
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// Sort orders objects by cluster, hub, kind, namespace and name, the order
// every later stage relies on for determinism.
func Sort(objs []*Object) {
	sort.SliceStable(objs, func(i, j int) bool {
		a, b := objs[i], objs[j]
		if a.Cluster != b.Cluster {
			return a.Cluster < b.Cluster
		}
		if a.Hub != b.Hub {
			return a.Hub < b.Hub
		}
		if a.Kind() != b.Kind() {
			return a.Kind() < b.Kind()
		}
		if a.Namespace() != b.Namespace() {
			return a.Namespace() < b.Namespace()
		}
		return a.Name() < b.Name()
	})
}
