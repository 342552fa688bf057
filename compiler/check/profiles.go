package check

import (
	"strconv"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// profiles checks the spawn-page profiles of a hub.
func (c *checker) profiles(cl *model.Cluster, h *model.Hub) {
	src := h.Src
	var defaults []int
	var slugs []string
	groups := map[string][]occurrence{}
	for i, p := range h.Profiles {
		if p.Default {
			defaults = append(defaults, i)
			slugs = append(slugs, p.Slug)
		}
		groups[p.Slug] = append(groups[p.Slug], occurrence{src, field(index("profiles", i), "slug"), index("profiles", i)})
	}
	switch {
	case len(defaults) == 0:
		c.list.At(src, "profiles", "no profile is marked default: true; exactly one must be").
			WithHint("set default: true on the profile users get when they do not choose")
	case len(defaults) > 1:
		for _, i := range defaults {
			c.list.At(src, field(index("profiles", i), "default"), "%d profiles are marked default (%s); exactly one must be", len(defaults), quoteAll(slugs))
		}
	}
	c.duplicates(groups, func(v, others string) string {
		return "profile slug " + quote(v) + " is also used by " + others
	}, "slugs identify profiles on the spawn page and in the API: make them unique in the hub")

	for i := range h.Profiles {
		c.profile(cl, h, i)
	}
}

// resources is the CPU and memory of a pod as written, each value with the
// path it was written at (a profile's, or an option choice's override).
type resources struct {
	cpuG, cpuL         float64
	memG, memL         string
	cpuGPath, cpuLPath string
	memGPath, memLPath string
}

func profileResources(base string, p *model.Profile) resources {
	return resources{
		cpuG: p.CPU.Guarantee, cpuL: p.CPU.Limit, memG: p.Memory.Guarantee, memL: p.Memory.Limit,
		cpuGPath: fields(base, "cpu", "guarantee"), cpuLPath: fields(base, "cpu", "limit"),
		memGPath: fields(base, "memory", "guarantee"), memLPath: fields(base, "memory", "limit"),
	}
}

// override applies an option choice's CPU and memory to a profile's.
func (r resources) override(base string, cpu *model.CPU, mem *model.Memory) resources {
	if cpu != nil {
		if cpu.Guarantee > 0 {
			r.cpuG, r.cpuGPath = cpu.Guarantee, fields(base, "cpu", "guarantee")
		}
		if cpu.Limit > 0 {
			r.cpuL, r.cpuLPath = cpu.Limit, fields(base, "cpu", "limit")
		}
	}
	if mem != nil {
		if mem.Guarantee != "" {
			r.memG, r.memGPath = mem.Guarantee, fields(base, "memory", "guarantee")
		}
		if mem.Limit != "" {
			r.memL, r.memLPath = mem.Limit, fields(base, "memory", "limit")
		}
	}
	return r
}

// check validates guarantee ≤ limit and returns the pod's request: the
// guarantee, or the limit when no guarantee is set (Kubernetes then
// requests the limit). Problems are reported only for values written under
// own, so an inherited value is not reported twice. ok is false when a
// quantity does not parse.
func (c *checker) checkResources(src model.Source, r resources, own string) (req request, ok bool) {
	mine := func(path string) bool { return strings.HasPrefix(path, own) }
	ok = true
	parse := func(s, path string) int64 {
		if s == "" {
			return 0
		}
		b, err := memoryBytes(s)
		if err != nil {
			ok = false
			if mine(path) {
				c.list.At(src, path, "%v", err)
			}
		}
		return b
	}
	memG, memL := parse(r.memG, r.memGPath), parse(r.memL, r.memLPath)
	if r.cpuG > 0 && r.cpuL > 0 && millicores(r.cpuG) > millicores(r.cpuL) && (mine(r.cpuGPath) || mine(r.cpuLPath)) {
		c.list.At(src, r.cpuGPath, "cpu guarantee %s is more than the cpu limit %s", fmtFloat(r.cpuG), fmtFloat(r.cpuL))
	}
	if ok && memG > 0 && memL > 0 && memG > memL && (mine(r.memGPath) || mine(r.memLPath)) {
		c.list.At(src, r.memGPath, "memory guarantee %s is more than the memory limit %s", r.memG, r.memL)
	}
	req = request{cpu: millicores(r.cpuG), mem: memG, cpuText: fmtFloat(r.cpuG), memText: r.memG, cpuPath: r.cpuGPath, memPath: r.memGPath}
	if req.cpu == 0 {
		req.cpu, req.cpuText, req.cpuPath = millicores(r.cpuL), fmtFloat(r.cpuL), r.cpuLPath
	}
	if req.mem == 0 {
		req.mem, req.memText, req.memPath = memL, r.memL, r.memLPath
	}
	if req.memText == "" {
		req.memText = "0"
	}
	return req, ok
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// profile checks one profile: resources, its pool, GPUs and option choices.
func (c *checker) profile(cl *model.Cluster, h *model.Hub, i int) {
	src := h.Src
	p := &h.Profiles[i]
	base := index("profiles", i)
	who := "profile " + quote(p.Slug)

	req, ok := c.checkResources(src, profileResources(base, p), base)
	pool := c.userPool(cl, h, field(base, "nodePool"), p.NodePool, "profiles")
	if pool != nil {
		c.profileGPUs(cl, h, base, p, pool)
		if ok {
			c.checkFit(src, cl.Provider, pool, who, req)
		}
	}

	for _, opt := range sortedKeys(p.Options) {
		choices := p.Options[opt].Choices
		var defaults []string
		for _, name := range sortedKeys(choices) {
			ch := choices[name]
			if ch.Default {
				defaults = append(defaults, name)
			}
			if ch.CPU == nil && ch.Memory == nil {
				continue
			}
			cbase := fields(base, "options", opt, "choices", name)
			r := profileResources(base, p).override(cbase, ch.CPU, ch.Memory)
			creq, cok := c.checkResources(src, r, cbase)
			if pool != nil && cok {
				c.checkFit(src, cl.Provider, pool, who+" with "+opt+" "+quote(name), creq)
			}
		}
		if len(defaults) > 1 {
			c.list.At(src, fields(base, "options", opt, "choices"), "%d choices of option %s are marked default (%s); at most one may be", len(defaults), quote(opt), quoteAll(defaults))
		}
	}
}

// userPool resolves a reference to a pool that must have purpose user.
func (c *checker) userPool(cl *model.Cluster, h *model.Hub, path, name, what string) *model.NodePool {
	return c.poolRef(cl, h, path, name, model.PurposeUser, what)
}

// poolRef resolves a node-pool reference and checks its purpose; it
// returns the pool only when both hold.
func (c *checker) poolRef(cl *model.Cluster, h *model.Hub, path, name, purpose, what string) *model.NodePool {
	candidates := poolsWithPurpose(cl, h, purpose)
	hint := "node pools with purpose " + purpose + ": " + quoteAll(candidates)
	if len(candidates) == 0 {
		hint = "the cluster and the hub have no node pool with purpose " + purpose + "; add one"
	}
	p := cl.Pool(h, name)
	if p == nil {
		c.list.At(h.Src, path, "node pool %s does not exist in cluster %s or in hub %s", quote(name), cl.Name, h.Name).WithHint("%s", hint)
		return nil
	}
	if p.Purpose != purpose {
		c.list.At(h.Src, path, "node pool %s has purpose %s, but %s need a pool with purpose %s", quote(name), p.Purpose, what, purpose).WithHint("%s", hint)
		return nil
	}
	return p
}

// poolsWithPurpose lists the names of the pools a hub may use with a
// purpose.
func poolsWithPurpose(cl *model.Cluster, h *model.Hub, purpose string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range cl.Pools(h) {
		if p.Purpose == purpose && !seen[p.Name] {
			seen[p.Name] = true
			out = append(out, p.Name)
		}
	}
	return out
}

// profileGPUs matches a profile's GPUs with its pool's.
func (c *checker) profileGPUs(cl *model.Cluster, h *model.Hub, base string, p *model.Profile, pool *model.NodePool) {
	switch {
	case p.GPUs > 0 && pool.GPU == nil:
		var gpuPools []string
		for _, q := range cl.Pools(h) {
			if q.Purpose == model.PurposeUser && q.GPU != nil {
				gpuPools = append(gpuPools, q.Name)
			}
		}
		hint := "no user pool of this hub has gpu set; add one with gpu: {type, count}"
		if len(gpuPools) > 0 {
			hint = "user pools with GPUs: " + quoteAll(gpuPools)
		}
		c.list.At(h.Src, field(base, "gpus"), "profile %s requests %d GPU(s), but node pool %s has no GPUs", quote(p.Slug), p.GPUs, quote(pool.Name)).
			WithHint("%s", hint)
	case p.GPUs > 0 && pool.GPU.Count < p.GPUs && pool.GPU.Count >= 1:
		c.list.At(h.Src, field(base, "gpus"), "profile %s requests %d GPUs, but nodes of pool %s have %d", quote(p.Slug), p.GPUs, quote(pool.Name), pool.GPU.Count)
	case p.GPUs == 0 && pool.GPU != nil:
		c.list.At(h.Src, field(base, "nodePool"), "node pool %s is a GPU pool, but profile %s requests no GPUs", quote(pool.Name), quote(p.Slug)).
			WithHint("set gpus: on the profile, or use a pool without gpu: GPU nodes are tainted for GPU pods only")
	}
}
