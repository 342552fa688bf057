package output

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// fastEncode writes the YAML of a body without going through yaml.v3, for
// the common case: block mappings and sequences of ints, bools, nulls,
// floats and strings that need no quoting or escaping beyond a plain
// double-quoted YAML 1.1 boolean. yaml.v3's emitter queues every event and
// allocates about 300 bytes per node; this writes the same bytes directly.
// It returns false, having written nothing, when the body holds anything
// else (multi-line or oddly punctuated strings, sequences of sequences,
// empty documents); the caller then uses yaml.v3. A differential test holds
// the two paths byte-identical.
func fastEncode(dst []byte, body map[string]any) ([]byte, bool) {
	if len(body) == 0 {
		return dst, false
	}
	w := fastWriter{b: dst}
	if !w.mapping(body, rootOrder, 0, false) {
		return dst[:len(dst)], false
	}
	return w.b, true
}

type fastWriter struct{ b []byte }

func (w *fastWriter) indent(n int) {
	for range n {
		w.b = append(w.b, ' ')
	}
}

// mapping writes the entries of m at indentation n; inline means the
// first entry follows a "- " already written.
func (w *fastWriter) mapping(m map[string]any, order *keyOrder, n int, inline bool) bool {
	for i, k := range order.sorted(m) {
		if i > 0 || !inline {
			w.indent(n)
		}
		if !w.str(k, true) {
			return false
		}
		w.b = append(w.b, ':')
		switch v := m[k].(type) {
		case map[string]any:
			if len(v) == 0 {
				w.b = append(w.b, " {}\n"...)
				continue
			}
			w.b = append(w.b, '\n')
			if !w.mapping(v, order.next(k), n+2, false) {
				return false
			}
		case []any:
			if len(v) == 0 {
				w.b = append(w.b, " []\n"...)
				continue
			}
			w.b = append(w.b, '\n')
			if !w.sequence(v, n) {
				return false
			}
		default:
			w.b = append(w.b, ' ')
			if !w.scalar(v) {
				return false
			}
			w.b = append(w.b, '\n')
		}
	}
	return true
}

// sequence writes items with their "- " at indentation n (the compact
// style: a sequence under a key is not indented further).
func (w *fastWriter) sequence(items []any, n int) bool {
	for _, it := range items {
		w.indent(n)
		w.b = append(w.b, "- "...)
		switch v := it.(type) {
		case map[string]any:
			if len(v) == 0 {
				w.b = append(w.b, "{}\n"...)
				continue
			}
			if !w.mapping(v, plainOrder, n+2, true) {
				return false
			}
		case []any:
			if len(v) > 0 {
				return false // "- - x" layout: leave it to yaml.v3
			}
			w.b = append(w.b, "[]\n"...)
		default:
			if !w.scalar(v) {
				return false
			}
			w.b = append(w.b, '\n')
		}
	}
	return true
}

func (w *fastWriter) scalar(v any) bool {
	switch t := v.(type) {
	case nil:
		w.b = append(w.b, "null"...)
	case bool:
		w.b = strconv.AppendBool(w.b, t)
	case int64:
		w.b = strconv.AppendInt(w.b, t, 10)
	case int:
		w.b = strconv.AppendInt(w.b, int64(t), 10)
	case int32:
		w.b = strconv.AppendInt(w.b, int64(t), 10)
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return false
		}
		w.b = strconv.AppendFloat(w.b, t, 'g', -1, 64)
	case string:
		return w.str(t, false)
	default:
		return false
	}
	return true
}

// str writes s plain or double-quoted, as yaml.v3 would, or returns false
// when it cannot be sure how yaml.v3 writes it.
func (w *fastWriter) str(s string, key bool) bool {
	switch strStyle(s, key) {
	case stylePlain:
		w.b = append(w.b, s...)
	case styleQuoted:
		// strStyle only quotes strings with nothing to escape.
		w.b = append(w.b, '"')
		w.b = append(w.b, s...)
		w.b = append(w.b, '"')
	default:
		return false
	}
	return true
}

const (
	styleUnsure = iota
	stylePlain
	styleQuoted
)

var yamlStyleFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// strStyle decides how yaml.v3 writes s: plain when the characters are
// conservative, nothing at the start is an indicator and a YAML 1.2
// resolver reads a string; double-quoted when it would read a bool, null
// or number (or a YAML 1.1 parser a bool or sexagesimal); unsure otherwise.
func strStyle(s string, key bool) int {
	if key && len(s) > 128 {
		return styleUnsure // yaml.v3 writes long keys in "? " form
	}
	if isOldBool(s) || isBase60Float(s) {
		return styleQuoted // letters, digits and ":._+-" only
	}
	if s == "" || s == "-" || strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		return styleUnsure
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '.', c == '_', c == '/', c == '-':
		case c == ':':
			if i == len(s)-1 {
				return styleUnsure // "key:" reads as a mapping
			}
		default:
			return styleUnsure
		}
	}
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL",
		".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF":
		return styleQuoted
	}
	// What follows mirrors yaml.v3's resolve for the first characters that
	// can start a number; where it is not certain it gives up.
	switch c := s[0]; {
	case c == '.':
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return styleQuoted
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if c != '-' && strings.IndexByte(s, '-') >= 0 {
			return styleUnsure // could be a timestamp
		}
		p := strings.ReplaceAll(s, "_", "")
		if _, err := strconv.ParseInt(p, 0, 64); err == nil {
			return styleQuoted
		}
		if _, err := strconv.ParseUint(p, 0, 64); err == nil {
			return styleQuoted
		}
		if yamlStyleFloat.MatchString(p) {
			if _, err := strconv.ParseFloat(p, 64); err == nil {
				return styleQuoted
			}
			return styleUnsure
		}
		if looksNumeric(s) {
			return styleUnsure
		}
	}
	return stylePlain
}

// looksNumeric is a superset of what yaml.v3 resolves as an int or float.
func looksNumeric(s string) bool {
	p := strings.ReplaceAll(s, "_", "")
	ok := func(err error) bool { return err == nil || errors.Is(err, strconv.ErrRange) }
	if _, err := strconv.ParseInt(p, 0, 64); ok(err) {
		return true
	}
	if _, err := strconv.ParseUint(p, 0, 64); ok(err) {
		return true
	}
	if _, err := strconv.ParseFloat(p, 64); ok(err) {
		return true
	}
	for _, prefix := range []string{"0b", "-0b", "+0b", "0o", "-0o", "+0o", "0x", "-0x", "+0x"} {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}
