package cli

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/build"
)

func newValidateCmd(g *globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "validate [CLUSTER[/HUB] ...]",
		Short: "Validate hub files; writes nothing",
		Long: "Validate the fleet (or the named clusters and hubs) against the schemas and the\n" +
			"semantic rules, reporting every problem as FILE:LINE:COL: field.path: message.",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDiagFormat(format); err != nil {
				return err
			}
			root, err := g.findRoot()
			if err != nil {
				return err
			}
			_, diags := build.Validate(os.DirFS(root), build.Options{Select: args})
			return g.printDiags(diags, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "diagnostics format: text, json or github")
	cmd.ValidArgsFunction = g.completeTargets
	return cmd
}
