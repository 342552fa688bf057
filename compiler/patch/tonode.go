package patch

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Kustomize used to get the objects as JSON text, which it parsed back with
// yaml.v3 (kio.FromBytes). bodyNode builds the node tree that parse
// yields directly: mappings and sequences in flow style with explicit
// !!map/!!seq tags, keys and strings double-quoted !!str, numbers tagged
// as yaml.v3 resolves their JSON spelling, keys sorted as encoding/json
// sorts them. Only Line and Column differ, which kustomize reads nowhere
// that matters (TestNodesMatchParsedJSON compares the trees).
//
// A body bodyNode cannot mirror exactly returns ok=false and the caller
// goes back to the text: values of other Go types, NaN and infinities
// (json.Marshal fails on them), strings the text round trip would alter or
// reject, "<<" keys (kio.FromBytes drops them while resolving YAML merge
// keys), keys too long for a YAML simple key and absurd nesting (yaml.v3's
// depth limit).

const (
	// maxDepth stays well below yaml.v3's nesting limit (10,000).
	maxDepth = 1000
	// maxKeyLen stays below the 1,024 characters a YAML simple key (a
	// JSON key, quotes included) may span.
	maxKeyLen = 1000
)

func bodyNode(body map[string]any) (*yaml.Node, bool) {
	n, ok := valueNode(body, 0)
	if !ok {
		return nil, false
	}
	return &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}, true
}

func valueNode(v any, depth int) (*yaml.Node, bool) {
	if depth > maxDepth {
		return nil, false
	}
	switch t := v.(type) {
	case nil:
		return nullNode(), true
	case string:
		if !textSafe(t) {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: t, Style: yaml.DoubleQuotedStyle}, true
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(t)}, true
	case int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(t, 10)}, true
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, false
		}
		s := jsonFloat(t)
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: numberTag(s), Value: s}, true
	case map[string]any:
		if t == nil {
			return nullNode(), true
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			if k == "<<" || !textSafe(k) || quotedLen(k) > maxKeyLen {
				return nil, false
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: yaml.FlowStyle}
		if len(keys) > 0 {
			n.Content = make([]*yaml.Node, 0, 2*len(keys))
		}
		for _, k := range keys {
			c, ok := valueNode(t[k], depth+1)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k, Style: yaml.DoubleQuotedStyle}, c)
		}
		return n, true
	case []any:
		if t == nil {
			return nullNode(), true
		}
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: yaml.FlowStyle}
		if len(t) > 0 {
			n.Content = make([]*yaml.Node, 0, len(t))
		}
		for _, e := range t {
			c, ok := valueNode(e, depth+1)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, c)
		}
		return n, true
	}
	return nil, false
}

func nullNode() *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
}

// jsonFloat spells f as encoding/json does (ES6 number formatting).
func jsonFloat(f float64) string {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	s := strconv.FormatFloat(f, format, -1, 64)
	if format == 'e' {
		// e-09 becomes e-9, as in encoding/json.
		if n := len(s); n >= 4 && s[n-4] == 'e' && s[n-3] == '-' && s[n-2] == '0' {
			s = s[:n-2] + s[n-1:]
		}
	}
	return s
}

// numberTag is the tag yaml.v3 gives a plain JSON number: !!int when it
// parses as a (possibly unsigned) 64-bit integer, else !!float.
func numberTag(s string) string {
	if _, err := strconv.ParseInt(s, 0, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseUint(s, 0, 64); err == nil {
		return "!!int"
	}
	return "!!float"
}

// textSafe reports whether s survives JSON encoding and yaml.v3 parsing
// unchanged: valid UTF-8 (json.Marshal replaces bad bytes), without the
// characters yaml.v3 rejects in a stream (DEL, C1 controls, U+FFFE/U+FFFF)
// or treats as line breaks or byte order marks (U+0085, U+FEFF), which
// encoding/json writes unescaped.
func textSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1,
			r >= 0x80 && r <= 0x9f,
			r == 0xfeff, r == 0xfffe, r == 0xffff:
			return false
		}
		i += size - 1
	}
	return true
}

// quotedLen bounds the number of characters encoding/json writes for s
// between the quotes (s is textSafe).
func quotedLen(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			n += 2
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			n += 6
		default:
			n++
		}
	}
	return n
}

// listKind reports whether kustomize treats the body as a list of objects
// to unwrap (a kind ending in "List"); such bodies keep the text path.
func listKind(body map[string]any) bool {
	k, _ := body["kind"].(string)
	return strings.HasSuffix(k, "List")
}
