// Package github posts hubfleet's results to pull requests through
// go-github: one sticky comment per pull request, found again by a hidden
// marker and updated in place, and a check run whose annotations point at
// the hub files' lines.
package github

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	gh "github.com/google/go-github/v60/github"

	"github.com/hubfleet/hubfleet/compiler/diag"
)

// Marker is the hidden line that identifies hubfleet's comment.
const Marker = "<!-- hubfleet:diff -->"

// MaxCommentChars is GitHub's limit on a comment body ("Body is too long
// (maximum is 65536 characters)").
const MaxCommentChars = 65536

// MaxAnnotationsPerRequest is the Checks API's limit per create/update.
const MaxAnnotationsPerRequest = 50

// maxOutputText caps a check run's summary and text (65,535 each).
const maxOutputText = 65535

// Client talks to one repository.
type Client struct {
	gh          *gh.Client
	owner, repo string
}

// New returns a client for "OWNER/NAME". apiURL is GITHUB_API_URL (empty
// for github.com); GitHub Enterprise serves the API under /api/v3/.
func New(token, apiURL, repository string) (*Client, error) {
	owner, name, ok := strings.Cut(repository, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return nil, fmt.Errorf("--repo %q: want OWNER/NAME", repository)
	}
	if token == "" {
		return nil, errors.New("GITHUB_TOKEN is not set")
	}
	c := gh.NewClient(nil).WithAuthToken(token)
	if apiURL != "" && strings.TrimRight(apiURL, "/") != "https://api.github.com" {
		u, err := url.Parse(strings.TrimRight(apiURL, "/") + "/")
		if err != nil {
			return nil, fmt.Errorf("GITHUB_API_URL %q: %w", apiURL, err)
		}
		c.BaseURL = u
		c.UploadURL = u
	}
	return &Client{gh: c, owner: owner, repo: name}, nil
}

// UpsertComment creates the pull request's hubfleet comment, or updates the
// one that carries Marker. It returns the comment's ID and whether it was
// created.
func (c *Client) UpsertComment(ctx context.Context, pr int, body string) (int64, bool, error) {
	body = CommentBody(body)
	existing, err := c.findComment(ctx, pr)
	if err != nil {
		return 0, false, err
	}
	if existing != 0 {
		cm, _, err := c.gh.Issues.EditComment(ctx, c.owner, c.repo, existing, &gh.IssueComment{Body: &body})
		if err != nil {
			return 0, false, fmt.Errorf("updating comment %d: %w", existing, err)
		}
		return cm.GetID(), false, nil
	}
	cm, _, err := c.gh.Issues.CreateComment(ctx, c.owner, c.repo, pr, &gh.IssueComment{Body: &body})
	if err != nil {
		return 0, false, fmt.Errorf("creating comment on #%d: %w", pr, err)
	}
	return cm.GetID(), true, nil
}

// findComment pages through the pull request's comments for the marker.
func (c *Client) findComment(ctx context.Context, pr int) (int64, error) {
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		comments, resp, err := c.gh.Issues.ListComments(ctx, c.owner, c.repo, pr, opts)
		if err != nil {
			return 0, fmt.Errorf("listing comments of #%d: %w", pr, err)
		}
		for _, cm := range comments {
			if strings.Contains(cm.GetBody(), Marker) {
				return cm.GetID(), nil
			}
		}
		if resp == nil || resp.NextPage == 0 {
			return 0, nil
		}
		opts.Page = resp.NextPage
	}
}

// CommentBody puts the marker first and enforces GitHub's size limit as a
// last resort, cutting at a line boundary (the Markdown report already
// budgets itself by whole objects).
func CommentBody(body string) string {
	full := Marker + "\n" + body
	if utf8.RuneCountInString(full) <= MaxCommentChars {
		return full
	}
	const note = "\n\n:scissors: The report was cut to fit GitHub's comment size limit; see the workflow artifact for all of it.\n"
	return truncateRunes(full, MaxCommentChars-utf8.RuneCountInString(note)) + note
}

// truncateRunes keeps at most n runes, ending at the last full line, and
// closes an open code fence so the rest of the comment renders.
func truncateRunes(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			s = s[:i]
			break
		}
		count++
	}
	if i := strings.LastIndexByte(s, '\n'); i > 0 {
		s = s[:i+1]
	}
	if strings.Count(s, "```")%2 == 1 {
		s += "```\n"
	}
	return s
}

// CheckResult summarises a check run.
type CheckResult struct {
	ID          int64
	Conclusion  string
	Annotations int
	Requests    int
}

// ReportCheck creates a completed check run on sha named name, with one
// annotation per diagnostic that has a file and line, sent in batches of 50
// (the first with the create, the rest as updates).
func (c *Client) ReportCheck(ctx context.Context, sha, name string, ds diag.List) (CheckResult, error) {
	anns := Annotations(ds)
	conclusion := "success"
	if ds.HasErrors() {
		conclusion = "failure"
	}
	title := fmt.Sprintf("%d errors, %d warnings", ds.Errors(), len(ds)-ds.Errors())
	if len(ds) == 0 {
		title = "the fleet is valid"
	}
	var text strings.Builder
	for _, d := range ds {
		text.WriteString(d.String() + "\n")
	}
	summary := truncateRunes(title+"\n\n```\n"+text.String()+"```\n", maxOutputText)
	output := func(batch []*gh.CheckRunAnnotation) *gh.CheckRunOutput {
		return &gh.CheckRunOutput{Title: gh.String(title), Summary: gh.String(summary), Annotations: batch}
	}
	first, rest := batch(anns)
	run, _, err := c.gh.Checks.CreateCheckRun(ctx, c.owner, c.repo, gh.CreateCheckRunOptions{
		Name:       name,
		HeadSHA:    sha,
		Status:     gh.String("completed"),
		Conclusion: gh.String(conclusion),
		Output:     output(first),
	})
	if err != nil {
		return CheckResult{}, fmt.Errorf("creating check run: %w", err)
	}
	res := CheckResult{ID: run.GetID(), Conclusion: conclusion, Annotations: len(anns), Requests: 1}
	for len(rest) > 0 {
		var b []*gh.CheckRunAnnotation
		b, rest = batch(rest)
		if _, _, err := c.gh.Checks.UpdateCheckRun(ctx, c.owner, c.repo, run.GetID(), gh.UpdateCheckRunOptions{
			Name:   name,
			Output: output(b),
		}); err != nil {
			return res, fmt.Errorf("adding annotations to check run %d: %w", run.GetID(), err)
		}
		res.Requests++
	}
	return res, nil
}

func batch(anns []*gh.CheckRunAnnotation) (first, rest []*gh.CheckRunAnnotation) {
	if len(anns) <= MaxAnnotationsPerRequest {
		return anns, nil
	}
	return anns[:MaxAnnotationsPerRequest], anns[MaxAnnotationsPerRequest:]
}

// Annotations converts diagnostics that have a file and line.
func Annotations(ds diag.List) []*gh.CheckRunAnnotation {
	var out []*gh.CheckRunAnnotation
	for _, d := range ds {
		if d.Pos.File == "" || d.Pos.Line == 0 {
			continue
		}
		level := "failure"
		if d.Severity == diag.Warning {
			level = "warning"
		}
		msg := d.Message
		if d.Hint != "" {
			msg += "\nhint: " + d.Hint
		}
		a := &gh.CheckRunAnnotation{
			Path:            gh.String(d.Pos.File),
			StartLine:       gh.Int(d.Pos.Line),
			EndLine:         gh.Int(d.Pos.Line),
			AnnotationLevel: gh.String(level),
			Message:         gh.String(msg),
		}
		if d.Path != "" {
			a.Title = gh.String(d.Path)
		}
		if d.Pos.Col > 0 {
			a.StartColumn = gh.Int(d.Pos.Col)
			a.EndColumn = gh.Int(d.Pos.Col)
		}
		out = append(out, a)
	}
	return out
}
