// Command genfleet writes a generated fleet (hubs/) to a directory, for
// timing the real CLI on large fleets:
//
//	go run ./internal/genfleet -clusters 50 -hubs 20 -out /tmp/fleet1000
//	/usr/bin/time -v bin/hubfleet render --root /tmp/fleet1000
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
)

func main() {
	clusters := flag.Int("clusters", 50, "number of clusters")
	hubs := flag.Int("hubs", 20, "hubs per cluster")
	seed := flag.Int64("seed", 1, "generator seed")
	out := flag.String("out", "", "directory to write hubs/ into")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "genfleet: -out is required")
		os.Exit(2)
	}
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: *clusters, HubsPerCluster: *hubs, Seed: *seed})
	for name, f := range fsys {
		if f.Mode.IsDir() {
			continue
		}
		p := filepath.Join(*out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, "genfleet:", err)
			os.Exit(1)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "genfleet:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("wrote %d clusters with %d hubs each into %s\n", *clusters, *hubs, *out)
}
