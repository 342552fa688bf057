package cli

import (
	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/schema"
)

func newSchemaCmd(g *globals) *cobra.Command {
	var format, kind string
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Print the hub, cluster or fleet file schema for editors",
		Long: "Print the JSON Schema of a hub, cluster or fleet file, generated from the CUE\n" +
			"schemas in schema/. Editors use it through a `# yaml-language-server: $schema=` line.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "jsonschema" {
				return exitf(ExitUsage, "--format %q: want jsonschema", format)
			}
			defs := map[string]string{"hub": "#Hub", "cluster": "#Cluster", "fleet": "#Fleet"}
			def, ok := defs[kind]
			if !ok {
				return exitf(ExitUsage, "--kind %q: want hub, cluster or fleet", kind)
			}
			data, err := schema.JSONSchema(def)
			if err != nil {
				return exitf(ExitInternal, "generating JSON Schema: %v", err)
			}
			_, err = g.stdout.Write(data)
			return err
		},
	}
	cmd.Flags().StringVar(&format, "format", "jsonschema", "schema format: jsonschema")
	cmd.Flags().StringVar(&kind, "kind", "hub", "which file: hub, cluster or fleet")
	return cmd
}
