package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"
	yaml "go.yaml.in/yaml/v3"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// maxFileSize bounds every input file: hub files are a few KiB, and the
// bound keeps a mistaken or hostile file from exhausting memory.
const maxFileSize = 1 << 20

// maxDepth bounds nesting: no hub field is nested deeper than a few levels.
const maxDepth = 32

// source is one input file: its path relative to the root, its bytes and
// the line table CUE positions are made from.
type source struct {
	path string
	data []byte
	file *token.File
	// lineStarts are byte offsets of each line.
	lineStarts []int
}

func newSource(path string, data []byte) *source {
	s := &source{path: path, data: data}
	s.file = token.NewFile(path, 0, len(data))
	s.file.SetLinesForContent(data)
	s.lineStarts = append(s.lineStarts, 0)
	for i, b := range data {
		if b == '\n' {
			s.lineStarts = append(s.lineStarts, i+1)
		}
	}
	return s
}

// at converts a 1-based line and a 1-based column counted in characters
// (as the YAML parser reports them) to a position.
func (s *source) at(line, col int) (model.Pos, token.Pos) {
	if line < 1 || line > len(s.lineStarts) {
		return model.Pos{File: s.path, Line: line, Col: col}, token.NoPos
	}
	off := s.lineStarts[line-1]
	for c := 1; c < col && off < len(s.data) && s.data[off] != '\n'; c++ {
		_, n := utf8.DecodeRune(s.data[off:])
		off += n
	}
	bytecol := off - s.lineStarts[line-1] + 1
	return model.Pos{File: s.path, Line: line, Col: bytecol}, s.file.Pos(off, token.NoRelPos)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses one YAML document whose top level is a mapping into a
// node tree. Anchors, aliases and tags beyond the core schema are refused:
// hub files are data, and aliases are the way to blow up a parser's memory.
func parseYAML(src *source) (*node, diag.List) {
	var errs diag.List
	top := model.Pos{File: src.path, Line: 1, Col: 1}
	if len(bytes.TrimSpace(src.data)) == 0 {
		errs.Errorf(top, "", "empty file")
		return nil, errs
	}
	if line := tabIndentedLine(src.data); line > 0 {
		errs.Errorf(model.Pos{File: src.path, Line: line, Col: 1}, "", "tab character in indentation").
			WithHint("YAML forbids tabs for indentation; indent with spaces")
		return nil, errs
	}
	dec := yaml.NewDecoder(bytes.NewReader(src.data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			errs.Errorf(top, "", "empty file")
			return nil, errs
		}
		errs.Add(yamlError(src, err))
		return nil, errs
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p, _ := src.at(extra.Line, extra.Column)
		errs.Errorf(p, "", "a second YAML document; a file holds exactly one")
		return nil, errs
	} else if !errors.Is(err, io.EOF) {
		errs.Add(yamlError(src, err))
		return nil, errs
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		errs.Errorf(top, "", "empty file")
		return nil, errs
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		errs.Errorf(top, "", "empty file")
		return nil, errs
	}
	if root.Kind != yaml.MappingNode {
		p, _ := src.at(root.Line, root.Column)
		errs.Errorf(p, "", "the top level must be a mapping of fields, not %s", yamlKindName(root))
		return nil, errs
	}
	c := &yamlConv{src: src}
	n := c.convert(root, yamlPath{index: -1, root: true}, 0)
	return n, c.errs
}

func yamlKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a single value"
}

// yamlError turns a parser error into a diagnostic at the line it names.
func yamlError(src *source, err error) diag.Diagnostic {
	msg := err.Error()
	line := 1
	named := false
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
		named = true
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	col := 1
	var hint string
	if parserErrors[msg] {
		// go.yaml.in/yaml/v3 counts lines from 0 for parser errors (not
		// for scanner errors): the line it names is the one before.
		if named {
			line++
		}
		line, col, hint = locateParserError(src, msg, line)
	}
	d := diag.Diagnostic{Pos: model.Pos{File: src.path, Line: line, Col: col}, Message: "invalid YAML: " + msg, Hint: hint}
	if strings.Contains(msg, "found character that cannot start any token") && bytes.Contains(src.data, []byte("\t")) {
		d.Hint = "YAML forbids tabs for indentation; indent with spaces"
	}
	return d
}

// parserErrors are the messages of the YAML parser (as opposed to its
// scanner), whose line numbers are off by one.
var parserErrors = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// locateParserError refines where a parser error is. The parser names the
// start of the collection it was reading: for a flow collection ([...] or
// {...}) that is the bracket left open, found by scanning its line; for a
// block collection the token that broke it is further down, at the first
// line whose prefix of the file fails the same way.
func locateParserError(src *source, msg string, line int) (int, int, string) {
	// An error at the end of the file belongs to the last line written.
	last := len(src.lineStarts)
	for last > 1 && len(bytes.TrimSpace(src.line(last))) == 0 {
		last--
	}
	if line > last {
		line = last
	}
	switch msg {
	case "did not find expected node content":
		for _, open := range []byte{'[', '{'} {
			if c := openBracket(src, line, open); c > 0 {
				return line, c, "a value is missing in the collection opened here"
			}
		}
	case "did not find expected ',' or ']'", "did not find expected ',' or '}'":
		open, hint := byte('['), "the list opened here needs a closing ] and commas between its items"
		if strings.HasSuffix(msg, "'}'") {
			open, hint = '{', "the mapping opened here needs a closing } and commas between its fields"
		}
		// A collection opened on the first line is named by where the
		// parser stopped instead.
		for _, l := range []int{line, 1} {
			if c := openBracket(src, l, open); c > 0 {
				return l, c, hint
			}
		}
	case "did not find expected key", "did not find expected '-' indicator":
		if l := firstFailingLine(src, msg, line); l > 0 {
			return l, indentCol(src, l), "check the indentation of this line"
		}
	}
	return line, 1, ""
}

// openBracket returns the column (1-based, in bytes) of the innermost
// bracket of the given kind that is not closed on its line, or 0.
func openBracket(src *source, line int, open byte) int {
	text := src.line(line)
	type opened struct {
		b   byte
		col int
	}
	var stack []opened
	var quote byte
scan:
	for i := 0; i < len(text); i++ {
		b := text[i]
		switch {
		case quote != 0:
			if b == quote {
				quote = 0
			}
		case b == '"' || b == '\'':
			quote = b
		case b == '#' && (i == 0 || text[i-1] == ' '):
			break scan
		case b == '[' || b == '{':
			stack = append(stack, opened{b, i + 1})
		case b == ']' || b == '}':
			if len(stack) == 0 {
				continue
			}
			top := stack[len(stack)-1]
			if (top.b == '[') != (b == ']') {
				break scan // mismatched: top is the one left open
			}
			stack = stack[:len(stack)-1]
		}
	}
	for i := len(stack) - 1; i >= 0; i-- {
		if stack[i].b == open {
			return stack[i].col
		}
	}
	return 0
}

// maxRescanLines and maxRescanBytes bound the search for the line that
// broke a block collection (each step parses a prefix of the file).
const (
	maxRescanLines = 200
	maxRescanBytes = 4 << 20
)

// firstFailingLine returns the first line from start on such that the file
// up to and including it fails with msg, or 0.
func firstFailingLine(src *source, msg string, start int) int {
	budget := maxRescanBytes
	for l := max(start, 1); l <= len(src.lineStarts) && l < start+maxRescanLines; l++ {
		end := len(src.data)
		if l < len(src.lineStarts) {
			end = src.lineStarts[l]
		}
		if budget -= end; budget < 0 {
			return 0
		}
		if err := parseAll(src.data[:end]); err != nil && strings.HasSuffix(err.Error(), msg) {
			return l
		}
	}
	return 0
}

// parseAll parses every document of data and returns the first error.
func parseAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

// line returns the text of a 1-based line without its newline.
func (s *source) line(l int) []byte {
	if l < 1 || l > len(s.lineStarts) {
		return nil
	}
	end := len(s.data)
	if l < len(s.lineStarts) {
		end = s.lineStarts[l]
	}
	return bytes.TrimRight(s.data[s.lineStarts[l-1]:end], "\r\n")
}

// indentCol is the column of the first non-blank character of a line.
func indentCol(src *source, l int) int {
	text := src.line(l)
	return len(text) - len(bytes.TrimLeft(text, " ")) + 1
}

// tabIndentedLine returns the first line whose indentation holds a tab, or 0.
func tabIndentedLine(data []byte) int {
	line := 1
	atIndent := true
	for _, b := range data {
		switch {
		case b == '\n':
			line++
			atIndent = true
		case atIndent && b == '\t':
			return line
		case atIndent && b != ' ':
			atIndent = false
		}
	}
	return 0
}

type yamlConv struct {
	src  *source
	errs diag.List
}

func (c *yamlConv) errorf(y *yaml.Node, path, format string, args ...any) *diag.Diagnostic {
	p, _ := c.src.at(y.Line, y.Column)
	return c.errs.Errorf(p, path, format, args...)
}

// yamlPath is where a value is: joined into a CUE-style path only when
// needed (for an error, or as the parent of a collection's values).
type yamlPath struct {
	parent string // the path of the enclosing collection
	key    string
	index  int // -1: a field
	root   bool
}

func (p yamlPath) String() string {
	switch {
	case p.root:
		return ""
	case p.index >= 0:
		return joinIndex(p.parent, p.index)
	}
	return joinKey(p.parent, p.key)
}

// seenKeys are the keys of a mapping so far: a short list for the small
// mappings files are made of, a map for long ones.
type seenKeys struct {
	few  [16]string
	n    int
	many map[string]bool
}

// add records key and reports whether it was there already.
func (s *seenKeys) add(key string) bool {
	if s.many != nil {
		dup := s.many[key]
		s.many[key] = true
		return dup
	}
	for _, k := range s.few[:s.n] {
		if k == key {
			return true
		}
	}
	if s.n < len(s.few) {
		s.few[s.n] = key
		s.n++
		return false
	}
	s.many = make(map[string]bool, 2*len(s.few))
	for _, k := range s.few {
		s.many[k] = true
	}
	s.many[key] = true
	return false
}

func (c *yamlConv) convert(y *yaml.Node, at yamlPath, depth int) *node {
	pos, tpos := c.src.at(y.Line, y.Column)
	if y.Anchor != "" {
		c.errorf(y, at.String(), "YAML anchors (&%s) are not supported", y.Anchor).
			WithHint("write the value out, or move it to hubDefaults in fleet.yaml or cluster.yaml")
		return nil
	}
	if depth > maxDepth {
		c.errorf(y, at.String(), "nested deeper than %d levels", maxDepth)
		return nil
	}
	switch y.Kind {
	case yaml.AliasNode:
		c.errorf(y, at.String(), "YAML aliases (*%s) are not supported", y.Value).
			WithHint("write the value out, or move it to hubDefaults in fleet.yaml or cluster.yaml")
		return nil
	case yaml.MappingNode:
		path := at.String()
		if t := y.ShortTag(); t != "!!map" {
			c.errorf(y, path, "YAML tag %s is not supported", y.Tag)
			return nil
		}
		n := &node{kind: kindMap, pos: pos, tpos: tpos, fields: make([]field, 0, len(y.Content)/2)}
		var seen seenKeys
		for i := 0; i+1 < len(y.Content); i += 2 {
			k, v := y.Content[i], y.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Anchor != "" {
				if k.Kind == yaml.AliasNode && k.Value == "" {
					continue
				}
				c.errorf(k, path, "a key must be a plain string")
				continue
			}
			if k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0) {
				c.errorf(k, path, "YAML merge keys (<<) are not supported").
					WithHint("hubDefaults in fleet.yaml and cluster.yaml are merged into every hub")
				continue
			}
			if seen.add(k.Value) {
				c.errorf(k, joinKey(path, k.Value), "duplicate key %q", k.Value)
				continue
			}
			val := c.convert(v, yamlPath{parent: path, key: k.Value, index: -1}, depth+1)
			if val == nil {
				continue
			}
			kp, ktp := c.src.at(k.Line, k.Column)
			if val.kind == kindMap || val.kind == kindList {
				val.pos, val.tpos = kp, ktp
			}
			val.keyAt = kp
			n.fields = append(n.fields, field{key: k.Value, val: val, kpos: ktp})
		}
		return n
	case yaml.SequenceNode:
		path := at.String()
		if t := y.ShortTag(); t != "!!seq" {
			c.errorf(y, path, "YAML tag %s is not supported", y.Tag)
			return nil
		}
		n := &node{kind: kindList, pos: pos, tpos: tpos, items: make([]*node, 0, len(y.Content))}
		for i, it := range y.Content {
			v := c.convert(it, yamlPath{parent: path, index: i}, depth+1)
			if v == nil {
				v = &node{kind: kindNull, pos: pos, tpos: tpos}
			}
			n.items = append(n.items, v)
		}
		return n
	case yaml.ScalarNode:
		lit, err := scalar(y)
		if err != nil {
			c.errorf(y, at.String(), "%v", err)
			return nil
		}
		if lit == nil {
			return &node{kind: kindNull, pos: pos, tpos: tpos}
		}
		return &node{kind: kindScalar, lit: lit, pos: pos, tpos: tpos}
	}
	c.errorf(y, at.String(), "unsupported YAML node")
	return nil
}

// scalar converts a YAML scalar to a CUE literal; nil means null.
func scalar(y *yaml.Node) (ast.Expr, error) {
	switch tag := y.ShortTag(); tag {
	case "!!str":
		return ast.NewString(y.Value), nil
	case "!!null":
		return nil, nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(y.Value))
		if err != nil {
			return nil, fmt.Errorf("invalid boolean %q", y.Value)
		}
		return ast.NewBool(b), nil
	case "!!int":
		v := strings.ReplaceAll(y.Value, "_", "")
		if i, err := strconv.ParseInt(v, 0, 64); err == nil {
			return ast.NewLit(token.INT, strconv.FormatInt(i, 10)), nil
		}
		return nil, fmt.Errorf("integer %s is out of range", y.Value)
	case "!!float":
		f, err := strconv.ParseFloat(strings.ReplaceAll(y.Value, "_", ""), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("number %s is not supported; write a finite number", y.Value)
		}
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return ast.NewLit(token.FLOAT, s), nil
	default:
		return nil, fmt.Errorf("YAML tag %s is not supported", y.Tag)
	}
}
