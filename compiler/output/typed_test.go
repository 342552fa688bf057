package output_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"reflect"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/manifest/manifesttest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/output"
	"github.com/hubfleet/hubfleet/compiler/render/addons"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/render/daskgateway"
	"github.com/hubfleet/hubfleet/compiler/render/jupyterhub"
	"github.com/hubfleet/hubfleet/compiler/render/nodepool"
	"github.com/hubfleet/hubfleet/compiler/render/secrets"
)

// encodeBothWays encodes o (from its struct when it is lazy) and the same
// body as a plain map, which goes through fastEncode or yaml.v3, and fails
// the test when the bytes differ. It reports whether o was encoded without
// building its map.
func encodeBothWays(t testing.TB, what string, o *manifest.Object) (direct bool) {
	t.Helper()
	lazy := o.Lazy()
	got, err := output.Encode(o)
	direct = lazy && !o.Materialized()
	viaMap := &manifest.Object{Source: o.Source, Body: o.Map()}
	want, wantErr := output.Encode(viaMap)
	if (err != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, through the map %v", what, err, wantErr)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s (direct %v): encoding differs from the map's\n--- map:\n%s\n--- got:\n%s", what, direct, want, got)
	}
	// The struct path declines only what fastEncode leaves to yaml.v3.
	if lazy && !direct && output.FastEncodes(viaMap.Body) && !mayDecline(o) {
		t.Fatalf("%s: the struct path declined an object fastEncode writes:\n%s", what, want)
	}
	return direct
}

// mayDecline reports whether the walk may decline o although fastEncode
// writes its map: test types whose fields collide.
func mayDecline(o *manifest.Object) bool {
	_, collide := o.Typed().(*collidingObject)
	return collide
}

// renderObjects renders every object of f the way the build does,
// patches aside.
func renderObjects(t testing.TB, f *model.Fleet) []*manifest.Object {
	t.Helper()
	var objs []*manifest.Object
	add := func(what string, o []*manifest.Object, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		objs = append(objs, o...)
	}
	for _, h := range f.Hubs() {
		o, err := jupyterhub.Render(h, f)
		add("jupyterhub "+h.ID(), o, err)
		o, err = secrets.Render(h, f)
		add("secrets "+h.ID(), o, err)
		o, err = daskgateway.Render(h, f)
		add("dask-gateway "+h.ID(), o, err)
		for _, o := range objs {
			if o.Source == "" {
				o.Source = h.Src.File
			}
		}
	}
	np, err := nodepool.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range f.Clusters {
		o, err := np.Render(c)
		add("node pools "+c.Name, o, err)
	}
	o, err := argocd.Render(f)
	add("argo cd", o, err)
	o, err = addons.Render(f)
	add("add-ons", o, err)
	o, err = daskgateway.CRDs()
	add("crds", o, err)
	return objs
}

func loadFleet(t testing.TB, fsys fs.FS) *model.Fleet {
	t.Helper()
	f, diags := load.Load(fsys, load.Options{})
	if diags.HasErrors() || f == nil {
		t.Fatalf("loading the fleet: %v", diags)
	}
	return f
}

// Every object the renderers make for the shipped fleet and for the
// generated all-options fleet encodes to the same bytes from its struct
// as from its map, and nearly all of them from the struct.
func TestEncodeTypedMatchesMapOnFleets(t *testing.T) {
	for _, c := range []struct {
		name  string
		fleet *model.Fleet
	}{
		{"shipped", loadFleet(t, os.DirFS("../.."))},
		{"all-options", loadFleet(t, fleetgen.GenerateAllOptions())},
	} {
		t.Run(c.name, func(t *testing.T) {
			objs := renderObjects(t, c.fleet)
			lazy, direct := 0, 0
			for _, o := range objs {
				if o.Lazy() {
					lazy++
				}
				if encodeBothWays(t, o.String(), o) {
					direct++
				}
			}
			t.Logf("%d objects, %d lazy, %d encoded from the struct", len(objs), lazy, direct)
			if lazy < len(objs)/2 {
				t.Fatalf("only %d of %d objects lazy: the test proves little", lazy, len(objs))
			}
			// The floor: nearly every lazy object skips the map.
			if direct < lazy*99/100 {
				t.Fatalf("%d of %d lazy objects encoded from the struct, want 99%%", direct, lazy)
			}
		})
	}
}

// apiTypes are the Kubernetes objects the random tests fill.
var apiTypes = []func() any{
	func() any { return &appsv1.Deployment{} },
	func() any { return &appsv1.StatefulSet{} },
	func() any { return &appsv1.DaemonSet{} },
	func() any { return &corev1.Pod{} },
	func() any { return &corev1.Service{} },
	func() any { return &corev1.ConfigMap{} },
	func() any { return &corev1.Secret{} },
	func() any { return &corev1.PersistentVolumeClaim{} },
	func() any { return &corev1.ServiceAccount{} },
	func() any { return &rbacv1.ClusterRole{} },
	func() any { return &rbacv1.RoleBinding{} },
	func() any { return &networkingv1.NetworkPolicy{} },
	func() any { return &networkingv1.Ingress{} },
	func() any { return &policyv1.PodDisruptionBudget{} },
	func() any { return &schedulingv1.PriorityClass{} },
	func() any { return &batchv1.CronJob{} },
	func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	func() any { return &apiextv1.CustomResourceDefinition{} },
}

// fillObject returns a lazy object of API type i filled from seed.
func fillObject(t testing.TB, i int, seed uint64, zero float64, ascii bool) *manifest.Object {
	t.Helper()
	v := apiTypes[i]()
	f := manifesttest.NewFiller(seed, zero, false)
	f.ASCII = ascii
	f.Fill(reflect.ValueOf(v).Elem())
	o, err := manifest.New("hubs/x.yaml", v)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Lazy() {
		t.Fatalf("%T: New converted at once", v)
	}
	return o
}

func TestEncodeTypedMatchesMapOnFilledObjects(t *testing.T) {
	direct := map[int]int{}
	for _, zero := range []float64{0.1, 0.5, 0.9} {
		for i := range apiTypes {
			for seed := range uint64(15) {
				o := fillObject(t, i, seed*100+uint64(i), zero, true)
				if encodeBothWays(t, fmt.Sprintf("%T seed %d zero %.1f", o.Typed(), seed, zero), o) {
					direct[i]++
				}
			}
		}
	}
	// The rest holds what fastEncode leaves to yaml.v3 too (lists of
	// lists in managedFields, say): encodeBothWays fails on any other
	// decline. Enough must go through the struct path to prove anything.
	for i := range apiTypes {
		if direct[i] < 20 {
			t.Errorf("%T: %d of 45 encoded from the struct", apiTypes[i](), direct[i])
		}
	}
}

// Non-ASCII text (which only yaml.v3 writes) makes the struct path decline
// part way: the object still encodes as its map does.
func TestEncodeTypedFallsBackOnNonASCII(t *testing.T) {
	declined := 0
	for i := range apiTypes {
		for seed := range uint64(10) {
			o := fillObject(t, i, seed, 0.3, false)
			if !encodeBothWays(t, fmt.Sprintf("%T seed %d", o.Typed(), seed), o) {
				declined++
			}
		}
	}
	if declined == 0 {
		t.Fatal("nothing declined: the fallback went untested")
	}
}

// collidingObject is an API-like object whose fields share a key, which
// the walk declines.
type collidingObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Inner             `json:",inline"`
	Name              string     `json:"name"`
	Lists             [][]string `json:"lists"`
}

type Inner struct {
	Name string `json:"name"`
}

func (c *collidingObject) DeepCopyObject() runtime.Object { d := *c; return &d }

// nestedObject holds a list of lists, which fastEncode leaves to yaml.v3.
type nestedObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Lists             [][]string `json:"lists"`
}

func (c *nestedObject) DeepCopyObject() runtime.Object { d := *c; return &d }

func TestEncodeTypedDeclines(t *testing.T) {
	tm := metav1.TypeMeta{APIVersion: "example.dev/v1", Kind: "Odd"}
	om := metav1.ObjectMeta{Name: "x", Namespace: "ns"}
	for name, c := range map[string]struct {
		v      runtime.Object
		direct bool
	}{
		"colliding keys":     {&collidingObject{TypeMeta: tm, ObjectMeta: om, Inner: Inner{"a"}, Name: "b"}, false},
		"list of lists":      {&nestedObject{TypeMeta: tm, ObjectMeta: om, Lists: [][]string{{"a"}, {"b", "c"}}}, false},
		"empty lists pruned": {&nestedObject{TypeMeta: tm, ObjectMeta: om, Lists: [][]string{{}, nil}}, true},
		"non-ASCII label":    {&corev1.ConfigMap{TypeMeta: tm, ObjectMeta: metav1.ObjectMeta{Name: "x", Labels: map[string]string{"a": "ü"}}}, false},
		"long key":           {&corev1.ConfigMap{TypeMeta: tm, ObjectMeta: om, Data: map[string]string{string(bytes.Repeat([]byte("k"), 200)): "v"}}, false},
		"multi-line key":     {&corev1.ConfigMap{TypeMeta: tm, ObjectMeta: om, Data: map[string]string{"a\nb": "v"}}, false},
		// The key fastEncode cannot write goes with its pruned value.
		"non-ASCII key, nil value": {&corev1.Secret{TypeMeta: tm, ObjectMeta: om, Data: map[string][]byte{"ü": nil, "a": []byte("x")}}, true},
		"empty body":               {&corev1.ConfigMap{}, false},
		"plain configmap":          {&corev1.ConfigMap{TypeMeta: tm, ObjectMeta: om, Data: map[string]string{"a": "1\n2\n", "b": "yes"}}, true},
		"emptyDir and {} item":     {&corev1.Pod{TypeMeta: tm, ObjectMeta: om, Spec: corev1.PodSpec{Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}}}, true},
	} {
		o, err := manifest.New("hubs/x.yaml", c.v)
		if err != nil {
			t.Fatal(err)
		}
		if !o.Lazy() {
			t.Fatalf("%s: not lazy", name)
		}
		if direct := encodeBothWays(t, name, o); direct != c.direct {
			t.Errorf("%s: encoded from the struct %v, want %v", name, direct, c.direct)
		}
	}
}

// Objects in one multi-document file mix both paths.
func TestEncodeMultiMixesPaths(t *testing.T) {
	a := fillObject(t, 0, 1, 0.5, true)
	b := fillObject(t, 5, 2, 0.5, false)
	c := &manifest.Object{Source: "hubs/y.yaml", Body: map[string]any{"apiVersion": "v1", "kind": "List"}}
	got, err := output.EncodeMulti([]*manifest.Object{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	want, err := output.EncodeMulti([]*manifest.Object{
		{Source: a.Source, Body: a.Map()}, {Source: b.Source, Body: b.Map()}, c,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("EncodeMulti differs:\n--- map:\n%s\n--- got:\n%s", want, got)
	}
}

// FuzzEncodeTyped fills a random API object from the fuzz input and
// compares both encodings.
func FuzzEncodeTyped(f *testing.F) {
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
		zero := float64(data[1]%5) / 5
		o := fillObject(t, int(data[0])%len(apiTypes), seed, zero, data[1]&0x80 == 0)
		encodeBothWays(t, fmt.Sprintf("%T", o.Typed()), o)
	})
}

// BenchmarkEncodeTypedDeployment encodes the hub Deployment of the
// shipped fleet from scratch: New and Encode from the struct, against New,
// Map and Encode from the map (the path before).
func BenchmarkEncodeTypedDeployment(b *testing.B) {
	var typed any
	for _, o := range renderObjects(b, loadFleet(b, os.DirFS("../.."))) {
		if o.Kind() == "Deployment" && o.Name() == "hub" && o.Lazy() {
			typed = o.Typed()
			break
		}
	}
	if typed == nil {
		b.Fatal("no typed hub Deployment in the shipped fleet")
	}
	for _, c := range []struct {
		name     string
		buildMap bool
	}{{"struct", false}, {"map", true}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				o, err := manifest.New("hubs/x.yaml", typed)
				if err != nil {
					b.Fatal(err)
				}
				if c.buildMap {
					o.Map()
				}
				if _, err := output.Encode(o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Plans, their key orders and the writers' pools are shared by the
// encoding workers; run with -race. Rendering is deterministic, so the
// j-th object of every rendering encodes to the same bytes.
func TestEncodeTypedConcurrently(t *testing.T) {
	f := loadFleet(t, fleetgen.GenerateAllOptions())
	var want [][]byte
	for _, o := range renderObjects(t, f) {
		b, err := output.Encode(&manifest.Object{Source: o.Source, Body: o.Map()})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}
	var lists [][]*manifest.Object
	for range 4 {
		lists = append(lists, renderObjects(t, f))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(lists))
	for _, list := range lists {
		wg.Go(func() {
			for j, o := range list {
				got, err := output.Encode(o)
				if err == nil && !bytes.Equal(got, want[j]) {
					err = fmt.Errorf("%s: encoding differs", o)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
