package load

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/literal"
	"cuelang.org/go/cue/token"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/schema"
)

// worker owns one CUE context and everything made in it. It is used by one
// goroutine at a time.
type worker struct {
	ctx    *cue.Context
	sch    cue.Value
	defs   map[string]cue.Value // "#Hub", "#Cluster", ...
	fmts   *formatSet
	evals  int   // values validated in ctx
	fleetD *node // fleet hubDefaults, shared read-only by the workers

	cache       *pieceCache // shared by the workers of one Load
	hubFields   []hubField  // the top-level fields of #Hub
	hubFieldIdx map[string]int
	ats         []model.Pos // scratch for piece.fill
	lastPaths   int         // positions of the last hub
}

func newWorker(fleetD *node, cache *pieceCache) (*worker, error) {
	w := &worker{fleetD: fleetD, cache: cache}
	if err := w.reset(); err != nil {
		return nil, err
	}
	return w, nil
}

// reset starts a fresh context and compiles the schema in it.
func (w *worker) reset() error {
	w.ctx = cuecontext.New()
	sch, err := schema.Compile(w.ctx)
	if err != nil {
		return err
	}
	w.sch = sch
	w.defs = map[string]cue.Value{}
	for _, d := range []string{"#Fleet", "#Cluster", "#Hub", "#HubDefaults"} {
		v := sch.LookupPath(cue.ParsePath(d))
		if !v.Exists() {
			return fmt.Errorf("embedded schema has no %s", d)
		}
		w.defs[d] = v
	}
	w.fmts = newFormatSet(sch)
	w.evals = 0
	if w.hubFields, w.hubFieldIdx, err = hubFields(w.defs["#Hub"]); err != nil {
		return fmt.Errorf("embedded schema: %w", err)
	}
	return nil
}

// validate unifies a tree with a schema definition and returns the value
// and the diagnostics. Concrete validation is for complete entities;
// partial ones (hubDefaults) only check what they write.
func (w *worker) validate(def string, tree *node, file, prefix string, concrete bool) (cue.Value, diag.List) {
	d := w.defs[def]
	var all diag.List
	var first cue.Value
	pruned := map[string]bool{}
	seen := map[string]bool{}
	// CUE reports some errors (unknown fields, missing fields) only when
	// nothing else is wrong, so validate again without the bad values to
	// find every error in one run.
	for round := 0; round < maxRounds; round++ {
		v := d.Unify(w.ctx.BuildExpr(tree.expr()))
		if round == 0 {
			first = v
		}
		var err error
		if concrete {
			err = v.Validate(cue.Concrete(true), cue.Final())
		} else {
			err = v.Validate()
		}
		if err == nil {
			break
		}
		ec := &errCtx{tree: tree, def: d, fmts: w.fmts, prefix: prefix}
		found := 0
		for _, e := range cueErrors(err, file, ec) {
			key := e.Path + "\x00" + e.Message
			if seen[key] || underPruned(e.Path, prefix, pruned) {
				continue
			}
			seen[key] = true
			all.Add(e)
			found++
		}
		if found == 0 {
			break
		}
		for _, e := range all {
			pruned[strings.TrimPrefix(e.Path, prefix)] = true
		}
		tree = tree.prune(pruned)
	}
	return first, all
}

// maxRounds bounds re-validation of a bad file.
const maxRounds = 4

// underPruned reports whether path is, or is inside, a value removed in an
// earlier round: errors there are consequences of the removal.
func underPruned(path, prefix string, pruned map[string]bool) bool {
	path = strings.TrimPrefix(path, prefix)
	for p := path; p != ""; p = parent(p) {
		if pruned[p] {
			return true
		}
	}
	return false
}

// checkDefaults validates a hubDefaults block on its own, so a typo is
// reported even in a cluster without hubs. Missing fields are fine there.
func (w *worker) checkDefaults(tree *node, file string) diag.List {
	if tree == nil {
		return nil
	}
	if tree.kind != kindMap {
		var errs diag.List
		errs.Errorf(tree.pos, "hubDefaults", "hubDefaults must be a mapping of hub fields")
		return errs
	}
	_, errs := w.validate("#HubDefaults", tree, file, "", false)
	var out diag.List
	for _, d := range errs {
		if d.Message == "field is required but not present" {
			continue
		}
		d.Path = "hubDefaults." + d.Path
		out.Add(d)
	}
	return out
}

// loadFleet validates hubs/fleet.yaml (or the defaults when there is
// none) into f. tree is the parsed file, nil when there is none or when it
// could not be parsed (broken: its errors are reported already).
func (w *worker) loadFleet(f *model.Fleet, tree *node, broken bool) diag.List {
	var errs diag.List
	if broken {
		return nil
	}
	if tree == nil {
		tree = &node{kind: kindMap}
	}
	defaults := tree.get("hubDefaults")
	errs.Merge(w.checkDefaults(defaults, FleetFile))
	rest := tree.without("hubDefaults")
	v, verrs := w.validate("#Fleet", rest, FleetFile, "", true)
	errs.Merge(verrs)
	if len(verrs) == 0 {
		if _, err := decode(v, f, FleetFile, rest); err != nil {
			errs.Errorf(model.Pos{File: FleetFile, Line: 1, Col: 1}, "", "cannot decode: %v", err)
		}
	}
	f.Positions = model.Positions{}
	tree.positions("", f.Positions)
	return errs
}

type clusterResult struct {
	cluster *model.Cluster
	errs    diag.List
}

// safeLoadCluster turns a panic on some input into a diagnostic, so one bad
// file never takes down the run.
func (w *worker) safeLoadCluster(fsys fs.FS, cf clusterFiles) (res clusterResult) {
	defer func() {
		if r := recover(); r != nil {
			res.cluster = nil
			res.errs.Errorf(model.Pos{File: path.Join(HubsDir, cf.name)}, "", "internal error while loading the cluster: %v", r)
			// The context may be in any state now.
			_ = w.reset()
		}
	}()
	return w.loadCluster(fsys, cf)
}

func (w *worker) loadCluster(fsys fs.FS, cf clusterFiles) clusterResult {
	var res clusterResult
	file := path.Join(HubsDir, cf.name, ClusterFile)
	data, derr := readFile(fsys, file)
	if derr != nil {
		res.errs.Add(*derr)
		return res
	}
	tree, perrs := parseYAML(newSource(file, data))
	if len(perrs) > 0 {
		res.errs.Merge(perrs)
		return res
	}
	tree = w.injectName(tree, cf.name, "folder", file, &res.errs)
	clusterD := tree.get("hubDefaults")
	res.errs.Merge(w.checkDefaults(clusterD, file))
	body := deriveDefaults(tree.without("hubDefaults"), false)
	v, verrs := w.validate("#Cluster", body, file, "", true)
	res.errs.Merge(verrs)

	var c *model.Cluster
	if len(verrs) == 0 {
		c = &model.Cluster{}
		src, err := decode(v, c, file, body)
		if err != nil {
			res.errs.Errorf(model.Pos{File: file, Line: 1, Col: 1}, "", "cannot decode: %v", err)
			c = nil
		} else {
			c.Src = src
		}
	}
	if c != nil {
		c.Name = cf.name
		for i := range c.NodePools {
			p := &c.NodePools[i]
			p.Path = joinIndex("nodePools", i)
			p.Src = c.Src
		}
	}
	base := merge(baseHub(), w.fleetD)
	base = merge(base, clusterD)
	for _, hf := range cf.hubs {
		h, herrs := w.loadHub(fsys, hf, base)
		res.errs.Merge(herrs)
		if h != nil && c != nil {
			h.Cluster = c
			c.Hubs = append(c.Hubs, h)
		}
	}
	res.cluster = c
	return res
}

// injectName sets name from the folder or file stem, after checking that a
// written name agrees.
func (w *worker) injectName(tree *node, name, what, file string, errs *diag.List) *node {
	pos := model.Pos{File: file, Line: 1, Col: 1}
	if n := tree.get("name"); n != nil {
		pos = n.pos
		if s, ok := stringValue(n); !ok || s != name {
			errs.Errorf(n.pos, "name", "name must equal the %s name %q", what, name).
				WithHint("remove the name field, or rename the %s", what)
		}
	}
	return tree.with("name", &node{kind: kindScalar, lit: ast.NewString(name), pos: pos})
}

// deriveDefaults fills in the fields whose default is another field of the
// same value: a hub's displayName and namespace (its name), a profile's
// displayName (its slug) and a cluster's Argo CD destination (its name).
// The loader does this rather than the schema so that a bad name is
// reported once, not again in every field copied from it.
func deriveDefaults(tree *node, isHub bool) *node {
	if tree == nil || tree.kind != kindMap {
		return tree
	}
	name := tree.get("name")
	if !isHub {
		argocd := tree.get("argocd")
		if argocd == nil {
			argocd = &node{kind: kindMap, pos: name.pos}
		}
		if argocd.kind == kindMap && argocd.get("destination") == nil {
			return tree.with("argocd", argocd.with("destination", derivedCopy(name)))
		}
		return tree
	}
	for _, k := range []string{"displayName", "namespace"} {
		if tree.get(k) == nil {
			tree = tree.with(k, derivedCopy(name))
		}
	}
	profiles := tree.get("profiles")
	if profiles == nil || profiles.kind != kindList {
		return tree
	}
	var items []*node
	for i, p := range profiles.items {
		slug := p.get("slug")
		if _, ok := stringValue(slug); !ok || p.get("displayName") != nil {
			continue
		}
		if items == nil {
			items = append([]*node(nil), profiles.items...)
		}
		items[i] = p.with("displayName", derivedCopy(slug))
	}
	if items == nil {
		return tree
	}
	c := *profiles
	c.items = items
	return tree.with("profiles", &c)
}

func derivedCopy(n *node) *node {
	c := *n
	c.derived = true
	c.tpos = token.NoPos
	return &c
}

func stringValue(n *node) (string, bool) {
	if n == nil || n.kind != kindScalar {
		return "", false
	}
	lit, ok := n.lit.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := literal.Unquote(lit.Value)
	return s, err == nil
}

// baseHub is the layer under every hub: the blocks whose defaults apply
// even when no file mentions them.
func baseHub() *node {
	n := &node{kind: kindMap}
	for _, k := range []string{"storage", "culling", "dask", "userScheduler", "placeholders", "imagePuller"} {
		n.fields = append(n.fields, field{key: k, val: &node{kind: kindMap}})
	}
	return n
}

func (w *worker) loadHub(fsys fs.FS, hf hubFile, base *node) (*model.Hub, diag.List) {
	var errs diag.List
	if w.evals >= recycleAfter {
		if err := w.reset(); err != nil {
			errs.Errorf(model.Pos{File: hf.path}, "", "%v", err)
			return nil, errs
		}
	}
	data, derr := readFile(fsys, hf.path)
	if derr != nil {
		errs.Add(*derr)
		return nil, errs
	}
	src := newSource(hf.path, data)
	var tree *node
	var perrs diag.List
	if hf.cue {
		tree, perrs = parseCUE(w.ctx, src)
	} else {
		tree, perrs = parseYAML(src)
	}
	if len(perrs) > 0 {
		return nil, perrs
	}
	tree = w.injectName(tree, hf.name, "file", hf.path, &errs)
	eff := deriveDefaults(merge(base, tree), true)
	h := &model.Hub{}
	if w.fastHub(eff, h, hf.path) {
		finishHub(h, hf.name)
		return h, errs
	}
	*h = model.Hub{}
	w.evals++
	v, verrs := w.validate("#Hub", eff, hf.path, "hubDefaults.", true)
	errs.Merge(verrs)
	if len(verrs) > 0 {
		return nil, errs
	}
	hsrc, err := decode(v, h, hf.path, eff)
	if err != nil {
		errs.Errorf(model.Pos{File: hf.path, Line: 1, Col: 1}, "", "cannot decode: %v", err)
		return nil, errs
	}
	h.Src = hsrc
	finishHub(h, hf.name)
	return h, errs
}

// finishHub sets what the hub's parts need to know about the hub.
func finishHub(h *model.Hub, name string) {
	h.Name = name
	for i := range h.NodePools {
		p := &h.NodePools[i]
		p.Hub = h.Name
		p.Path = joinIndex("nodePools", i)
		p.Src = h.Src
	}
	for i := range h.Patches {
		p := &h.Patches[i]
		p.Path = joinIndex("patches", i)
		p.Pos = h.Src.At(p.Path)
	}
}

// decode exports a validated value once, as JSON, and reads both the model
// and the field paths from it (cheaper than CUE's reflective Decode plus a
// walk over the value). It returns the entity's Source: where every field
// of the effective value was written; fields filled in by schema defaults
// point at their nearest written ancestor, or at the top of the file.
func decode(v cue.Value, into any, file string, tree *node) (model.Source, error) {
	raw, err := v.MarshalJSON()
	if err != nil {
		return model.Source{}, err
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return model.Source{}, err
	}
	var generic any
	if err := json.Unmarshal(raw, &generic); err != nil {
		return model.Source{}, err
	}
	ps := model.Positions{}
	tree.positions("", ps)
	fillDefaults(generic, "", model.Pos{File: file, Line: 1, Col: 1}, ps, 0)
	return model.Source{File: file, Positions: ps}, nil
}

func fillDefaults(v any, prefix string, at model.Pos, ps model.Positions, depth int) {
	if depth > maxDepth {
		return
	}
	if prefix != "" {
		if p, ok := ps[prefix]; ok {
			at = p
		} else {
			ps[prefix] = at
		}
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			fillDefaults(e, joinKey(prefix, k), at, ps, depth+1)
		}
	case []any:
		for i, e := range x {
			fillDefaults(e, joinIndex(prefix, i), at, ps, depth+1)
		}
	}
}
