package patch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/jupyterhub"
)

// pmap is a strategic-merge patch body under construction: keys and
// values as they are spelt in YAML. A value is a *pmap or a scalar's
// spelling (a literal block starts with "|").
type pmap struct {
	keys []string
	vals []any
}

func (m *pmap) child(key string) *pmap {
	for i, k := range m.keys {
		if k == key {
			if c, ok := m.vals[i].(*pmap); ok {
				return c
			}
			return nil
		}
	}
	c := &pmap{}
	m.keys = append(m.keys, key)
	m.vals = append(m.vals, c)
	return c
}

func (m *pmap) set(key string, v any) {
	for i, k := range m.keys {
		if k == key {
			m.vals[i] = v
			return
		}
	}
	m.keys = append(m.keys, key)
	m.vals = append(m.vals, v)
}

// write spells m in block style at indent, small maps of scalars in flow
// style when flow is set.
func (m *pmap) write(b *strings.Builder, indent int, flow bool) {
	pad := strings.Repeat(" ", indent)
	for i, k := range m.keys {
		b.WriteString(pad + k + ":")
		switch v := m.vals[i].(type) {
		case *pmap:
			switch {
			case len(v.keys) == 0:
				b.WriteString(" {}\n")
			case flow && v.flat():
				parts := make([]string, len(v.keys))
				for j := range v.keys {
					parts[j] = v.keys[j] + ": " + v.vals[j].(string)
				}
				b.WriteString(" {" + strings.Join(parts, ", ") + "}\n")
			default:
				b.WriteString("\n")
				v.write(b, indent+2, flow)
			}
		case string:
			if block, ok := strings.CutPrefix(v, "|"); ok {
				b.WriteString(" |\n")
				for _, line := range strings.Split(block, "\n") {
					b.WriteString(pad + "  " + line + "\n")
				}
				continue
			}
			b.WriteString(" " + v + "\n")
		}
	}
}

// flat reports a map of single-line scalars, which flow style can hold.
func (m *pmap) flat() bool {
	for _, v := range m.vals {
		s, ok := v.(string)
		if !ok || strings.HasPrefix(s, "|") || strings.HasPrefix(s, ">") || strings.HasPrefix(s, "#") {
			return false
		}
	}
	return len(m.vals) > 0
}

// scalar is one YAML spelling of a value and what it reads as.
type scalar struct {
	text string
	str  bool // reads as a string (!!str)
}

// plainScalars read as strings, integers, floats and booleans, in every
// style: quoted and plain strings that look like other types in YAML 1.1
// or 1.2, numbers of every shape yaml.v3 reads exactly, multi-line text.
var plainScalars = []scalar{
	{"production", true}, {"data team", true}, {"x.y/z", true}, {`"yes"`, true}, {`'on'`, true},
	{`"0x10"`, true}, {`'1e3'`, true}, {`"~"`, true}, {`"null"`, true}, {`"true"`, true}, {`"1"`, true},
	{`""`, true}, {`''`, true}, {`"a: b"`, true}, {`"two\nlines"`, true}, {`'it''s'`, true},
	{"yes", true}, {"on", true}, {"off", true}, {"no", true}, {"y", true}, {"Yes", true},
	{`"1.0"`, true}, {"héllo wörld", true}, {`"tab\there"`, true}, {"|line one\nline two", true},
	{"0", false}, {"42", false}, {"-7", false}, {"8080", false}, {"9223372036854775807", false},
	{"1.5", false}, {"-0.25", false}, {"1e3", false}, {"2.5e-3", false}, {"1.0", false},
	{"true", false}, {"false", false}, {"True", false},
}

// oddScalars are spellings whose result the direct route may not be able
// to vouch for: numbers yaml.v3 reads otherwise than JSON, timestamps,
// explicit and custom tags, folded text, huge numbers.
var oddScalars = []string{"0x10", "0o17", ".inf", "2001-12-14", "!!str 123", "!thing value", ">\n", "12345678901234567890", "1e400"}

// newKeys are keys the generated patches add; all read as strings when
// written plain.
var newKeys = []string{"example.org/tier", "x-y.z", "a/b", "k8s.io/thing", "deep", "team.example.com/owner", "zz"}

// paths lists the field paths of body reachable through maps only (a
// strategic merge of maps and scalars reaches no further), split into
// maps and other values.
func mergePaths(v any, prefix []string, maps, leaves *[][]string) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := append(slices.Clone(prefix), k)
		if _, isMap := m[k].(map[string]any); isMap && m[k] != nil {
			*maps = append(*maps, p)
			mergePaths(m[k], p, maps, leaves)
		} else {
			*leaves = append(*leaves, p)
		}
	}
}

func valueAt(body map[string]any, path []string) any {
	var v any = body
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// yamlKey spells a key for the patch: plain when it reads as the same
// string, else quoted.
func yamlKey(k string) string {
	if v, ok := plainScalar(k, true); ok && v == k && !strings.ContainsAny(k, ":#{}[],&*!|>'\"%@`\n\t") &&
		strings.TrimSpace(k) == k && k != "" && !strings.HasPrefix(k, "-") && !strings.HasPrefix(k, "?") {
		return k
	}
	return fmt.Sprintf("%q", k)
}

// identityFields are the fields the transformer restores or rewrites; the
// generated patches write them through their headers only.
func identityField(path []string) bool {
	switch strings.Join(path, "/") {
	case "apiVersion", "kind", "metadata/name", "metadata/namespace":
		return true
	}
	return false
}

// mergeCase is one generated patch and what the direct route must do
// with it: take it (plain), leave it to kustomize (fallback), or either.
type mergeCase struct {
	text     string
	target   *model.PatchTarget
	plain    bool
	fallback bool
}

// genMerge writes a random strategic-merge patch for o: one to four edits
// that overwrite its scalars, add keys and nested maps (empty ones
// included), add annotations and labels, or write maps it already has;
// now and then something only kustomize may apply (lists, nulls,
// directives, comments, anchors, merges it rejects) or spellings the
// direct route may refuse. The header names the object, names another
// one, or is left out (the target selects); a fifth of the patches select
// by their own header instead of a target.
func genMerge(r *rand.Rand, o *manifest.Object) mergeCase {
	body := o.Map()
	var maps, leaves [][]string
	mergePaths(body, nil, &maps, &leaves)
	leaves = slices.DeleteFunc(leaves, identityField)
	root := &pmap{}
	c := mergeCase{plain: true}
	odd := func() {
		c.plain = false
	}
	mustFall := func() {
		c.plain, c.fallback = false, true
	}
	pick := func(paths [][]string) []string {
		if len(paths) == 0 {
			return nil
		}
		return paths[r.IntN(len(paths))]
	}
	// at returns the patch map for path, creating it.
	at := func(path []string) *pmap {
		m := root
		for _, k := range path {
			if m = m.child(yamlKey(k)); m == nil {
				return nil
			}
		}
		return m
	}
	value := func() scalar { return plainScalars[r.IntN(len(plainScalars))] }
	labelsOrAnnotations := func(path []string) bool {
		return len(path) >= 2 && path[0] == "metadata" && (path[1] == "labels" || path[1] == "annotations")
	}

	for range 1 + r.IntN(4) {
		switch k := r.IntN(20); {
		case k < 6: // overwrite a scalar
			p := pick(leaves)
			if p == nil {
				continue
			}
			m := at(p[:len(p)-1])
			if m == nil {
				continue
			}
			v := value()
			old := valueAt(body, p)
			switch {
			case nullish(old): // a null becomes the value
			case labelsOrAnnotations(p): // rewritten as strings
			case isString(old) && !v.str:
				odd() // a quoted number: only the text route reads it
			case !isScalar(old):
				mustFall() // a scalar over a list: kustomize fails
			}
			m.set(yamlKey(p[len(p)-1]), v.text)
		case k < 11: // add a key, a nested map or an empty map
			p := pick(maps)
			if labelsOrAnnotations(p) {
				p = nil
			}
			m := at(p)
			if m == nil {
				continue
			}
			key := newKeys[r.IntN(len(newKeys))] + fmt.Sprint(r.IntN(3))
			switch r.IntN(5) {
			case 0:
				m.set(yamlKey(key), &pmap{})
			case 1:
				inner := m.child(yamlKey(key))
				if inner == nil {
					continue
				}
				for range 1 + r.IntN(3) {
					inner = inner.child(yamlKey(newKeys[r.IntN(len(newKeys))]))
					if inner == nil {
						break
					}
				}
				if inner != nil {
					inner.set("leaf", value().text)
				}
			case 2:
				m.set(fmt.Sprintf("'%d'", r.IntN(100)), value().text) // a quoted key reads as a string
			default:
				m.set(yamlKey(key), value().text)
			}
		case k < 15: // annotations and labels
			field := []string{"annotations", "labels"}[r.IntN(2)]
			m := at([]string{"metadata", field})
			if m == nil {
				continue
			}
			m.set(yamlKey(newKeys[r.IntN(len(newKeys))]), value().text)
		case k < 17: // leave: write a map it has, with nothing in it
			if p := pick(maps); p != nil {
				at(p)
			}
		default: // something the direct route may or must leave
			p := pick(maps)
			m := at(p)
			if m == nil {
				continue
			}
			switch r.IntN(10) {
			case 0:
				m.set("zlist", "[a, 1, {k: v}]")
				mustFall()
			case 1:
				m.set("znull", []string{"~", "null"}[r.IntN(2)])
				mustFall()
			case 2:
				m.set("$patch", "replace")
				mustFall()
			case 3:
				m.set("$retainKeys", "[zz]")
				mustFall()
			case 4:
				m.set("zcomment", "x # trailing")
				mustFall()
			case 5:
				// kustomize's reader resolves anchors before the merge.
				m.set("zanchor", "&a {anchored: x}")
				m.set("zalias", "*a")
			case 6:
				// (Labels and annotations would take a map as "".)
				if lp := pick(leaves); lp != nil && isScalar(valueAt(body, lp)) && !nullish(valueAt(body, lp)) &&
					!labelsOrAnnotations(lp) {
					if lm := at(lp); lm != nil {
						lm.set("k", "v") // a map over a scalar: kustomize fails
						mustFall()
					}
				}
			case 7:
				m.set("'1'", "one") // a quoted key that reads as a number plain
				odd()
			default:
				s := oddScalars[r.IntN(len(oddScalars))]
				if s == ">\n" {
					s = ">\n" + strings.Repeat(" ", 2*(len(p)+1)) + "folded text"
				}
				m.set(yamlKey(newKeys[r.IntN(len(newKeys))]), s)
				odd()
			}
		}
	}

	// The header: none, this object's identity, another identity, or an
	// untargeted patch that selects by its own.
	c.target = &model.PatchTarget{Kind: o.Kind(), Name: o.Name(), Namespace: o.Namespace()}
	meta := root.child("metadata")
	if meta == nil {
		return genMerge(r, o) // the edits replaced metadata
	}
	header := func(api, kind, name string) {
		root.set("apiVersion", yamlKey(api))
		root.set("kind", yamlKey(kind))
		meta.set("name", yamlKey(name))
	}
	switch h := r.IntN(20); {
	case h < 7:
		if i := slices.Index(root.keys, "metadata"); len(meta.keys) == 0 && r.IntN(2) == 0 {
			root.keys, root.vals = slices.Delete(root.keys, i, i+1), slices.Delete(root.vals, i, i+1)
		}
	case h < 13:
		header(o.APIVersion(), o.Kind(), o.Name())
		if o.Namespace() != "" && r.IntN(2) == 0 {
			meta.set("namespace", yamlKey(o.Namespace()))
		}
	case h < 16:
		header([]string{"v1", "apps/v1", "example.org/v2"}[r.IntN(3)], []string{"Service", "Widget", "Deployment"}[r.IntN(3)],
			o.Name()+"-other")
		if r.IntN(3) == 0 {
			meta.set("namespace", "elsewhere")
		}
	default:
		header(o.APIVersion(), o.Kind(), o.Name())
		if o.Namespace() != "" {
			meta.set("namespace", yamlKey(o.Namespace()))
		}
		c.target = nil
	}
	var b strings.Builder
	root.write(&b, 0, r.IntN(3) == 0)
	c.text = b.String()
	return c
}

func isString(v any) bool { _, ok := v.(string); return ok }

// nullish reports values bodyNode writes as null.
func nullish(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case map[string]any:
		return t == nil
	case []any:
		return t == nil
	}
	return false
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

// mergeReady reports whether the direct route takes a plain patch on o:
// objects whose lists the walker would rebuild, or that kustomize would
// load or read as text, never do.
func mergeReady(t testing.TB, o *manifest.Object) bool {
	t.Helper()
	s, err := parse(&model.Patch{Target: &model.PatchTarget{Kind: o.Kind(), Name: o.Name()},
		Patch: "metadata: {annotations: {example.org/probe: x}}"})
	if err != nil {
		t.Fatal(err)
	}
	_, ok := runStrategic(s, []*manifest.Object{o})
	return ok
}

// TestGeneratedStrategicMergeMatchesKustomize runs random strategic-merge
// patches over a realistic fleet's objects (plus the tricky ones) through
// run and kustomize, and requires the same bodies or errors; plain patches
// on objects the direct route takes must take it, and patches only
// kustomize may apply must not.
func TestGeneratedStrategicMergeMatchesKustomize(t *testing.T) {
	hubs := append(fleetHubs(t), trickyObjects(t))
	ready := map[*manifest.Object]bool{}
	var readyN, total int
	for _, objs := range hubs {
		for _, o := range objs {
			ready[o] = mergeReady(t, o)
			total++
			if ready[o] {
				readyN++
			}
		}
	}
	// The rendered objects all qualify; only tricky ones may not.
	if readyN < total-3 {
		t.Errorf("only %d of %d objects take the direct route", readyN, total)
	}

	n := 1600
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(11, 2024))
	var ran, succeeded, direct, plain, plainDirect, fellBack, mustFall int
	merges := mergeRuns.Load()
	for i := 0; i < n && !t.Failed(); i++ {
		objs := hubs[r.IntN(len(hubs))]
		o := objs[r.IntN(len(objs))]
		c := genMerge(r, o)
		s, err := parse(&model.Patch{Target: c.target, Patch: c.text})
		if err != nil || s.kind != strategicMerge {
			continue
		}
		in := selected(t, s, objs)
		if len(in) != 1 || in[0] != o {
			continue // the header selects by name, which may match others
		}
		ran++
		ok, d := compareKustomize(t, s, in)
		switch {
		case c.plain && ready[o] && !d:
			t.Errorf("plain patch took kustomize:\n%s", c.text)
		case c.fallback && d:
			t.Errorf("patch only kustomize may apply took the direct route:\n%s", c.text)
		}
		if ok {
			succeeded++
		}
		if d {
			direct++
			if c.plain {
				plainDirect++
			}
		} else {
			fellBack++
		}
		if c.fallback {
			mustFall++
		}
		if c.plain && ready[o] {
			plain++
		}
	}
	got := int(mergeRuns.Load() - merges)
	t.Logf("%d patches ran: %d succeeded, %d directly (%d of the %d plain ones), %d through kustomize (%d had to)",
		ran, succeeded, direct, plainDirect, plain, fellBack, mustFall)
	if got != direct {
		t.Errorf("mergeRuns counted %d direct patches, compareKustomize %d", got, direct)
	}
	if ran < n*3/4 || direct < ran/2 || fellBack < ran/10 || mustFall == 0 || succeeded == ran {
		t.Errorf("poor coverage: %d ran, %d succeeded, %d directly, %d through kustomize", ran, succeeded, direct, fellBack)
	}
}

// TestStrategicMergeCases holds hand-written strategic-merge patches to
// kustomize, with the route each must take.
func TestStrategicMergeCases(t *testing.T) {
	objs := append(trickyObjects(t), &manifest.Object{Body: map[string]any{
		"apiVersion": "example.org/v1", "kind": "Widget",
		"metadata": map[string]any{"name": "empties", "namespace": "staging"},
		"spec": map[string]any{"empty": map[string]any{}, "null": nil, "nilMap": map[string]any(nil),
			"nilList": []any(nil), "list": []any{}},
	}})
	proxy := deploymentTarget("proxy")
	for _, tc := range []struct {
		name   string
		target *model.PatchTarget
		patch  string
		direct bool
	}{
		{"fleet patch", proxy, fleetSMPatch, true},
		{"headerless", proxy, "metadata:\n  annotations:\n    example.org/tier: production", true},
		{"untargeted", nil, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: proxy\n  namespace: staging\n  labels: {tier: \"1\"}", true},
		{"other name and kind", proxy, "apiVersion: v1\nkind: Service\nmetadata:\n  name: elsewhere\n  namespace: other\nspec: {replicas: 3}", true},
		{"namespace on a cluster-scoped object", &model.PatchTarget{Kind: "ClusterRole"}, "metadata: {namespace: staging, labels: {x: y}}", true},
		{"label values become strings", proxy, "metadata:\n  labels: {n: 1, b: true, f: 1.5, s: yes}", true},
		{"empty maps", proxy, "metadata: {labels: {}, annotations: {}}\nspec:\n  template: {}\n  strategy: {}", true},
		{"empty map into an empty map", &model.PatchTarget{Name: "empties"}, "spec: {empty: {a: {}}, other: {}}", true},
		{"map onto a null", &model.PatchTarget{Name: "empties"}, "spec: {null: {a: 1}, nilMap: {b: '2'}, nilList: {c: d}}", true},
		{"scalar onto a null", &model.PatchTarget{Name: "empties"}, "spec: {null: 'yes'}", true},
		{"nulls left", &model.PatchTarget{Name: "empties"}, "metadata: {labels: {a: b}}", true},
		{"anchors", proxy, "metadata:\n  labels: &l {a: b}\nspec:\n  selector: {matchLabels: *l}", true},
		{"build annotation", proxy, "metadata:\n  annotations:\n    internal.config.kubernetes.io/previousNames: x\n    config.kubernetes.io/index: '0'", true},
		{"label maps become empty strings", proxy, "metadata:\n  labels:\n    app: {a: b}", true},
		{"numbers that JSON reads otherwise", &model.PatchTarget{Name: "numbers"}, "metadata: {labels: {a: b}}", false},
		{"scalars onto numbers and strings", &model.PatchTarget{Name: "tricky"}, "data:\n  true: 'no'\n  one: two\n  tab: |\n    a\n    b\n", true},
		{"deep new maps", proxy, "spec:\n  template:\n    spec:\n      nodeSelector:\n        disk: ssd\n        zone.example.org/a: \"1\"\n  x: {y: {z: {w: 1e3}}}", true},
		{"replicas", proxy, "spec: {replicas: 3}", true},
		{"quoted numeric key", proxy, "spec:\n  '42': answer", true},
		{"retagged scalar over a field", proxy, "spec: {replicas: !!str 3}", true},

		{"list", proxy, "spec:\n  template:\n    spec:\n      containers: [{name: proxy, image: x}]", false},
		{"null", proxy, "spec: {replicas: null}", false},
		{"patch directive", proxy, "spec:\n  template:\n    metadata:\n      labels:\n        $patch: replace\n        a: b", false},
		{"retain keys", proxy, "spec:\n  strategy:\n    $retainKeys: [type]\n    type: Recreate", false},
		{"comment", proxy, "spec:\n  replicas: 2 # two", false},
		{"number over a string", proxy, "spec:\n  template:\n    metadata:\n      labels:\n        app: 1", false},
		{"numeric key", proxy, "spec:\n  1: one", false},
		{"map over a scalar", proxy, "spec:\n  replicas: {a: b}", false},
		{"scalar over a map", proxy, "spec:\n  template: x", false},
		{"scalar over a list", proxy, "spec:\n  template:\n    spec:\n      containers: x", false},
		{"allow name change", proxy, "metadata:\n  annotations:\n    internal.config.kubernetes.io/allowNameChange: enabled", false},
		{"folded new value", proxy, "spec:\n  note: >\n    folded\n    text\n", false},
		{"explicit tag on a new value", proxy, "spec:\n  note: !!str 3", false},
		{"custom tag", proxy, "spec:\n  replicas: !thing 3", false},
		{"hex", proxy, "spec:\n  replicas: 0x10", false},
		{"empty key", &model.PatchTarget{Name: "keys"}, "spec: {keys: {'2': two}}", false},
		{"list kind patch", proxy, "apiVersion: v1\nkind: DeploymentList\nmetadata: {name: proxy}\nitems: []", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parse(&model.Patch{Target: tc.target, Patch: tc.patch})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			in := selected(t, s, objs)
			if len(in) == 0 {
				t.Fatal("selects nothing")
			}
			if _, d := compareKustomize(t, s, in); d != tc.direct {
				t.Errorf("direct route taken: %t, want %t", d, tc.direct)
			}
		})
	}
}

// listObject is a Deployment whose containers list the walker merges by
// name (and ports by containerPort and protocol).
func listObject(containers ...any) *manifest.Object {
	return &manifest.Object{Body: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "lists", "namespace": "staging"},
		"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"containers": containers}}},
	}}
}

func container(name string, ports ...any) map[string]any {
	c := map[string]any{"image": "x"}
	if name != "" {
		c["name"] = name
	}
	if ports != nil {
		c["ports"] = ports
	}
	return c
}

// TestStrategicMergeLists covers objects whose lists the walker rebuilds
// (merge-keyed lists it does not leave as they are), which must take
// kustomize, and those it leaves, which must not.
func TestStrategicMergeLists(t *testing.T) {
	port := func(n int64, proto string) map[string]any {
		p := map[string]any{"containerPort": n}
		if proto != "" {
			p["protocol"] = proto
		}
		return p
	}
	for _, tc := range []struct {
		name   string
		obj    *manifest.Object
		direct bool
	}{
		{"distinct names", listObject(container("a"), container("b")), true},
		{"ports without protocol", listObject(container("a", port(80, ""), port(81, ""))), true},
		{"ports with protocol", listObject(container("a", port(80, "TCP"), port(80, "UDP"))), true},
		{"empty list", listObject(), true},
		{"duplicate names", listObject(container("a"), container("a")), false},
		{"missing name", listObject(container("a"), container("")), false},
		{"some ports without protocol", listObject(container("a", port(80, "TCP"), port(81, ""))), false},
		{"same port twice", listObject(container("a", port(80, ""), port(80, ""))), false},
		{"scalar element", listObject(container("a"), "b"), false},
		{"primitive merge list", &manifest.Object{Body: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "lists", "namespace": "staging", "finalizers": []any{"b", "a", "b"}}}}, false},
		{"atomic list with duplicates", &manifest.Object{Body: map[string]any{
			"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": map[string]any{"name": "lists", "namespace": "staging"},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"containers": []any{container("a")}, "tolerations": []any{map[string]any{"key": "k"}, map[string]any{"key": "k"}}}}}}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parse(&model.Patch{Target: &model.PatchTarget{Name: "lists"}, Patch: "metadata: {labels: {x: \"1\"}}"})
			if err != nil {
				t.Fatal(err)
			}
			if _, d := compareKustomize(t, s, []*manifest.Object{tc.obj}); d != tc.direct {
				t.Errorf("direct route taken: %t, want %t", d, tc.direct)
			}
		})
	}
}

// TestFleetPatchesSkipKustomize applies the patches of a generated fleet
// (both kinds, fleetgen's) to its hubs' rendered objects: every one must
// skip kustomize and give kustomize's result.
func TestFleetPatchesSkipKustomize(t *testing.T) {
	fleet, diags := load.Load(fleetgen.Generate(fleetgen.Options{Clusters: 2, HubsPerCluster: 9, Seed: 3}), load.Options{Workers: 1})
	if diags.HasErrors() {
		t.Fatalf("loading the fleet: %v", diags)
	}
	merges0 := mergeRuns.Load()
	var patches, strategic int
	for _, c := range fleet.Clusters {
		for _, h := range c.Hubs {
			if len(h.Patches) == 0 {
				continue
			}
			objs, err := jupyterhub.Render(h, fleet)
			if err != nil {
				t.Fatalf("rendering %s: %v", h.Name, err)
			}
			before := builds.Load()
			got, d := Apply(h, objs)
			if len(d) > 0 {
				t.Fatalf("hub %s: %s", h.Name, listString(d))
			}
			if builds.Load() != before {
				t.Errorf("hub %s: %d patches ran kustomize", h.Name, builds.Load()-before)
			}
			// The same patches through kustomize.
			want := objs
			for i := range h.Patches {
				s, err := parse(&h.Patches[i])
				if err != nil {
					t.Fatal(err)
				}
				if s.kind == strategicMerge {
					strategic++
				}
				patches++
				want = applyWith(t, s, want, runKustomize)
			}
			if diff := cmp.Diff(bodies(want), bodies(got)); diff != "" {
				t.Errorf("hub %s: results differ (-kustomize +direct):\n%s", h.Name, diff)
			}
		}
	}
	t.Logf("%d patches (%d strategic-merge), all without kustomize", patches, strategic)
	if strategic == 0 || int(mergeRuns.Load()-merges0) != strategic {
		t.Errorf("%d strategic-merge patches, %d applied directly", strategic, mergeRuns.Load()-merges0)
	}
}

// applyWith applies s to the objects it selects with the given route, as
// Apply does.
func applyWith(t *testing.T, s *spec, objs []*manifest.Object,
	route func(*spec, []*manifest.Object) ([]map[string]any, error)) []*manifest.Object {
	t.Helper()
	m, err := newMatcher(s.target)
	if err != nil {
		t.Fatal(err)
	}
	idx := m.selectFrom(objs)
	in := make([]*manifest.Object, len(idx))
	for k, j := range idx {
		in[k] = objs[j]
	}
	res, err := route(s, in)
	if err != nil {
		t.Fatal(err)
	}
	out := slices.Clone(objs)
	for k, j := range idx {
		out[j] = &manifest.Object{Body: res[k]}
	}
	return out
}

func bodies(objs []*manifest.Object) []map[string]any {
	out := make([]map[string]any, len(objs))
	for i, o := range objs {
		out[i] = o.Map()
	}
	return out
}

// FuzzStrategicMerge compares the direct route with kustomize on
// arbitrary strategic-merge patch text: whenever the direct route answers,
// kustomize must succeed with the same bodies.
func FuzzStrategicMerge(f *testing.F) {
	objs := slices.Concat(trickyObjects(f), fleetHubs(f)[0])
	for _, c := range diffCases {
		if !strings.HasPrefix(strings.TrimSpace(c.patch), "[") && !strings.HasPrefix(strings.TrimSpace(c.patch), "-") {
			f.Add(c.patch, uint8(0))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 40 {
		i := r.IntN(len(objs))
		f.Add(genMerge(r, objs[i]).text, uint8(i))
	}
	f.Fuzz(func(t *testing.T, text string, sel uint8) {
		o := objs[int(sel)%len(objs)]
		s, err := parse(&model.Patch{Target: &model.PatchTarget{Kind: o.Kind(), Name: o.Name()}, Patch: text})
		if err != nil || s.kind != strategicMerge {
			return
		}
		in := selected(t, s, objs)
		got, ok := runStrategic(s, in)
		if !ok {
			return
		}
		want, err := runKustomize(s, in)
		if err != nil {
			t.Fatalf("patch %q: direct route answered, kustomize failed: %v", s.text, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("patch %q: bodies differ (-kustomize +direct):\n%s", s.text, diff)
		}
	})
}
