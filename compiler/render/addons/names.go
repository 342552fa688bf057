package addons

import (
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
)

// Check reports add-on AppProjects and Applications whose names another
// Argo CD object of the fleet already has (they all share Argo CD's
// namespace): cluster "a" gets project "a-addons", which a cluster named
// "a-addons" also claims; hub "addon-cert-manager" of cluster "a" has
// Application "a-addon-cert-manager". It also reports an add-on
// Application named like a hub's release label in the same cluster, which
// label tracking would let it adopt. Collisions among argocd's own names
// are argocd.Check's to report. Render refuses such fleets.
func Check(f *model.Fleet) diag.List {
	var diags diag.List
	if f == nil {
		return nil
	}
	// Names argocd renders, with who owns them.
	apps := map[string]string{argocd.RootName: "the root Application"}
	projects := map[string]string{argocd.RootProject: "the root AppProject"}
	for _, c := range f.Clusters {
		if c == nil {
			continue
		}
		setOnce(projects, c.Name, "the AppProject of cluster "+c.Name)
		setOnce(apps, argocd.ClusterAppName(c), "the Application of cluster "+c.Name)
		for _, h := range c.Hubs {
			if h != nil && h.Cluster != nil {
				setOnce(apps, argocd.HubAppName(h), "the Application of hub "+h.ID())
			}
		}
	}
	for _, c := range f.Clusters {
		if c == nil {
			continue
		}
		plan, err := PlanFor(f, c)
		if err != nil {
			continue // Render reports it.
		}
		if prev, taken := projects[ProjectName(c)]; taken {
			diags.At(c.Src, "name", "Argo CD AppProject name %q of the add-ons of cluster %s is already used by %s",
				ProjectName(c), c.Name, prev).WithHint("rename one of the clusters")
		} else {
			projects[ProjectName(c)] = "the add-on AppProject of cluster " + c.Name
		}
		releases := map[string]bool{}
		for _, h := range c.Hubs {
			if h != nil {
				releases[h.Name] = true
			}
		}
		for _, a := range plan.AddOns {
			name := AppName(c, a.Name)
			if prev, taken := apps[name]; taken {
				diags.At(c.Src, "name", "Argo CD Application name %q of add-on %s of cluster %s is already used by %s",
					name, a.Name, c.Name, prev).WithHint("rename the cluster or the hub so the names differ")
				continue
			}
			apps[name] = "add-on " + a.Name + " of cluster " + c.Name
			if releases[name] {
				diags.At(c.Src, "name", "Argo CD Application %q of add-on %s equals the release label of hub %s/%s",
					name, a.Name, c.Name, name).
					WithHint("rename the hub; with label tracking the add-on would adopt the hub's objects")
			}
		}
	}
	return diags
}

func setOnce(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}
