package manifest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/manifest/manifesttest"
)

// apiTypes are the objects the differential and fuzz tests fill.
var apiTypes = []func() any{
	func() any { return &appsv1.Deployment{} },
	func() any { return &appsv1.StatefulSet{} },
	func() any { return &appsv1.DaemonSet{} },
	func() any { return &corev1.Pod{} },
	func() any { return &corev1.Service{} },
	func() any { return &corev1.ConfigMap{} },
	func() any { return &corev1.Secret{} },
	func() any { return &corev1.PersistentVolumeClaim{} },
	func() any { return &corev1.Namespace{} },
	func() any { return &corev1.ServiceAccount{} },
	func() any { return &rbacv1.Role{} },
	func() any { return &rbacv1.ClusterRole{} },
	func() any { return &rbacv1.RoleBinding{} },
	func() any { return &rbacv1.ClusterRoleBinding{} },
	func() any { return &networkingv1.NetworkPolicy{} },
	func() any { return &networkingv1.Ingress{} },
	func() any { return &policyv1.PodDisruptionBudget{} },
	func() any { return &schedulingv1.PriorityClass{} },
	func() any { return &batchv1.CronJob{} },
	func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	func() any { return &apiextv1.CustomResourceDefinition{} },
	func() any { return &oddStruct{} },
	func() any { return &collideOuter{} },
}

// oldConvert is New's conversion before the fast path: apimachinery's
// converter, then Prune.
func oldConvert(v any) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(v)
	if err != nil {
		return nil, err
	}
	body, _ := Prune(m).(map[string]any)
	if body == nil {
		body = map[string]any{}
	}
	return body, nil
}

// compare checks convert against oldConvert on v. With mustConvert, the
// fast path may not fall back. It reports whether convert fell back.
func compare(t testing.TB, what string, v any, mustConvert bool) (fellBack bool) {
	t.Helper()
	want, wantErr := oldConvert(v)
	got, err := convert(v)
	if err != nil {
		if !errors.Is(err, errFallback) {
			t.Fatalf("%s: convert returned %v, not errFallback", what, err)
		}
		if mustConvert {
			t.Fatalf("%s: fast path fell back (apimachinery: %v)", what, wantErr)
		}
		return true
	}
	if wantErr != nil {
		t.Fatalf("%s: convert succeeded where apimachinery fails: %v", what, wantErr)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: convert differs from ToUnstructured+Prune (-want +got):\n%s", what, cmp.Diff(want, got))
	}
	// New must agree too, whichever path it takes.
	o, err := New("x", v)
	if err != nil {
		t.Fatalf("%s: New: %v", what, err)
	}
	if !reflect.DeepEqual(o.Map(), want) || o.Typed() != v {
		t.Fatalf("%s: New differs (-want +got):\n%s", what, cmp.Diff(want, o.Map()))
	}
	return false
}

func TestConvertMatchesApimachineryOnFilledObjects(t *testing.T) {
	for _, zero := range []float64{0, 0.3, 0.7, 0.95} {
		for i, mk := range apiTypes {
			for seed := range uint64(25) {
				v := mk()
				newFiller(seed*1000+uint64(i), zero, false).Fill(reflect.ValueOf(v).Elem())
				compare(t, fmt.Sprintf("%T seed %d zero %.2f", v, seed, zero), v, true)
			}
		}
	}
}

func TestConvertMatchesApimachineryOnZeroObjects(t *testing.T) {
	for _, mk := range apiTypes {
		v := mk()
		compare(t, fmt.Sprintf("zero %T", v), v, true)
	}
}

// The fill must reach the marshaled types and the empty-but-kept values,
// or the comparisons above would prove little.
func TestFillerReachesTheInterestingCases(t *testing.T) {
	seen := map[string]bool{}
	for seed := range uint64(30) {
		d := &appsv1.Deployment{}
		newFiller(seed, 0, false).Fill(reflect.ValueOf(d).Elem())
		body, err := convert(d)
		if err != nil {
			t.Fatal(err)
		}
		spec := d.Spec.Template.Spec
		for _, c := range spec.Containers {
			for _, q := range c.Resources.Limits {
				seen["quantity"] = seen["quantity"] || q.String() != ""
			}
			for _, p := range c.Ports {
				seen["port"] = seen["port"] || p.ContainerPort != 0
			}
		}
		if d.Spec.Strategy.RollingUpdate != nil && d.Spec.Strategy.RollingUpdate.MaxSurge != nil {
			seen["intOrString"] = true
		}
		if !d.CreationTimestamp.IsZero() {
			seen["time"] = true
		}
		for _, vol := range spec.Volumes {
			if vol.EmptyDir != nil && vol.EmptyDir.SizeLimit == nil && vol.EmptyDir.Medium == "" {
				seen["emptyDir{}"] = true
			}
		}
		if d.Spec.Selector != nil && len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0 {
			seen["selector{}"] = true
		}
		if s, ok := body["spec"].(map[string]any); ok {
			if sel, ok := s["selector"].(map[string]any); ok && len(sel) == 0 {
				seen["kept selector{}"] = true
			}
		}
	}
	for _, k := range []string{"quantity", "port", "intOrString", "time", "emptyDir{}", "selector{}", "kept selector{}"} {
		if !seen[k] {
			t.Errorf("the filler never produced %s", k)
		}
	}
}

type myString string

type oddInner struct {
	A string            `json:"a,omitempty"`
	N *int              `json:"n"`
	M map[string]string `json:"m,omitempty"`
}

type OddEmbedded struct {
	E   string            `json:"e"`
	Sel map[string]string `json:"selector"`
}

type oddUnexported struct {
	U string `json:"u"`
	l []string
}

type oddIface interface{ Odd() }

type oddImpl struct {
	X int `json:"x"`
}

func (oddImpl) Odd() {}

// oddStruct collects the corners of apimachinery's conversion.
type oddStruct struct {
	metav1.TypeMeta `json:",inline"`
	*OddEmbedded
	oddUnexported
	Named      oddInner `json:",inline"` // not anonymous: keeps its Go name
	hidden     string
	Skip       string `json:"-"`
	Dash       string `json:"-,"`
	NoTag      int8
	U16        uint16  `json:"u16"`
	U64        uint64  `json:"u64,omitempty"`
	F32        float32 `json:"f32"`
	F64        float64 `json:"f64,omitempty"`
	Iface      any     `json:"iface"`
	Iface2     any     `json:"iface2,omitempty"`
	Odd        oddIface
	Structs    map[string]oddInner            `json:"structs"`
	PtrStructs map[string]*oddInner           `json:"ptrStructs"`
	Nested     map[string]map[string]string   `json:"nested"`
	Bytes      []byte                         `json:"bytes"`
	ByteMap    map[string][]byte              `json:"byteMap"`
	NS         myString                       `json:"ns"`
	NSs        []myString                     `json:"nss,omitempty"`
	NSMap      map[myString]myString          `json:"nsMap"`
	EmptyDir   oddInner                       `json:"emptyDir"`
	Selector   *oddInner                      `json:"selector"`
	Lists      [][]string                     `json:"lists"`
	ListOfMaps []map[string]string            `json:"listOfMaps"`
	ListOfPtrs []*oddInner                    `json:"listOfPtrs"`
	Quantities map[string]resource.Quantity   `json:"quantities"`
	PtrQ       *resource.Quantity             `json:"ptrQ"`
	Times      []metav1.Time                  `json:"times"`
	TimeMap    map[string]metav1.Time         `json:"timeMap"`
	PtrTime    *metav1.Time                   `json:"ptrTime,omitempty"`
	IOS        *intstr.IntOrString            `json:"ios"`
	IOSList    []intstr.IntOrString           `json:"iosList"`
	IOSMap     map[string]intstr.IntOrString  `json:"iosMap"`
	Raw        runtime.RawExtension           `json:"raw"`
	Raws       []runtime.RawExtension         `json:"raws"`
	Dur        metav1.Duration                `json:"dur"`
	Micro      *metav1.MicroTime              `json:"micro"`
	Dup        string                         `json:"e"` // collides with OddEmbedded.E
	Zero       struct{}                       `json:"zero,omitzero"`
	OZTime     time.Time                      `json:"ozTime,omitzero"`
	OZInt      int                            `json:"ozInt,omitzero"`
	MapOfIface map[string]any                 `json:"mapOfIface"`
	ListIface  []any                          `json:"listIface"`
	DeepPtr    **oddInner                     `json:"deepPtr"`
	LabelSel   *metav1.LabelSelector          `json:"labelSelector"`
	EmptyMaps  map[string]map[string]oddInner `json:"emptyMaps"`
}

// CollideInner's keys repeat its parent's: the last write wins, and a
// last write that prunes away removes the key.
type CollideInner struct {
	X        *int              `json:"x"`
	Selector map[string]string `json:"selector"`
	S        string            `json:"s,omitempty"`
}

type collideOuter struct {
	X        string    `json:"x"`
	Selector *oddInner `json:"selector"`
	S        string    `json:"s"`
	CollideInner
	*OddEmbedded
	E []string `json:"e"`
}

func TestConvertMatchesApimachineryOnOddStructs(t *testing.T) {
	one := 1
	inner := &oddInner{}
	cases := map[string]*oddStruct{
		"zero": {},
		"populated": {
			TypeMeta:      metav1.TypeMeta{Kind: "Odd"},
			OddEmbedded:   &OddEmbedded{E: "embedded", Sel: map[string]string{}},
			oddUnexported: oddUnexported{U: "u", l: []string{"x"}},
			Named:         oddInner{A: "named", N: &one},
			hidden:        "h",
			Skip:          "skip", Dash: "dash", NoTag: -8, U16: 65535, U64: math.MaxInt64, F32: 1.25, F64: -2.5,
			Iface:      oddImpl{X: 3},
			Iface2:     map[string]int{"a": 1},
			Odd:        &oddImpl{},
			Structs:    map[string]oddInner{"selector": {}, "emptyDir": {M: map[string]string{}}, "x": {}, "y": {A: "y"}},
			PtrStructs: map[string]*oddInner{"selector": nil, "podSelector": {}, "p": {A: "p"}, "q": nil},
			Nested:     map[string]map[string]string{"selector": {}, "a": nil, "b": {"k": "v"}},
			Bytes:      []byte("hello\x00\xff"),
			ByteMap:    map[string][]byte{"e": {}, "n": nil, "v": []byte("v")},
			NS:         "ns", NSs: []myString{"a", ""}, NSMap: map[myString]myString{"k": "v"},
			Selector:   &oddInner{},
			Lists:      [][]string{nil, {}, {"a"}},
			ListOfMaps: []map[string]string{nil, {}, {"a": "b"}},
			ListOfPtrs: []*oddInner{nil, {}, {A: "a"}},
			Quantities: map[string]resource.Quantity{"cpu": resource.MustParse("100m"), "zero": {}},
			PtrQ:       resource.NewQuantity(5, resource.BinarySI),
			Times:      []metav1.Time{{}, metav1.NewTime(time.Unix(1e9, 5).In(time.FixedZone("z", 3600)))},
			TimeMap:    map[string]metav1.Time{"zero": {}, "set": metav1.NewTime(time.Unix(2e9, 0))},
			PtrTime:    &metav1.Time{},
			IOS:        &intstr.IntOrString{Type: intstr.String, StrVal: "50%"},
			IOSList:    []intstr.IntOrString{intstr.FromInt32(0), intstr.FromString("")},
			IOSMap:     map[string]intstr.IntOrString{"a": intstr.FromInt32(-1)},
			Raw:        runtime.RawExtension{Raw: []byte(manifesttest.RawJSON[0])},
			Raws:       []runtime.RawExtension{{}, {Raw: []byte("null")}, {Raw: []byte("{}")}, {Raw: []byte(`{"a":null}`)}},
			Dur:        metav1.Duration{Duration: 90 * time.Second},
			Micro:      &metav1.MicroTime{Time: time.Unix(3, 4000)},
			Dup:        "dup",
			OZTime:     time.Unix(0, 0),
			MapOfIface: map[string]any{"n": nil, "s": "s", "m": map[string]any{}, "selector": map[string]any{}, "st": oddInner{}, "l": []any{}},
			ListIface:  []any{nil, 1, uint8(2), float32(0.5), oddInner{}, &oddInner{}, []int{}, map[string]string{}},
			DeepPtr:    &inner,
			LabelSel:   &metav1.LabelSelector{MatchLabels: map[string]string{}},
			EmptyMaps:  map[string]map[string]oddInner{"selector": {"emptyDir": {}}, "a": {}},
		},
		"collision-then-empty": {OddEmbedded: &OddEmbedded{E: "first"}, Dup: ""},
		"nil-inner-values": {
			PtrStructs: map[string]*oddInner{"selector": nil},
			Iface:      (*oddInner)(nil),
			DeepPtr:    new(*oddInner),
		},
	}
	for name, v := range cases {
		compare(t, name, v, true)
	}
	collisions := map[string]*collideOuter{
		"inner nil after outer":   {X: "x", Selector: &oddInner{A: "a"}, S: "s"},
		"inner empty after outer": {X: "x", Selector: &oddInner{}, CollideInner: CollideInner{Selector: map[string]string{}}},
		"inner set after outer":   {X: "x", CollideInner: CollideInner{X: &one, Selector: map[string]string{"a": "b"}, S: "t"}},
		"embedded then empty":     {OddEmbedded: &OddEmbedded{E: "e"}, E: []string{}},
		"embedded then set":       {OddEmbedded: &OddEmbedded{E: "e", Sel: map[string]string{}}, E: []string{"f"}},
	}
	for name, v := range collisions {
		compare(t, name, v, true)
	}
}

// Values apimachinery rejects or mishandles: convert must decline them,
// and New must still answer as apimachinery does.
func TestConvertFallsBack(t *testing.T) {
	type withArray struct {
		A [2]int `json:"a"`
	}
	type withUintptr struct {
		P uintptr `json:"p"`
	}
	type withIntKeys struct {
		M map[int]string `json:"m"`
	}
	type strs []string
	type inlineSlice struct {
		strs
	}
	type withHiddenMap struct {
		m map[string]string
	}
	type withHiddenTime struct {
		t metav1.Time
	}
	type withEmbed struct {
		Inner oddInner `json:",embed"`
	}
	type inlineTime struct {
		metav1.Time
	}
	type withChan struct {
		C chan int `json:"c"`
	}
	cases := map[string]any{
		"array":              &withArray{},
		"uintptr":            &withUintptr{P: 1},
		"int-keyed map":      &withIntKeys{M: map[int]string{1: "a"}},
		"inline slice":       &inlineSlice{strs: strs{"a"}},
		"unexported map":     &withHiddenMap{m: map[string]string{"a": "b"}},
		"unexported time":    &withHiddenTime{t: metav1.NewTime(time.Unix(1, 0))},
		"embed directive":    &withEmbed{},
		"inline marshaler":   &inlineTime{},
		"chan":               &withChan{},
		"uint64 overflow":    &oddStruct{U64: math.MaxUint64},
		"bad IntOrString":    &oddStruct{IOS: &intstr.IntOrString{Type: 9}},
		"bad raw extension":  &oddStruct{Raw: runtime.RawExtension{Raw: []byte("{nope")}},
		"array in interface": &oddStruct{Iface: [1]int{}},
		"not a pointer":      corev1.ConfigMap{},
		"nil pointer":        (*corev1.ConfigMap)(nil),
		"pointer to map":     &map[string]any{"a": 1},
		"unstructured":       &fakeUnstructured{},
	}
	for name, v := range cases {
		if _, err := convert(v); !errors.Is(err, errFallback) {
			t.Errorf("%s: convert did not decline: %v", name, err)
			continue
		}
		want, wantErr, wantPanic := catch(func() (map[string]any, error) { return oldConvert(v) })
		var got map[string]any
		o, gotErr, gotPanic := catch(func() (map[string]any, error) {
			o, err := New("x", v)
			if err != nil {
				return nil, err
			}
			return o.Map(), nil
		})
		got = o
		if (wantErr != nil) != (gotErr != nil) || (wantErr != nil && !strings.Contains(gotErr.Error(), wantErr.Error())) ||
			wantPanic != gotPanic || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: New = %v, %v, panic %q; apimachinery = %v, %v, panic %q", name, got, gotErr, gotPanic, want, wantErr, wantPanic)
		}
	}
	// The known marshalers in non-addressable places still convert
	// natively: only the broken values above fall back.
	compare(t, "interfaces", &oddStruct{Iface: metav1.NewTime(time.Unix(5, 0)), Iface2: resource.MustParse("3"),
		MapOfIface: map[string]any{"ios": intstr.FromString("x")}}, true)
	// Invalid UTF-8 goes through MarshalJSON, which replaces it.
	compare(t, "invalid utf8", &oddStruct{IOSList: []intstr.IntOrString{intstr.FromString("a\xffb")}}, true)
}

func catch(f func() (map[string]any, error)) (m map[string]any, err error, panicked string) {
	defer func() {
		if r := recover(); r != nil {
			panicked = fmt.Sprint(r)
		}
	}()
	m, err = f()
	return m, err, ""
}

type fakeUnstructured struct{ runtime.Unstructured }

func (*fakeUnstructured) UnstructuredContent() map[string]any {
	return map[string]any{"a": nil, "b": 1}
}

// FuzzConvert fills a random API object from the fuzz input and compares
// both paths, weird values included.
func FuzzConvert(f *testing.F) {
	for i := range 8 {
		f.Add([]byte{byte(i), byte(i * 37), 1, 2, 3, 4, 5, 6, 7, 8})
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		h := fnv.New64a()
		h.Write(data[2:])
		seed := h.Sum64()
		if len(data) >= 10 {
			seed ^= binary.LittleEndian.Uint64(data[2:10])
		}
		v := apiTypes[int(data[0])%len(apiTypes)]()
		zero := float64(data[1]%5) / 5
		newFiller(seed, zero, true).Fill(reflect.ValueOf(v).Elem())
		want, wantErr := oldConvert(v)
		got, err := convert(v)
		if err != nil {
			if !errors.Is(err, errFallback) {
				t.Fatalf("convert returned %v, not errFallback", err)
			}
			return
		}
		if wantErr != nil {
			t.Fatalf("%T: convert succeeded where apimachinery fails: %v", v, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%T: convert differs (-want +got):\n%s", v, cmp.Diff(want, got))
		}
	})
}

// Plans are built and used from many goroutines at once (the renderer
// converts hubs in parallel); run with -race.
func TestConvertConcurrently(t *testing.T) {
	type fresh struct {
		CollideInner
		L []collideOuter               `json:"l"`
		M map[string]*oddStruct        `json:"m"`
		I any                          `json:"i"`
		Q map[string]resource.Quantity `json:"q"`
	}
	var vs []*fresh
	for seed := range uint64(8) {
		v := &fresh{}
		newFiller(seed, 0.2, false).Fill(reflect.ValueOf(v).Elem())
		v.I = &fresh{L: v.L}
		vs = append(vs, v)
	}
	want := make([]map[string]any, len(vs))
	for i, v := range vs {
		var err error
		if want[i], err = oldConvert(v); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 4*len(vs))
	var wg sync.WaitGroup
	for range 4 {
		for i, v := range vs {
			wg.Go(func() {
				got, err := convert(v)
				if err != nil {
					errs <- fmt.Errorf("%d: %w", i, err)
				} else if !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Errorf("%d: (-want +got)\n%s", i, cmp.Diff(want[i], got))
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
