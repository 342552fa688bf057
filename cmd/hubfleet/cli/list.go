package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// listedHub is one row of `hubfleet list --format json`.
type listedHub struct {
	Name      string   `json:"name"`
	File      string   `json:"file"`
	Domain    string   `json:"domain"`
	Namespace string   `json:"namespace"`
	Auth      string   `json:"auth"`
	Dask      bool     `json:"dask"`
	Profiles  []string `json:"profiles"`
	NodePools []string `json:"nodePools,omitempty"`
}

type listedPool struct {
	Name          string   `json:"name"`
	Purpose       string   `json:"purpose"`
	InstanceTypes []string `json:"instanceTypes"`
	Min           int      `json:"min"`
	Max           int      `json:"max"`
	CapacityType  string   `json:"capacityType"`
	GPU           string   `json:"gpu,omitempty"`
	Hub           string   `json:"hub,omitempty"`
}

type listedCluster struct {
	Name            string       `json:"name"`
	File            string       `json:"file"`
	Provider        string       `json:"provider"`
	NodeProvisioner string       `json:"nodeProvisioner"`
	Hubs            []listedHub  `json:"hubs"`
	NodePools       []listedPool `json:"nodePools"`
}

func newListCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list [CLUSTER[/HUB] ...]",
		Short: "List the fleet: clusters, hubs, domains and node pools",
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return exitf(ExitUsage, "--format %q: want table or json", format)
			}
			root, err := g.findRoot()
			if err != nil {
				return err
			}
			fleet, diags := build.Validate(os.DirFS(root), build.Options{Select: args})
			if diags.HasErrors() {
				return g.printDiags(diags, diag.FormatText)
			}
			clusters := listing(fleet)
			if format == "json" {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(clusters); err != nil {
					return exitf(ExitInternal, "%v", err)
				}
				return nil
			}
			return writeTable(g, clusters)
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.ValidArgsFunction = g.completeTargets
	return cmd
}

func listing(f *model.Fleet) []listedCluster {
	out := []listedCluster{}
	for _, c := range f.Clusters {
		lc := listedCluster{Name: c.Name, File: c.Src.File, Provider: c.Provider, NodeProvisioner: c.NodeProvisioner, Hubs: []listedHub{}}
		for _, p := range c.AllPools() {
			lp := listedPool{Name: p.FullName(), Purpose: p.Purpose, InstanceTypes: p.InstanceTypes,
				Min: p.Min, Max: p.Max, CapacityType: p.CapacityType, Hub: p.Hub}
			if p.GPU != nil {
				lp.GPU = fmt.Sprintf("%d x %s", p.GPU.Count, p.GPU.Type)
			}
			lc.NodePools = append(lc.NodePools, lp)
		}
		for _, h := range c.Hubs {
			lh := listedHub{Name: h.Name, File: h.Src.File, Domain: h.Domain, Namespace: h.Namespace,
				Auth: h.Auth.Type, Dask: h.Dask.Enabled, Profiles: []string{}}
			for _, p := range h.Profiles {
				lh.Profiles = append(lh.Profiles, p.Slug)
			}
			for _, p := range h.NodePools {
				lh.NodePools = append(lh.NodePools, p.FullName())
			}
			lc.Hubs = append(lc.Hubs, lh)
		}
		out = append(out, lc)
	}
	return out
}

func writeTable(g *globals, clusters []listedCluster) error {
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tPROVIDER\tHUB\tDOMAIN\tNAMESPACE\tAUTH\tDASK\tPROFILES")
	for _, c := range clusters {
		for _, h := range c.Hubs {
			dask := "-"
			if h.Dask {
				dask = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Name, c.Provider+"/"+c.NodeProvisioner,
				h.Name, h.Domain, h.Namespace, h.Auth, dask, strings.Join(h.Profiles, ","))
		}
	}
	if err := tw.Flush(); err != nil {
		return exitf(ExitInternal, "%v", err)
	}
	fmt.Fprintln(g.stdout)
	tw = tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tNODE POOL\tPURPOSE\tINSTANCE TYPES\tMIN-MAX\tCAPACITY\tGPU\tHUB")
	for _, c := range clusters {
		pools := append([]listedPool(nil), c.NodePools...)
		sort.SliceStable(pools, func(i, j int) bool { return pools[i].Name < pools[j].Name })
		for _, p := range pools {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d-%d\t%s\t%s\t%s\n", c.Name, p.Name, p.Purpose,
				strings.Join(p.InstanceTypes, ","), p.Min, p.Max, p.CapacityType, dash(p.GPU), dash(p.Hub))
		}
	}
	if err := tw.Flush(); err != nil {
		return exitf(ExitInternal, "%v", err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
