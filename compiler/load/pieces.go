package load

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// The fast path for hubs. No rule of #Hub relates two of its top-level
// fields (the loader fills in the fields copied from the name), so a hub
// is valid exactly when each top-level field is valid against its part of
// the schema. Hubs of a fleet share most of those values (inherited
// defaults, common profiles, storage, culling), so each distinct value is
// validated and exported once per run and reused. Fields that differ in
// every hub only by strings no rule reads (auth, displayName, domain) are
// validated once per shape instead (shape.go). A hub with any invalid,
// unknown or missing field goes through the full validation, which finds
// and explains every error.

// fastPath is off only in tests that compare it with the full validation;
// shapes only in tests that compare shapes with validating every value.
var (
	fastPath = true
	shapes   = true
)

// shapeHits counts values checked against a shape, for tests.
var shapeHits atomic.Int64

// piece is one top-level field of a hub, validated, with its defaults.
type piece struct {
	ok   bool
	json []byte // the value with schema defaults, as JSON
	// paths lists every value inside, in pre-order, relative to the field
	// ("", ".home", ".home.size", "[0]", ...), with the index of each one's
	// parent, to give defaults the position of their nearest written
	// ancestor.
	paths   []string
	parents []int
	full    []string // paths from the top of the hub
	// shape, when set, stands for json: the piece is a shape's.
	shape *shape
}

// pieceCache is shared by the workers of one Load: it holds plain Go data,
// never CUE values.
type pieceCache struct {
	mu     sync.Mutex
	m      map[string]*piece
	shapes map[string]*piece // nil: the shape is not used
}

func newPieceCache() *pieceCache {
	return &pieceCache{m: map[string]*piece{}, shapes: map[string]*piece{}}
}

func (c *pieceCache) getShape(key string) (*piece, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.shapes[key]
	return p, ok
}

func (c *pieceCache) putShape(key string, p *piece) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shapes[key] = p
}

func (c *pieceCache) get(key string) *piece {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *pieceCache) put(key string, p *piece) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = p
}

// hubField is how #Hub declares one top-level field.
type hubField struct {
	name     string
	schema   cue.Value
	required bool // field!: must be written
	regular  bool // field: present even when not written (a default)
	scalar   bool // a string, number or bool
}

// hubFields lists the top-level fields of #Hub.
func hubFields(hub cue.Value) ([]hubField, map[string]int, error) {
	it, err := hub.Fields(cue.Optional(true))
	if err != nil {
		return nil, nil, err
	}
	var out []hubField
	idx := map[string]int{}
	for it.Next() {
		sel := it.Selector()
		f := hubField{name: sel.Unquoted(), schema: it.Value()}
		switch sel.ConstraintType() {
		case cue.RequiredConstraint:
			f.required = true
		case cue.OptionalConstraint:
		default:
			f.regular = true
		}
		f.scalar = f.schema.IncompleteKind()&(cue.StructKind|cue.ListKind) == 0
		idx[f.name] = len(out)
		out = append(out, f)
	}
	return out, idx, nil
}

// fastHub validates and decodes an effective hub from cached pieces. It
// returns false when the hub needs the full validation.
func (w *worker) fastHub(eff *node, h *model.Hub, file string) bool {
	if !fastPath || eff == nil || eff.kind != kindMap || w.hubFieldIdx == nil {
		return false
	}
	written := make([]*node, len(w.hubFields))
	for _, f := range eff.fields {
		i, ok := w.hubFieldIdx[f.key]
		if !ok {
			return false
		}
		written[i] = f.val
	}
	var buf strings.Builder
	buf.WriteByte('{')
	// Hubs of a fleet have about as many paths as each other: size the
	// map like the last one's.
	ps := make(model.Positions, w.lastPaths)
	eff.positions("", ps)
	top := model.Pos{File: file, Line: 1, Col: 1}
	first := true
	for i, hf := range w.hubFields {
		n := written[i]
		switch {
		case n == nil && hf.required:
			return false
		case n == nil && !hf.regular:
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.WriteString(strconv.Quote(hf.name))
		buf.WriteByte(':')
		p, leaves := w.piece(hf, n)
		if !p.ok {
			return false
		}
		if sh := p.shape; sh != nil {
			for i, c := range sh.checks {
				if !c.match(leaves[i]) {
					return false
				}
			}
			for i, slot := range sh.slots {
				buf.Write(sh.chunks[i])
				appendJSONString(&buf, leaves[slot])
			}
			buf.Write(sh.chunks[len(sh.slots)])
		} else {
			buf.Write(p.json)
		}
		w.ats = p.fill(top, ps, w.ats)
	}
	buf.WriteByte('}')

	if err := json.Unmarshal([]byte(buf.String()), h); err != nil {
		return false
	}
	h.Src = model.Source{File: file, Positions: ps}
	w.lastPaths = len(ps)
	return true
}

// fill records the position of every value of the piece that was not
// written: the position of its nearest written ancestor.
// ats is scratch space, reused.
func (p *piece) fill(at model.Pos, ps model.Positions, ats []model.Pos) []model.Pos {
	ats = append(ats[:0], make([]model.Pos, len(p.full))...)
	for i, full := range p.full {
		a := at
		if i > 0 {
			a = ats[p.parents[i]]
		}
		if pos, ok := ps[full]; ok {
			a = pos
		} else {
			ps[full] = a
		}
		ats[i] = a
	}
	return ats
}

// piece returns the validated piece for one field's value (nil: not
// written), from the cache or by validating it in this worker's context.
// A piece of a shape (shape.go) comes with the value's free strings, which
// the caller checks and writes into the JSON.
func (w *worker) piece(hf hubField, n *node) (*piece, []string) {
	if n == nil || !shapes {
		return w.exactPiece(hf, n), nil
	}
	free := freeLabel(hf.name)
	var s shapeOf
	s.key.WriteString(hf.name)
	s.key.WriteByte(0)
	s.walk(n, free, "", nil)
	k := s.key.String()
	if len(s.leaves) == 0 {
		// Without free strings the shape's text is the canonical text.
		return w.exactPieceKey(hf, n, k), nil
	}
	if p, known := w.cache.getShape(k); known {
		if p != nil {
			shapeHits.Add(1)
			return p, s.leaves
		}
		return w.exactPiece(hf, n), nil
	}
	p := w.exactPiece(hf, n)
	if !p.ok {
		// Another value of the shape may be valid: try again with it.
		return p, nil
	}
	w.evals++
	b := shapeOf{steps: [][]step{}}
	b.walk(n, free, "", nil)
	var sp *piece
	if sh := w.buildShape(hf, n, p, &b); sh.ok {
		sp = &piece{ok: true, shape: sh, paths: p.paths, parents: p.parents, full: p.full}
	}
	w.cache.putShape(k, sp)
	return p, nil
}

// exactPiece validates a value as it is, once per distinct value.
func (w *worker) exactPiece(hf hubField, n *node) *piece {
	var key strings.Builder
	key.WriteString(hf.name)
	key.WriteByte(0)
	if n != nil {
		n.canonical(&key)
	}
	return w.exactPieceKey(hf, n, key.String())
}

// exactPieceKey is exactPiece with the value's key: the field's name, a
// zero byte and the value's canonical text.
func (w *worker) exactPieceKey(hf hubField, n *node, k string) *piece {
	if p := w.cache.get(k); p != nil {
		return p
	}
	w.evals++
	v := hf.schema
	if n != nil {
		v = v.Unify(w.ctx.BuildExpr(n.expr()))
	}
	p := &piece{}
	if n != nil && n.kind == kindScalar && hf.scalar {
		// A scalar stays as written (or fails): no export needed.
		if js, ok := scalarJSON(n); ok && v.Validate(cue.Concrete(true), cue.Final()) == nil {
			p.ok, p.json = true, []byte(js)
			p.paths, p.parents = []string{""}, []int{-1}
		}
	} else if v.Validate(cue.Concrete(true), cue.Final()) == nil {
		if raw, err := v.MarshalJSON(); err == nil {
			var generic any
			if json.Unmarshal(raw, &generic) == nil {
				p.ok, p.json = true, raw
				p.index(generic, "", -1, 1)
			}
		}
	}
	prefix := joinKey("", hf.name)
	p.full = make([]string, len(p.paths))
	for i, rel := range p.paths {
		p.full[i] = prefix + rel
	}
	w.cache.put(k, p)
	return p
}

// index lists the paths of a decoded JSON value in pre-order.
func (p *piece) index(v any, rel string, parent, depth int) {
	// The same bound as fillDefaults: a field's value is at depth 1 of
	// the hub.
	if depth > maxDepth {
		return
	}
	me := len(p.paths)
	p.paths = append(p.paths, rel)
	p.parents = append(p.parents, parent)
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			p.index(e, rel+"."+joinKey("", k), me, depth+1)
		}
	case []any:
		for i, e := range x {
			p.index(e, joinIndex(rel, i), me, depth+1)
		}
	}
}

// scalarJSON is a written scalar as JSON: unifying a concrete scalar with
// its schema either fails or leaves it as it is.
func scalarJSON(n *node) (string, bool) {
	lit, ok := n.lit.(*ast.BasicLit)
	if !ok {
		return "", false
	}
	switch lit.Kind {
	case token.STRING:
		s, err := literal.Unquote(lit.Value)
		if err != nil {
			return "", false
		}
		b, err := json.Marshal(s)
		return string(b), err == nil
	case token.INT, token.FLOAT, token.TRUE, token.FALSE:
		if !json.Valid([]byte(lit.Value)) {
			return "", false
		}
		return lit.Value, true
	}
	return "", false
}

// canonical writes an unambiguous text of the value: equal texts, equal
// values (positions aside).
func (n *node) canonical(b *strings.Builder) {
	switch n.kind {
	case kindMap:
		b.WriteByte('{')
		for _, f := range n.fields {
			writeQuoted(b, f.key)
			b.WriteByte(':')
			f.val.canonical(b)
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case kindList:
		b.WriteByte('[')
		for _, it := range n.items {
			it.canonical(b)
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case kindNull:
		b.WriteString("null")
	default:
		b.WriteString(litText(n))
	}
}

// writeQuoted writes strconv.Quote(s), without its allocation when s is
// plain printable ASCII (as keys are).
func writeQuoted(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			b.WriteString(strconv.Quote(s))
			return
		}
	}
	b.WriteByte('"')
	b.WriteString(s)
	b.WriteByte('"')
}
