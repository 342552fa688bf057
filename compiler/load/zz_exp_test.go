package load

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"encoding/json"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/cue/ast"

	"github.com/hubfleet/hubfleet/compiler/fleetgen"
	"github.com/hubfleet/hubfleet/compiler/model"
)

func expCompile(t testing.TB, ctx *cue.Context, dir string) cue.Value {
	names, _ := filepath.Glob(dir + "/*.cue")
	sort.Strings(names)
	inst := build.NewContext().NewInstance("schema", nil)
	for _, n := range names {
		src, _ := os.ReadFile(n)
		f, err := parser.ParseFile("schema/"+filepath.Base(n), src)
		if err != nil { t.Fatal(err) }
		inst.AddSyntax(f)
	}
	v := ctx.BuildInstance(inst)
	if v.Err() != nil { t.Fatal(v.Err()) }
	return v
}

func expTrees(t testing.TB) []*node {
	fsys := fleetgen.Generate(fleetgen.Options{Clusters: 50, HubsPerCluster: 20, Seed: 1})
	var out []*node
	var fd *node
	if ft, _ := parseYAML(newSource(FleetFile, fsys[FleetFile].Data)); ft != nil { fd = ft.get("hubDefaults") }
	ctx := cuecontext.New()
	lay, _ := discover(fsys, nil)
	for _, c := range lay.clusters {
		ct, _ := parseYAML(newSource("c", fsys["hubs/"+c.name+"/cluster.yaml"].Data))
		base := merge(merge(baseHub(), fd), ct.get("hubDefaults"))
		for _, h := range c.hubs {
			src := newSource(h.path, fsys[h.path].Data)
			var tr *node
			if h.cue { tr, _ = parseCUE(ctx, src) } else { tr, _ = parseYAML(src) }
			tr = tr.with("name", &node{kind: kindScalar, lit: ast.NewString(h.name)})
			out = append(out, merge(base, tr))
		}
	}
	return out
}

func BenchmarkExpUnify(b *testing.B) {
	trees := expTrees(b)
	for _, dir := range []string{"../../schema", "/tmp/nodef"} {
		b.Run(strings.ReplaceAll(dir, "/", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx := cuecontext.New()
				d := expCompile(b, ctx, dir).LookupPath(cue.ParsePath("#Hub"))
				for i, tr := range trees {
					if i%200 == 0 { ctx = cuecontext.New(); d = expCompile(b, ctx, dir).LookupPath(cue.ParsePath("#Hub")) }
					v := d.Unify(ctx.BuildExpr(tr.expr()))
					if err := v.Validate(); err != nil { b.Fatal(err) }
				}
			}
		})
	}
}

func BenchmarkExpDecode(b *testing.B) {
	trees := expTrees(b)[:200]
	ctx := cuecontext.New()
	d := expCompile(b, ctx, "../../schema").LookupPath(cue.ParsePath("#Hub"))
	vals := make([]cue.Value, len(trees))
	for i, tr := range trees {
		vals[i] = d.Unify(ctx.BuildExpr(tr.expr()))
		if err := vals[i].Validate(cue.Concrete(true)); err != nil { b.Fatal(err) }
	}
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, v := range vals { raw, _ := v.MarshalJSON(); var h model.Hub; json.Unmarshal(raw, &h) }
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, v := range vals { var h model.Hub; if err := v.Decode(&h); err != nil { b.Fatal(err) } }
		}
	})
}

func TestExpDistinct(t *testing.T) {
	trees := expTrees(t)
	distinct := map[string]map[string]bool{}
	perElem := map[string]bool{}
	for _, tr := range trees {
		for _, f := range tr.fields {
			b, _ := json.Marshal(f.val.expr())
			_ = b
			s := fmtNode(f.val)
			if distinct[f.key] == nil { distinct[f.key] = map[string]bool{} }
			distinct[f.key][s] = true
			if f.key == "profiles" { for _, it := range f.val.items { perElem[fmtNode(it)] = true } }
		}
	}
	for k, m := range distinct { t.Logf("%s: %d", k, len(m)) }
	t.Logf("profiles elements: %d", len(perElem))
}

func fmtNode(n *node) string {
	var sb strings.Builder
	var w func(n *node)
	w = func(n *node) {
		switch n.kind {
		case kindMap:
			sb.WriteByte('{')
			for _, f := range n.fields { sb.WriteString(f.key); sb.WriteByte(':'); w(f.val); sb.WriteByte(',') }
			sb.WriteByte('}')
		case kindList:
			sb.WriteByte('[')
			for _, it := range n.items { w(it); sb.WriteByte(',') }
			sb.WriteByte(']')
		case kindNull:
			sb.WriteString("null")
		default:
			sb.WriteString(litText(n))
		}
	}
	w(n)
	return sb.String()
}
