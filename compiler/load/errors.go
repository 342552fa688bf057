package load

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	cueerrors "cuelang.org/go/cue/errors"
	"cuelang.org/go/cue/token"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// errCtx is what turning a CUE error into a diagnostic needs to know about
// the value that failed.
type errCtx struct {
	tree *node      // the (merged) value as written
	def  cue.Value  // the schema definition it was unified with
	fmts *formatSet // the schema's string formats
	// prefix is prepended to paths of errors located in another file than
	// the entity's own ("hubDefaults." for values inherited by a hub).
	prefix string
}

// rawErr is one CUE error before grouping.
type rawErr struct {
	sels []string
	path string
	n    *node
	pos  model.Pos
	msg  string
}

var (
	disjRE     = regexp.MustCompile(`^\d+ errors in empty disjunction:?$`)
	conflictRE = regexp.MustCompile(`^conflicting values (.+) and (.+?)( \(mismatched types .*\))?$`)
	boundRE    = regexp.MustCompile(`^invalid value (".*") \(out of bound =~(".*")\)$`)
	typesRE    = regexp.MustCompile(`\(mismatched types (\w+) and (\w+)\)$`)
)

// cueErrors converts a CUE evaluation error into diagnostics located in
// the data files. file is the entity's own file: positions found nowhere
// else fall back to it.
func cueErrors(err error, file string, ec *errCtx) diag.List {
	var raws []rawErr
	for _, e := range cueerrors.Errors(err) {
		format, args := e.Msg()
		sels := e.Path()
		// Paths start at the definition the value was unified with.
		for len(sels) > 0 && strings.HasPrefix(unquoteLabel(sels[0]), "#") {
			sels = sels[1:]
		}
		r := rawErr{sels: sels, msg: fmt.Sprintf(format, args...)}
		if ec != nil && ec.tree != nil {
			r.path, r.n = ec.tree.resolve(r.sels)
		} else {
			r.path, _ = (*node)(nil).resolve(r.sels)
		}
		if r.n != nil && r.n.derived {
			continue
		}
		r.pos = dataPos(cueerrors.Positions(e))
		if r.msg == "field not allowed" && r.n != nil && r.n.keyAt.File != "" {
			r.pos = r.n.keyAt
		}
		if r.pos.File == "" && ec != nil && ec.tree != nil {
			r.pos = fallbackPos(ec.tree, r.path, file)
		}
		if r.pos.File == "" {
			r.pos = model.Pos{File: file, Line: 1, Col: 1}
		}
		raws = append(raws, r)
	}
	raws = groupDisjunctions(raws)
	if len(raws) > 1 {
		// A disjunction left open by a bad value elsewhere (a condition on
		// an invalid field) says nothing new.
		kept := raws[:0]
		for _, r := range raws {
			if !strings.HasPrefix(r.msg, "unresolved disjunction") {
				kept = append(kept, r)
			}
		}
		raws = kept
	}
	var out diag.List
	for _, r := range raws {
		d := diag.Diagnostic{Pos: r.pos, Path: r.path, Message: r.msg}
		if ec != nil {
			ec.explain(&d, r)
			if ec.prefix != "" && r.pos.File != file && d.Path != "" {
				d.Path = ec.prefix + d.Path
			}
		}
		out.Add(d)
	}
	return out
}

// dataPos picks the earliest position that is not in the embedded schema:
// a field's key rather than its value when CUE names both.
func dataPos(ps []token.Pos) model.Pos {
	var best model.Pos
	for _, p := range ps {
		if !p.IsValid() {
			continue
		}
		pp := p.Position()
		if pp.Filename == "" || strings.HasPrefix(pp.Filename, "schema/") {
			continue
		}
		mp := model.Pos{File: pp.Filename, Line: pp.Line, Col: pp.Column}
		if best.File == "" || (mp.File == best.File && mp.Less(best)) {
			best = mp
		}
	}
	return best
}

// fallbackPos locates an error about a value that was not written (a
// missing field): at the nearest written ancestor in the entity's own file,
// else at the top of that file.
func fallbackPos(tree *node, path, file string) model.Pos {
	ps := model.Positions{}
	tree.positions("", ps)
	for p := path; p != ""; p = parent(p) {
		if pos, ok := ps[p]; ok && pos.File == file {
			return pos
		}
	}
	return model.Pos{File: file, Line: 1, Col: 1}
}

func parent(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return ""
}

// groupDisjunctions folds the per-alternative errors of a failed
// disjunction ("3 errors in empty disjunction", then one per arm) into one.
func groupDisjunctions(raws []rawErr) []rawErr {
	headers := map[string]bool{}
	for _, r := range raws {
		if disjRE.MatchString(r.msg) {
			headers[r.path] = true
		}
	}
	if len(headers) == 0 {
		return raws
	}
	type group struct {
		first int
		arms  []rawErr
	}
	groups := map[string]*group{}
	var out []rawErr
	for i, r := range raws {
		if !headers[r.path] {
			out = append(out, r)
			continue
		}
		g := groups[r.path]
		if g == nil {
			g = &group{first: i}
			groups[r.path] = g
			out = append(out, rawErr{path: r.path}) // placeholder
		}
		if !disjRE.MatchString(r.msg) {
			g.arms = append(g.arms, r)
		}
	}
	for i, r := range out {
		g, ok := groups[r.path]
		if !ok || r.msg != "" {
			continue
		}
		out[i] = foldArms(g.arms, r.path)
	}
	return out
}

// foldArms says "must be one of" when every arm is a literal, else keeps
// the last arm (the general type after any default).
func foldArms(arms []rawErr, path string) rawErr {
	if len(arms) == 0 {
		return rawErr{path: path, msg: "no allowed value matches"}
	}
	res := arms[len(arms)-1]
	var value string
	var alts []string
	for _, a := range arms {
		if a.pos.File != "" && res.pos.File == "" {
			res.pos = a.pos
		}
		m := conflictRE.FindStringSubmatch(a.msg)
		if m == nil {
			return res
		}
		// CUE names the two sides in either order: the written value is
		// the one in the file.
		val, alt := m[1], m[2]
		if lit := litText(a.n); lit != "" && lit == alt {
			val, alt = alt, val
		}
		if !isLiteral(alt) {
			return res
		}
		value = val
		alts = append(alts, alt)
	}
	sort.Strings(alts)
	alts = dedupe(alts)
	res.msg = fmt.Sprintf("invalid value %s: must be one of %s", value, strings.Join(alts, ", "))
	return res
}

// litText is a scalar node's value in CUE syntax, or "".
func litText(n *node) string {
	if n == nil || n.kind != kindScalar {
		return ""
	}
	if b, ok := n.lit.(*ast.BasicLit); ok {
		return b.Value
	}
	return ""
}

func isLiteral(s string) bool {
	if strings.HasPrefix(s, `"`) {
		return true
	}
	if s == "true" || s == "false" || s == "null" {
		return true
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}
