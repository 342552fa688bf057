package manifest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// RevObject is a custom API-like type the direct walker reads (all its
// fields are exported): TypeMeta and ObjectMeta embedded by pointer, a
// chain of inlined structs mixing values (folded into offsets), pointers
// and omitzero hops, pads of every size between them so that a wrong
// offset reads another field, and every omit rule on every kind.
type RevObject struct {
	*metav1.TypeMeta   `json:",inline"`
	*metav1.ObjectMeta `json:"metadata,omitempty"`
	Pad                int16 `json:"pad,omitempty"`
	RevA               `json:",inline"`
	Leaves             []RevLeaf          `json:"leaves,omitempty"`
	PtrLeaves          []*RevLeaf         `json:"ptrLeaves"`
	LeafMap            map[string]RevLeaf `json:"leafMap,omitempty"`
	Skip               chan int           `json:"-"`
	Spec               *RevLeaf           `json:"spec,omitempty"`
	SpecZ              *RevLeaf           `json:"specZ,omitzero"`
	Big                []int8             `json:"big,omitempty"`
	Secret             corev1.Secret      `json:"secret"`
}

func (*RevObject) DeepCopyObject() runtime.Object { panic("not used") }

type RevA struct {
	PadA  bool   `json:"padA,omitempty"`
	NameA string `json:"nameA"`
	*RevB `json:",inline"`
}

type RevB struct {
	PadB  int64 `json:"padB,omitempty"`
	RevC  `json:",inline"`
	RevZ  `json:",omitzero"`
	*RevE `json:",inline,omitempty"`
}

type RevC struct {
	PadC  int8    `json:"padC,omitempty"`
	DeepC string  `json:"deepC,omitempty"`
	LeafC RevLeaf `json:"leafC"`
}

// RevZ is inlined only when not zero.
type RevZ struct {
	Z  string `json:"z"`
	ZP *int   `json:"zp,omitempty"`
}

type RevE struct {
	E  uint16 `json:"e"`
	EZ int    `json:"ez,omitzero"`
}

// RevLeaf holds one field per kind and omit rule.
type RevLeaf struct {
	S      string                `json:"s"`
	SE     string                `json:"sE,omitempty"`
	SZ     string                `json:"sZ,omitzero"`
	B      bool                  `json:"b,omitempty"`
	BZ     bool                  `json:"bZ,omitzero"`
	BN     bool                  `json:"bN"`
	I8     int8                  `json:"i8,omitempty"`
	I32    int32                 `json:"i32,omitzero"`
	U32    uint32                `json:"u32,omitempty"`
	U64    uint64                `json:"u64"`
	F32    float32               `json:"f32,omitempty"`
	F64    float64               `json:"f64,omitzero"`
	P      *int                  `json:"p,omitempty"`
	PZ     *int                  `json:"pZ,omitzero"`
	PS     *string               `json:"pS"`
	Q      resource.Quantity     `json:"q,omitempty"`
	QZ     resource.Quantity     `json:"qZ,omitzero"`
	PQ     *resource.Quantity    `json:"pQ,omitempty"`
	T      metav1.Time           `json:"t,omitempty"`
	TZ     metav1.Time           `json:"tZ,omitzero"`
	PT     *metav1.Time          `json:"pT,omitempty"`
	MT     metav1.MicroTime      `json:"mt,omitempty"`
	PMT    *metav1.MicroTime     `json:"pMT,omitzero"`
	D      metav1.Duration       `json:"d,omitzero"`
	DE     metav1.Duration       `json:"dE,omitempty"`
	IOS    intstr.IntOrString    `json:"ios,omitempty"`
	IOSZ   intstr.IntOrString    `json:"iosZ,omitzero"`
	PIOS   *intstr.IntOrString   `json:"pIOS,omitempty"`
	Raw    runtime.RawExtension  `json:"raw,omitempty"`
	RawZ   runtime.RawExtension  `json:"rawZ,omitzero"`
	PRaw   *runtime.RawExtension `json:"pRaw,omitempty"`
	Bytes  []byte                `json:"bytes,omitempty"`
	BytesN []byte                `json:"bytesN"`
	BytesZ []byte                `json:"bytesZ,omitzero"`
	Data   map[string][]byte     `json:"data,omitempty"`
	RL     corev1.ResourceList   `json:"rl,omitempty"`
	RLZ    corev1.ResourceList   `json:"rlZ,omitzero"`
	MSS    map[string]string     `json:"mss"`
	MSSE   map[string]string     `json:"mssE,omitempty"`
	MSSZ   map[string]string     `json:"mssZ,omitzero"`
	L      []string              `json:"l"`
	LE     []string              `json:"lE,omitempty"`
	LZ     []string              `json:"lZ,omitzero"`
	Iface  any                   `json:"iface,omitempty"`
	IfaceZ any                   `json:"ifaceZ,omitzero"`
	Sel    *metav1.LabelSelector `json:"selector,omitempty"`
	Empty  struct{}              `json:"emptyDir"`
	EmptyZ struct{}              `json:"emptyZ,omitzero"`
	Time   time.Time             `json:"time,omitzero"`
	Named  myString              `json:"named,omitempty"`
}

// reviewLeaves are hand-made leaves at the edges of the omit rules: zero
// values, empty against nil, pointers to zero values, "0" against a zero
// Quantity, an IntOrString of 0 against one of "".
func reviewLeaves() []RevLeaf {
	zero, empty := 0, ""
	q0 := resource.MustParse("0")
	ios0, iosE := intstr.FromInt32(0), intstr.FromString("")
	return []RevLeaf{
		{},
		{P: &zero, PZ: &zero, PS: &empty, PQ: &q0, PIOS: &ios0, PT: &metav1.Time{}, PMT: &metav1.MicroTime{},
			PRaw: &runtime.RawExtension{}, Bytes: []byte{}, BytesN: []byte{}, BytesZ: []byte{},
			Data: map[string][]byte{}, RL: corev1.ResourceList{}, RLZ: corev1.ResourceList{}, MSS: map[string]string{},
			MSSE: map[string]string{}, MSSZ: map[string]string{}, L: []string{}, LE: []string{}, LZ: []string{},
			Iface: (*int)(nil), IfaceZ: map[string]any{}, Sel: &metav1.LabelSelector{}},
		{Q: q0, QZ: q0, IOS: ios0, IOSZ: iosE, Raw: runtime.RawExtension{Raw: []byte("null")},
			RawZ: runtime.RawExtension{Raw: []byte("{}")}, D: metav1.Duration{}, DE: metav1.Duration{Duration: time.Second},
			Data: map[string][]byte{"k": nil, "e": {}, "v": []byte("\x00\xff")}, RL: corev1.ResourceList{"cpu": {}, "memory": q0},
			Iface: []any{nil, map[string]any{}, ""}, IfaceZ: 0.0, Sel: &metav1.LabelSelector{MatchLabels: map[string]string{}},
			Time: time.Unix(0, 0), Named: "x"},
		{S: "s", SE: "e", SZ: "z", B: true, BZ: true, BN: true, I8: -1, I32: 1, U32: 2, U64: 1 << 63, F32: 0.5, F64: -0.0},
		{U64: 1<<63 - 1, F64: 1e300, IOS: intstr.IntOrString{Type: intstr.String, StrVal: "\xff"}},
	}
}

// Walk's direct walker, its reflect walker and apimachinery's converter
// (then Prune) agree on RevObject filled by hand and at random.
func TestDirectWalkOnInlineChains(t *testing.T) {
	var objs []*RevObject
	one := 1
	for i, l := range reviewLeaves() {
		o := &RevObject{
			TypeMeta:   &metav1.TypeMeta{Kind: "Rev", APIVersion: "x/v1"},
			ObjectMeta: &metav1.ObjectMeta{Name: "n"},
			RevA:       RevA{NameA: "a", RevB: &RevB{RevC: RevC{LeafC: l}}},
			Leaves:     []RevLeaf{l, {}, l},
			PtrLeaves:  []*RevLeaf{nil, &l, nil},
			LeafMap:    map[string]RevLeaf{"x": l},
			Spec:       &l,
			SpecZ:      &RevLeaf{},
		}
		switch i % 3 {
		case 0:
			o.RevB.RevZ = RevZ{ZP: &one}
			o.RevB.RevE = &RevE{}
		case 1:
			o.TypeMeta, o.ObjectMeta, o.RevB = nil, nil, nil
		}
		objs = append(objs, o)
	}
	for seed := range uint64(60) {
		o := &RevObject{}
		newFiller(seed, []float64{0, 0.3, 0.7}[seed%3], seed%4 == 3).Fill(reflect.ValueOf(o).Elem())
		o.Skip = nil
		objs = append(objs, o)
	}
	// A large slice, beyond any small-size fast path.
	big := &RevObject{TypeMeta: &metav1.TypeMeta{Kind: "Rev"}, Big: make([]int8, 1<<16)}
	for i := range big.Big {
		big.Big[i] = int8(i)
	}
	objs = append(objs, big)

	if !planFor(reflect.TypeFor[RevObject]()).isPlain() {
		t.Fatal("RevObject is not plain: the direct walker is not tested")
	}
	walked := 0
	for i, o := range objs {
		what := fmt.Sprintf("object %d", i)
		want, wantOK := walkEvents(o, false)
		got, gotOK := walkEvents(o, true)
		if gotOK != wantOK {
			t.Fatalf("%s: direct walk ok %v, reflect walk %v", what, gotOK, wantOK)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: walks differ (-reflect +direct):\n%s", what, cmp.Diff(want, got, cmp.AllowUnexported(event{})))
		}
		// The oracle: apimachinery's converter and Prune.
		m, err := oldConvert(o)
		tree, ok := walkTree(t, o)
		if !ok {
			continue
		}
		if err != nil {
			t.Fatalf("%s: Walk succeeded where apimachinery fails: %v", what, err)
		}
		if !reflect.DeepEqual(tree, m) {
			t.Fatalf("%s: Walk differs from ToUnstructured+Prune (-apimachinery +walk):\n%s", what, cmp.Diff(m, tree))
		}
		walked++
	}
	t.Logf("%d of %d objects walked", walked, len(objs))
	if walked < len(objs)/2 {
		t.Fatalf("only %d of %d objects walked", walked, len(objs))
	}
}
