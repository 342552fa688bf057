// Package diag holds hubfleet's diagnostics: what went wrong, where it was
// written, and how to fix it; and the text, JSON and GitHub formats they are
// printed in.
package diag

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// Severity of a diagnostic. Only errors fail a run.
type Severity int

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// MarshalText makes severities readable in JSON output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads what MarshalText wrote, so JSON diagnostics written by
// one job can be posted by another.
func (s *Severity) UnmarshalText(b []byte) error {
	switch string(b) {
	case "error":
		*s = Error
	case "warning":
		*s = Warning
	default:
		return fmt.Errorf("unknown severity %q", b)
	}
	return nil
}

// Diagnostic is one finding about the input.
type Diagnostic struct {
	Pos      model.Pos `json:"pos"`
	Path     string    `json:"path,omitempty"` // CUE-style field path, "profiles[0].nodePool"
	Severity Severity  `json:"severity"`
	Message  string    `json:"message"`
	Hint     string    `json:"hint,omitempty"`
}

// String renders "FILE:LINE:COL: field.path: message" with the hint on its
// own indented line.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.Pos.String())
	b.WriteString(": ")
	if d.Severity == Warning {
		b.WriteString("warning: ")
	}
	if d.Path != "" {
		b.WriteString(d.Path)
		b.WriteString(": ")
	}
	b.WriteString(d.Message)
	if d.Hint != "" {
		b.WriteString("\n\thint: ")
		b.WriteString(d.Hint)
	}
	return b.String()
}

// List collects diagnostics. The zero value is ready to use; it is not safe
// for concurrent use (collect per worker, then Merge).
type List []Diagnostic

// Add appends a diagnostic.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// Errorf adds an error at pos for the field path.
func (l *List) Errorf(pos model.Pos, path, format string, args ...any) *Diagnostic {
	*l = append(*l, Diagnostic{Pos: pos, Path: path, Message: fmt.Sprintf(format, args...)})
	return &(*l)[len(*l)-1]
}

// Warnf adds a warning at pos for the field path.
func (l *List) Warnf(pos model.Pos, path, format string, args ...any) *Diagnostic {
	*l = append(*l, Diagnostic{Pos: pos, Path: path, Severity: Warning, Message: fmt.Sprintf(format, args...)})
	return &(*l)[len(*l)-1]
}

// At adds an error about field path of an entity defined in src, located
// where that field (or its nearest written ancestor) was written.
func (l *List) At(src model.Source, path, format string, args ...any) *Diagnostic {
	return l.Errorf(src.At(path), path, format, args...)
}

// WarnAt is At for warnings.
func (l *List) WarnAt(src model.Source, path, format string, args ...any) *Diagnostic {
	return l.Warnf(src.At(path), path, format, args...)
}

// WithHint sets the hint of a diagnostic returned by Errorf, At, ...
func (d *Diagnostic) WithHint(format string, args ...any) *Diagnostic {
	d.Hint = fmt.Sprintf(format, args...)
	return d
}

// Merge appends other lists.
func (l *List) Merge(others ...List) {
	for _, o := range others {
		*l = append(*l, o...)
	}
}

// HasErrors reports whether any diagnostic is an error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors counts errors.
func (l List) Errors() int {
	n := 0
	for _, d := range l {
		if d.Severity == Error {
			n++
		}
	}
	return n
}

// Sort orders by file, line, column, then path and message, and drops exact
// duplicates (the same problem found through two routes).
func (l *List) Sort() {
	s := *l
	sort.SliceStable(s, func(i, j int) bool {
		a, b := s[i], s[j]
		if a.Pos != b.Pos {
			return a.Pos.Less(b.Pos)
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
	out := s[:0]
	for i, d := range s {
		if i > 0 && d == s[i-1] {
			continue
		}
		out = append(out, d)
	}
	*l = out
}
