package patch

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Kustomize's result used to be read with RNode.MarshalJSON (yaml.v3
// encodes the node tree, decodes the text into Go values, encoding/json
// encodes those) and manifest.DecodeJSON. documentBody computes the same
// values from the tree directly. What the text round trip makes of a node
// depends on its tag, style and context (yaml.v3 drops a tag the plain
// spelling implies, quotes a !!str that would resolve otherwise, quotes
// an empty plain scalar inside a flow collection), so only nodes whose
// outcome is certain are read here: standard tags and the plain spellings
// of YAML 1.2 core-schema values. Anything else (custom or explicit tags,
// anchors, aliases, comments, merge keys, duplicate keys, timestamps,
// octal or hex numbers, .inf, invalid UTF-8) returns ok=false and the
// caller takes the text route for that object (the differential tests
// and fuzz targets compare the two).

// Scalar styles that make yaml.v3 read a scalar as a string.
const stringStyles = yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle | yaml.LiteralStyle | yaml.FoldedStyle

var (
	boolWords = map[string]bool{"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false}
	nullWords = map[string]bool{"null": true, "Null": true, "NULL": true, "~": true}
	// decimalInt is an integer yaml.v3 and strconv read alike.
	decimalInt = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	// yamlFloat is yaml.v3's float syntax (resolve.go).
	yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)
)

// documentBody reads a resource's node (a document or a mapping) into a
// body, or returns ok=false.
func documentBody(doc *yaml.Node) (map[string]any, bool) {
	if doc == nil || !plainNode(doc) {
		return nil, false
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) != 1 || doc.Tag != "" || doc.Style != 0 {
			return nil, false
		}
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil, false
	}
	return mappingValue(doc, 0, false)
}

// plainNode reports whether n carries nothing the text round trip would
// treat specially: no anchor, alias target, comment or explicit tag.
func plainNode(n *yaml.Node) bool {
	return n.Anchor == "" && n.Alias == nil && n.HeadComment == "" && n.LineComment == "" &&
		n.FootComment == "" && n.Style&yaml.TaggedStyle == 0
}

func nodeValue(n *yaml.Node, depth int, flow bool) (any, bool) {
	if n == nil || depth > maxDepth || !plainNode(n) {
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		m, ok := mappingValue(n, depth, flow)
		return m, ok
	case yaml.SequenceNode:
		if n.Tag != "" && n.Tag != "!!seq" {
			return nil, false
		}
		flow = flow || n.Style&yaml.FlowStyle != 0
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, ok := nodeValue(c, depth+1, flow)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case yaml.ScalarNode:
		return scalarValue(n, flow)
	}
	return nil, false
}

func mappingValue(n *yaml.Node, depth int, flow bool) (map[string]any, bool) {
	if !plainNode(n) || (n.Tag != "" && n.Tag != "!!map") || len(n.Content)%2 != 0 {
		return nil, false
	}
	flow = flow || n.Style&yaml.FlowStyle != 0
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		k, ok := keyString(n.Content[i])
		if !ok {
			return nil, false
		}
		if _, dup := out[k]; dup {
			return nil, false // yaml.v3 rejects duplicate keys when decoding
		}
		v, ok := nodeValue(n.Content[i+1], depth+1, flow)
		if !ok {
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

// keyString reads a mapping key that decodes as a string.
func keyString(k *yaml.Node) (string, bool) {
	if k == nil || k.Kind != yaml.ScalarNode || !plainNode(k) || !utf8.ValidString(k.Value) || k.Value == "<<" ||
		k.Style&yaml.FoldedStyle != 0 || tabBlock(k) {
		return "", false
	}
	switch k.Tag {
	case "!!str":
		return k.Value, true
	case "":
		if k.Style&stringStyles != 0 || strings.Contains(k.Value, "\n") {
			return k.Value, true
		}
		if v, ok := plainScalar(k.Value, true); ok {
			if s, isString := v.(string); isString {
				return s, true
			}
		}
	}
	return "", false
}

// tabBlock reports a scalar yaml.v3 would write as a block scalar (literal
// style, or multi-line text) whose first line starts with a tab: it writes
// no indentation indicator for it, and the text route's MarshalJSON then
// fails to read it back ("found a tab character where an indentation space
// is expected"). Such values take the text route, to fail as it does.
func tabBlock(n *yaml.Node) bool {
	return strings.HasPrefix(n.Value, "\t") && (n.Style&yaml.LiteralStyle != 0 || strings.Contains(n.Value, "\n"))
}

// scalarValue is the value yaml.v3 decodes n's encoding to, converted as
// encoding/json and manifest.DecodeJSON convert it.
func scalarValue(n *yaml.Node, flow bool) (any, bool) {
	v := n.Value
	if !utf8.ValidString(v) {
		return nil, false
	}
	if n.Style&yaml.FoldedStyle != 0 {
		// yaml.v3 does not write every folded scalar back as it read it.
		return nil, false
	}
	if !flow && tabBlock(n) {
		return nil, false
	}
	if n.Tag == "!!str" {
		return v, true
	}
	if n.Tag == "" && (n.Style&stringStyles != 0 || strings.Contains(v, "\n")) {
		return v, true
	}
	if n.Style&stringStyles != 0 {
		// A quoted !!int and the like would come back as a string.
		return nil, false
	}
	switch n.Tag {
	case "":
		return plainScalar(v, flow)
	case "!!int":
		if decimalInt.MatchString(v) {
			if i, err := strconv.ParseInt(v, 10, 64); err == nil {
				return i, true
			}
		}
	case "!!float":
		if f, ok := plainFloat(v); ok {
			return jsonNumber(f), true
		}
	case "!!bool":
		if b, ok := boolWords[v]; ok {
			return b, true
		}
	case "!!null":
		if nullWords[v] || (v == "" && !flow) {
			return nil, true
		}
	}
	return nil, false
}

// plainScalar resolves an untagged plain scalar as yaml.v3 does, for the
// spellings whose outcome is certain. An empty one is null, except in a
// flow collection or as a key, where yaml.v3 quotes it (a string).
func plainScalar(v string, flow bool) (any, bool) {
	if v == "" {
		return nil, !flow
	}
	switch c := v[0]; {
	case c == '.':
		if l := strings.ToLower(v); l == ".nan" || l == ".inf" {
			return nil, false // NaN and infinities: encoding/json fails
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return jsonNumber(f), true
		}
		return nil, false
	case c == '+' || c == '-' || ('0' <= c && c <= '9'):
		if decimalInt.MatchString(v) {
			if i, err := strconv.ParseInt(v, 10, 64); err == nil {
				return i, true
			}
			return nil, false
		}
		if f, ok := plainFloat(v); ok {
			return jsonNumber(f), true
		}
		return nil, false
	case strings.IndexByte("yYnNtTfFoO~<", c) >= 0:
		if b, ok := boolWords[v]; ok {
			return b, true
		}
		if nullWords[v] {
			return nil, true
		}
		if v == "<<" {
			return nil, false
		}
	}
	return v, true
}

// plainFloat parses v when yaml.v3 reads it as a float both plain and
// tagged !!float: float syntax that is neither an integer (in any base
// strconv accepts) nor out of range.
func plainFloat(v string) (float64, bool) {
	if !yamlFloat.MatchString(v) {
		return 0, false
	}
	if _, err := strconv.ParseInt(v, 0, 64); err == nil {
		return 0, false
	}
	if _, err := strconv.ParseUint(v, 0, 64); err == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// jsonNumber is what a float64 becomes through encoding/json and
// manifest.DecodeJSON: an int64 when its JSON spelling is an integer.
func jsonNumber(f float64) any {
	if i, err := strconv.ParseInt(jsonFloat(f), 10, 64); err == nil {
		return i
	}
	return f
}
