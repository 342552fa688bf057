package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats of Write.
const (
	FormatText     = "text"
	FormatMarkdown = "markdown"
	FormatJSON     = "json"
)

// MarkdownOptions bound a Markdown report.
type MarkdownOptions struct {
	// MaxChars caps the output (GitHub comments take at most 65,536
	// characters). 0 means no cap. Whole object diffs are dropped from the
	// end until the report fits; the summary and warnings always stay.
	MaxChars int
	// FullDiffURL is linked when diffs were dropped.
	FullDiffURL string
}

// Write prints the report in the given format.
func Write(w io.Writer, r *Report, format string, mo MarkdownOptions) error {
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case FormatMarkdown:
		_, err := io.WriteString(w, Markdown(r, mo))
		return err
	default:
		_, err := io.WriteString(w, Text(r))
		return err
	}
}

func where(cluster, hub string) string {
	switch {
	case cluster == "":
		return "fleet"
	case hub == "":
		return cluster
	}
	return cluster + "/" + hub
}

func counts(r *Report) (a, c, d int) {
	for _, ch := range r.Changes {
		switch ch.Op {
		case Added:
			a++
		case Changed:
			c++
		case Removed:
			d++
		}
	}
	return
}

// Text is the terminal form: warnings, notes, then per-object changes with
// their diffs.
func Text(r *Report) string {
	var b strings.Builder
	if r.Empty() {
		fmt.Fprintf(&b, "No changes to rendered objects (base %s).\n", r.Base)
		return b.String()
	}
	a, c, d := counts(r)
	fmt.Fprintf(&b, "%d objects added, %d changed, %d removed (base %s)\n", a, c, d, r.Base)
	if len(r.Warnings) > 0 {
		b.WriteString("\nWARNINGS\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&b, "  ! %s: %s\n", where(w.Cluster, w.Hub), w.Message)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\nNotable changes\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "  - %s: %s\n", where(n.Cluster, n.Hub), n.Message)
		}
	}
	last := "\x00"
	for _, ch := range r.Changes {
		if w := where(ch.Cluster, ch.Hub); w != last {
			fmt.Fprintf(&b, "\n== %s\n", w)
			last = w
		}
		fmt.Fprintf(&b, "  %-7s %s\n", ch.Op, ch.ObjectRef)
		if ch.Diff != "" {
			for _, l := range strings.SplitAfter(strings.TrimRight(ch.Diff, "\n"), "\n") {
				b.WriteString("    " + l)
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// Markdown is the pull-request form: a summary table, warnings as a GitHub
// alert, notable changes, then collapsible per-hub diffs that are cut, whole
// objects at a time, to stay within opts.MaxChars.
func Markdown(r *Report, opts MarkdownOptions) string {
	var head strings.Builder
	head.WriteString("### hubfleet: what this change does to the fleet\n\n")
	if r.Empty() {
		fmt.Fprintf(&head, "No rendered object changes (compared with `%s`).\n", r.Base)
		return head.String()
	}
	a, c, d := counts(r)
	fmt.Fprintf(&head, "**%d added, %d changed, %d removed** objects, compared with `%s`.\n\n", a, c, d, r.Base)
	if len(r.Warnings) > 0 {
		head.WriteString("> [!WARNING]\n")
		for _, w := range r.Warnings {
			fmt.Fprintf(&head, "> - **%s**: %s\n", where(w.Cluster, w.Hub), mdEscape(w.Message))
		}
		head.WriteString("\n")
	}
	head.WriteString("| cluster | hub | added | changed | removed |\n|---|---|--:|--:|--:|\n")
	for _, s := range r.Summaries() {
		fmt.Fprintf(&head, "| %s | %s | %d | %d | %d |\n", orDash(s.Cluster), orDash(s.Hub), s.Added, s.Changed, s.Removed)
	}
	if len(r.Notes) > 0 {
		head.WriteString("\n**Notable changes**\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&head, "- **%s**: %s\n", where(n.Cluster, n.Hub), mdEscape(n.Message))
		}
	}
	head.WriteString("\n")

	// One entry per object; the first of each cluster/hub opens its group.
	var objects []string
	last := "\x00"
	for _, ch := range r.Changes {
		var entry strings.Builder
		if w := where(ch.Cluster, ch.Hub); w != last {
			last = w
			fmt.Fprintf(&entry, "<details><summary><b>%s</b></summary>\n\n", w)
		}
		fmt.Fprintf(&entry, "- %s `%s`\n", ch.Op, ch.ObjectRef)
		if ch.Diff != "" {
			fmt.Fprintf(&entry, "\n```diff\n%s```\n", fence(ch.Diff))
		}
		objects = append(objects, entry.String())
	}

	// Assemble within the budget: keep objects in order until full.
	var body strings.Builder
	body.WriteString(head.String())
	omitted := 0
	open := false
	const closing = "\n</details>\n"
	reserve := 400 + len(opts.FullDiffURL)
	for i, o := range objects {
		startsGroup := strings.HasPrefix(o, "<details>")
		add := o
		if startsGroup && open {
			add = closing + o
		}
		if opts.MaxChars > 0 && body.Len()+len(add)+len(closing)+reserve > opts.MaxChars {
			omitted = len(objects) - i
			break
		}
		body.WriteString(add)
		open = true
	}
	if open {
		body.WriteString(closing)
	}
	if omitted > 0 {
		fmt.Fprintf(&body, "\n:scissors: %d more object changes are not shown here to stay within GitHub's comment size limit.", omitted)
		if opts.FullDiffURL != "" {
			fmt.Fprintf(&body, " The full diff is attached to [the workflow run](%s) as an artifact.", opts.FullDiffURL)
		}
		body.WriteString("\n")
	}
	return body.String()
}

// fence keeps a diff from closing its code block early.
func fence(s string) string { return strings.ReplaceAll(s, "```", "`\u200b``") }

func mdEscape(s string) string {
	return strings.NewReplacer("|", "\\|", "<", "&lt;", ">", "&gt;").Replace(s)
}
