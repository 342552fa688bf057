package verify_test

import (
	"fmt"
	"io/fs"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/addons"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/render/base"
	"github.com/hubfleet/hubfleet/compiler/render/daskgateway"
	"github.com/hubfleet/hubfleet/compiler/render/jupyterhub"
	"github.com/hubfleet/hubfleet/compiler/render/nodepool"
	"github.com/hubfleet/hubfleet/compiler/render/secrets"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// group is objects verified together, as the build verifies them: one
// hub's, or one cluster's cluster-wide objects (nil hub).
type group struct {
	hub      *model.Hub
	provider string
	objs     []*manifest.Object
}

// renderFleet renders a generated fleet the way the build does, without
// patches (a patched object is a map by construction).
func renderFleet(tb testing.TB, fsys fs.FS) []group {
	tb.Helper()
	fleet, diags := load.Load(fsys, load.Options{})
	if diags.HasErrors() {
		tb.Fatal(diags)
	}
	var groups []group
	for _, h := range fleet.Hubs() {
		g := group{hub: h, provider: h.Cluster.Provider}
		for _, render := range []func(*model.Hub, *model.Fleet) ([]*manifest.Object, error){
			jupyterhub.Render, secrets.Render, daskgateway.Render,
		} {
			objs, err := render(h, fleet)
			if err != nil {
				tb.Fatalf("hub %s: %v", h.ID(), err)
			}
			g.objs = append(g.objs, objs...)
		}
		groups = append(groups, g)
	}
	np, err := nodepool.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	crds, err := daskgateway.CRDs()
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range fleet.Clusters {
		objs, err := np.Render(c)
		if err != nil {
			tb.Fatalf("cluster %s: %v", c.Name, err)
		}
		groups = append(groups, group{provider: c.Provider, objs: objs})
	}
	// The build checks a body shared by clusters (the CRDs) once.
	root := crds
	for _, render := range []func(*model.Fleet) ([]*manifest.Object, error){argocd.Render, addons.Render} {
		objs, err := render(fleet)
		if err != nil {
			tb.Fatal(err)
		}
		root = append(root, objs...)
	}
	return append(groups, group{objs: root})
}

func semanticsOptions(h *model.Hub) verify.SemanticsOptions {
	if h == nil {
		return verify.SemanticsOptions{}
	}
	return verify.SemanticsOptions{ExtraPods: base.RuntimePodLabels(h)}
}

// verifyGroups checks every object and every hub's semantics, returning
// the messages.
func verifyGroups(groups []group, memo *verify.Memo) []string {
	var msgs []string
	for _, g := range groups {
		for _, o := range g.objs {
			if err := verify.ObjectFor(o, verify.Options{Provider: g.provider, Memo: memo}); err != nil {
				msgs = append(msgs, err.Error())
			}
		}
		if g.hub == nil {
			continue
		}
		for _, err := range verify.SemanticsWith(g.objs, semanticsOptions(g.hub)) {
			msgs = append(msgs, err.Error())
		}
	}
	return msgs
}

// TestFleetStaysLazy verifies a fleet that uses every option and checks
// that verification converted no typed object into a map: the encoder
// writes those from the struct, and a conversion per object was a fifth
// of a render's verification time.
func TestFleetStaysLazy(t *testing.T) {
	groups := renderFleet(t, fleetgen.GenerateAllOptions())
	var lazy []*manifest.Object
	kinds := map[string]bool{}
	for _, g := range groups {
		for _, o := range g.objs {
			if o.Lazy() && !o.Materialized() {
				lazy = append(lazy, o)
				kinds[o.Kind()] = true
			}
		}
	}
	// The fleet must exercise the typed paths of both stages: pod
	// templates and Services (Semantics).
	for _, k := range []string{"Deployment", "StatefulSet", "Service", "NetworkPolicy", "Ingress", "RoleBinding"} {
		if !kinds[k] {
			t.Errorf("no lazy %s in the fleet; the test no longer covers it", k)
		}
	}
	if msgs := verifyGroups(groups, &verify.Memo{}); len(msgs) > 0 {
		t.Fatalf("the generated fleet fails verification:\n%s", msgs)
	}
	for _, o := range lazy {
		if o.Materialized() {
			t.Errorf("%s: verification converted the typed object into a map", o)
		}
	}
}

// BenchmarkFleet verifies a rendered 100-hub fleet (objects and
// semantics), with a fresh Memo each time, as one render does.
func BenchmarkFleet(b *testing.B) {
	groups := renderFleet(b, fleetgen.Generate(fleetgen.Options{Clusters: 10, HubsPerCluster: 10, Seed: 1}))
	n := 0
	for _, g := range groups {
		n += len(g.objs)
	}
	// Load and compile every CRD outside the timer.
	if msgs := verifyGroups(groups, &verify.Memo{}); len(msgs) > 0 {
		b.Fatal(msgs)
	}
	b.ReportAllocs()
	for b.Loop() {
		verifyGroups(groups, &verify.Memo{})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1000, "µs/object")
}

// asMaps returns the objects as plain maps, without their structs, the
// form objects have after patching: each check's other path.
func asMaps(objs []*manifest.Object) []*manifest.Object {
	out := make([]*manifest.Object, len(objs))
	for i, o := range objs {
		out[i] = &manifest.Object{Cluster: o.Cluster, Hub: o.Hub, Source: o.Source, Body: o.Map()}
	}
	return out
}

// TestSemanticsTypedMatchesMaps runs SemanticsWith on each hub's objects
// with one kind left out (so references break), once on the typed
// objects and once on the same objects as maps: the reports must match.
func TestSemanticsTypedMatchesMaps(t *testing.T) {
	typed := renderFleet(t, fleetgen.GenerateAllOptions())
	maps := renderFleet(t, fleetgen.GenerateAllOptions())
	total := 0
	for _, drop := range []string{"", "ServiceAccount", "ConfigMap", "Role", "ClusterRole", "Deployment", "StatefulSet", "Service", "PersistentVolumeClaim"} {
		for gi, g := range typed {
			if g.hub == nil {
				continue
			}
			var a, b []*manifest.Object
			for i, o := range g.objs {
				if o.Kind() != drop {
					a = append(a, o)
					b = append(b, maps[gi].objs[i])
				}
			}
			opts := semanticsOptions(g.hub)
			got := fmt.Sprint(verify.SemanticsWith(a, opts))
			want := fmt.Sprint(verify.SemanticsWith(asMaps(b), opts))
			if got != want {
				t.Errorf("hub %s without %ss:\ntyped %s\nmaps  %s", g.hub.ID(), drop, got, want)
			}
			total += len(verify.SemanticsWith(a, opts))
		}
	}
	if total == 0 {
		t.Error("no errors at all: the comparison proves nothing")
	}
}
