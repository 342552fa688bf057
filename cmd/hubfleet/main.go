// Command hubfleet compiles a fleet of JupyterHub + dask-gateway hubs into
// plain Kubernetes manifests. See README.md and SPEC §3.
package main

import (
	"os"

	"github.com/hubfleet/hubfleet/cmd/hubfleet/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
