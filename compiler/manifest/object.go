// Package manifest is the currency between the render, patch, verify and
// output stages: one Kubernetes object as a JSON-compatible map, with the
// hub file it came from.
package manifest

import (
	"fmt"
	"maps"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	// It is nil for an object New made from a Kubernetes API struct until
	// something needs the map: read it through Map. Most such objects are
	// checked from the struct and encoded from it (output), and never need
	// one.
	Body map[string]any

	// typed is the API struct Body was converted from (see Typed).
	typed any
	// lazy holds the map of a typed object, built on first use, and the
	// header the accessors read until then.
	lazy *lazyBody
}

// lazyBody is a typed object's map, converted at most once, and what the
// accessors need without it.
type lazyBody struct {
	once sync.Once
	body map[string]any
	// built is set once body is, for Materialized.
	built atomic.Bool

	apiVersion, kind string
	meta             metav1.Object
}

// Map returns the body, converting it from the typed struct on first use.
// It is safe to call from several goroutines. The struct must not change
// after New (TestTypedMatchesBody holds the renderers to that): until Map
// is first called the struct is what is read and encoded, afterwards the
// map is.
func (o *Object) Map() map[string]any {
	if o.Body != nil || o.lazy == nil {
		return o.Body
	}
	l := o.lazy
	l.once.Do(func() {
		l.body = materialize(o.typed)
		l.built.Store(true)
	})
	return l.body
}

// Materialized reports whether the object has a map: always for one made
// from a map, and for a typed one once Map was called; tests use it to
// tell whether any stage needed the map. It is the opposite of Lazy.
func (o *Object) Materialized() bool { return !o.Lazy() }

// Lazy reports whether the object has not needed its map yet: its typed
// struct is all there is, which the accessors and the encoder read. Once
// Map has built the map, that map is the object, as for one New converted
// at once.
func (o *Object) Lazy() bool { return o.Body == nil && o.lazy != nil && !o.lazy.built.Load() }

// materialize converts a struct New accepted lazily. New only defers
// Kubernetes API structs whose conversion cannot fail (deferrable); a
// failure is a bug.
func materialize(v any) map[string]any {
	body, err := toMap(v)
	if err != nil {
		panic(fmt.Sprintf("manifest: converting %T: %v", v, err))
	}
	return body
}

// toMap is the conversion New makes: the fast converter, or apimachinery's
// followed by Prune.
func toMap(v any) (map[string]any, error) {
	if m, err := convert(v); err == nil {
		return m, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(v)
	if err != nil {
		return nil, fmt.Errorf("converting %T: %w", v, err)
	}
	return pruned(m), nil
}

// pruned is Prune of a body, never nil.
func pruned(m map[string]any) map[string]any {
	if body, _ := Prune(m).(map[string]any); body != nil {
		return body
	}
	return map[string]any{}
}

// lazyHeader returns the header of a Kubernetes API object (TypeMeta and
// ObjectMeta, as the converted map would hold them), or nil for anything
// else, which New converts at once.
func lazyHeader(v any) *lazyBody {
	ro, ok := v.(runtime.Object)
	if !ok {
		return nil
	}
	if rv := reflect.ValueOf(v); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil
	}
	if _, ok := v.(runtime.Unstructured); ok {
		return nil
	}
	if !deferrable(v) {
		// Its conversion may fail: New reports that at once.
		return nil
	}
	tm, ok := ro.GetObjectKind().(*metav1.TypeMeta)
	if !ok {
		return nil
	}
	mo, ok := v.(metav1.ObjectMetaAccessor)
	if !ok {
		return nil
	}
	meta, ok := mo.GetObjectMeta().(*metav1.ObjectMeta)
	if !ok || meta == nil {
		return nil
	}
	return &lazyBody{apiVersion: tm.APIVersion, kind: tm.Kind, meta: meta}
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
	if m, ok := v.(map[string]any); ok {
		return &Object{Source: source, Body: pruned(m)}, nil
	}
	if !EagerMaps {
		if l := lazyHeader(v); l != nil {
			// Converted when first needed (Map), which for most objects
			// is never.
			return &Object{Source: source, typed: v, lazy: l}, nil
		}
	}
	m, err := toMap(v)
	if err != nil {
		return nil, err
	}
	return &Object{Source: source, Body: m, typed: v}, nil
}

// EagerMaps makes New convert every typed object at once, as it did before
// maps were built lazily. Tests set it to compare both ways.
var EagerMaps = false

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
func (o *Object) APIVersion() string {
	if o.Lazy() {
		return o.lazy.apiVersion
	}
	s, _ := o.Map()["apiVersion"].(string)
	return s
}

// Kind returns kind.
func (o *Object) Kind() string {
	if o.Lazy() {
		return o.lazy.kind
	}
	s, _ := o.Map()["kind"].(string)
	return s
}

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
	m, _ := o.Map()["metadata"].(map[string]any)
	return m
}

// Name returns metadata.name.
func (o *Object) Name() string {
	if o.Lazy() {
		return o.lazy.meta.GetName()
	}
	s, _ := o.meta()["name"].(string)
	return s
}

// Namespace returns metadata.namespace.
func (o *Object) Namespace() string {
	if o.Lazy() {
		return o.lazy.meta.GetNamespace()
	}
	s, _ := o.meta()["namespace"].(string)
	return s
}

// Labels returns metadata.labels as strings.
func (o *Object) Labels() map[string]string {
	if o.Lazy() {
		return cloneNonEmpty(o.lazy.meta.GetLabels())
	}
	return stringMap(o.meta()["labels"])
}

// Annotations returns metadata.annotations as strings.
func (o *Object) Annotations() map[string]string {
	if o.Lazy() {
		return cloneNonEmpty(o.lazy.meta.GetAnnotations())
	}
	return stringMap(o.meta()["annotations"])
}

// cloneNonEmpty copies m as stringMap would return it from the pruned
// map: nil when empty.
func cloneNonEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// SetAnnotation sets one metadata annotation.
func (o *Object) SetAnnotation(k, v string) {
	o.Body, o.typed, o.lazy = o.Map(), nil, nil
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
	var cur any = o.Map()
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
