package diag

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Formats accepted by Write.
const (
	FormatText   = "text"
	FormatJSON   = "json"
	FormatGitHub = "github"
)

// ValidFormat reports whether f is a diagnostics format.
func ValidFormat(f string) bool {
	return f == FormatText || f == FormatJSON || f == FormatGitHub
}

// Write prints the list in the given format. Text ends with a count line;
// JSON is one array; GitHub prints workflow commands that annotate files.
func Write(w io.Writer, l List, format string) error {
	switch format {
	case FormatJSON:
		if l == nil {
			l = List{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(l)
	case FormatGitHub:
		for _, d := range l {
			if _, err := fmt.Fprintln(w, githubCommand(d)); err != nil {
				return err
			}
		}
		return nil
	default:
		for _, d := range l {
			if _, err := fmt.Fprintln(w, d.String()); err != nil {
				return err
			}
		}
		if n := l.Errors(); n > 0 {
			_, err := fmt.Fprintf(w, "%d error%s\n", n, plural(n))
			return err
		}
		return nil
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// githubCommand renders "::error file=F,line=L,col=C::message".
func githubCommand(d Diagnostic) string {
	var props []string
	if d.Pos.File != "" {
		props = append(props, "file="+escapeProperty(d.Pos.File))
	}
	if d.Pos.Line > 0 {
		props = append(props, fmt.Sprintf("line=%d", d.Pos.Line))
	}
	if d.Pos.Col > 0 {
		props = append(props, fmt.Sprintf("col=%d", d.Pos.Col))
	}
	if d.Path != "" {
		props = append(props, "title="+escapeProperty(d.Path))
	}
	msg := d.Message
	if d.Path != "" {
		msg = d.Path + ": " + msg
	}
	if d.Hint != "" {
		msg += "\nhint: " + d.Hint
	}
	return "::" + d.Severity.String() + " " + strings.Join(props, ",") + "::" + escapeData(msg)
}

// Escaping as the GitHub Actions toolkit does for workflow commands.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
