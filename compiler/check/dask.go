package check

import (
	"github.com/hubfleet/hubfleet/compiler/model"
)

// dask checks a daskhub's gateway settings: pools, worker sizes, limits.
func (c *checker) dask(cl *model.Cluster, h *model.Hub) {
	d := h.Dask
	if !d.Enabled {
		return
	}
	src := h.Src

	var workerPool *model.NodePool
	if d.WorkerNodePool == "" {
		c.list.At(src, "dask.workerNodePool", "dask is enabled but names no workerNodePool").
			WithHint("set dask.workerNodePool to a pool with purpose dask-worker")
	} else {
		workerPool = c.poolRef(cl, h, "dask.workerNodePool", d.WorkerNodePool, model.PurposeDaskWorker, "dask workers")
	}

	// The scheduler defaults to the default profile's pool, whose problems
	// the profile checks already report.
	var schedPool *model.NodePool
	if d.SchedulerNodePool != "" {
		schedPool = c.poolRef(cl, h, "dask.schedulerNodePool", d.SchedulerNodePool, model.PurposeUser, "dask schedulers")
	} else if dp := h.DefaultProfile(); dp != nil {
		if p := cl.Pool(h, dp.NodePool); p != nil && p.Purpose == model.PurposeUser {
			schedPool = p
		}
	}
	if schedPool != nil {
		mem, err := parseOptional(d.Scheduler.Memory)
		if err != nil {
			c.list.At(src, "dask.scheduler.memory", "%v", err)
		} else {
			c.checkFit(src, cl.Provider, schedPool, "the dask scheduler", request{
				cpu: millicores(d.Scheduler.Cores), mem: mem,
				cpuText: fmtFloat(d.Scheduler.Cores), memText: orZero(d.Scheduler.Memory),
				cpuPath: "dask.scheduler.cores", memPath: "dask.scheduler.memory",
			})
		}
	}

	// Worker sizes: unique names, each fits the worker pool.
	names := map[string][]occurrence{}
	var minCores float64
	var minMem int64
	minCoresIdx, minMemIdx := -1, -1
	for i, w := range d.WorkerSizes {
		base := index("dask.workerSizes", i)
		names[w.Name] = append(names[w.Name], occurrence{src, field(base, "name"), base})
		mem, err := parseOptional(w.Memory)
		if err != nil {
			c.list.At(src, field(base, "memory"), "%v", err)
			continue
		}
		if minCoresIdx < 0 || w.Cores < minCores {
			minCores, minCoresIdx = w.Cores, i
		}
		if minMemIdx < 0 || mem < minMem {
			minMem, minMemIdx = mem, i
		}
		if workerPool != nil {
			c.checkFit(src, cl.Provider, workerPool, "dask worker size "+quote(w.Name), request{
				cpu: millicores(w.Cores), mem: mem, cpuText: fmtFloat(w.Cores), memText: orZero(w.Memory),
				cpuPath: field(base, "cores"), memPath: field(base, "memory"),
			})
		}
	}
	c.duplicates(names, func(v, others string) string {
		return "worker size " + quote(v) + " is also used by " + others
	}, "users pick worker sizes by name: make them unique")

	c.daskLimits(h, minCoresIdx, minCores, minMemIdx, minMem)
}

// daskLimits checks that a user's cluster can hold at least one worker.
// A zero limit that was not written means "no limit".
func (c *checker) daskLimits(h *model.Hub, minCoresIdx int, minCores float64, minMemIdx int, minMem int64) {
	src := h.Src
	l := h.Dask.Limits
	written := func(path string) bool { _, ok := src.Positions[path]; return ok }

	if l.MaxWorkers < 0 || l.MaxWorkers == 0 && written("dask.limits.maxWorkers") {
		c.list.At(src, "dask.limits.maxWorkers", "maxWorkers %d allows no worker at all", l.MaxWorkers).
			WithHint("set maxWorkers to 1 or more, or remove it for no limit")
	}
	if l.MaxCores < 0 || l.MaxCores == 0 && written("dask.limits.maxCores") {
		c.list.At(src, "dask.limits.maxCores", "maxCores %s allows no worker at all", fmtFloat(l.MaxCores))
	} else if l.MaxCores > 0 && minCoresIdx >= 0 && millicores(l.MaxCores) < millicores(minCores) {
		c.list.At(src, "dask.limits.maxCores", "maxCores %s is less than the smallest worker size (%s, %s cores): no worker could start",
			fmtFloat(l.MaxCores), quote(h.Dask.WorkerSizes[minCoresIdx].Name), fmtFloat(minCores))
	}
	if l.MaxMemory == "" {
		return
	}
	maxMem, err := memoryBytes(l.MaxMemory)
	switch {
	case err != nil:
		c.list.At(src, "dask.limits.maxMemory", "%v", err)
	case maxMem == 0:
		c.list.At(src, "dask.limits.maxMemory", "maxMemory %s allows no worker at all", l.MaxMemory)
	case minMemIdx >= 0 && maxMem < minMem:
		c.list.At(src, "dask.limits.maxMemory", "maxMemory %s is less than the smallest worker size (%s, %s): no worker could start",
			l.MaxMemory, quote(h.Dask.WorkerSizes[minMemIdx].Name), h.Dask.WorkerSizes[minMemIdx].Memory)
	}
}

// parseOptional parses a memory quantity that may be empty (zero).
func parseOptional(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	return memoryBytes(s)
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
