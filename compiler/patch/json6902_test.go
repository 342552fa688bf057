package patch

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/jupyterhub"
)

// compareKustomize runs one patch through run (which may take the direct
// JSON 6902 route) and runKustomize and reports any difference in bodies,
// error text or hint. It returns whether the patch succeeded and whether
// run took the direct route.
func compareKustomize(t testing.TB, s *spec, in []*manifest.Object) (ok, direct bool) {
	t.Helper()
	before := directRuns.Load()
	got, gotErr := run(s, in)
	direct = directRuns.Load() != before
	want, wantErr := runKustomize(s, in)
	// The json-patch route must agree with the native one whenever both
	// answer.
	if lib, ok := runDirect(s, in, false); ok && gotErr == nil {
		if diff := cmp.Diff(got, lib); diff != "" {
			t.Errorf("patch %q: native and json-patch routes differ (-run +json-patch):\n%s", s.text, diff)
		}
	}
	if errText(gotErr) != errText(wantErr) || hintOf(gotErr) != hintOf(wantErr) {
		t.Errorf("patch %q: errors differ:\n run:       %v (hint %q)\n kustomize: %v (hint %q)",
			s.text, gotErr, hintOf(gotErr), wantErr, hintOf(wantErr))
		return false, direct
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("patch %q: bodies differ (-kustomize +run):\n%s", s.text, diff)
		return false, direct
	}
	return gotErr == nil, direct
}

// TestDirectMatchesKustomize holds run to kustomize for every differential
// case, on the whole selection and object by object.
func TestDirectMatchesKustomize(t *testing.T) {
	objs := trickyObjects(t)
	direct := 0
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parse(&model.Patch{Target: tc.target, Patch: tc.patch})
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			in := selected(t, s, objs)
			if _, d := compareKustomize(t, s, in); d {
				direct++
			}
			if len(in) > 1 {
				for _, o := range in {
					compareKustomize(t, s, []*manifest.Object{o})
				}
			}
		})
	}
	if direct < 15 {
		t.Errorf("only %d cases took the direct route", direct)
	}
}

var (
	fleetOnce sync.Once
	fleetObjs [][]*manifest.Object
	fleetErr  error
)

// fleetHubs renders the JupyterHub objects of every hub of the fleet that
// uses every option (fleetgen.GenerateAllOptions), hub by hub: hubs of
// different clusters share names, and patches apply within one hub.
func fleetHubs(t testing.TB) [][]*manifest.Object {
	t.Helper()
	fleetOnce.Do(func() {
		fleet, diags := load.Load(fleetgen.GenerateAllOptions(), load.Options{Workers: 1})
		if diags.HasErrors() {
			fleetErr = fmt.Errorf("loading the fleet: %v", diags)
			return
		}
		for _, c := range fleet.Clusters {
			for _, h := range c.Hubs {
				objs, err := jupyterhub.Render(h, fleet)
				if err != nil {
					fleetErr = fmt.Errorf("rendering %s: %w", h.Name, err)
					return
				}
				fleetObjs = append(fleetObjs, objs)
			}
		}
	})
	if fleetErr != nil {
		t.Fatal(fleetErr)
	}
	return fleetObjs
}

// oddValues are JSON values the generated operations write: strings that
// read as other types in YAML, numbers of every shape (beyond 2^53, beyond
// int64, beyond float64, negative zero, exponents), line breaks and tabs.
var oddValues = []string{
	`"x"`, `"true"`, `"1"`, `"1.0"`, `"1e3"`, `""`, `"null"`, `"~"`, `"yes"`, `"0x1F"`, `"<<"`, `"2001-12-14"`,
	`"a\nb\n"`, `"\tx\ny"`, `"a\tb"`, `" padded "`, `"a\u2028b"`, `"\u0085"`, `"<&>"`, `"line\r\nbreak"`, `"\ud800"`,
	`0`, `-1`, `8081`, `1.0`, `0.5`, `-0`, `-0.0`, `1e6`, `1E+21`, `1.5e-7`, `123456789.125`, `1000000`,
	`9007199254740993`, `9223372036854775807`, `12345678901234567890`, `1e400`, `-3.25`, `2.5e-300`,
	`true`, `false`, `null`, `{}`, `[]`, `{"a": [1, "1", 1.5, null, {}]}`, `["x", {"k": "v"}]`,
	`{"<<": 1}`, `{"k": "v", "k": "w"}`, `{"": "empty"}`,
}

// paths lists the JSON pointers of every value under v.
func paths(v any, prefix string, out *[]string) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := prefix + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
			*out = append(*out, p)
			paths(t[k], p, out)
		}
	case []any:
		for i, x := range t {
			p := fmt.Sprintf("%s/%d", prefix, i)
			*out = append(*out, p)
			paths(x, p, out)
		}
	}
}

// genOps writes a random JSON 6902 patch (1-3 operations) for body: on
// its real paths mostly, on the build annotations, annotations and
// metadata sometimes, on missing paths now and then.
func genOps(r *rand.Rand, body map[string]any) string {
	var ps []string
	paths(body, "", &ps)
	extra := []string{
		"/metadata/annotations", "/metadata/annotations/x", "/metadata/annotations/internal.config.kubernetes.io~1previousKinds",
		"/metadata/annotations/internal.config.kubernetes.io~1previousNames", "/metadata/annotations/config.kubernetes.io~1index",
		"/metadata", "/metadata/labels", "/spec/missing/x", "/nope", "/spec/-", "/metadata/labels/-",
	}
	pick := func() string {
		if r.IntN(8) == 0 {
			return extra[r.IntN(len(extra))]
		}
		if len(ps) == 0 {
			return "/x"
		}
		return ps[r.IntN(len(ps))]
	}
	child := func() string {
		p := pick()
		if r.IntN(2) == 0 {
			return p
		}
		// New keys, appends, and indexes json-patch reads its own way.
		return p + []string{"/new~1key", "/-", "/-", "/0", "/1", "/-1", "/01", "/+1", "/", "/~"}[r.IntN(10)]
	}
	value := func(same string) string {
		if same != "" && r.IntN(3) > 0 {
			// The value found at the path, as a passing test needs it.
			if v := lookup(body, same); v != nil {
				b, err := json.Marshal(v)
				if err == nil {
					return string(b)
				}
			}
		}
		return oddValues[r.IntN(len(oddValues))]
	}
	n := 1 + r.IntN(3)
	ops := make([]string, n)
	for i := range ops {
		switch op := []string{"add", "add", "replace", "remove", "move", "copy", "test", "test"}[r.IntN(8)]; op {
		case "add":
			ops[i] = fmt.Sprintf(`{"op": "add", "path": %q, "value": %s}`, child(), value(""))
		case "replace":
			ops[i] = fmt.Sprintf(`{"op": "replace", "path": %q, "value": %s}`, pick(), value(""))
		case "test":
			p := pick()
			ops[i] = fmt.Sprintf(`{"op": "test", "path": %q, "value": %s}`, p, value(p))
		case "remove":
			ops[i] = fmt.Sprintf(`{"op": "remove", "path": %q}`, pick())
		default:
			ops[i] = fmt.Sprintf(`{"op": %q, "from": %q, "path": %q}`, op, pick(), child())
		}
	}
	text := "[" + strings.Join(ops, ", ") + "]"
	if r.IntN(3) == 0 {
		// The YAML spelling takes kustomize's YAML-to-JSON conversion.
		var v any
		if err := json.Unmarshal([]byte(text), &v); err == nil {
			if y, err := yamlText(v); err == nil {
				return y
			}
		}
	}
	return text
}

// lookup returns the value at a JSON pointer, or nil.
func lookup(v any, ptr string) any {
	for _, part := range strings.Split(ptr, "/")[1:] {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		switch t := v.(type) {
		case map[string]any:
			v = t[part]
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(t) {
				return nil
			}
			v = t[i]
		default:
			return nil
		}
	}
	return v
}

// TestGeneratedJSON6902MatchesKustomize runs random JSON 6902 patches over
// a realistic fleet's objects (plus the tricky ones) through both routes.
func TestGeneratedJSON6902MatchesKustomize(t *testing.T) {
	hubs := append(fleetHubs(t), trickyObjects(t))
	n := 1500
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(7, 6902))
	var succeeded, direct, fellBack int
	native := nativeRuns.Load()
	for i := 0; i < n && !t.Failed(); i++ {
		objs := hubs[r.IntN(len(hubs))]
		o := objs[r.IntN(len(objs))]
		text := genOps(r, o.Map())
		target := &model.PatchTarget{Kind: o.Kind(), Name: o.Name()}
		if ns := o.Namespace(); ns != "" {
			target.Namespace = ns
		}
		s, err := parse(&model.Patch{Target: target, Patch: text})
		if err != nil {
			continue
		}
		in := selected(t, s, objs)
		ok, d := compareKustomize(t, s, in)
		switch {
		case ok && d:
			succeeded++
			direct++
		case ok:
			succeeded++
			fellBack++
		}
	}
	nativeN := int(nativeRuns.Load() - native)
	t.Logf("%d patches: %d succeeded, %d of them directly (%d without json-patch), %d through kustomize",
		n, succeeded, direct, nativeN, fellBack)
	// Both outcomes and every route must be exercised, the direct ones
	// mostly, or the comparison proves little.
	if succeeded < n/5 || succeeded > n*9/10 || direct < succeeded/2 || nativeN < direct/4 || nativeN == direct || fellBack == 0 {
		t.Errorf("poor coverage: %d of %d succeeded, %d directly, %d through kustomize", succeeded, n, direct, fellBack)
	}
}

// TestDirectRouteFallbacks covers inputs the direct route must leave to
// kustomize; the results must still match.
func TestDirectRouteFallbacks(t *testing.T) {
	base := func(extra map[string]any, anns map[string]any) *manifest.Object {
		meta := map[string]any{"name": "odd", "namespace": "staging"}
		if anns != nil {
			meta["annotations"] = anns
		}
		b := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}
		for k, v := range extra {
			b[k] = v
		}
		return &manifest.Object{Body: b}
	}
	add := `[{"op": "add", "path": "/data/x", "value": "1"}]`
	for _, tc := range []struct {
		name, patch string
		obj         *manifest.Object
	}{
		{"negative zero", add, base(map[string]any{"data": map[string]any{}, "spec": map[string]any{"z": math.Copysign(0, -1)}}, nil)},
		{"build annotation", add, base(map[string]any{"data": map[string]any{}}, map[string]any{"internal.config.kubernetes.io/previousNames": "x"})},
		{"number annotation", add, base(map[string]any{"data": map[string]any{}}, map[string]any{"n": int64(1)})},
		{"tab block result", `[{"op": "add", "path": "/data/x", "value": "\tx\ny"}]`, base(map[string]any{"data": map[string]any{}}, nil)},
		// SetAnnotations writes keys as plain scalars: "1" comes back as a
		// number and kustomize fails to read its output; "" makes it stop
		// half-way and leave an empty map.
		{"numeric annotation key", `[{"op": "add", "path": "/metadata/annotations/1", "value": "x"}]`, base(map[string]any{"data": map[string]any{}}, nil)},
		{"empty annotation key", `[{"op": "add", "path": "/metadata/annotations/", "value": "x"}]`, base(map[string]any{"data": map[string]any{}}, nil)},
		{"number into annotations", `[{"op": "add", "path": "/metadata/annotations/n", "value": 1}]`, base(nil, map[string]any{"a": "b"})},
		{"overflow", `[{"op": "add", "path": "/data/x", "value": 1e400}]`, base(map[string]any{"data": map[string]any{}}, nil)},
		{"failing op", `[{"op": "remove", "path": "/data/missing"}]`, base(map[string]any{"data": map[string]any{}}, nil)},
		{"list kind", add, &manifest.Object{Body: map[string]any{"apiVersion": "v1", "kind": "ConfigMapList",
			"metadata": map[string]any{"name": "odd"}, "data": map[string]any{}, "items": []any{}}}},
		{"invalid utf-8", add, base(map[string]any{"data": map[string]any{"k": "a\xffb"}}, nil)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parse(&model.Patch{Target: &model.PatchTarget{Name: "odd"}, Patch: tc.patch})
			if err != nil {
				t.Fatal(err)
			}
			if _, d := compareKustomize(t, s, []*manifest.Object{tc.obj}); d {
				t.Error("took the direct route")
			}
		})
	}
}

// FuzzJSON6902 compares run with kustomize on arbitrary JSON 6902 patch
// text over the tricky objects and a few rendered ones.
func FuzzJSON6902(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	objs := slices.Concat(trickyObjects(f), fleetHubs(f)[0])
	for _, c := range diffCases {
		if strings.HasPrefix(strings.TrimSpace(c.patch), "[") || strings.HasPrefix(strings.TrimSpace(c.patch), "-") {
			f.Add(c.patch, uint8(r.IntN(len(objs))))
		}
	}
	for range 30 {
		i := r.IntN(len(objs))
		f.Add(genOps(r, objs[i].Map()), uint8(i))
	}
	f.Fuzz(func(t *testing.T, text string, sel uint8) {
		o := objs[int(sel)%len(objs)]
		s, err := parse(&model.Patch{Target: &model.PatchTarget{Kind: o.Kind(), Name: o.Name()}, Patch: text})
		if err != nil || s.kind != json6902 {
			return
		}
		compareKustomize(t, s, selected(t, s, objs))
	})
}

// yamlText spells a patch in YAML, as operators mostly write it.
func yamlText(v any) (string, error) {
	b, err := yaml.Marshal(v)
	return strings.TrimSpace(string(b)), err
}
