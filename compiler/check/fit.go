package check

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/check/catalog"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// fitResult says whether a request fits some machine of a pool.
type fitResult struct {
	// fits is true when some known type holds the request, and also when
	// any type is unknown (the checker cannot prove it does not fit).
	fits bool
	// cpuShort / memShort: no known type has enough of that resource alone.
	cpuShort, memShort bool
	// largest is the pool's known type with the most allocatable memory
	// (then CPU), for hints.
	largest catalog.InstanceType
}

// knownTypes returns the catalog entries of a pool's instance types and
// whether all of them are known.
func knownTypes(provider string, p *model.NodePool) ([]catalog.InstanceType, bool) {
	var out []catalog.InstanceType
	all := true
	for _, name := range p.InstanceTypes {
		if it, ok := catalog.Lookup(provider, name); ok {
			out = append(out, it)
		} else {
			all = false
		}
	}
	return out, all
}

// fit checks a pod requesting cpu millicores and mem bytes against a pool.
func fit(provider string, p *model.NodePool, cpu, mem int64) fitResult {
	types, all := knownTypes(provider, p)
	r := fitResult{fits: !all || len(types) == 0, cpuShort: true, memShort: true}
	for _, it := range types {
		if it.Fits(cpu, mem) {
			r.fits = true
		}
		if cpu <= it.AllocatableCPU {
			r.cpuShort = false
		}
		if mem <= it.AllocatableMemory {
			r.memShort = false
		}
		if it.AllocatableMemory > r.largest.AllocatableMemory ||
			it.AllocatableMemory == r.largest.AllocatableMemory && it.AllocatableCPU > r.largest.AllocatableCPU {
			r.largest = it
		}
	}
	return r
}

// hint describes the largest machine of the pool.
func (r fitResult) hint(p *model.NodePool) string {
	return fmt.Sprintf("the largest machine of node pool %s is %s with %s CPU and %s allocatable; lower the request or use a pool with larger instance types",
		quote(p.Name), r.largest.Name, formatCores(r.largest.AllocatableCPU), formatBytes(r.largest.AllocatableMemory))
}

// request is one pod's resources as written, for checking and messages.
type request struct {
	cpu     int64 // millicores
	mem     int64 // bytes
	cpuText string
	memText string
	// paths of the CPU and memory values, for the diagnostic position.
	cpuPath, memPath string
}

// checkFit reports a request that fits no machine of the pool: at the CPU
// path when CPU alone is too large, else at the memory path.
func (c *checker) checkFit(src model.Source, provider string, p *model.NodePool, who string, req request) {
	if req.cpu == 0 && req.mem == 0 {
		return
	}
	r := fit(provider, p, req.cpu, req.mem)
	if r.fits {
		return
	}
	path := req.memPath
	switch {
	case r.cpuShort:
		path = req.cpuPath
	case !r.memShort:
		// Each resource fits some machine, but no machine holds both.
		c.list.At(src, path, "%s requests %s CPU and %s memory, which no single machine of node pool %s can allocate together",
			who, req.cpuText, req.memText, quote(p.Name)).WithHint("%s", r.hint(p))
		return
	}
	c.list.At(src, path, "%s requests %s CPU and %s memory, more than any machine of node pool %s can allocate",
		who, req.cpuText, req.memText, quote(p.Name)).WithHint("%s", r.hint(p))
}
