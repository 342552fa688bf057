package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/scaffold"
)

func newNewCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "new",
		Short: "Scaffold a new cluster or hub with files that validate",
	}
	var provider string
	cluster := &cobra.Command{
		Use:   "cluster NAME --provider aws|gcp|azure",
		Short: "Write hubs/NAME/cluster.yaml",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := scaffold.Cluster(args[0], provider)
			if err != nil {
				return exitf(ExitUsage, "%v", err)
			}
			return g.writeScaffold(filepath.Join("hubs", args[0], "cluster.yaml"), data)
		},
	}
	cluster.Flags().StringVar(&provider, "provider", "", "cloud provider: "+strings.Join(scaffold.Providers, ", "))
	_ = cluster.MarkFlagRequired("provider")
	_ = cluster.RegisterFlagCompletionFunc("provider", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return scaffold.Providers, cobra.ShellCompDirectiveNoFileComp
	})
	hub := &cobra.Command{
		Use:   "hub CLUSTER/NAME",
		Short: "Write hubs/CLUSTER/NAME.yaml",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			clusterName, name, ok := strings.Cut(args[0], "/")
			if !ok {
				return exitf(ExitUsage, "%q: want CLUSTER/NAME", args[0])
			}
			root, err := g.findRoot()
			if err != nil {
				return err
			}
			fleet, diags := build.Validate(os.DirFS(root), build.Options{})
			if diags.HasErrors() {
				fmt.Fprintln(g.stderr, "the fleet must validate before a hub is added:")
				return g.printDiags(diags, diag.FormatText)
			}
			c := fleet.Cluster(clusterName)
			if c == nil {
				return exitf(ExitUsage, "no cluster %q (create it with `hubfleet new cluster %s --provider P`)", clusterName, clusterName)
			}
			data, err := scaffold.Hub(c, name)
			if err != nil {
				return exitf(ExitUsage, "%v", err)
			}
			return g.writeScaffold(filepath.Join("hubs", clusterName, name+".yaml"), data)
		},
	}
	cmd.AddCommand(cluster, hub)
	return cmd
}

// writeScaffold writes a new file under the root, refusing to overwrite,
// and validates the fleet with it; a scaffold that does not validate is
// removed again (that would be hubfleet's bug).
func (g *globals) writeScaffold(rel string, data []byte) error {
	root, err := g.rootForNew()
	if err != nil {
		return err
	}
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err == nil {
		return exitf(ExitUsage, "%s exists already", rel)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return exitf(ExitInternal, "%v", err)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return exitf(ExitInternal, "%v", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return exitf(ExitInternal, "%v", err)
	}
	_, diags := build.Validate(os.DirFS(root), build.Options{})
	if diags.HasErrors() {
		_ = diag.Write(g.stderr, diags, diag.FormatText)
		_ = os.Remove(p)
		return exitf(ExitInternal, "the scaffold for %s does not validate; nothing was written", rel)
	}
	fmt.Fprintf(g.stdout, "wrote %s\n", rel)
	return nil
}

// rootForNew is the root for scaffolding: like findRoot, but a new fleet
// may not have hubs/ yet, so the working directory will do.
func (g *globals) rootForNew() (string, error) {
	if root, err := g.findRoot(); err == nil {
		return root, nil
	}
	if g.root != "" {
		return g.root, nil
	}
	return os.Getwd()
}
