package verify_test

import (
	"math/rand/v2"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// TestFastDecodeMatchesConverter decodes every built-in object of the
// all-options fleet, as a map, and variants of it (leaves changed to any
// kind of value, unknown fields, nulls, lists and maps where scalars go)
// both ways: wherever the fast decoder succeeds, the converter must too,
// with a deeply equal value. The fast decoder must take every object the
// fleet renders, or it saves nothing.
func TestFastDecodeMatchesConverter(t *testing.T) {
	var bases []map[string]any
	for _, g := range renderFleet(t, fleetgen.GenerateAllOptions()) {
		for _, o := range g.objs {
			if builtin, _, _, _ := verify.DecodeBoth(o.Map()); builtin {
				bases = append(bases, o.Map())
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 5))
	odd := []any{nil, "x", int64(-1), int64(1 << 40), 2.5, 3.0, true, map[string]any{}, []any{}, map[string]any{"unknown": "x"}, []any{nil, "a"}}
	kinds := map[string]bool{}
	var fastOK, convOK, both int
	check := func(body map[string]any, base bool) {
		t.Helper()
		_, fast, convErr, same := verify.DecodeBoth(body)
		if fast {
			fastOK++
			if convErr != nil || !same {
				t.Fatalf("the fast decoder accepted what the converter did not decode alike (error %v, same %v):\n%v", convErr, same, body)
			}
		}
		if convErr == nil {
			convOK++
			if fast {
				both++
			}
		}
		if base && !fast {
			t.Errorf("the fast decoder gave up on a rendered object:\n%v", body)
		}
	}
	variants := 30
	if testing.Short() {
		variants = 5
	}
	for _, b := range bases {
		kinds[b["kind"].(string)] = true
		check(b, true)
		leaves := leafPaths(b, nil)
		for range variants {
			body := deepCopy(b).(map[string]any)
			p := leaves[rng.IntN(len(leaves))]
			switch rng.IntN(3) {
			case 0:
				setPath(body, p, randomLeaf(rng))
			case 1:
				setPath(body, p, deepCopy(odd[rng.IntN(len(odd))]))
			case 2: // an unknown field next to the leaf
				if m, ok := getPath(body, p[:len(p)-1]).(map[string]any); ok {
					m["notAField"] = "x"
				}
			}
			check(body, false)
		}
	}
	t.Logf("%d bodies of %d kinds: the converter decoded %d, the fast decoder %d", len(bases)*(variants+1), len(kinds), convOK, fastOK)
	for _, k := range []string{"Deployment", "StatefulSet", "Service", "CustomResourceDefinition", "NetworkPolicy"} {
		if !kinds[k] {
			t.Errorf("no %s in the fleet: the test no longer covers its type", k)
		}
	}
	if convOK == fastOK || both == 0 {
		t.Errorf("no variant the converter took and the fast decoder left to it (%d, %d): the variants do not reach the fallback", convOK, fastOK)
	}
}
