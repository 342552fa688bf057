package load

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// shapeHub writes a string into every leaf a shape abstracts: each %s is
// one leaf, quoted by the caller.
const shapeHub = `displayName: %s
domain: %s
namespace: %s
image: %s
defaultUrl: %s
auth:
  type: cilogon
  clientId: %s
  clientSecret: {secretRef: {key: %s, property: %s}}
  cilogon:
    allowedIdps:
      "http://google.com/accounts/o8/id": {usernameClaim: %s, allowedDomains: [%s]}
  admins: [%s]
environment: {HOME_BUCKET: %s}
storage: {home: {size: %s, storageClass: %s}}
profiles:
  - slug: small
    description: %s
    nodePool: user
    memory: {guarantee: %s, limit: 4G}
`

// shapeLeaves are valid values of the leaves of shapeHub, in order.
var shapeLeaves = []string{
	"Hub", "h.example.org", "ns", "a/b:1", "/lab", "id", "c1/h", "secret",
	"email", "example.edu", "alice", "s3://x", "10Gi", "gp3", "Small", "1G",
}

// shapeVariants are values to try in each leaf: valid and invalid for
// some leaf or other (empty, wrong format, too long, default values,
// escapes, non-ASCII).
var shapeVariants = []string{
	"", "x", "Hub 2", "ünïcødé", `quote " and \ back`, "tab\tnew\nline", "-bad", "Bad_Class",
	"/tree", "lab", "h2.example.org", "Not A Domain", "a..b", strings.Repeat("a.", 127) + "ab",
	strings.Repeat("n", 63), strings.Repeat("n", 64), "email", "sub", "10GB", "10Gi", "5Gi", "1.5x",
	"quay.io/x/y:2024", "bad image", "<&>", "\u2028",
}

// hubWith returns shapeHub with leaf i set to v (i < 0: all valid).
func hubWith(i int, v string) string { return fillLeaves(shapeHub, shapeLeaves, i, v) }

// fillLeaves writes the quoted leaves into the hub template tmpl, leaf i
// set to v (i < 0: all as listed).
func fillLeaves(tmpl string, leaves []string, i int, v string) string {
	args := make([]any, len(leaves))
	for j, l := range leaves {
		if j == i {
			l = v
		}
		args[j] = strconv.Quote(l)
	}
	return fmt.Sprintf(tmpl, args...)
}

// loadModes loads a fleet with shapes, without shapes (each value
// validated) and without the fast path (whole hubs validated), and
// reports any difference in the fleets or the diagnostics.
func loadModes(t testing.TB, fsys fstest.MapFS) (*model.Fleet, []string) {
	t.Helper()
	opts := cmp.Options{cmpopts.IgnoreFields(model.Hub{}, "Cluster"), cmpopts.EquateEmpty()}
	fast, fastErrs := Load(fsys, Options{Workers: 2})
	shapes = false
	each, eachErrs := Load(fsys, Options{Workers: 2})
	shapes = true
	fastPath = false
	full, fullErrs := Load(fsys, Options{Workers: 2})
	fastPath = true
	for name, got := range map[string]*model.Fleet{"shapes": fast, "values": each} {
		if diff := cmp.Diff(full, got, opts); diff != "" {
			t.Errorf("fleets differ (-full +%s):\n%s", name, diff)
		}
	}
	for name, got := range map[string][]string{"shapes": lines(fastErrs), "values": lines(eachErrs)} {
		if diff := cmp.Diff(lines(fullErrs), got); diff != "" {
			t.Errorf("diagnostics differ (-full +%s):\n%s", name, diff)
		}
	}
	return fast, lines(fastErrs)
}

// Every value of every abstracted leaf, valid or not, loads as the full
// validation loads it: same hubs, same diagnostics. The first hub of the
// cluster makes the shape; the others are checked against it.
func TestShapesMatchFullValidation(t *testing.T) {
	files := map[string]string{"hubs/c1/a-base.yaml": hubWith(-1, "")}
	for i := range shapeLeaves {
		for j, v := range shapeVariants {
			files[fmt.Sprintf("hubs/c1/v%02d-%02d.yaml", i, j)] = hubWith(i, v)
		}
	}
	// Other kinds and fields change the shape.
	files["hubs/c1/w-kind.yaml"] = strings.Replace(hubWith(-1, ""), `clientId: "id"`, "clientId: 12", 1)
	files["hubs/c1/w-unknown.yaml"] = strings.Replace(hubWith(-1, ""), `clientId: "id"`, `clientID: "id"`, 1)
	files["hubs/c1/w-null.yaml"] = strings.Replace(hubWith(-1, ""), `admins: ["alice"]`, "admins: [null]", 1)
	before := shapeHits.Load()
	f, errs := loadModes(t, fixture(files))
	if hits := shapeHits.Load() - before; hits < int64(len(shapeLeaves)*len(shapeVariants)) {
		t.Errorf("%d values were checked against a shape; want one per variant at least", hits)
	}
	if len(errs) == 0 || len(f.Hubs()) < 100 {
		t.Errorf("%d diagnostics, %d hubs: the variants are not a mix of valid and invalid", len(errs), len(f.Hubs()))
	}
}

// The shape of a value is refused when the schema could look at a free
// string anywhere but in its own constraint, or when that constraint is
// not one a Go check decides exactly.
func TestBuildShapeRefuses(t *testing.T) {
	w, err := newWorker(nil, newPieceCache())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		schema, data string
		ok           bool
	}{
		{`{p: =~"^a" & strings.MaxRunes(3)}`, `{p: abc}`, true},
		{`{p: *"x" | !=""}`, `{p: abc}`, true},
		{`{p: string}`, `{p: abc}`, true},
		// A disjunction of structs: which arm applies depends on p.
		{`{p: "a", q: =~"^a"} | {p: "b", q: =~"^b"}`, `{p: a, q: ab}`, false},
		{`*{p: "a", q: =~"^a"} | {p: "b", q: =~"^b"}`, `{p: a, q: ab}`, false},
		// A validator of the list reads every element.
		{`{p: list.UniqueItems() & [...string]}`, `{p: [a, b]}`, false},
		// Counting items reads no value: CUE decides it on the shape.
		{`{p: list.MaxItems(3) & [...string]}`, `{p: [a, b]}`, true},
		{`{p?: list.Contains("a") & [...string]}`, `{p: [a, b]}`, false},
		// Constraints the Go checks do not know.
		{`{p: strings.HasPrefix("a")}`, `{p: abc}`, false},
		// The int arm cannot hold a string: CUE drops it.
		{`{p: =~"^a" | int}`, `{p: abc}`, true},
		{`{p: string & <"b"}`, `{p: abc}`, false},
	} {
		src := "x: " + tt.schema
		for _, pkg := range []string{"list", "strings"} {
			if strings.Contains(tt.schema, pkg+".") {
				src = "import \"" + pkg + "\"\n" + src
			}
		}
		sch := w.ctx.CompileString(src).LookupPath(cue.ParsePath("x"))
		if err := sch.Err(); err != nil {
			t.Fatalf("%s: %v", tt.schema, err)
		}
		n, errs := parseYAML(newSource("f.yaml", []byte("v: "+tt.data)))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		hf := hubField{name: "v", schema: sch}
		p := w.exactPiece(hf, n.get("v"))
		if !p.ok {
			t.Fatalf("%s: %s does not validate", tt.schema, tt.data)
		}
		s := shapeOf{steps: [][]step{}}
		s.walk(n.get("v"), true, "", nil)
		if got := w.buildShape(hf, n.get("v"), p, &s).ok; got != tt.ok {
			t.Errorf("shape of %s with %s: ok = %v, want %v", tt.data, tt.schema, got, tt.ok)
		}
	}
}

// The schema's references are found however they are written; a
// reference by a computed index makes every label suspect.
func TestCollectRefs(t *testing.T) {
	src := `
import "strings"
#A: {
	a: string
	b: a
	c: x.d
	e: y["f"]
	g: [K=string]: K
	H=h: int
	i: "\(j)"
	for k, v in l {m: v}
	if n == 1 {o: 1}
	p: q: r: s: strings.MaxRunes(3)
}
`
	f, err := parser.ParseFile("s.cue", src)
	if err != nil {
		t.Fatal(err)
	}
	refs := map[string]bool{}
	if !collectRefs(f, refs) {
		t.Fatal("not ok")
	}
	for _, want := range []string{"a", "x", "d", "y", "f", "K", "H", "h", "j", "l", "v", "n"} {
		if !refs[want] {
			t.Errorf("%s is not recorded as referenced", want)
		}
	}
	for _, free := range []string{"b", "c", "e", "g", "i", "m", "o", "p", "q", "r", "s"} {
		if refs[free] {
			t.Errorf("label %s is recorded as referenced", free)
		}
	}
	for _, src := range []string{"a: b[c]", "import \"list\"\na: list.UniqueItems()", "a: matchN(1, [int])", "a: close({})"} {
		f, err := parser.ParseFile("s.cue", src)
		if err != nil {
			t.Fatal(err)
		}
		if collectRefs(f, map[string]bool{}) {
			t.Errorf("%q is accepted", src)
		}
	}
	// The embedded schema passes, and the labels of the hub's unique
	// strings are free.
	for _, l := range []string{"displayName", "domain", "auth", "clientId", "clientSecret", "secretRef", "key"} {
		if !freeLabel(l) {
			t.Errorf("%s is not free in the schema", l)
		}
	}
	if freeLabel("type") {
		t.Error("type is referenced by the schema (if type == ...)")
	}
}

// Each Go check accepts exactly the strings CUE accepts.
func TestStringCheckMatchesCUE(t *testing.T) {
	ctx := cuecontext.New()
	sch, err := newWorker(nil, newPieceCache())
	if err != nil {
		t.Fatal(err)
	}
	constraints := []string{`string`, `"a"`, `!=""`, `=~"^a"`, `!~"^a"`, `strings.MaxRunes(3)`, `strings.MinRunes(2)`,
		`*"x" | !=""`, `(=~"^[a-z]+$" & strings.MaxRunes(4)) | "Z"`}
	for _, def := range []string{"#Name", "#Domain", "#Quantity", "#Image", "#NonEmpty", "#LabelKey", "#HubName"} {
		constraints = append(constraints, fmt.Sprint(sch.sch.LookupPath(cue.ParsePath(def))))
	}
	values := append([]string{"a", "ab", "abcd", "abcde", "x", "Z", "", "ÿÿÿ", "\xff"}, shapeVariants...)
	values = append(values, shapeLeaves...)
	for _, c := range constraints {
		e, err := parser.ParseExpr("c", c)
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		check, ok := parseCheck(e, false)
		if !ok {
			t.Errorf("%s is not understood", c)
			continue
		}
		src := "x: " + c
		if strings.Contains(c, "strings.") {
			src = "import \"strings\"\n" + src
		}
		v := ctx.CompileString(src).LookupPath(cue.ParsePath("x"))
		if err := v.Err(); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		for _, s := range values {
			want := v.Unify(ctx.Encode(s)).Validate(cue.Concrete(true)) == nil
			// Invalid UTF-8 is left to CUE: the check says no.
			if got := check.match(s); got != want && (got || utf8.ValidString(s)) {
				t.Errorf("%s on %q: check %v, CUE %v", c, s, got, want)
			}
		}
	}
}

// FuzzShapeLeaf writes arbitrary strings into the leaves of a hub whose
// shape another hub made: the loader must answer as the full validation.
func FuzzShapeLeaf(f *testing.F) {
	for i, v := range shapeVariants {
		f.Add(uint8(i), v)
	}
	f.Fuzz(func(t *testing.T, leaf uint8, v string) {
		files := map[string]string{
			"hubs/c1/a-base.yaml": hubWith(-1, ""),
			"hubs/c1/b-fuzz.yaml": hubWith(int(leaf)%len(shapeLeaves), v),
		}
		loadModes(t, fixture(files))
	})
}

// Without free strings, a shape's text is the value's canonical text: the
// loader uses one as the other.
func TestShapeTextIsCanonical(t *testing.T) {
	for _, src := range []string{
		"a: {b: 1, c: [x, 'y z'], d: null, e: {f: true, \"g h\": 1.5}}",
		"a: [1, [2, {b: \"q\\\"uote\"}], ünï: x]",
		hubWith(-1, ""),
	} {
		n, errs := parseYAML(newSource("f.yaml", []byte(src)))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		var c strings.Builder
		n.canonical(&c)
		var s shapeOf
		s.walk(n, false, "", nil)
		if s.key.String() != c.String() || len(s.leaves) != 0 {
			t.Errorf("shape text %s, canonical %s", s.key.String(), c.String())
		}
	}
}
