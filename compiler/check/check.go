// Package check holds the semantic rules of a fleet that its CUE schema
// cannot express: references between entities, uniqueness across files,
// sizes against the instance-type catalog, and guards against open hubs and
// literal secrets. Check reports every problem it finds, each positioned
// where the offending value was written.
package check

import (
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Check validates a layered, schema-validated fleet and returns every
// diagnostic, sorted. It never panics: missing pieces are skipped or
// reported.
func Check(f *model.Fleet) diag.List {
	if f == nil {
		return nil
	}
	c := &checker{fleet: f}
	c.versions()
	c.domains()
	for _, cl := range f.Clusters {
		if cl != nil {
			c.cluster(cl)
		}
	}
	c.list.Sort()
	return c.list
}

type checker struct {
	fleet *model.Fleet
	list  diag.List
}

// cluster runs every rule scoped to one cluster and its hubs.
func (c *checker) cluster(cl *model.Cluster) {
	c.clusterSettings(cl)
	for _, p := range allPools(cl) {
		c.pool(cl, p)
	}
	c.poolNames(cl)
	c.hubNames(cl)
	for _, h := range hubs(cl) {
		c.hub(cl, h)
	}
}

// hub runs every rule scoped to one hub.
func (c *checker) hub(cl *model.Cluster, h *model.Hub) {
	c.auth(h)
	c.environments(h)
	c.profiles(cl, h)
	c.dask(cl, h)
	c.placeholders(cl, h)
	c.patches(h)
	c.storage(cl, h)
	c.identity(cl, h)
}

// hubs returns the cluster's hubs without nil entries.
func hubs(cl *model.Cluster) []*model.Hub {
	out := make([]*model.Hub, 0, len(cl.Hubs))
	for _, h := range cl.Hubs {
		if h != nil {
			out = append(out, h)
		}
	}
	return out
}

// allPools is Cluster.AllPools tolerating nil hubs.
func allPools(cl *model.Cluster) []*model.NodePool {
	var out []*model.NodePool
	for i := range cl.NodePools {
		out = append(out, &cl.NodePools[i])
	}
	for _, h := range hubs(cl) {
		for i := range h.NodePools {
			out = append(out, &h.NodePools[i])
		}
	}
	return out
}

// poolSrc is the source a pool's diagnostics point into: its own, or its
// hub's or cluster's when the loader left it empty.
func poolSrc(cl *model.Cluster, p *model.NodePool) model.Source {
	if p.Src.File != "" || p.Src.Positions != nil {
		return p.Src
	}
	if p.Hub != "" {
		for _, h := range hubs(cl) {
			if h.Name == p.Hub {
				return h.Src
			}
		}
	}
	return cl.Src
}

// poolPath is the CUE path of a pool in its source.
func poolPath(p *model.NodePool) string {
	if p.Path != "" {
		return p.Path
	}
	return "nodePools"
}

// describe names a pool for messages: its full name, and the hub it
// belongs to when declared in a hub file.
func describe(p *model.NodePool) string {
	if p.Hub != "" {
		return quote(p.Name) + " (hub " + p.Hub + ")"
	}
	return quote(p.Name)
}
