package argocd

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Check reports fleets whose Argo CD objects would collide: two
// Applications or two AppProjects with one name (they share Argo CD's
// namespace; "a-b" + hub "c" and "a" + hub "b-c" both give "a-b-c"), a hub
// named "cluster" (its Application would be the cluster's), or an
// Application named like a hub's release label in the same cluster (under
// label tracking that Application would adopt, and prune, the hub's
// objects and user pods). Render refuses such fleets; the checker can call
// Check to report them at the right lines first.
func Check(f *model.Fleet) diag.List {
	var diags diag.List
	type owner struct {
		what string
		src  model.Source
		path string
	}
	apps := map[string]owner{RootName: {what: "the root Application"}}
	projects := map[string]owner{RootProject: {what: "the root AppProject"}}
	claim := func(names map[string]owner, kind, name string, o owner) {
		if prev, taken := names[name]; taken {
			diags.At(o.src, o.path, "Argo CD %s name %q of %s is already used by %s", kind, name, o.what, prev.what).
				WithHint("rename the cluster or hub so the names differ")
			return
		}
		names[name] = o
	}
	for _, c := range f.Clusters {
		co := owner{what: "cluster " + c.Name, src: c.Src, path: "name"}
		if c.Name == RootName {
			// rendered/argocd/<cluster>.yaml would be root.yaml, the file
			// applied by hand, which the root Application does not sync.
			diags.At(c.Src, "name", "cluster name %q is reserved: rendered/argocd/%s.yaml holds the root Application", c.Name, RootName).
				WithHint("rename the cluster's folder")
		}
		claim(projects, "AppProject", c.Name, co)
		claim(apps, "Application", ClusterAppName(c), co)
		releases := map[string]bool{}
		for _, h := range c.Hubs {
			releases[h.Name] = true
		}
		for _, h := range c.Hubs {
			ho := owner{what: "hub " + h.ID(), src: h.Src, path: "name"}
			claim(apps, "Application", HubAppName(h), ho)
			if releases[HubAppName(h)] {
				diags.At(h.Src, "name", "Argo CD Application %q of hub %s equals the release label of hub %s/%s",
					HubAppName(h), h.ID(), c.Name, HubAppName(h)).
					WithHint("rename one of the hubs; with label tracking the Application would adopt the other hub's objects")
			}
		}
	}
	return diags
}

// checkNames is Check as an error, for Render.
func checkNames(f *model.Fleet) error {
	if d := Check(f); len(d) > 0 {
		return fmt.Errorf("argocd: %s", d[0].Message)
	}
	return nil
}
