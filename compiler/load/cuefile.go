package load

import (
	"strconv"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/token"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// parseCUE evaluates a hub written in CUE to a concrete value and turns it
// into a node tree, so that it layers exactly like a YAML hub file.
func parseCUE(ctx *cue.Context, src *source) (*node, diag.List) {
	var errs diag.List
	v := ctx.CompileBytes(src.data, cue.Filename(src.path))
	if err := v.Err(); err != nil {
		return nil, cueErrors(err, src.path, nil)
	}
	if err := v.Validate(cue.Concrete(true), cue.Final()); err != nil {
		return nil, cueErrors(err, src.path, nil)
	}
	if v.Kind() != cue.StructKind {
		errs.Errorf(model.Pos{File: src.path, Line: 1, Col: 1}, "", "the top level must be a struct of fields")
		return nil, errs
	}
	c := &cueConv{path: src.path}
	n := c.convert(v, "", 0)
	if n != nil && n.kind == kindMap && len(n.fields) == 0 && len(c.errs) == 0 {
		errs.Errorf(model.Pos{File: src.path, Line: 1, Col: 1}, "", "empty file")
		return nil, errs
	}
	return n, c.errs
}

type cueConv struct {
	path string
	errs diag.List
}

func (c *cueConv) pos(v cue.Value) (model.Pos, token.Pos) {
	tp := v.Pos()
	if !tp.IsValid() {
		return model.Pos{File: c.path, Line: 1, Col: 1}, token.NoPos
	}
	p := tp.Position()
	return model.Pos{File: c.path, Line: p.Line, Col: p.Column}, tp
}

func (c *cueConv) convert(v cue.Value, path string, depth int) *node {
	pos, tpos := c.pos(v)
	if depth > maxDepth {
		c.errs.Errorf(pos, path, "nested deeper than %d levels", maxDepth)
		return nil
	}
	v = v.Eval()
	switch v.Kind() {
	case cue.StructKind:
		n := &node{kind: kindMap, pos: pos, tpos: tpos}
		it, err := v.Fields()
		if err != nil {
			c.errs.Merge(cueErrors(err, c.path, nil))
			return nil
		}
		for it.Next() {
			key := it.Selector().Unquoted()
			fv := c.convert(it.Value(), joinKey(path, key), depth+1)
			if fv != nil {
				n.fields = append(n.fields, field{key: key, val: fv, kpos: fv.tpos})
			}
		}
		return n
	case cue.ListKind:
		n := &node{kind: kindList, pos: pos, tpos: tpos}
		it, err := v.List()
		if err != nil {
			c.errs.Merge(cueErrors(err, c.path, nil))
			return nil
		}
		for i := 0; it.Next(); i++ {
			if iv := c.convert(it.Value(), joinIndex(path, i), depth+1); iv != nil {
				n.items = append(n.items, iv)
			}
		}
		return n
	case cue.NullKind:
		return &node{kind: kindNull, pos: pos, tpos: tpos}
	case cue.BoolKind:
		b, _ := v.Bool()
		return &node{kind: kindScalar, lit: ast.NewBool(b), pos: pos, tpos: tpos}
	case cue.StringKind:
		s, _ := v.String()
		return &node{kind: kindScalar, lit: ast.NewString(s), pos: pos, tpos: tpos}
	case cue.IntKind:
		i, err := v.Int64()
		if err != nil {
			c.errs.Errorf(pos, path, "integer out of range")
			return nil
		}
		return &node{kind: kindScalar, lit: ast.NewLit(token.INT, strconv.FormatInt(i, 10)), pos: pos, tpos: tpos}
	case cue.FloatKind:
		b, err := v.MarshalJSON()
		if err != nil {
			c.errs.Errorf(pos, path, "%v", err)
			return nil
		}
		return &node{kind: kindScalar, lit: ast.NewLit(token.FLOAT, floatLit(string(b))), pos: pos, tpos: tpos}
	}
	c.errs.Errorf(pos, path, "unsupported value of kind %v; hub files hold data only", v.Kind())
	return nil
}

func floatLit(s string) string {
	for _, r := range s {
		if r == '.' || r == 'e' || r == 'E' {
			return s
		}
	}
	return s + ".0"
}
