package build

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/render/base"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// verifyAll checks the cluster-wide objects (see verifyGroup) of every
// cluster, one group per cluster and one for the root Argo CD objects, in
// parallel. Hub groups are checked as each hub is built (buildHub).
func verifyAll(f *model.Fleet, objs []*manifest.Object, workers int, shared *sharedChecks, rc *checks) (diag.List, error) {
	groups := map[string][]*manifest.Object{} // by cluster; "" for the root objects
	var order []string
	for _, o := range objs {
		if _, ok := groups[o.Cluster]; !ok {
			order = append(order, o.Cluster)
		}
		groups[o.Cluster] = append(groups[o.Cluster], o)
	}
	// Groups are independent: check them in parallel, then merge in
	// group order so the messages stay deterministic.
	type result struct {
		diags    diag.List
		internal []string
	}
	results := make([]result, len(order))
	g := new(errgroup.Group)
	g.SetLimit(workers)
	for gi, k := range order {
		g.Go(func() error {
			results[gi].diags, results[gi].internal = verifyGroup(f, f.Cluster(k), nil, groups[k], shared, rc)
			return nil
		})
	}
	_ = g.Wait()
	var diags diag.List
	var internal []string
	for _, r := range results {
		diags.Merge(r.diags)
		internal = append(internal, r.internal...)
	}
	diags.Sort()
	return diags, verificationError(internal)
}

// verifyGroup checks one group of objects that are synced together (a
// hub's, or a cluster's cluster-wide objects): each alone (strict decoding
// into its API type, or its CRD schema), then together. A hub with patches
// is told which object its patches broke (a diagnostic: exit 1); any other
// failure is the compiler's bug, returned as a message for
// verificationError (exit 4). c is nil for the root Argo CD objects.
func verifyGroup(f *model.Fleet, c *model.Cluster, h *model.Hub, objs []*manifest.Object, shared *sharedChecks, rc *checks) (diag.List, []string) {
	var diags diag.List
	var internal []string
	report := func(err error) {
		for _, fe := range verify.AsFieldErrors(err) {
			if h != nil && len(h.Patches) > 0 {
				p := h.Patches[0]
				diags.Errorf(p.Pos, "patches", "after patching, %s", fe.Error()).
					WithHint("a patch produced an invalid object; check the patch's path and value")
				continue
			}
			internal = append(internal, fe.Error())
		}
	}
	opts := verify.Options{Memo: rc.memo}
	var perms *argocd.Permissions
	if c != nil {
		opts.Provider = c.Provider
		perms = rc.permissions(c)
	}
	seen := map[uintptr]bool{}
	for _, o := range objs {
		// A body shared by several objects (the same CRD in every
		// cluster) is checked once per run and reported once per group.
		if id := bodyID(o); !seen[id] {
			seen[id] = true
			if err := shared.check(id, o, opts); err != nil {
				report(err)
			}
		}
		// The cluster's AppProject must allow every object its
		// Applications sync, or Argo CD refuses the sync.
		if perms != nil && o.Group() != "argoproj.io" {
			if err := perms.Permit(o); err != nil {
				report(&verify.FieldError{Object: o.String(), Source: o.Source, Detail: err.Error()})
			}
		}
	}
	for _, err := range verify.SemanticsWith(objs, semanticsOptions(h)) {
		report(err)
	}
	return diags, internal
}

// checks is what the verification of every group of one render shares.
type checks struct {
	// memo: custom bodies repeat from hub to hub; each distinct one is
	// schema-checked once per render.
	memo *verify.Memo
	// perms holds each cluster's AppProject permissions, by cluster name,
	// derived once rather than for each of its hubs.
	perms map[string]*argocd.Permissions
}

func newChecks(f *model.Fleet) *checks {
	rc := &checks{memo: &verify.Memo{}, perms: make(map[string]*argocd.Permissions, len(f.Clusters))}
	for _, c := range f.Clusters {
		p := argocd.PermissionsFor(c)
		rc.perms[c.Name] = &p
	}
	return rc
}

// permissions returns c's permissions, derived afresh for a cluster
// newChecks did not see.
func (rc *checks) permissions(c *model.Cluster) *argocd.Permissions {
	if p := rc.perms[c.Name]; p != nil {
		return p
	}
	p := argocd.PermissionsFor(c)
	return &p
}

// sharedChecks remembers which cluster-wide bodies passed verification:
// objects built from one body map (never mutated after rendering) are the
// same object wherever they go, and precheck's passes are not checked
// again. Keys are addresses, so only objects that live until the render
// ends may go in (never a hub's, which are dropped once encoded). Only the
// provider can change which schema a body is checked against, so it is
// part of the key. A body that fails is checked again for each object, so
// each report names its own object and source.
type sharedChecks struct{ passed sync.Map }

type sharedKey struct {
	body     uintptr
	provider string
}

func (s *sharedChecks) check(id uintptr, o *manifest.Object, opts verify.Options) error {
	if s == nil {
		return verify.ObjectFor(o, opts)
	}
	key := sharedKey{id, opts.Provider}
	if _, ok := s.passed.Load(key); ok {
		return nil
	}
	err := verify.ObjectFor(o, opts)
	if err == nil {
		s.passed.Store(key, true)
	}
	return err
}

// precheck checks each of objs on its own, as verifyGroup will, so that
// verifyGroup finds the passes: objects known before the hubs are done are
// checked while hubs are built. c is the objects' cluster (nil for the
// root Argo CD objects). Failures are left for verifyGroup to report.
func (s *sharedChecks) precheck(c *model.Cluster, objs []*manifest.Object, rc *checks) {
	opts := verify.Options{Memo: rc.memo}
	if c != nil {
		opts.Provider = c.Provider
	}
	for _, o := range objs {
		_ = s.check(bodyID(o), o, opts)
	}
}

// verificationError reports objects that failed verification without a
// hub patch to blame: a hubfleet bug (exit 4).
func verificationError(internal []string) error {
	if len(internal) == 0 {
		return nil
	}
	const show = 10
	more := ""
	if len(internal) > show {
		more = fmt.Sprintf("\n(and %d more)", len(internal)-show)
		internal = internal[:show]
	}
	return &InternalError{Err: errors.New("rendered objects failed verification (a hubfleet bug; please report it):\n" +
		strings.Join(internal, "\n") + more)}
}

// semanticsOptions declares the pods created at run time: KubeSpawner's
// user pods and dask-gateway's schedulers and workers.
func semanticsOptions(h *model.Hub) verify.SemanticsOptions {
	if h == nil {
		return verify.SemanticsOptions{}
	}
	return verify.SemanticsOptions{ExtraPods: base.RuntimePodLabels(h)}
}

// bodyID identifies a body map by identity: objects built from one shared
// map (the same CRD in every cluster; never mutated after rendering) are
// the same object wherever they go. An object made from a typed struct
// (its Body field is nil, whether or not Map has built a map since) shares
// its body with no other.
func bodyID(o *manifest.Object) uintptr {
	if o.Body == nil {
		return reflect.ValueOf(o).Pointer()
	}
	return reflect.ValueOf(o.Body).Pointer()
}
