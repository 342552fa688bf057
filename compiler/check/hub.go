package check

import (
	"strings"

	"github.com/hubfleet/hubfleet/compiler/check/catalog"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// placeholders checks that warm-capacity pods can all be placed: the
// default profile's pool must be able to hold them at its maximum size.
// Placeholder pods request what the default profile guarantees, so a node
// may hold several; with unknown instance types nothing is proven.
func (c *checker) placeholders(cl *model.Cluster, h *model.Hub) {
	n := h.Placeholders.Replicas
	if n <= 0 {
		return
	}
	dp := h.DefaultProfile()
	if dp == nil {
		return
	}
	pool := cl.Pool(h, dp.NodePool)
	if pool == nil || pool.Purpose != model.PurposeUser {
		return
	}
	req, ok := c.silentRequest(dp)
	types, all := knownTypes(cl.Provider, pool)
	if !ok || !all || len(types) == 0 || req.cpu == 0 && req.mem == 0 {
		return
	}
	perNode := int64(0)
	for _, it := range types {
		perNode = max(perNode, podsPerNode(it, req))
	}
	if perNode == 0 {
		return // the profile itself does not fit; reported there
	}
	if capacity := perNode * int64(max(pool.Max, 0)); int64(n) > capacity {
		c.list.At(h.Src, "placeholders.replicas", "%d placeholders do not fit node pool %s: at most %d nodes with %d placeholder(s) each",
			n, quote(pool.Name), max(pool.Max, 0), perNode).
			WithHint("lower placeholders.replicas to %d or raise the pool's max", capacity)
	}
}

// silentRequest is the default profile's request without reporting
// (the profile checks report its problems).
func (c *checker) silentRequest(p *model.Profile) (request, bool) {
	scratch := checker{fleet: c.fleet}
	return scratch.checkResources(model.Source{}, profileResources("", p), "")
}

// podsPerNode is how many pods of a request fit an empty node.
func podsPerNode(it catalog.InstanceType, req request) int64 {
	n := int64(-1)
	if req.cpu > 0 {
		n = it.AllocatableCPU / req.cpu
	}
	if req.mem > 0 {
		m := it.AllocatableMemory / req.mem
		if n < 0 || m < n {
			n = m
		}
	}
	return max(n, 0)
}

// patches checks the kustomize patches of a hub; matching them against the
// rendered objects is the patch stage's job.
func (c *checker) patches(h *model.Hub) {
	for i, p := range h.Patches {
		path := p.Path
		if path == "" {
			path = index("patches", i)
		}
		// The field's own position, else where the patch entry was written.
		at := func(sub string) model.Pos {
			if pos, ok := h.Src.Positions[sub]; ok {
				return pos
			}
			if p.Pos.File != "" {
				return p.Pos
			}
			return h.Src.At(sub)
		}
		if strings.TrimSpace(p.Patch) == "" {
			c.list.Errorf(at(field(path, "patch")), field(path, "patch"), "the patch is empty")
		}
		if t := p.Target; t != nil && t.Kind == "" && t.Name == "" && t.LabelSelector == "" && t.AnnotationSelector == "" {
			c.list.Errorf(at(field(path, "target")), field(path, "target"), "the patch target selects every object of the hub").
				WithHint("set target.kind and/or target.name (or a label selector)")
		}
	}
}
