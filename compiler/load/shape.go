package load

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/token"

	"github.com/hubfleet/hubfleet/schema"
)

// Shapes. Some hub fields are different in every hub (auth carries the
// hub's name in clientId and in the secret key; displayName and domain are
// the hub's own), so caching validated values by their text saves nothing
// there. Their strings, though, are mostly leaves that no rule of the
// schema reads: a string leaf whose own constraint can be decided in Go
// and that nothing else refers to makes the value valid exactly when the
// rest is, and leaves the rest of the result alone. So such a value is
// validated once per shape (the value with those strings taken out), and
// each hub of the shape only checks its strings and writes them into the
// exported JSON of the first one.
//
// A string leaf is abstracted ("free") when no label on its path, from
// the hub field down, is referenced anywhere in the schema (freeLabels).
// Its constraint is read from CUE's own rendering of the schema unified
// with the shape whose free leaves are `string`; the shape is used only if
// every ancestor of a free leaf renders as a plain struct or list (no
// disjunction, validator or embedding could look at the leaf) and every
// leaf's constraint is made of parts stringCheck decides exactly.
// Otherwise the field falls back to caching by its whole value.

// schemaRefs lists the labels the schema refers to, read once from the
// embedded schema files. ok is false when the schema refers to fields in a
// way that names no label (a computed index) or calls a function that
// could validate a whole struct or list: then no leaf is free.
var schemaRefs = sync.OnceValues(func() (map[string]bool, bool) {
	files, err := schema.Files()
	if err != nil {
		return nil, false
	}
	refs := map[string]bool{}
	ok := true
	for _, f := range files {
		for _, d := range f.Decls {
			ok = collectRefs(d, refs) && ok
		}
	}
	return refs, ok
})

// collectRefs records every name an expression may use to read a value:
// identifiers, selectors, string indices and the labels of aliased
// fields. Labels that only declare a field are not references.
func collectRefs(n ast.Node, refs map[string]bool) bool {
	ok := true
	ast.Walk(n, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.ImportDecl, *ast.Package, *ast.Attribute, *ast.CommentGroup:
			return false
		case *ast.Field:
			switch l := x.Label.(type) {
			case *ast.Ident, *ast.BasicLit:
			case *ast.Alias:
				// X=field: X reads the field's value.
				refs[l.Ident.Name] = true
				if name, _, err := ast.LabelName(l); err == nil {
					refs[name] = true
				} else {
					ok = false
				}
			default:
				// Pattern constraints ([Name=#Key]: ...) and dynamic
				// labels ((expr): ...): what they compute from.
				ok = collectRefs(l, refs) && ok
			}
			if _, aliased := x.Value.(*ast.Alias); aliased {
				if name, _, err := ast.LabelName(x.Label); err == nil {
					refs[name] = true
				} else {
					ok = false
				}
			}
			ok = collectRefs(x.Value, refs) && ok
			return false
		case *ast.Alias:
			refs[x.Ident.Name] = true
			ok = collectRefs(x.Expr, refs) && ok
			return false
		case *ast.CallExpr:
			// A validator of a struct or list could read every value
			// in it: only calls that apply to a single string (or
			// fail whatever the value) are allowed.
			if !scalarCall(x) {
				ok = false
			}
		case *ast.Ident:
			refs[x.Name] = true
		case *ast.SelectorExpr:
			if name, _, err := ast.LabelName(x.Sel); err == nil {
				refs[name] = true
			} else {
				ok = false
			}
		case *ast.IndexExpr:
			lit, isLit := x.Index.(*ast.BasicLit)
			switch {
			case isLit && lit.Kind == token.INT:
			case isLit && lit.Kind == token.STRING:
				s, err := literal.Unquote(lit.Value)
				if err != nil {
					ok = false
				}
				refs[s] = true
			default:
				ok = false
			}
		}
		return true
	}, nil)
	return ok
}

// scalarCall reports whether a call is strings.MaxRunes or MinRunes (which
// fail on anything but a string) or error(...).
func scalarCall(c *ast.CallExpr) bool {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name == "error"
	case *ast.SelectorExpr:
		pkg, ok := f.X.(*ast.Ident)
		name, _, err := ast.LabelName(f.Sel)
		return ok && err == nil && pkg.Name == "strings" && (name == "MaxRunes" || name == "MinRunes")
	}
	return false
}

// freeLabel reports whether no rule of the schema can read a field by this
// label.
func freeLabel(label string) bool {
	refs, ok := schemaRefs()
	return ok && !refs[label]
}

// shapeOf walks a written value: it writes the canonical text of the value
// with its free string leaves as "?" and collects those strings. free says
// whether every label above n is free.
type shapeOf struct {
	key    strings.Builder
	leaves []string
	// Only when the shape is being built: each leaf's path relative to
	// the field, as piece.paths spells it, and as steps.
	paths []string
	steps [][]step
}

// step is one selector of a path: a field label, or a list index.
type step struct {
	label string
	index int // -1 for a label
}

func (s *shapeOf) walk(n *node, free bool, rel string, at []step) {
	building := s.steps != nil
	switch n.kind {
	case kindMap:
		s.key.WriteByte('{')
		for _, f := range n.fields {
			writeQuoted(&s.key, f.key)
			s.key.WriteByte(':')
			var sub []step
			var subRel string
			if building {
				sub = append(at[:len(at):len(at)], step{label: f.key, index: -1})
				subRel = rel + "." + joinKey("", f.key)
			}
			s.walk(f.val, free && freeLabel(f.key), subRel, sub)
			s.key.WriteByte(',')
		}
		s.key.WriteByte('}')
	case kindList:
		s.key.WriteByte('[')
		for i, it := range n.items {
			var sub []step
			var subRel string
			if building {
				sub = append(at[:len(at):len(at)], step{index: i})
				subRel = joinIndex(rel, i)
			}
			s.walk(it, free, subRel, sub)
			s.key.WriteByte(',')
		}
		s.key.WriteByte(']')
	case kindNull:
		s.key.WriteString("null")
	default:
		if str, ok := freeString(n, free); ok {
			s.key.WriteByte('?')
			s.leaves = append(s.leaves, str)
			if building {
				s.paths = append(s.paths, rel)
				s.steps = append(s.steps, at)
			}
			return
		}
		s.key.WriteString(litText(n))
	}
}

// freeString returns the string of a leaf that is abstracted.
func freeString(n *node, free bool) (string, bool) {
	if !free {
		return "", false
	}
	lit, ok := n.lit.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := literal.Unquote(lit.Value)
	if err != nil {
		return "", false
	}
	return s, true
}

// abstractExpr is the written value with its free string leaves replaced
// by `string`, decided as shapeOf.walk decides.
func abstractExpr(n *node, free bool) ast.Expr {
	switch n.kind {
	case kindMap:
		s := &ast.StructLit{Elts: make([]ast.Decl, 0, len(n.fields))}
		for _, f := range n.fields {
			s.Elts = append(s.Elts, &ast.Field{Label: ast.NewString(f.key), Value: abstractExpr(f.val, free && freeLabel(f.key))})
		}
		return s
	case kindList:
		l := &ast.ListLit{Elts: make([]ast.Expr, 0, len(n.items))}
		for _, it := range n.items {
			l.Elts = append(l.Elts, abstractExpr(it, free))
		}
		return l
	case kindNull:
		return ast.NewNull()
	}
	if _, ok := freeString(n, free); ok {
		return ast.NewIdent("string")
	}
	x := *(n.lit.(*ast.BasicLit))
	x.ValuePos = token.NoPos
	return &x
}

// shape is a validated value with its free strings taken out.
type shape struct {
	ok     bool // false: validate this field's values one by one
	checks []stringCheck
	// chunks and slots are the exported JSON around the leaves: chunks[0],
	// leaf slots[0], chunks[1], ..., chunks[len(slots)].
	chunks [][]byte
	slots  []int
	paths  []string // as piece.paths
	parent []int
}

// buildShape makes the shape of a value, first validated in full as p; s
// holds the value's walk with paths.
func (w *worker) buildShape(hf hubField, n *node, p *piece, s *shapeOf) *shape {
	bad := &shape{}
	v := hf.schema.Unify(w.ctx.BuildExpr(abstractExpr(n, freeLabel(hf.name))))
	if v.Err() != nil {
		return bad
	}
	// CUE's rendering of the evaluated value keeps disjunctions and
	// validators as written, where the exported syntax would resolve
	// defaults.
	rendered, err := parser.ParseExpr("shape", fmt.Sprint(v))
	if err != nil {
		return bad
	}
	sh := &shape{ok: true, paths: p.paths, parent: p.parents}
	for i, at := range s.steps {
		c, ok := leafCheck(rendered, at)
		if !ok || !c.match(s.leaves[i]) {
			return bad
		}
		sh.checks = append(sh.checks, c)
	}
	spans, ok := stringSpans(p.json, s.paths, s.leaves)
	if !ok {
		return bad
	}
	order := make([]int, len(spans))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return spans[order[a]][0] < spans[order[b]][0] })
	last := 0
	for _, i := range order {
		sh.chunks = append(sh.chunks, p.json[last:spans[i][0]])
		sh.slots = append(sh.slots, i)
		last = spans[i][1]
	}
	sh.chunks = append(sh.chunks, p.json[last:])
	return sh
}

// leafCheck follows a leaf's path in the rendered value and reads its
// constraint. Every step must be a plain struct or list.
func leafCheck(e ast.Expr, at []step) (stringCheck, bool) {
	for _, st := range at {
		switch x := e.(type) {
		case *ast.StructLit:
			var found ast.Expr
			for _, d := range x.Elts {
				f, ok := d.(*ast.Field)
				if !ok {
					if _, isComment := d.(*ast.CommentGroup); isComment {
						continue
					}
					return nil, false // an embedding, comprehension, let, ...
				}
				name, isIdent, err := ast.LabelName(f.Label)
				if err != nil || (!isIdent && name == "") {
					continue // a pattern constraint: already applied
				}
				if name == st.label && st.index < 0 {
					if found != nil || f.Constraint != token.ILLEGAL {
						return nil, false
					}
					found = f.Value
				}
			}
			if found == nil {
				return nil, false
			}
			e = found
		case *ast.ListLit:
			if st.index < 0 || st.index >= len(x.Elts) {
				return nil, false
			}
			e = x.Elts[st.index]
			if _, ok := e.(*ast.Ellipsis); ok {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return parseCheck(e, false)
}

// stringSpans finds where each leaf's string is in the exported JSON, by
// path; each must be there exactly once, with the leaf's value.
func stringSpans(raw []byte, paths, leaves []string) ([][2]int, bool) {
	want := make(map[string]int, len(paths))
	for i, p := range paths {
		if _, dup := want[p]; dup {
			return nil, false
		}
		want[p] = i
	}
	spans := make([][2]int, len(paths))
	found := 0
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []jsonFrame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.obj {
				b.WriteString("." + joinKey("", f.key))
			} else {
				b.WriteString(joinIndex("", f.n))
			}
		}
		return b.String()
	}
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].obj && stack[top].want {
			// A key of an object.
			if d, isDelim := tok.(json.Delim); isDelim && d == '}' {
				stack = stack[:top]
				advance(stack)
				continue
			}
			k, ok := tok.(string)
			if !ok {
				return nil, false
			}
			stack[top].key, stack[top].want = k, false
			continue
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, jsonFrame{obj: true, want: true})
			case '[':
				stack = append(stack, jsonFrame{})
			case ']':
				stack = stack[:top]
				advance(stack)
			default:
				return nil, false
			}
			continue
		case string:
			if i, ok := want[path()]; ok {
				start := int(before)
				for start < len(raw) && raw[start] != '"' {
					start++
				}
				end := int(dec.InputOffset())
				if t != leaves[i] || spans[i] != [2]int{} || start >= end {
					return nil, false
				}
				spans[i] = [2]int{start, end}
				found++
			}
		}
		advance(stack)
	}
	return spans, found == len(paths)
}

// jsonFrame is an object or list being read: the key of its current
// value, or the index of its next item.
type jsonFrame struct {
	obj  bool
	key  string
	n    int
	want bool // an object's next token is a key
}

// advance moves past one value in the innermost object or list.
func advance(stack []jsonFrame) {
	if len(stack) == 0 {
		return
	}
	top := &stack[len(stack)-1]
	if top.obj {
		top.want = true
	} else {
		top.n++
	}
}

// appendJSONString writes s as a JSON string; s is valid UTF-8.
func appendJSONString(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[start:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		start = i + 1
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}
