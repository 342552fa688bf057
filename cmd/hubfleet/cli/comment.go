package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/diff"
	"github.com/hubfleet/hubfleet/compiler/github"
)

func newCommentCmd(g *globals) *cobra.Command {
	var (
		repo, base, bodyFile, diagsFile, sha, checkName, fullURL string
		pr                                                       int
	)
	cmd := &cobra.Command{
		Use:   "comment --repo OWNER/NAME --pr N [--base REF]",
		Short: "Post or update the pull request's sticky hubfleet comment (and check run)",
		Long: "Post the diff report as one sticky pull-request comment, found again by a hidden\n" +
			"marker and updated in place, kept under GitHub's 65,536-character limit. With --sha,\n" +
			"also create a check run whose annotations point at the hub files' lines.\n" +
			"The token comes from GITHUB_TOKEN; GITHUB_API_URL selects GitHub Enterprise.\n" +
			"For fork pull requests, an unprivileged job can write the report with\n" +
			"`hubfleet diff --format markdown` and `hubfleet validate --format json`, and a\n" +
			"workflow_run job posts them with --body-file and --diagnostics-file.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if repo == "" || pr <= 0 {
				return exitf(ExitUsage, "--repo OWNER/NAME and --pr N are required")
			}
			if fullURL == "" {
				fullURL = runURL()
			}
			client, err := github.New(os.Getenv("GITHUB_TOKEN"), os.Getenv("GITHUB_API_URL"), repo)
			if err != nil {
				return exitf(ExitUsage, "%v", err)
			}
			var body string
			var diags diag.List
			switch {
			case bodyFile != "":
				data, err := os.ReadFile(bodyFile)
				if err != nil {
					return exitf(ExitInternal, "%v", err)
				}
				body = string(data)
			default:
				report, err := runDiff(g, base)
				if err != nil {
					return err
				}
				body = diff.Markdown(report, diff.MarkdownOptions{MaxChars: github.MaxCommentChars - 200, FullDiffURL: fullURL})
			}
			if diagsFile != "" {
				data, err := os.ReadFile(diagsFile)
				if err != nil {
					return exitf(ExitInternal, "%v", err)
				}
				if err := json.Unmarshal(data, &diags); err != nil {
					return exitf(ExitUsage, "--diagnostics-file: %v", err)
				}
			} else if sha != "" {
				root, err := g.findRoot()
				if err != nil {
					return err
				}
				_, diags = build.Validate(os.DirFS(root), build.Options{})
			}
			ctx := context.Background()
			id, created, err := client.UpsertComment(ctx, pr, body)
			if err != nil {
				return exitf(ExitInternal, "%v", err)
			}
			verb := "updated"
			if created {
				verb = "created"
			}
			fmt.Fprintf(g.stdout, "%s comment %d on %s#%d\n", verb, id, repo, pr)
			if sha != "" {
				res, err := client.ReportCheck(ctx, sha, checkName, diags)
				if err != nil {
					return exitf(ExitInternal, "%v", err)
				}
				fmt.Fprintf(g.stdout, "check run %d: %s, %d annotations in %d requests\n", res.ID, res.Conclusion, res.Annotations, res.Requests)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&repo, "repo", "", "repository OWNER/NAME")
	cmd.Flags().IntVar(&pr, "pr", 0, "pull request number")
	cmd.Flags().StringVar(&base, "base", "", "git revision to compare with (default: merge base with origin/main)")
	cmd.Flags().StringVar(&bodyFile, "body-file", "", "post this precomputed markdown report instead of running diff")
	cmd.Flags().StringVar(&diagsFile, "diagnostics-file", "", "JSON diagnostics (from `validate --format json`) for the check run")
	cmd.Flags().StringVar(&sha, "sha", "", "commit to attach a check run with annotations to")
	cmd.Flags().StringVar(&checkName, "check-name", "hubfleet validate", "check run name")
	cmd.Flags().StringVar(&fullURL, "full-diff-url", "", "link to the full diff (default: this workflow run)")
	return cmd
}

// runURL is the current GitHub Actions run, where the full diff artifact is.
func runURL() string {
	server, repo, run := os.Getenv("GITHUB_SERVER_URL"), os.Getenv("GITHUB_REPOSITORY"), os.Getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || run == "" {
		return ""
	}
	return strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + run
}
