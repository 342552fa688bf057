package verify_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// sample is a custom-resource body the property test varies.
type sample struct {
	provider string
	obj      *manifest.Object
}

// handMade covers the CRD kinds the all-options fleet does not render,
// and reaches parts of schemas it leaves out (CEL rules, maps).
func handMade() []sample {
	css := map[string]any{
		"apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
		"metadata": map[string]any{"name": "aws-secrets"},
		"spec": map[string]any{
			"conditions": []any{map[string]any{
				"namespaces": []any{"hub-a", "hub-b"},
				"namespaceSelector": map[string]any{"matchExpressions": []any{map[string]any{
					"key": "team", "operator": "In", "values": []any{"x", "y"},
				}}},
			}},
			"provider": map[string]any{"aws": map[string]any{
				"service": "SecretsManager", "region": "eu-west-1",
				"role":              "arn:aws:iam::123456789012:role/eso",
				"additionalRoles":   []any{"arn:aws:iam::123456789012:role/a"},
				"customSessionTags": map[string]any{"team": "data"},
				"auth": map[string]any{"jwt": map[string]any{"serviceAccountRef": map[string]any{
					"name": "external-secrets", "namespace": "external-secrets", "audiences": []any{"sts.amazonaws.com"},
				}}},
			}},
		},
	}
	dask := map[string]any{
		"apiVersion": "gateway.dask.org/v1alpha1", "kind": "DaskCluster",
		"metadata": map[string]any{"name": "c1", "namespace": "hub-a"},
		"spec":     map[string]any{"scheduler": map[string]any{"image": "x"}, "workers": []any{"a"}},
	}
	app := map[string]any{
		"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
		"metadata": map[string]any{"name": "hub-a", "namespace": "argocd"},
		"spec": map[string]any{
			"project":     "default",
			"destination": map[string]any{"server": "https://kubernetes.default.svc", "namespace": "hub-a"},
			"source": map[string]any{
				"repoURL": "https://charts.example.org", "chart": "jupyterhub", "targetRevision": "4.4.0",
				"helm": map[string]any{
					"releaseName":  "hub",
					"valuesObject": map[string]any{"hub": map[string]any{"image": "x"}},
					"parameters":   []any{map[string]any{"name": "a", "value": "b", "forceString": true}},
				},
			},
			"ignoreDifferences": []any{map[string]any{"group": "apps", "kind": "Deployment", "jsonPointers": []any{"/spec/replicas"}}},
			"info":              []any{map[string]any{"name": "owner", "value": "data"}},
			"syncPolicy":        map[string]any{"syncOptions": []any{"CreateNamespace=true"}, "retry": map[string]any{"limit": int64(3)}},
		},
		// Formatted strings (date-time) are only in status.
		"status": map[string]any{
			"reconciledAt": "2024-01-01T00:00:00Z",
			"health":       map[string]any{"status": "Healthy", "lastTransitionTime": "2024-01-01T00:00:00Z"},
		},
	}
	var out []sample
	for _, b := range []map[string]any{css, dask, app} {
		out = append(out, sample{obj: &manifest.Object{Source: "hand-made", Body: b}})
	}
	return out
}

// fleetBases is every custom body of the all-options fleet, once each.
func fleetBases(t *testing.T) []sample {
	var out []sample
	seen := map[string]bool{}
	for _, g := range renderFleet(t, fleetgen.GenerateAllOptions()) {
		for _, o := range g.objs {
			if _, _, ok := verify.SchemaKeyFor(o, g.provider); !ok {
				continue
			}
			id := fmt.Sprintf("%s %#v", g.provider, o.Map())
			if !seen[id] {
				seen[id] = true
				out = append(out, sample{provider: g.provider, obj: o})
			}
		}
	}
	return out
}

// TestMemoKeySound varies the leaves of passing custom bodies (strings
// valid and invalid for their patterns and enums, empty, long, unicode,
// numbers, bools, nulls) and checks, with fresh checks, that bodies
// sharing a memo key share the schema verdict. It also checks that the
// keys do share: variants in blind strings must collapse.
func TestMemoKeySound(t *testing.T) {
	bases := append(fleetBases(t), handMade()...)
	covered := map[string]bool{}
	for _, b := range bases {
		covered[b.obj.Group()+"/"+b.obj.Kind()] = true
		if ok, errs := verify.SchemaVerdict(b.obj, b.provider); !ok {
			t.Fatalf("%s: the base body must pass for its variants to mean something: %s", b.obj, errs)
		}
	}
	for _, k := range verify.CustomKinds() {
		if !covered[k] {
			t.Errorf("no body of %s: the test does not cover its schema", k)
		}
	}

	// One base per key: bases alike but for blind strings vary alike.
	seenKey := map[string]bool{}
	bases = slices.DeleteFunc(bases, func(b sample) bool {
		k, _, _ := verify.SchemaKeyFor(b.obj, b.provider)
		dup := seenKey[k]
		seenKey[k] = true
		return dup
	})
	variants, probes := 40, probeStrings
	if testing.Short() {
		variants, probes = 8, nil
	}
	rng := rand.New(rand.NewPCG(7, 11))
	var shared, mixedKeys, fails, sets int
	for _, b := range bases {
		type member struct {
			body map[string]any
			pass bool
			errs string
		}
		groups := map[string][]member{}
		add := func(body map[string]any) {
			o := &manifest.Object{Source: b.obj.Source, Body: body}
			key, _, ok := verify.SchemaKeyFor(o, b.provider)
			if !ok {
				t.Fatalf("%s: a variant has no key", b.obj)
			}
			pass, errs := verify.SchemaVerdict(o, b.provider)
			if !pass {
				fails++
			}
			groups[key] = append(groups[key], member{body, pass, errs})
		}
		add(deepCopy(b.obj.Map()).(map[string]any))
		// apiVersion and kind choose the CRD version: not varied.
		leaves := slices.DeleteFunc(leafPaths(b.obj.Map(), nil), func(p []any) bool {
			return len(p) == 1 && (p[0] == "apiVersion" || p[0] == "kind")
		})
		// Every leaf alone, with strings that break common rules (an
		// empty value, a long one, a bad name, a duplicate in its list).
		for _, p := range leaves {
			vals := slices.Clone(probes)
			if twin, ok := siblingValue(b.obj.Map(), p, rng); ok && probes != nil {
				vals = append(vals, twin)
			}
			// A string of the same length: a key that keeps only the
			// length must keep the verdict.
			if s, ok := getPath(b.obj.Map(), p).(string); ok && probes != nil {
				vals = append(vals, strings.Repeat("z", utf8.RuneCountInString(s)))
			}
			for _, v := range vals {
				body := deepCopy(b.obj.Map()).(map[string]any)
				setPath(body, p, v)
				add(body)
			}
		}
		// And a few leaves at once, with any kind of value.
		for range variants {
			body := deepCopy(b.obj.Map()).(map[string]any)
			for range 1 + rng.IntN(3) {
				p := leaves[rng.IntN(len(leaves))]
				if twin, ok := siblingValue(b.obj.Map(), p, rng); ok && rng.IntN(3) == 0 {
					setPath(body, p, twin)
				} else {
					setPath(body, p, randomLeaf(rng))
				}
			}
			add(body)
		}
		// And lists, which the key may write as sets: an item repeated,
		// dropped, or the items reversed, each after one leaf of the list
		// changed or not, so that a failing item is repeated too.
		for _, p := range listPaths(b.obj.Map(), nil) {
			inside := slices.DeleteFunc(slices.Clone(leaves), func(l []any) bool {
				return len(l) <= len(p) || !slices.Equal(l[:len(p)], p)
			})
			for op := range 3 {
				for _, change := range []bool{false, true} {
					body := deepCopy(b.obj.Map()).(map[string]any)
					if change && len(inside) > 0 {
						setPath(body, inside[rng.IntN(len(inside))], randomLeaf(rng))
					}
					before, _, _ := verify.SchemaKeyFor(&manifest.Object{Body: body}, b.provider)
					list := getPath(body, p).([]any)
					i := rng.IntN(len(list))
					switch op {
					case 0:
						list = append(list, deepCopy(list[i]))
					case 1:
						if len(list) < 2 {
							continue
						}
						list = slices.Delete(list, i, i+1)
					case 2:
						slices.Reverse(list)
					}
					setPath(body, p, list)
					if after, _, _ := verify.SchemaKeyFor(&manifest.Object{Body: body}, b.provider); after == before && op != 2 {
						sets++
					}
					add(body)
				}
			}
		}
		for _, g := range groups {
			if len(g) < 2 {
				continue
			}
			shared += len(g) - 1
			for _, m := range g[1:] {
				if m.pass != g[0].pass {
					mixedKeys++
					t.Errorf("%s: one key, verdicts %v and %v\n%v\n%s\n%v\n%s", b.obj, g[0].pass, m.pass, g[0].body, g[0].errs, m.body, m.errs)
				}
			}
		}
	}
	t.Logf("%d bases, %d variants sharing a key with another, %d failing, %d lists of another length keyed as sets", len(bases), shared, fails, sets)
	if shared == 0 || fails == 0 || sets == 0 {
		t.Errorf("%d shared keys, %d failing variants, %d sets: the test exercises nothing", shared, fails, sets)
	}
}

// TestMemoHitsAcrossFleet checks the memo shares Applications and
// ExternalSecrets across hubs: their full checks are one per shape of
// body (a 1,000-hub fleet has 21 and 8), not one per object.
func TestMemoHitsAcrossFleet(t *testing.T) {
	groups := renderFleet(t, fleetgen.Generate(fleetgen.Options{Clusters: 4, HubsPerCluster: 25, Seed: 1}))
	memo := &verify.Memo{}
	objects := map[string]int{}
	for _, g := range groups {
		for _, o := range g.objs {
			if err := verify.ObjectFor(o, verify.Options{Provider: g.provider, Memo: memo}); err != nil {
				t.Fatal(err)
			}
			objects[o.Group()+"/"+o.Kind()]++
		}
	}
	checks := verify.MemoEntries(memo)
	t.Logf("objects %v\nfull checks %v", objects, checks)
	for _, k := range []string{"argoproj.io/Application", "external-secrets.io/ExternalSecret"} {
		if objects[k] < 100 {
			t.Fatalf("%d %s objects: the fleet no longer tests sharing", objects[k], k)
		}
		if checks[k]*5 > objects[k] {
			t.Errorf("%s: %d full checks for %d objects, want a handful", k, checks[k], objects[k])
		}
	}
}

var probeStrings = []any{"", "ünïcödé ✓", "-bad-", strings.Repeat("x", 300)}

var randomStrings = []string{
	"", "a", "A", "x-y", "hub-a", "UPPER_case", "with space", "ünïcödé ✓", "日本語", "1", "-1", "0.5", "true", "null",
	"10.0.0.0/8", "https://example.org/x", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "2024-01-01T00:00:00Z",
	"1Gi", "100m", "5m", "SecretsManager", "In", "Exists", "default", "CreateNamespace=true",
	"arn:aws:iam::123456789012:role/x", "kubernetes.io/hostname", "karpenter.sh/nodepool", "node.kubernetes.io/x",
	"NoSchedule", "DoesNotExist", "Gt", "amd64", "on-demand", "spot", "AL2023", "al2023@latest", "Ubuntu2204", "/spec/replicas", "a.b", "-bad-", "bad.", strings.Repeat("x", 300),
}

func randomLeaf(rng *rand.Rand) any {
	switch rng.IntN(10) {
	case 0:
		return int64(rng.IntN(2000) - 1000)
	case 1:
		return rng.Float64() * 100
	case 2:
		return rng.IntN(2) == 0
	case 3:
		return nil
	case 4:
		b := make([]rune, rng.IntN(20))
		for i := range b {
			b[i] = rune(0x20 + rng.IntN(0x2000))
		}
		return string(b)
	default:
		return randomStrings[rng.IntN(len(randomStrings))]
	}
}

// leafPaths lists the paths (string keys, int indexes) of every scalar
// in v, in a deterministic order.
func leafPaths(v any, prefix []any) [][]any {
	switch t := v.(type) {
	case map[string]any:
		var out [][]any
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, leafPaths(t[k], append(slices.Clip(prefix), k))...)
		}
		return out
	case []any:
		var out [][]any
		for i, x := range t {
			out = append(out, leafPaths(x, append(slices.Clip(prefix), i))...)
		}
		return out
	default:
		return [][]any{prefix}
	}
}

// listPaths lists the paths of every non-empty list in v.
func listPaths(v any, prefix []any) [][]any {
	var out [][]any
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, listPaths(t[k], append(slices.Clip(prefix), k))...)
		}
	case []any:
		if len(t) > 0 {
			out = append(out, prefix)
		}
		for i, x := range t {
			out = append(out, listPaths(x, append(slices.Clip(prefix), i))...)
		}
	}
	return out
}

// siblingValue is the value at path p with its last list index changed
// to another item of that list, if the list has one with that value.
func siblingValue(v any, p []any, rng *rand.Rand) (any, bool) {
	last := -1
	for i, x := range p {
		if _, ok := x.(int); ok {
			last = i
		}
	}
	if last < 0 {
		return nil, false
	}
	list, ok := getPath(v, p[:last]).([]any)
	if !ok || len(list) < 2 {
		return nil, false
	}
	q := slices.Clone(p)
	q[last] = (p[last].(int) + 1 + rng.IntN(len(list)-1)) % len(list)
	x := getPath(v, q)
	switch x.(type) {
	case map[string]any, []any:
		return nil, false
	}
	return x, true
}

func getPath(v any, path []any) any {
	for _, p := range path {
		switch c := v.(type) {
		case map[string]any:
			v = c[p.(string)]
		case []any:
			if p.(int) >= len(c) {
				return nil
			}
			v = c[p.(int)]
		default:
			return nil
		}
	}
	return v
}

func setPath(v any, path []any, leaf any) {
	for i, p := range path {
		last := i == len(path)-1
		switch c := v.(type) {
		case map[string]any:
			if last {
				c[p.(string)] = leaf
				return
			}
			v = c[p.(string)]
		case []any:
			if last {
				c[p.(int)] = leaf
				return
			}
			v = c[p.(int)]
		}
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = deepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = deepCopy(x)
		}
		return out
	default:
		return v
	}
}
