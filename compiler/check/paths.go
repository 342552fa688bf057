package check

import (
	"regexp"
	"strconv"
	"strings"
)

// identifier is what CUE accepts unquoted as a field label.
var identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// field appends a selector to a CUE-style path, quoting labels that are not
// identifiers: labels."hub.jupyter.org/x", auth."generic-oauth".
func field(base, name string) string {
	if !identifier.MatchString(name) {
		name = strconv.Quote(name)
	}
	if base == "" {
		return name
	}
	return base + "." + name
}

// fields appends several selectors.
func fields(base string, names ...string) string {
	for _, n := range names {
		base = field(base, n)
	}
	return base
}

// index appends a list index to a path.
func index(base string, i int) string {
	return base + "[" + strconv.Itoa(i) + "]"
}

// quote wraps a name for messages.
func quote(s string) string { return strconv.Quote(s) }

// quoteAll quotes and joins names for messages.
func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quote(n)
	}
	return strings.Join(q, ", ")
}
