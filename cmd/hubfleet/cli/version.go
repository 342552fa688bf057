package cli

import (
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the hubfleet version and the component versions it can render",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(g.stdout, "hubfleet %s (%s)\n", version, runtime.Version())
			fmt.Fprintf(g.stdout, "jupyterhub (z2jh): %s\n", strings.Join(base.JupyterHubVersions(), ", "))
			fmt.Fprintf(g.stdout, "dask-gateway: %s\n", strings.Join(base.DaskGatewayVersions(), ", "))
			return nil
		},
	}
}
