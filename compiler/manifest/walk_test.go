package manifest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// treeEmitter is an Emitter that records events and rebuilds the body
// from them, checking the order of every mapping's keys and that nothing
// pruned is left behind. First puts apiVersion, kind, metadata first at
// the root and name, namespace first under metadata, like package output.
type treeEmitter struct {
	events []event
	stack  []treeFrame
}

type event struct {
	kind string // key item map end {} seq value
	v    any
}

type treeFrame struct {
	first []string
	key   string
	seq   bool
}

var (
	rootFirst = []string{"apiVersion", "kind", "metadata"}
	metaFirst = []string{"name", "namespace"}
)

func (e *treeEmitter) add(kind string, v any) { e.events = append(e.events, event{kind, v}) }
func (e *treeEmitter) Mark() int              { return len(e.events) }
func (e *treeEmitter) Rollback(m int)         { e.events = e.events[:m] }
func (e *treeEmitter) First() []string        { return e.stack[len(e.stack)-1].first }
func (e *treeEmitter) Key(k string) bool {
	e.stack[len(e.stack)-1].key = k
	e.add("key", k)
	return true
}
func (e *treeEmitter) Item() bool { e.add("item", nil); return true }
func (e *treeEmitter) BeginMap() {
	var first []string
	if len(e.stack) == 0 {
		first = rootFirst
	} else if top := e.stack[len(e.stack)-1]; len(e.stack) == 1 && top.key == "metadata" {
		first = metaFirst
	}
	e.stack = append(e.stack, treeFrame{first: first})
	e.add("map", nil)
}
func (e *treeEmitter) EndMap()   { e.stack = e.stack[:len(e.stack)-1]; e.add("end", nil) }
func (e *treeEmitter) EmptyMap() { e.add("{}", nil) }
func (e *treeEmitter) BeginSeq() {
	e.stack = append(e.stack, treeFrame{seq: true})
	e.add("seq", nil)
}
func (e *treeEmitter) EndSeq()              { e.stack = e.stack[:len(e.stack)-1]; e.add("end", nil) }
func (e *treeEmitter) String(s string) bool { e.add("value", s); return true }
func (e *treeEmitter) Int(i int64)          { e.add("value", i) }
func (e *treeEmitter) Bool(b bool)          { e.add("value", b) }
func (e *treeEmitter) Float(f float64) bool { e.add("value", f); return true }
func (e *treeEmitter) Value(v any) bool {
	if v == nil {
		panic("Value(nil)")
	}
	e.add("value", v)
	return true
}

// tree rebuilds the body from the events.
func (e *treeEmitter) tree() (map[string]any, error) {
	if len(e.stack) != 0 {
		return nil, fmt.Errorf("%d mappings or sequences left open", len(e.stack))
	}
	v, rest, err := parseEvents(e.events, rootFirst)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%d events after the body", len(rest))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("body is %T", v)
	}
	return m, nil
}

func parseEvents(ev []event, first []string) (any, []event, error) {
	if len(ev) == 0 {
		return nil, nil, errors.New("missing value")
	}
	switch ev[0].kind {
	case "value":
		return ev[0].v, ev[1:], nil
	case "{}":
		return map[string]any{}, ev[1:], nil
	case "map":
		m := map[string]any{}
		var keys []string
		ev = ev[1:]
		for len(ev) > 0 && ev[0].kind == "key" {
			k := ev[0].v.(string)
			var child []string
			if slices.Equal(first, rootFirst) && k == "metadata" {
				child = metaFirst
			}
			v, rest, err := parseEvents(ev[1:], child)
			if err != nil {
				return nil, nil, fmt.Errorf(".%s%w", k, err)
			}
			if _, dup := m[k]; dup {
				return nil, nil, fmt.Errorf(": key %q twice", k)
			}
			m[k], keys, ev = v, append(keys, k), rest
		}
		if len(ev) == 0 || ev[0].kind != "end" {
			return nil, nil, errors.New(": mapping not closed")
		}
		if len(m) == 0 {
			return nil, nil, errors.New(": empty mapping left in (should be rolled back or {})")
		}
		if want := orderKeys(keys, first); !slices.Equal(keys, want) {
			return nil, nil, fmt.Errorf(": keys in order %q, want %q", keys, want)
		}
		return m, ev[1:], nil
	case "seq":
		var l []any
		ev = ev[1:]
		for len(ev) > 0 && ev[0].kind == "item" {
			v, rest, err := parseEvents(ev[1:], nil)
			if err != nil {
				return nil, nil, fmt.Errorf("[%d]%w", len(l), err)
			}
			l, ev = append(l, v), rest
		}
		if len(ev) == 0 || ev[0].kind != "end" {
			return nil, nil, errors.New(": sequence not closed")
		}
		if len(l) == 0 {
			return nil, nil, errors.New(": empty sequence left in")
		}
		return l, ev[1:], nil
	}
	return nil, nil, fmt.Errorf(": unexpected event %q", ev[0].kind)
}

// orderKeys is the order the emitter asked for: first, then byte order.
func orderKeys(keys, first []string) []string {
	var out []string
	for _, f := range first {
		if slices.Contains(keys, f) {
			out = append(out, f)
		}
	}
	var rest []string
	for _, k := range keys {
		if !slices.Contains(first, k) {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// walkTree walks v, a pointer to a struct, and returns the rebuilt body.
func walkTree(t testing.TB, v any) (map[string]any, bool) {
	t.Helper()
	var e treeEmitter
	o := &Object{typed: v, lazy: &lazyBody{}} // lazy whatever New would decide
	if !o.Walk(&e) {
		return nil, false
	}
	m, err := e.tree()
	if err != nil {
		t.Fatalf("%T: walk events: %v", v, err)
	}
	return m, true
}

// compareWalk checks Walk against convert on v. A walk that declines is
// allowed only where convert declines, unless mayDecline.
func compareWalk(t testing.TB, what string, v any, mayDecline bool) (walked bool) {
	t.Helper()
	want, err := convert(v)
	got, ok := walkTree(t, v)
	switch {
	case err != nil && ok:
		t.Fatalf("%s: Walk succeeded where convert declines: %v", what, err)
	case err != nil || !ok && len(want) == 0:
		return false // an empty body is declined too
	case !ok:
		if !mayDecline {
			t.Fatalf("%s: Walk declined where convert succeeds", what)
		}
		return false
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: Walk differs from convert (-convert +walk):\n%s", what, cmp.Diff(want, got))
	}
	return true
}

// walkOdd is oddStruct without the field that collides, so that the walk
// reaches all its corners.
type walkOdd struct {
	metav1.TypeMeta `json:",inline"`
	*OddEmbedded
	oddUnexported
	Named      oddInner `json:",inline"`
	hidden     string
	Skip       string `json:"-"`
	Dash       string `json:"-,"`
	NoTag      int8
	U16        uint16                         `json:"u16"`
	U64        uint64                         `json:"u64,omitempty"`
	F32        float32                        `json:"f32"`
	Iface      any                            `json:"iface"`
	Structs    map[string]oddInner            `json:"structs"`
	PtrStructs map[string]*oddInner           `json:"ptrStructs"`
	Nested     map[string]map[string]string   `json:"nested"`
	Bytes      []byte                         `json:"bytes"`
	ByteMap    map[string][]byte              `json:"byteMap"`
	NS         myString                       `json:"ns"`
	NSs        []myString                     `json:"nss,omitempty"`
	NSMap      map[myString]myString          `json:"nsMap"`
	EmptyDir   oddInner                       `json:"emptyDir"`
	Lists      [][]string                     `json:"lists"`
	ListOfMaps []map[string]string            `json:"listOfMaps"`
	ListOfPtrs []*oddInner                    `json:"listOfPtrs"`
	Quantities map[string]resource.Quantity   `json:"quantities"`
	Times      []metav1.Time                  `json:"times"`
	TimeMap    map[string]metav1.Time         `json:"timeMap"`
	IOSList    []intstr.IntOrString           `json:"iosList"`
	IOSMap     map[string]intstr.IntOrString  `json:"iosMap"`
	Raw        runtime.RawExtension           `json:"raw"`
	Raws       []runtime.RawExtension         `json:"raws"`
	Dur        metav1.Duration                `json:"dur"`
	Micro      *metav1.MicroTime              `json:"micro"`
	Zero       struct{}                       `json:"zero,omitzero"`
	OZTime     time.Time                      `json:"ozTime,omitzero"`
	MapOfIface map[string]any                 `json:"mapOfIface"`
	ListIface  []any                          `json:"listIface"`
	DeepPtr    **oddInner                     `json:"deepPtr"`
	EmptyMaps  map[string]map[string]oddInner `json:"emptyMaps"`
}

func TestWalkMatchesConvertOnFilledObjects(t *testing.T) {
	types := append(slices.Clone(apiTypes), func() any { return &walkOdd{} })
	walked := map[string]int{}
	for _, zero := range []float64{0, 0.3, 0.7, 0.95} {
		for i, mk := range types {
			for seed := range uint64(25) {
				v := mk()
				newFiller(seed*1000+uint64(i), zero, false).Fill(reflect.ValueOf(v).Elem())
				_, k8s := v.(runtime.Object)
				_, odd := v.(*oddStruct)
				if compareWalk(t, fmt.Sprintf("%T seed %d zero %.2f", v, seed, zero), v, !k8s || odd) {
					walked[fmt.Sprintf("%T", v)]++
				}
			}
		}
	}
	// Every type but the colliding ones must have been walked, or the
	// comparisons prove little.
	for _, mk := range types {
		name := fmt.Sprintf("%T", mk())
		switch _, collide := mk().(*collideOuter); {
		case collide || name == "*manifest.oddStruct":
			if walked[name] > 0 {
				t.Errorf("%s was walked: its fields collide", name)
			}
		case walked[name] < 50:
			t.Errorf("%s walked %d times out of 100", name, walked[name])
		}
	}
}

// The weird filler reaches every value convert declines (uint64 above
// MaxInt64, broken IntOrString): Walk must decline all of them too.
func TestWalkDeclinesWhereConvertDoes(t *testing.T) {
	declined := 0
	for i, mk := range apiTypes {
		for seed := range uint64(40) {
			v := mk()
			newFiller(seed*7+uint64(i), 0.2, true).Fill(reflect.ValueOf(v).Elem())
			if _, err := convert(v); err != nil {
				declined++
			}
			compareWalk(t, fmt.Sprintf("weird %T seed %d", v, seed), v, true)
		}
	}
	if declined == 0 {
		t.Fatal("the weird filler never made convert decline")
	}
}

func TestWalkOfHandwrittenObjects(t *testing.T) {
	one := int32(1)
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "hub", Namespace: "ns", Labels: map[string]string{"b": "2", "a": "1"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &one,
			Selector: &metav1.LabelSelector{},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{
					Limits: corev1.ResourceList{"memory": resource.MustParse("1Gi"), "cpu": resource.MustParse("500m")},
				}}},
				Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
						NodeSelectorTerms: []corev1.NodeSelectorTerm{{}, {MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "k", Operator: "In"}}}},
					},
				}},
			}},
		},
	}
	compareWalk(t, "deployment", d, false)
	got, _ := walkTree(t, d)
	spec := got["spec"].(map[string]any)
	if sel, ok := spec["selector"].(map[string]any); !ok || len(sel) != 0 {
		t.Errorf("selector: {} not kept: %v", spec["selector"])
	}
	if _, ok := got["status"]; ok {
		t.Error("empty status kept")
	}
	// Objects whose keys collide, and empty ones, are declined.
	if _, ok := walkTree(t, &collideOuter{X: "x"}); ok {
		t.Error("colliding struct walked")
	}
	if _, ok := walkTree(t, &corev1.ConfigMap{}); ok {
		t.Error("empty body walked")
	}
	if (&Object{Body: map[string]any{"a": "b"}}).Walk(&treeEmitter{}) {
		t.Error("an object without a struct walked")
	}
}
