// Command hubfleet compiles a fleet of JupyterHub + dask-gateway hubs into
// plain Kubernetes manifests. See README.md and SPEC §3.
package main

import (
	"os"
	"runtime/debug"

	"github.com/hubfleet/hubfleet/cmd/hubfleet/cli"
)

// A render allocates several times its live heap (objects are built,
// checked, encoded and dropped hub by hub), so the default GOGC=100 spends
// a sixth of the CPU in the collector. The collector runs only as the heap
// nears a soft ceiling that keeps a 1,000-hub render under 512 MiB (GOGC
// off under GOMEMLIMIT, as for a batch job): the live heap stays small,
// since only the bytes of files that change are kept
// (docs/performance.md). GOGC and GOMEMLIMIT still win when set.
const (
	gcPercent   = -1 // off: the memory limit alone triggers collection
	memoryLimit = 400 << 20
)

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
