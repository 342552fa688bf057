package output

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// deploymentBody builds a typical Deployment, inserting every map's keys in
// an order drawn from rng so that map layout differs between calls.
func deploymentBody(rng *rand.Rand) map[string]any {
	m := func(kv ...any) map[string]any {
		idx := rng.Perm(len(kv) / 2)
		out := map[string]any{}
		for _, i := range idx {
			out[kv[2*i].(string)] = kv[2*i+1]
		}
		return out
	}
	labels := func() map[string]any {
		return m("app", "jupyterhub", "component", "hub", "release", "staging", "heritage", "hubfleet")
	}
	return m(
		"apiVersion", "apps/v1",
		"kind", "Deployment",
		"metadata", m("name", "hub", "namespace", "staging", "labels", labels(),
			"annotations", m("hubfleet.io/checksum", "abc123", "a.example/yes", "yes")),
		"spec", m(
			"replicas", int64(1),
			"selector", m("matchLabels", m("app", "jupyterhub", "component", "hub", "release", "staging")),
			"strategy", m("type", "Recreate"),
			"template", m(
				"metadata", m("labels", labels()),
				"spec", m(
					"serviceAccountName", "hub",
					"containers", []any{m(
						"name", "hub",
						"image", "quay.io/jupyterhub/k8s-hub:4.4.0",
						"args", []any{"jupyterhub", "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py", "--upgrade-db"},
						"ports", []any{m("name", "http", "containerPort", int64(8081))},
						"resources", m("requests", m("cpu", "200m", "memory", "512Mi")),
						"env", []any{
							m("name", "PYTHONUNBUFFERED", "value", "1"),
							m("name", "CONFIGPROXY_AUTH_TOKEN", "valueFrom", m("secretKeyRef", m("name", "hub-tokens", "key", "proxy-token"))),
						},
						"readinessProbe", m("httpGet", m("path", "/hub/health", "port", "http"), "periodSeconds", int64(2), "failureThreshold", int64(1000)),
					)},
					"volumes", []any{m("name", "config", "configMap", m("name", "hub"))},
					"securityContext", m("fsGroup", int64(1000), "runAsUser", int64(1000)),
				),
			),
		),
	)
}

func TestEncodeDeterministic(t *testing.T) {
	want, err := Encode(&manifest.Object{Source: "hubs/aws/staging.yaml", Body: deploymentBody(rand.New(rand.NewPCG(1, 1)))})
	if err != nil {
		t.Fatal(err)
	}
	for _, procs := range []int{1, 2} {
		prev := runtime.GOMAXPROCS(procs)
		var wg sync.WaitGroup
		outs := make([][]byte, 20)
		for i := range outs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := deploymentBody(rand.New(rand.NewPCG(uint64(i+2), uint64(procs))))
				outs[i], _ = Encode(&manifest.Object{Source: "hubs/aws/staging.yaml", Body: body})
			}()
		}
		wg.Wait()
		runtime.GOMAXPROCS(prev)
		for i, got := range outs {
			if !bytes.Equal(got, want) {
				t.Fatalf("GOMAXPROCS=%d order %d: bytes differ:\n%s", procs, i, cmp.Diff(string(want), string(got)))
			}
		}
	}
}

// keysOf returns the keys of the mapping at path in the encoded document,
// in the order they were written.
func keysOf(t *testing.T, doc []byte, path ...string) []string {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, doc)
	}
	n := root.Content[0]
	for _, p := range path {
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == p {
				n, found = n.Content[i+1], true
				break
			}
		}
		if !found {
			t.Fatalf("no key %q in output", p)
		}
	}
	var keys []string
	for i := 0; i < len(n.Content); i += 2 {
		keys = append(keys, n.Content[i].Value)
	}
	return keys
}

func TestEncodeKeyOrder(t *testing.T) {
	body := map[string]any{
		"spec":       map[string]any{"zeta": "z", "alpha": "a", "name": "n", "kind": "k"},
		"data":       map[string]any{"b": "1"},
		"metadata":   map[string]any{"labels": map[string]any{"z": "1", "a": "2"}, "namespace": "ns", "annotations": map[string]any{"x": "y"}, "name": "n"},
		"kind":       "ConfigMap",
		"apiVersion": "v1",
	}
	out, err := Encode(&manifest.Object{Source: "hubs/c/h.yaml", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path []string
		want []string
	}{
		{nil, []string{"apiVersion", "kind", "metadata", "data", "spec"}},
		{[]string{"metadata"}, []string{"name", "namespace", "annotations", "labels"}},
		// Only the root and metadata have leading keys; elsewhere "name"
		// and "kind" sort like any key.
		{[]string{"spec"}, []string{"alpha", "kind", "name", "zeta"}},
		{[]string{"metadata", "labels"}, []string{"a", "z"}},
	} {
		if got := keysOf(t, out, tc.path...); !cmp.Equal(got, tc.want) {
			t.Errorf("keys of %v = %v, want %v", tc.path, got, tc.want)
		}
	}
	lines := strings.SplitN(string(out), "\n", 3)
	if lines[0] != "# Source: hubs/c/h.yaml" || !strings.HasPrefix(lines[1], "# ") {
		t.Errorf("header = %q", lines[:2])
	}
}

// TestEncodeRoundTrip decodes the output with the YAML 1.1 parser that
// kubectl and Argo CD use and expects the very same values back.
func TestEncodeRoundTrip(t *testing.T) {
	body := map[string]any{
		"apiVersion": "v1",
		"kind":       "ConfigMap",
		"metadata":   map[string]any{"name": "cfg"},
		"data": map[string]any{
			"oldBoolYes": "yes", "oldBoolOn": "on", "oldBoolN": "n", "base60": "1:20",
			"true": "true", "int": "123", "octal": "0777", "float": "1e3", "empty": "",
			"null": "null", "tilde": "~", "colon": "a: b", "hash": "# not a comment",
			"leadingSpace": " x", "unicode": "héllo", "script": "line one\nline two\n",
			"trailingSpaces": "a  \nb\n", "noFinalNewline": "a\nb",
		},
		"binaryData": map[string]any{},
		"list":       []any{int64(1), float64(2.5), true, nil, []any{}, map[string]any{}},
		"big":        int64(9007199254740993),
		"whole":      float64(3),
		"small":      1e-7,
	}
	out, err := Encode(&manifest.Object{Source: "s", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := sigsyaml.Unmarshal(out, &got); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	// JSON numbers compare as float64 after sigs.k8s.io/yaml; compare the
	// big integer through its text instead.
	if !strings.Contains(string(out), "big: 9007199254740993\n") {
		t.Errorf("int64 not written exactly:\n%s", out)
	}
	delete(got, "big")
	delete(body, "big")
	want := map[string]any{}
	b, _ := sigsyaml.Marshal(body)
	if err := sigsyaml.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("round trip (-want +got):\n%s\noutput:\n%s", d, out)
	}
	if !strings.Contains(string(out), "script: |\n    line one\n    line two\n") {
		t.Errorf("multi-line string not in literal block style:\n%s", out)
	}
	if !strings.Contains(string(out), "whole: 3\n") || !strings.Contains(string(out), "small: 1e-07\n") {
		t.Errorf("floats not in shortest form:\n%s", out)
	}
}

func TestEncodeErrors(t *testing.T) {
	for name, body := range map[string]map[string]any{
		"channel": {"kind": "X", "spec": map[string]any{"c": make(chan int)}},
		"NaN":     {"kind": "X", "spec": []any{0.0, map[string]any{"f": nanValue()}}},
	} {
		if _, err := Encode(&manifest.Object{Body: body}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Encode(nil); err == nil {
		t.Error("nil object: no error")
	}
}

func nanValue() float64 { var z float64; return z / z }

func TestEncodeMulti(t *testing.T) {
	objs := []*manifest.Object{
		{Source: "hubs/a/cluster.yaml", Body: map[string]any{"kind": "AppProject", "apiVersion": "argoproj.io/v1alpha1", "metadata": map[string]any{"name": "a"}}},
		{Source: "hubs/a/hub1.yaml", Body: map[string]any{"kind": "Application", "apiVersion": "argoproj.io/v1alpha1", "metadata": map[string]any{"name": "hub1"}}},
		{Source: "hubs/a/cluster.yaml", Body: map[string]any{"kind": "Application", "apiVersion": "argoproj.io/v1alpha1", "metadata": map[string]any{"name": "a-cluster"}}},
	}
	out, err := EncodeMulti(objs)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	var names []string
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			break
		}
		names = append(names, fmt.Sprint(m["metadata"].(map[string]any)["name"]))
	}
	if !cmp.Equal(names, []string{"a", "hub1", "a-cluster"}) {
		t.Errorf("documents = %v\n%s", names, out)
	}
	if c := strings.Count(string(out), "# Source: "); c != 2 {
		t.Errorf("want one Source line per distinct source (2), got %d:\n%s", c, out)
	}
	if !strings.HasPrefix(string(out), "# Source: hubs/a/cluster.yaml\n") {
		t.Errorf("first line:\n%s", out)
	}
	for i, o := range objs {
		one, _ := Encode(o)
		body := one[strings.Index(string(one), generatedLine)+len(generatedLine):]
		if !bytes.Contains(out, body) {
			t.Errorf("document %d differs from Encode's", i)
		}
	}
}

func TestEncodeIsHeaderPlusBody(t *testing.T) {
	o := &manifest.Object{Source: "hubs/a/b.yaml", Body: map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "x"},
		"data": map[string]any{"f": "line 1\nline 2\n"},
	}}
	full, err := Encode(o)
	if err != nil {
		t.Fatal(err)
	}
	body, err := EncodeBody(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(Header(o.Source)) + string(body); got != string(full) {
		t.Fatalf("Header+EncodeBody =\n%s\nEncode =\n%s", got, full)
	}
}
