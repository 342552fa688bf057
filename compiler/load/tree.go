package load

import (
	"strconv"
	"strings"

	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// node is one value of a source file, parsed from YAML or evaluated from
// CUE, with the place it was written. Layering merges nodes of several files;
// each node keeps its own position, so the merged value still knows where
// every part of it came from. Nodes are never mutated once built: merging
// copies, so parsed files can be reused for many hubs.
type node struct {
	kind   nodeKind
	fields []field  // kindMap, in source order
	items  []*node  // kindList
	lit    ast.Expr // kindScalar: a literal without position

	// pos is where the value is reported (the value of a scalar, the key
	// of a map or list field); tpos is the same place for CUE errors.
	pos  model.Pos
	tpos token.Pos
	// keyAt is where the key of the field holding this value was written.
	keyAt model.Pos
	// derived marks a value the loader filled in from another one (a
	// displayName from the name): an error in it is the error of its
	// source, reported there.
	derived bool
}

type nodeKind int

const (
	kindMap nodeKind = iota
	kindList
	kindScalar
	kindNull
)

type field struct {
	key  string
	val  *node
	kpos token.Pos // where the key was written
}

// get returns the value of key in a map node, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != kindMap {
		return nil
	}
	for _, f := range n.fields {
		if f.key == key {
			return f.val
		}
	}
	return nil
}

// keyPos returns where key was written in map node n.
func (n *node) keyPos(key string) token.Pos {
	for _, f := range n.fields {
		if f.key == key {
			return f.kpos
		}
	}
	return token.NoPos
}

// without returns a copy of map node n without key.
func (n *node) without(key string) *node {
	if n == nil || n.kind != kindMap {
		return n
	}
	c := *n
	c.fields = make([]field, 0, len(n.fields))
	for _, f := range n.fields {
		if f.key != key {
			c.fields = append(c.fields, f)
		}
	}
	return &c
}

// with returns a copy of map node n with key set to v (first, if new).
func (n *node) with(key string, v *node) *node {
	c := *n
	c.fields = make([]field, 0, len(n.fields)+1)
	found := false
	for _, f := range n.fields {
		if f.key == key {
			f.val = v
			found = true
		}
		c.fields = append(c.fields, f)
	}
	if !found {
		c.fields = append([]field{{key: key, val: v}}, c.fields...)
	}
	return &c
}

// merge layers over on top of base: maps merge key by key, anything else
// in over replaces base, and null in over removes the inherited value.
func merge(base, over *node) *node {
	switch {
	case base == nil:
		return dropNulls(over)
	case over == nil:
		return base
	case over.kind == kindNull:
		return nil
	case base.kind != kindMap || over.kind != kindMap:
		return dropNulls(over)
	}
	out := &node{kind: kindMap, pos: over.pos, tpos: over.tpos}
	out.fields = make([]field, 0, len(base.fields)+len(over.fields))
	seen := make(map[string]bool, len(over.fields))
	for _, f := range over.fields {
		seen[f.key] = true
	}
	for _, f := range base.fields {
		if !seen[f.key] {
			out.fields = append(out.fields, f)
			continue
		}
		if m := merge(f.val, over.get(f.key)); m != nil {
			out.fields = append(out.fields, field{f.key, m, over.keyPos(f.key)})
		}
	}
	for _, f := range over.fields {
		if base.get(f.key) == nil {
			if v := dropNulls(f.val); v != nil {
				out.fields = append(out.fields, field{f.key, v, f.kpos})
			}
		}
	}
	return out
}

// dropNulls removes null map entries ("key:" with no value unsets a
// field); nulls inside lists stay and fail validation.
func dropNulls(n *node) *node {
	if n == nil || n.kind == kindNull {
		return nil
	}
	if n.kind != kindMap {
		return n
	}
	hasNull := false
	for _, f := range n.fields {
		if f.val.kind == kindNull || f.val.kind == kindMap {
			hasNull = true
			break
		}
	}
	if !hasNull {
		return n
	}
	c := *n
	c.fields = make([]field, 0, len(n.fields))
	for _, f := range n.fields {
		if v := dropNulls(f.val); v != nil {
			c.fields = append(c.fields, field{f.key, v, f.kpos})
		}
	}
	return &c
}

// expr converts a node to CUE syntax carrying the node positions.
func (n *node) expr() ast.Expr {
	switch n.kind {
	case kindMap:
		s := &ast.StructLit{Elts: make([]ast.Decl, 0, len(n.fields))}
		for _, f := range n.fields {
			lbl := ast.NewString(f.key)
			ast.SetPos(lbl, f.kpos)
			fd := &ast.Field{Label: lbl, Value: f.val.expr()}
			ast.SetPos(fd, f.val.tpos)
			s.Elts = append(s.Elts, fd)
		}
		ast.SetPos(s, n.tpos)
		return s
	case kindList:
		l := &ast.ListLit{Elts: make([]ast.Expr, 0, len(n.items))}
		for _, it := range n.items {
			l.Elts = append(l.Elts, it.expr())
		}
		ast.SetPos(l, n.tpos)
		return l
	case kindNull:
		x := ast.NewNull()
		ast.SetPos(x, n.tpos)
		return x
	}
	x := *(n.lit.(*ast.BasicLit))
	ast.SetPos(&x, n.tpos)
	return &x
}

// positions records where every value under n was written, keyed by
// CUE-style path.
func (n *node) positions(prefix string, out model.Positions) {
	if n == nil {
		return
	}
	// The empty blocks every hub starts from were written nowhere: they
	// get the position of their nearest written ancestor later.
	if prefix != "" && n.pos.File != "" {
		out[prefix] = n.pos
	}
	switch n.kind {
	case kindMap:
		for _, f := range n.fields {
			f.val.positions(joinKey(prefix, f.key), out)
		}
	case kindList:
		for i, it := range n.items {
			it.positions(joinIndex(prefix, i), out)
		}
	}
}

// resolve turns a CUE error path (selectors as strings) into a CUE-style
// path, using the tree to tell list indices from map keys, and returns the
// node at that path when the tree has one.
func (n *node) resolve(sels []string) (string, *node) {
	path := ""
	cur := n
	for _, s := range sels {
		s = unquoteLabel(s)
		if cur != nil && cur.kind == kindList {
			if i, err := strconv.Atoi(s); err == nil {
				path = joinIndex(path, i)
				if i >= 0 && i < len(cur.items) {
					cur = cur.items[i]
				} else {
					cur = nil
				}
				continue
			}
		}
		if cur == nil && isIndex(s) {
			// Beyond the written tree: a list from the schema.
			i, _ := strconv.Atoi(s)
			path = joinIndex(path, i)
			continue
		}
		path = joinKey(path, s)
		cur = cur.get(s)
	}
	return path, cur
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func unquoteLabel(s string) string {
	if len(s) >= 2 && s[0] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			return u
		}
	}
	return s
}

// joinKey appends a field to a CUE-style path, quoting labels that are not
// identifiers ("auth.\"generic-oauth\".tokenUrl") as CUE does.
func joinKey(prefix, key string) string {
	sel := key
	if !isIdent(key) {
		sel = strconv.Quote(key)
	}
	if prefix == "" {
		return sel
	}
	return prefix + "." + sel
}

func joinIndex(prefix string, i int) string {
	return prefix + "[" + strconv.Itoa(i) + "]"
}

// isIdent reports whether a label can stand unquoted in a CUE path.
func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '$':
		case i > 0 && (r >= '0' && r <= '9' || r == '_'):
		default:
			return false
		}
	}
	return !strings.HasPrefix(s, "$") || len(s) > 1
}

// prune returns a copy of n without the values at the given paths, so
// that validating again reveals errors the first errors hid. A bad list
// element takes its whole list field with it: removing one element would
// renumber the others.
func (n *node) prune(paths map[string]bool) *node {
	return n.pruneAt("", paths)
}

func (n *node) pruneAt(prefix string, paths map[string]bool) *node {
	switch n.kind {
	case kindMap:
		c := *n
		c.fields = make([]field, 0, len(n.fields))
		changed := false
		for _, f := range n.fields {
			p := joinKey(prefix, f.key)
			if paths[p] || (f.val.kind == kindList && f.val.hasItemIn(p, paths)) {
				changed = true
				continue
			}
			v := f.val.pruneAt(p, paths)
			changed = changed || v != f.val
			c.fields = append(c.fields, field{f.key, v, f.kpos})
		}
		if !changed {
			return n
		}
		return &c
	case kindList:
		c := *n
		c.items = make([]*node, len(n.items))
		changed := false
		for i, it := range n.items {
			c.items[i] = it.pruneAt(joinIndex(prefix, i), paths)
			changed = changed || c.items[i] != it
		}
		if !changed {
			return n
		}
		return &c
	}
	return n
}

// hasItemIn reports whether one of the list's own elements is in paths.
func (n *node) hasItemIn(prefix string, paths map[string]bool) bool {
	for i := range n.items {
		if paths[joinIndex(prefix, i)] {
			return true
		}
	}
	return false
}
