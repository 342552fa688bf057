package nodepool

import (
	"errors"
	"fmt"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
)

// briefErrors formats jsonnet errors as one line: the message and the
// innermost template location, without the interpreter's stack trace.
type briefErrors struct{}

var _ jsonnet.ErrorFormatter = briefErrors{}

func (briefErrors) Format(err error) string {
	var rt jsonnet.RuntimeError
	if errors.As(err, &rt) {
		msg := firstLine(rt.Msg)
		// The innermost frame is last; pseudo frames have no line.
		for i := len(rt.StackTrace) - 1; i >= 0; i-- {
			if loc := rt.StackTrace[i].Loc; loc.Begin.Line > 0 && loc.FileName != "" && loc.FileName != entryFile {
				return fmt.Sprintf("%s (at %s:%d:%d)", msg, loc.FileName, loc.Begin.Line, loc.Begin.Column)
			}
		}
		return msg
	}
	// Static (parse) errors already start with their location.
	return firstLine(err.Error())
}

func (briefErrors) SetMaxStackTraceSize(int)                 {}
func (briefErrors) SetColorFormatter(jsonnet.ColorFormatter) {}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// TemplateError is a failure of a provider template for one pool or node
// class. Template names the file that was used (an override under
// hubs/_templates/ or an embedded hubfleet/ template).
type TemplateError struct {
	Template string
	// Object is "node pool <name>" or "node class <name>".
	Object string
	// Source is the file that defines the pool (or the cluster file).
	Source string
	Err    error
}

func (e *TemplateError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("template %s: %s: %v", e.Template, e.Object, e.Err)
	}
	return fmt.Sprintf("template %s: %s (%s): %v", e.Template, e.Object, e.Source, e.Err)
}

func (e *TemplateError) Unwrap() error { return e.Err }
