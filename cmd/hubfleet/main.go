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
// a sixth of the CPU in the collector. Under hubfleet's own soft ceiling,
// which keeps a 1,000-hub render under 512 MiB, the collector runs only as
// the heap nears it (GOGC off, as for a batch job): the live heap stays
// small, since only the bytes of files that change are kept
// (docs/performance.md). A GOMEMLIMIT set by the user (even "off") comes
// with a GOGC of 400 instead, so that the heap stays bounded by the live
// heap; GOGC, when set, always wins.
const (
	gcPercent   = 400
	memoryLimit = 400 << 20
)

func main() {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	switch {
	case !limit:
		debug.SetMemoryLimit(memoryLimit)
		if !gogc {
			debug.SetGCPercent(-1)
		}
	case !gogc:
		debug.SetGCPercent(gcPercent)
	}
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
