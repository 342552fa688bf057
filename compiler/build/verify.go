package build

import (
	"errors"
	"fmt"
	"reflect"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/render/base"
	"github.com/hubfleet/hubfleet/compiler/verify"
)

// verifyAll checks every object before anything is written: each alone
// (strict decoding into its API type, or its CRD schema), then each hub's and
// each cluster's objects together. A hub with patches is told which object
// its patches broke (exit 1); any other failure is the compiler's bug and
// comes back as an InternalError (exit 4).
func verifyAll(f *model.Fleet, objs []*manifest.Object, workers int) (diag.List, error) {
	groups := map[string][]*manifest.Object{}
	var order []string
	for _, o := range objs {
		k := o.Cluster + "/" + o.Hub
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], o)
	}
	hubs := map[string]*model.Hub{}
	for _, h := range f.Hubs() {
		hubs[h.Cluster.Name+"/"+h.Name] = h
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
			r := &results[gi]
			h := hubs[k]
			report := func(err error) {
				for _, fe := range verify.AsFieldErrors(err) {
					if h != nil && len(h.Patches) > 0 {
						p := h.Patches[0]
						r.diags.Errorf(p.Pos, "patches", "after patching, %s", fe.Error()).
							WithHint("a patch produced an invalid object; check the patch's path and value")
						continue
					}
					r.internal = append(r.internal, fe.Error())
				}
			}
			opts := verify.Options{}
			c := f.Cluster(strings.SplitN(k, "/", 2)[0])
			var perms *argocd.Permissions
			if c != nil {
				opts.Provider = c.Provider
				p := argocd.PermissionsFor(c)
				perms = &p
			}
			seen := map[uintptr]bool{}
			for _, o := range groups[k] {
				// A body shared by several objects (the same CRD in every
				// cluster) is checked once per group.
				if id := reflect.ValueOf(o.Body).Pointer(); !seen[id] {
					seen[id] = true
					if err := verify.ObjectFor(o, opts); err != nil {
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
			for _, err := range verify.SemanticsWith(groups[k], semanticsOptions(h)) {
				report(err)
			}
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
	if len(internal) > 0 {
		const show = 10
		more := ""
		if len(internal) > show {
			more = fmt.Sprintf("\n(and %d more)", len(internal)-show)
			internal = internal[:show]
		}
		return diags, &InternalError{Err: errors.New("rendered objects failed verification (a hubfleet bug; please report it):\n" +
			strings.Join(internal, "\n") + more)}
	}
	return diags, nil
}

// semanticsOptions declares the pods created at run time: KubeSpawner's
// user pods and dask-gateway's schedulers and workers.
func semanticsOptions(h *model.Hub) verify.SemanticsOptions {
	if h == nil {
		return verify.SemanticsOptions{}
	}
	pods := []map[string]string{{
		"component": base.UserComponent, "app": "jupyterhub", "release": base.Release(h),
		"app.kubernetes.io/component": base.UserComponent,
		base.AccessHub:                "true",
	}}
	if h.Dask.Enabled {
		for _, c := range []string{"dask-scheduler", "dask-worker"} {
			pods = append(pods, map[string]string{
				"gateway.dask.org/instance":   base.DaskFullName(h),
				"app.kubernetes.io/component": c,
			})
		}
	}
	return verify.SemanticsOptions{ExtraPods: pods}
}
