package cli

import (
	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/diff"
)

func newDiffCmd(g *globals) *cobra.Command {
	var (
		base, format string
		maxChars     int
		fullURL      string
	)
	cmd := &cobra.Command{
		Use:   "diff [--base REF] [--format text|markdown|json]",
		Short: "Show what changes between the fleet at REF and the work tree",
		Long: "Render the fleet at REF (read from git; the work tree is untouched) and in the work\n" +
			"tree, and report per cluster and hub the objects added, changed and removed, a YAML\n" +
			"diff per changed object, notable changes and warnings for risky ones.\n" +
			"REF defaults to the merge base with origin/main.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != diff.FormatText && format != diff.FormatMarkdown && format != diff.FormatJSON {
				return exitf(ExitUsage, "--format %q: want text, markdown or json", format)
			}
			report, err := runDiff(g, base)
			if err != nil {
				return err
			}
			return diff.Write(g.stdout, report, format, diff.MarkdownOptions{MaxChars: maxChars, FullDiffURL: fullURL})
		},
	}
	cmd.Flags().StringVar(&base, "base", "", "git revision to compare with (default: merge base with origin/main)")
	cmd.Flags().StringVar(&format, "format", "text", "report format: text, markdown or json")
	cmd.Flags().IntVar(&maxChars, "max-chars", 0, "cap a markdown report at this many characters (0: no cap)")
	cmd.Flags().StringVar(&fullURL, "full-diff-url", "", "link to the full diff, shown when a markdown report is cut")
	return cmd
}

// runDiff renders both sides and prints head diagnostics to stderr.
func runDiff(g *globals, base string) (*diff.Report, error) {
	root, err := g.findRoot()
	if err != nil {
		return nil, err
	}
	if base == "" {
		if base, err = diff.DefaultBase(root); err != nil {
			return nil, exitf(ExitUsage, "%v", err)
		}
	}
	report, diags, err := diff.Run(root, base, build.Options{})
	if perr := g.printDiags(diags, diag.FormatText); perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, exitf(ExitInternal, "%v", err)
	}
	return report, nil
}
