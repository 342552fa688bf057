package check

import (
	"slices"
	"sort"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// occurrence is one use of a value that must be unique.
type occurrence struct {
	src  model.Source
	path string
	what string // who uses it, for messages ("hub pangeo-aws/staging")
}

func (o occurrence) pos() model.Pos { return o.src.At(o.path) }

// duplicates groups occurrences by value and reports, at every member of a
// group of two or more, where the others are.
func (c *checker) duplicates(groups map[string][]occurrence, message func(value string, others string) string, hint string) {
	values := make([]string, 0, len(groups))
	for v := range groups {
		values = append(values, v)
	}
	sort.Strings(values)
	for _, v := range values {
		occ := groups[v]
		if len(occ) < 2 {
			continue
		}
		for i, o := range occ {
			var others []string
			for j, p := range occ {
				if j != i {
					others = append(others, p.what+" at "+p.pos().String())
				}
			}
			d := c.list.At(o.src, o.path, "%s", message(v, strings.Join(others, "; ")))
			if hint != "" {
				d.WithHint("%s", hint)
			}
		}
	}
}

// domains must be unique across the fleet: two hubs cannot share a host.
func (c *checker) domains() {
	groups := map[string][]occurrence{}
	for _, cl := range c.fleet.Clusters {
		if cl == nil {
			continue
		}
		for _, h := range hubs(cl) {
			d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h.Domain)), ".")
			if d == "" {
				continue
			}
			groups[d] = append(groups[d], occurrence{h.Src, "domain", "hub " + hubID(cl, h)})
		}
	}
	c.duplicates(groups, func(v, others string) string {
		return "domain " + quote(v) + " is also used by " + others
	}, "every hub needs its own domain: the ingress host and the OAuth callback URL derive from it")
}

// reservedNamespaces are never a hub's namespace.
var reservedNamespaces = []string{"default", "kube-node-lease", "kube-public", "kube-system"}

// hubNames checks that hub names and namespaces are unique in a cluster.
func (c *checker) hubNames(cl *model.Cluster) {
	names := map[string][]occurrence{}
	namespaces := map[string][]occurrence{}
	for _, h := range hubs(cl) {
		names[h.Name] = append(names[h.Name], occurrence{h.Src, "name", "hub file " + h.Src.File})
		ns, path := namespace(h)
		namespaces[ns] = append(namespaces[ns], occurrence{h.Src, path, "hub " + hubID(cl, h)})
		if slices.Contains(reservedNamespaces, ns) || (ns != "" && ns == c.fleet.GitOps.ArgocdNamespace) {
			c.list.At(h.Src, path, "namespace %q is reserved for the cluster's own components", ns).
				WithHint("give the hub a namespace of its own (the default is the hub name)")
		}
	}
	c.duplicates(names, func(v, others string) string {
		return "hub name " + quote(v) + " is also used by " + others
	}, "hub names come from file names and must be unique in a cluster")
	c.duplicates(namespaces, func(v, others string) string {
		return "namespace " + quote(v) + " is also used by " + others
	}, "each hub needs its own namespace in a cluster; set namespace: to a unique name")
}

// namespace is a hub's effective namespace and the path that sets it.
func namespace(h *model.Hub) (string, string) {
	if h.Namespace != "" {
		return h.Namespace, "namespace"
	}
	return h.Name, "name"
}

func hubID(cl *model.Cluster, h *model.Hub) string {
	return cl.Name + "/" + h.Name
}

// poolNames checks that pool object names are unique per cluster, and so
// are AKS agent-pool names on ASO.
func (c *checker) poolNames(cl *model.Cluster) {
	full := map[string][]occurrence{}
	azure := map[string][]occurrence{}
	azureFull := map[string]map[string]bool{}
	for _, p := range allPools(cl) {
		o := occurrence{poolSrc(cl, p), field(poolPath(p), "name"), "node pool " + describe(p)}
		full[p.FullName()] = append(full[p.FullName()], o)
		if cl.NodeProvisioner == model.ProvisionerASO {
			an := p.AzureName()
			if azureFull[an] == nil {
				azureFull[an] = map[string]bool{}
			}
			azureFull[an][p.FullName()] = true
			azure[an] = append(azure[an], o)
		}
	}
	c.duplicates(full, func(v, others string) string {
		return "node pool name " + quote(v) + " is also used by " + others
	}, "pool names are unique per cluster; a hub's pool is named <hub>-<name>[-<generation>]")
	// Pools sharing a full name are reported above; only distinct names
	// whose derived AKS names collide are reported here.
	for an, names := range azureFull {
		if len(names) < 2 {
			delete(azure, an)
		}
	}
	c.duplicates(azure, func(v, others string) string {
		return "AKS agent-pool name " + quote(v) + " derived from this pool collides with " + others
	}, "rename one of the pools (or set a generation) so their derived names differ")
}
