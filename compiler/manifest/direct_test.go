package manifest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// plainOdd is walkOdd without its unexported fields, so that the direct
// walker reads it: every kind of field the plans know, reached at an
// offset, through inlined values and pointers, with every omit rule.
type plainOdd struct {
	metav1.TypeMeta `json:",inline"`
	*OddEmbedded
	ZeroEmbed  `json:",omitzero"`
	Named      oddInner `json:",inline"`
	Skip       string   `json:"-"`
	Dash       string   `json:"-,"`
	NoTag      int8
	I16        int16                          `json:"i16,omitempty"`
	I32        int32                          `json:"i32,omitempty"`
	I64        int64                          `json:"i64,omitempty"`
	Int        int                            `json:"int,omitempty"`
	U8         uint8                          `json:"u8,omitempty"`
	U16        uint16                         `json:"u16"`
	U32        uint32                         `json:"u32,omitempty"`
	U64        uint64                         `json:"u64,omitempty"`
	Uint       uint                           `json:"uint,omitempty"`
	F32        float32                        `json:"f32,omitempty"`
	F64        float64                        `json:"f64,omitempty"`
	Flag       bool                           `json:"flag,omitempty"`
	Arr        [0]int                         `json:"arr,omitempty"`
	Iface      any                            `json:"iface"`
	IfaceOmit  any                            `json:"ifaceOmit,omitempty"`
	Structs    map[string]oddInner            `json:"structs"`
	PtrStructs map[string]*oddInner           `json:"ptrStructs"`
	Nested     map[string]map[string]string   `json:"nested"`
	Labels     map[string]string              `json:"labels,omitempty"`
	Bytes      []byte                         `json:"bytes"`
	ByteMap    map[string][]byte              `json:"byteMap,omitempty"`
	NS         myString                       `json:"ns"`
	NSs        []myString                     `json:"nss,omitempty"`
	NSMap      map[myString]myString          `json:"nsMap"`
	EmptyDir   oddInner                       `json:"emptyDir"`
	Lists      [][]string                     `json:"lists"`
	ListOfMaps []map[string]string            `json:"listOfMaps"`
	ListOfPtrs []*oddInner                    `json:"listOfPtrs"`
	Quantities map[string]resource.Quantity   `json:"quantities"`
	Q          resource.Quantity              `json:"q"`
	PtrQ       *resource.Quantity             `json:"ptrQ"`
	Time       metav1.Time                    `json:"time,omitzero"`
	Times      []metav1.Time                  `json:"times"`
	TimeMap    map[string]metav1.Time         `json:"timeMap"`
	PtrTime    *metav1.Time                   `json:"ptrTime,omitempty"`
	IOS        intstr.IntOrString             `json:"ios"`
	PtrIOS     *intstr.IntOrString            `json:"ptrIOS"`
	IOSList    []intstr.IntOrString           `json:"iosList"`
	IOSMap     map[string]intstr.IntOrString  `json:"iosMap"`
	Raw        runtime.RawExtension           `json:"raw"`
	Raws       []runtime.RawExtension         `json:"raws"`
	Dur        metav1.Duration                `json:"dur"`
	Micro      *metav1.MicroTime              `json:"micro"`
	Zero       struct{}                       `json:"zero,omitzero"`
	OZTime     time.Time                      `json:"ozTime,omitzero"`
	OZInt      int                            `json:"ozInt,omitzero"`
	MapOfIface map[string]any                 `json:"mapOfIface"`
	ListIface  []any                          `json:"listIface"`
	DeepPtr    **oddInner                     `json:"deepPtr"`
	LabelSel   *metav1.LabelSelector          `json:"labelSelector"`
	EmptyMaps  map[string]map[string]oddInner `json:"emptyMaps"`
	Pod        *corev1.PodSpec                `json:"pod,omitempty"`
}

// ZeroEmbed is inlined only when not zero (omitzero on an inlined field).
type ZeroEmbed struct {
	Z  string `json:"z"`
	ZN *int   `json:"zn,omitempty"`
}

func (*plainOdd) DeepCopyObject() runtime.Object { panic("not used") }

// walkEvents walks the struct v points to with the direct walker or the
// reflect one, whatever isPlain says, and returns the events.
func walkEvents(v any, direct bool) ([]event, bool) {
	rv := reflect.ValueOf(v)
	p := planFor(rv.Type().Elem())
	e := &treeEmitter{}
	w := &walker{e: e}
	e.BeginMap()
	var ok bool
	if direct {
		ok = w.directFields(rv.UnsafePointer(), p)
	} else {
		ok = w.fields(rv.Elem(), p)
	}
	e.EndMap()
	return e.events, ok
}

// The direct walker emits exactly what the reflect walker emits, event by
// event, on every plain type filled at random, the weird values that make
// the walk decline included.
func TestDirectWalkMatchesReflectWalk(t *testing.T) {
	var types []func() any
	for _, mk := range append(slices.Clone(apiTypes), func() any { return &plainOdd{} }) {
		if planFor(reflect.TypeOf(mk()).Elem()).isPlain() {
			types = append(types, mk)
		}
	}
	walked := 0
	for _, weird := range []bool{false, true} {
		for _, zero := range []float64{0, 0.3, 0.7, 0.95} {
			for i, mk := range types {
				for seed := range uint64(12) {
					v := mk()
					newFiller(seed*1000+uint64(i), zero, weird).Fill(reflect.ValueOf(v).Elem())
					what := fmt.Sprintf("%T seed %d zero %.2f weird %v", v, seed, zero, weird)
					want, wantOK := walkEvents(v, false)
					got, gotOK := walkEvents(v, true)
					if gotOK != wantOK {
						t.Fatalf("%s: direct walk ok %v, reflect walk %v", what, gotOK, wantOK)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: the walks differ (-reflect +direct):\n%s", what, cmp.Diff(want, got, cmp.AllowUnexported(event{})))
					}
					if gotOK {
						walked++
					}
				}
			}
		}
	}
	if walked < len(types)*12*4 {
		t.Errorf("only %d walks succeeded: the comparison proves little", walked)
	}
}

// plainOdd goes through Walk and convert alike, as walkOdd does.
func TestWalkOfPlainOddMatchesConvert(t *testing.T) {
	walked := 0
	for _, zero := range []float64{0, 0.3, 0.7, 0.95} {
		for seed := range uint64(40) {
			v := &plainOdd{}
			newFiller(seed, zero, false).Fill(reflect.ValueOf(v).Elem())
			if compareWalk(t, fmt.Sprintf("plainOdd seed %d zero %.2f", seed, zero), v, true) {
				walked++
			}
		}
	}
	if walked < 40 {
		t.Errorf("plainOdd walked %d times out of 160", walked)
	}
}

// Walk takes the direct walker for every Kubernetes API type, and the
// reflect walker for structs with unexported fields.
func TestIsPlain(t *testing.T) {
	for _, mk := range append(slices.Clone(apiTypes), func() any { return &plainOdd{} }) {
		v := mk()
		typ := reflect.TypeOf(v).Elem()
		if k8s := strings.HasPrefix(typ.PkgPath(), "k8s.io/"); (k8s || typ == reflect.TypeFor[plainOdd]()) && !planFor(typ).isPlain() {
			t.Errorf("%T: not plain", v)
		}
	}
	for _, v := range []any{&walkOdd{}, &oddStruct{}} {
		if planFor(reflect.TypeOf(v).Elem()).isPlain() {
			t.Errorf("%T: plain, but it has unexported fields", v)
		}
	}
}

// orderFor keeps one order per plan: asking for other lists in turn must
// give each its own order every time.
func TestOrderForSwitchesLists(t *testing.T) {
	p := planFor(reflect.TypeFor[plainOdd]())
	wfs := p.walkFields()
	names := make([]string, len(wfs))
	for i, f := range wfs {
		names[i] = f.name
	}
	lists := [][]string{
		{"apiVersion", "kind", "metadata"},
		{"name", "namespace"},
		{"zero", "absent", "arr", "zero"},
		{"kind"},
		{"apiVersion", "kind", "metadata"},
		nil,
	}
	for range 3 {
		for _, first := range lists {
			var got []string
			for _, i := range p.orderFor(slices.Clone(first)) {
				got = append(got, names[i])
			}
			if first == nil {
				if got != nil {
					t.Fatalf("no first keys: order %q, want none (byte order)", got)
				}
				continue
			}
			// The fields' own order: each first key found (as often as
			// listed), then the others in byte order.
			var want []string
			for _, k := range first {
				if slices.Contains(names, k) {
					want = append(want, k)
				}
			}
			for _, n := range names {
				if !slices.Contains(first, n) {
					want = append(want, n)
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("first %q: order %q, want %q", first, got, want)
			}
		}
	}
}

// discardEmitter takes everything and writes nothing, to time the walk.
type discardEmitter struct{ n int }

func (e *discardEmitter) Mark() int              { return e.n }
func (e *discardEmitter) Rollback(m int)         { e.n = m }
func (e *discardEmitter) First() []string        { return nil }
func (e *discardEmitter) Key(string) bool        { e.n++; return true }
func (e *discardEmitter) Item() bool             { e.n++; return true }
func (e *discardEmitter) BeginMap()              {}
func (e *discardEmitter) EndMap()                {}
func (e *discardEmitter) EmptyMap()              { e.n++ }
func (e *discardEmitter) BeginSeq()              {}
func (e *discardEmitter) EndSeq()                {}
func (e *discardEmitter) String(string) bool     { e.n++; return true }
func (e *discardEmitter) Int(int64)              { e.n++ }
func (e *discardEmitter) Bool(bool)              { e.n++ }
func (e *discardEmitter) Float(float64) bool     { e.n++; return true }
func (e *discardEmitter) Value(any) bool         { e.n++; return true }
func (e *discardEmitter) reset() *discardEmitter { e.n = 0; return e }

// BenchmarkWalk walks the hub Deployment: Walk (the direct walker) against
// the reflect walker it replaces for Kubernetes types.
func BenchmarkWalk(b *testing.B) {
	d := benchDeployment()
	o, err := New("x", d)
	if err != nil || !o.Lazy() {
		b.Fatal(err, o.Lazy())
	}
	var e discardEmitter
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !o.Walk(e.reset()) {
				b.Fatal("declined")
			}
		}
	})
	b.Run("reflect", func(b *testing.B) {
		p := planFor(reflect.TypeOf(d).Elem())
		w := &walker{}
		b.ReportAllocs()
		for b.Loop() {
			w.e = e.reset()
			if !w.fields(reflect.ValueOf(d).Elem(), p) {
				b.Fatal("declined")
			}
		}
	})
}
