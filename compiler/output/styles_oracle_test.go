package output

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/manifest/manifesttest"
)

// reviewStrings are the strings the review throws at the typed path and
// the style memo: YAML 1.1/1.2 look-alikes, indicators, whitespace at the
// edges, control and non-ASCII characters, chomping cases of literal
// blocks, and the 64/65-byte memo boundary with a quoting reason at the
// first and the last byte.
func reviewStrings() []string {
	s := []string{
		"1e3", "0x10", "0o7", "0O7", "1_000", "+1_000", "yes", "No", "~", "null", "Null", "2001-12-14",
		"2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", ".inf", "-.Inf", "+.INF", ".NaN", "<<", "=", "!",
		"&a", "*a", "- x", "? x", ": x", "%x", "@x", "`x", "|x", ">x", "a: b", "a #b", "a#b", " lead", "trail ",
		"\ttab", "tab\t", "a\tb", "\u0085", "a\u0085b", "\u2028", "\u2029", "\ufeff", "\ufeffx", "x\x00", "\x7f",
		"\x1b[0m", "-", "--", "---", "...", "--- x", "... x", "1:20", "-1:20", "190:20:30", "1:60", "0b1010",
		"0x_1", "1__0", "0.", ".0", "1.", "-.", "+", "+.", "1e", "e1", "0e0", "-0", "00", "08", "0o8",
		"true ", " true", "True", "TRUE", "tRue", "ON", "n", "N", "Y", "y", "yes\n", "no\n", "a'b", "'", "''",
		"\"", "\\", "\\n", "{}", "[]", "[", "}", ",", "a,b", "a, b", "#", "a:", "a:\tb", "a :b", "?", "?x",
		"-x", "- ", " ", "  ", "\t", "", "a\r", "\r", "\r\n", "a\r\nb", "a\r\nb\r\n",
		// multi-line values: chomping and indentation indicators
		"\n", "\n\n", "\n\n\n", "a\n", "a\n\n", "a\n\n\n", "a\nb", "a\nb\n", "\na", "\n\na\n", " a\nb\n",
		"  a\n b\n", "a \nb\n", "a\n \n", "a\t\nb\n", "\ta\nb\n", "a\n\tb", "a\nb ", "a\nb\t", "a\n\n b\n",
		"#x\ny\n", "- a\n- b\n", "key: v\nk2: v2\n", "---\nx\n", "...\n", "x\n...\n", "é\nx\n", "x\né",
		"a\u0085b\n", "a\u2028b\n", "line\x00\n",
		strings.Repeat("é", 40) + "\n" + strings.Repeat("ü", 40) + "\n",
		strings.Repeat("a b\n", 200), strings.Repeat("x", 600) + "\n" + strings.Repeat(" y", 300) + "\n\n",
	}
	// The memo's boundary: 63, 64 and 65 bytes, with the reason to quote
	// at the start, in the middle and at the end.
	for _, n := range []int{63, 64, 65} {
		pad := func(k int) string { return strings.Repeat("a", k) }
		s = append(s,
			pad(n),
			"- "+pad(n-2), "&"+pad(n-1), pad(n-1)+":", pad(n-1)+" ", " "+pad(n-1), pad(n-2)+" #",
			pad((n-2)/2)+": "+pad(n-2-(n-2)/2), pad(n-1)+"\t", pad(n-1)+"\n", "\n"+pad(n-1),
			strings.Repeat("1", n), "0x"+strings.Repeat("f", n-2), ("1" + strings.Repeat(":00", n))[:n],
			pad(n-2)+"é", "é"+pad(n-2), pad(n-1)+"'", pad(n-1)+"\\",
		)
	}
	return s
}

// reviewObjects puts s in every place a typed object holds strings: a
// data key and value, a label value, an annotation key, a sequence item
// (args), a deep value (env), a selector key, and the string of an
// IntOrString. Each object holds s in one context only, so that the
// order in which they are encoded decides which context meets s first.
func reviewObjects(s string) map[string]func() any {
	tm := func(kind, api string) metav1.TypeMeta { return metav1.TypeMeta{Kind: kind, APIVersion: api} }
	om := metav1.ObjectMeta{Name: "x", Namespace: "ns"}
	return map[string]func() any{
		"data key": func() any {
			return &corev1.ConfigMap{TypeMeta: tm("ConfigMap", "v1"), ObjectMeta: om, Data: map[string]string{s: "v", "z": "w"}}
		},
		"data value": func() any {
			return &corev1.ConfigMap{TypeMeta: tm("ConfigMap", "v1"), ObjectMeta: om, Data: map[string]string{"k": s}}
		},
		"label value": func() any {
			m := om
			m.Labels = map[string]string{"l": s}
			return &corev1.ConfigMap{TypeMeta: tm("ConfigMap", "v1"), ObjectMeta: m}
		},
		"annotation key": func() any {
			m := om
			m.Annotations = map[string]string{s: "v"}
			return &corev1.ConfigMap{TypeMeta: tm("ConfigMap", "v1"), ObjectMeta: m}
		},
		"name": func() any {
			m := om
			m.Name = s
			return &corev1.ServiceAccount{TypeMeta: tm("ServiceAccount", "v1"), ObjectMeta: m}
		},
		"args item": func() any {
			return &corev1.Pod{TypeMeta: tm("Pod", "v1"), ObjectMeta: om, Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "c", Args: []string{s, "--x"}}},
			}}
		},
		"deep value": func() any {
			return &corev1.Pod{TypeMeta: tm("Pod", "v1"), ObjectMeta: om, Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "c", Env: []corev1.EnvVar{{Name: "E", Value: s}},
					Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{"cpu": resource.MustParse("100m")}}}},
			}}
		},
		"selector key": func() any {
			return &corev1.Pod{TypeMeta: tm("Pod", "v1"), ObjectMeta: om, Spec: corev1.PodSpec{NodeSelector: map[string]string{s: "b"}}}
		},
		"intstr string": func() any {
			return &corev1.Service{TypeMeta: tm("Service", "v1"), ObjectMeta: om, Spec: corev1.ServiceSpec{
				Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromString(s)}},
			}}
		},
		"secret data key": func() any {
			return &corev1.Secret{TypeMeta: tm("Secret", "v1"), ObjectMeta: om, Data: map[string][]byte{s: []byte(s)}}
		},
	}
}

// yamlv3Of is the oracle: the object's map encoded by yaml.v3 nodes
// alone (encodeSlow), behind Encode's header.
func yamlv3Of(t *testing.T, v any) []byte {
	t.Helper()
	o, err := manifest.New("hubs/x.yaml", v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	writeHeader(&b, []string{o.Source})
	if err := encodeSlow(&b, &manifest.Object{Body: o.Map()}); err != nil {
		t.Fatalf("yaml.v3: %v", err)
	}
	return b.Bytes()
}

// Every review string, in every context of a typed object and with the
// memos empty before each first context, encodes from the struct to
// yaml.v3's bytes for the object's map.
func TestTypedStringsMatchYAMLv3InEveryOrder(t *testing.T) {
	defer ForgetStrings()
	fromStruct := 0
	for _, s := range reviewStrings() {
		objs := reviewObjects(s)
		names := make([]string, 0, len(objs))
		for n := range objs {
			names = append(names, n)
		}
		// Each context first once, then all of them.
		for _, first := range names {
			ForgetStrings()
			for _, c := range append([]string{first}, names...) {
				v := objs[c]()
				want := yamlv3Of(t, v)
				o, err := manifest.New("hubs/x.yaml", v)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Encode(o)
				if err != nil {
					t.Fatalf("%q in %s: %v", s, c, err)
				}
				if !o.Materialized() {
					fromStruct++
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("%q in %s (after %s first; from the struct %v):\n--- yaml.v3:\n%s\n--- got:\n%s",
						s, c, first, !o.Materialized(), want, got)
				}
			}
		}
	}
	if fromStruct == 0 {
		t.Fatal("nothing encoded from the struct: the test proves nothing")
	}
}

// Goroutines sharing the style memo, each meeting the same strings in
// another context first, all write yaml.v3's bytes (run once with -race).
func TestStyleMemoShared(t *testing.T) {
	defer ForgetStrings()
	ForgetStrings()
	strs := reviewStrings()
	r := rand.New(rand.NewPCG(7, 7))
	for range 300 {
		strs = append(strs, randString(r))
	}
	type job struct {
		what string
		v    func() any
		want []byte
	}
	var jobs []job
	for _, s := range strs {
		for c, mk := range reviewObjects(s) {
			jobs = append(jobs, job{fmt.Sprintf("%q in %s", s, c), mk, yamlv3Of(t, mk())})
		}
	}
	ForgetStrings()
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Go(func() {
			rr := rand.New(rand.NewPCG(uint64(g), 1))
			for _, i := range rr.Perm(len(jobs)) {
				j := jobs[i]
				o, err := manifest.New("hubs/x.yaml", j.v())
				if err != nil {
					errs <- err.Error()
					return
				}
				got, err := Encode(o)
				if err != nil || !bytes.Equal(got, j.want) {
					errs <- fmt.Sprintf("%s: %v\n--- yaml.v3:\n%s\n--- got:\n%s", j.what, err, j.want, got)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// reviewRestring replaces every exported string and every key of a
// map[string]string reachable in v with one drawn from pick.
func reviewRestring(v reflect.Value, pick func() string, depth int) {
	if depth > 12 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		if v.CanSet() {
			v.SetString(pick())
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			reviewRestring(v.Elem(), pick, depth+1)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				reviewRestring(v.Field(i), pick, depth+1)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			reviewRestring(v.Index(i), pick, depth+1)
		}
	case reflect.Map:
		if v.Type() == reflect.TypeFor[map[string]string]() && !v.IsNil() && v.CanSet() {
			m := map[string]string{}
			for range v.Len() {
				m[pick()] = pick()
			}
			v.Set(reflect.ValueOf(m))
		}
	}
}

// Random API objects whose strings are all review strings encode from the
// struct to yaml.v3's bytes, with the memos filled in random order.
func TestFilledObjectsWithReviewStrings(t *testing.T) {
	defer ForgetStrings()
	ForgetStrings()
	var ascii []string
	for _, s := range reviewStrings() {
		if isASCII(s) {
			ascii = append(ascii, s)
		}
	}
	types := []func() any{
		func() any { return &appsv1.Deployment{} },
		func() any { return &corev1.ConfigMap{} },
		func() any { return &corev1.Service{} },
		func() any { return &networkingv1.Ingress{} },
		func() any { return &rbacv1.ClusterRole{} },
	}
	fromStruct, total := 0, 0
	for seed := range uint64(120) {
		v := types[seed%uint64(len(types))]()
		manifesttest.NewFiller(seed, 0.4, false).Fill(reflect.ValueOf(v).Elem())
		r := rand.New(rand.NewPCG(seed, 3))
		// Odd seeds keep non-ASCII text, which sends the object to yaml.v3.
		strs := ascii
		if seed%2 == 1 {
			strs = reviewStrings()
		}
		reviewRestring(reflect.ValueOf(v), func() string {
			if r.IntN(3) == 0 {
				return randString(r)
			}
			return strs[r.IntN(len(strs))]
		}, 0)
		want := yamlv3Of(t, v)
		o, err := manifest.New("hubs/x.yaml", v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Encode(o)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		total++
		if !o.Materialized() {
			fromStruct++
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%T seed %d (from the struct %v):\n--- yaml.v3:\n%s\n--- got:\n%s", v, seed, !o.Materialized(), want, got)
		}
	}
	t.Logf("%d of %d encoded from the struct", fromStruct, total)
	if fromStruct == 0 {
		t.Fatal("nothing encoded from the struct")
	}
}

// Random strings around the memo's 64-byte bound, from an alphabet of
// indicators, quotes, blanks and breaks, meet the memo first as a key or
// first as a value; every context then writes yaml.v3's bytes.
func TestStyleMemoRandomAroundBound(t *testing.T) {
	defer ForgetStrings()
	r := rand.New(rand.NewPCG(64, 65))
	const alphabet = "ab01 \t\n\r:#-?'\"!&*|>%@`,[]{}~.=<+_\\\x00\x7f"
	orders := [][]string{{"key", "value", "item"}, {"value", "key", "item"}, {"item", "key", "value"}}
	for i := range 6000 {
		n := 1 + r.IntN(8)
		if i%2 == 0 {
			n = 60 + r.IntN(8)
		}
		b := make([]byte, n)
		for j := range b {
			if r.IntN(3) == 0 {
				b[j] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[j] = "abc123"[r.IntN(6)]
			}
		}
		s := string(b)
		order := orders[i%len(orders)]
		ForgetStrings()
		for _, c := range order {
			fast, ok, slow := encodeIn(t, s, c)
			if ok && !bytes.Equal(fast, slow) {
				t.Fatalf("%q as a %s (order %v): fast\n%s\nyaml.v3\n%s", s, c, order, fast, slow)
			}
		}
	}
}
