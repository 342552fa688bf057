package patch

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/kyaml/kio"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// ignorePositions compares node trees without Line and Column, the only
// fields the text route sets and bodyNode does not.
var ignorePositions = cmpopts.IgnoreFields(yaml.Node{}, "Line", "Column")

// parsedNode is the tree kustomize got from body on the text route: the
// JSON stream read by kio.FromBytes, as NewResMapFromBytes reads it.
func parsedNode(t testing.TB, body map[string]any) (*yaml.Node, error) {
	t.Helper()
	text, err := encodeText([]*manifest.Object{{Body: body}})
	if err != nil {
		return nil, err
	}
	nodes, err := kio.FromBytes(text)
	if err != nil {
		return nil, err
	}
	if len(nodes) != 1 {
		t.Fatalf("text route read %d documents", len(nodes))
	}
	return nodes[0].Document(), nil
}

// checkBodyNode fails unless bodyNode builds exactly the tree the text
// route parses, or declines a body.
func checkBodyNode(t testing.TB, body map[string]any) (built bool) {
	t.Helper()
	got, ok := bodyNode(body)
	if !ok {
		return false
	}
	want, err := parsedNode(t, body)
	if err != nil {
		t.Fatalf("bodyNode accepted a body the text route rejects (%v): %#v", err, body)
	}
	if diff := cmp.Diff(want, got, ignorePositions); diff != "" {
		t.Fatalf("node tree differs from the parsed JSON (-parsed +built):\n%s", diff)
	}
	return true
}

// readText is how the text route read a result.
func readText(rn *kyaml.RNode) (map[string]any, error) {
	data, err := rn.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return decodeBody(data)
}

// checkRead fails if documentBody reads n other than the text route does.
func checkRead(t testing.TB, n *yaml.Node) (read bool) {
	t.Helper()
	got, ok := documentBody(n)
	if !ok {
		return false
	}
	want, err := readText(kyaml.NewRNode(n))
	if err != nil {
		s, _ := kyaml.String(n)
		t.Fatalf("documentBody read a tree the text route rejects (%v):\n%s", err, s)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		s, _ := kyaml.String(n)
		t.Fatalf("read differs (-text +nodes):\n%s\ntree:\n%s", diff, s)
	}
	return true
}

func TestBodyNodeMatchesParsedJSON(t *testing.T) {
	for _, o := range trickyObjects(t) {
		if !checkBodyNode(t, o.Map()) {
			t.Errorf("%s: bodyNode declined an ordinary body", o)
		}
		n, _ := bodyNode(o.Map())
		checkRead(t, n)
	}
	// Declined bodies: the text route handles them.
	for _, body := range []map[string]any{
		{"x": math.Inf(1)}, {"x": "\x7f"}, {"x": "\xff"}, {"<<": "x"}, {"x": int32(1)}, {"x": []string{"a"}},
	} {
		if _, ok := bodyNode(body); ok {
			t.Errorf("bodyNode accepted %#v", body)
		}
	}
}

func TestJSONFloat(t *testing.T) {
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1e3, 1e20, 1e21, 1e-6, 1e-7, 123456789.125,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 1.5e19, -9.223372036854775808e18, 9.223372036854775808e18} {
		want, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonFloat(f); got != string(want) {
			t.Errorf("jsonFloat(%v) = %s, want %s", f, got, want)
		}
		// jsonNumber is what DecodeJSON makes of that JSON.
		back, err := manifest.DecodeJSON([]byte(`{"v":` + string(want) + `}`))
		if err != nil {
			t.Fatal(err)
		}
		if got := jsonNumber(f); !cmp.Equal(got, back["v"]) {
			t.Errorf("jsonNumber(%v) = %#v, want %#v", f, got, back["v"])
		}
	}
}

// readCases are YAML documents as kustomize's results may hold them:
// parsed patches merged in, nodes kyaml creates without tags, flow
// collections from the JSON input.
var readCases = []string{
	// Found by FuzzReadBody: as a literal block, a value starting with a
	// tab is written without an indentation indicator and cannot be read
	// back.
	"A: \"\\t\"\nB: \"\\tx\\n\"\nC: \"\\t\\nx\"\n",
	"a: 1\nb: 1.5\nc: true\nd: null\ne: ~\nf:\ng: text\nh: '1'\ni: \"true\"\nj: [1, '2', x]\nk: {}\nl: []\n",
	"n: 1e3\no: .5\np: -0\nq: 0.0\nr: 1.0\ns: -1.5e-7\nt: 9223372036854775807\nu: -9223372036854775808\nv: 1e21\n",
	"oct: 0o17\nhex: 0x1F\nold: 010\nunder: 1_000\nplus: +1\ndate: 2001-12-14\nyes: yes\nTrue: True\nNULL: NULL\n",
	"big: 12345678901234567890\nhuge: 1e400\ninf: .inf\nnan: .NaN\nninf: -.Inf\n",
	"flow: {a: , b: ~, c: ''}\nlist: [a, '', ~, null]\nnested: {x: [{y: }]}\n",
	"lit: |\n  a\n  b\nfold: >\n  a\n  b\nkeep: |+\n  x\n\nstrip: |-\n  y\n",
	"tags: {i: !!int 3, f: !!float 1, s: !!str true, b: !!bool true, n: !!null null, c: !thing x, bin: !!binary aGVsbG8=}\n",
	"anchor: &a {x: 1}\nalias: *a\nmerge:\n  <<: *a\n  y: 2\n",
	"# head\nkey: value # line\n# foot\n",
	"'quoted key': 1\n\"1\": one\n? complex\n: value\n\"\": empty\n",
	"dup: 1\ndup: 2\n",
	"1: int key\n",
	"true: bool key\n",
	"~: null key\n",
	"nested:\n  deep:\n    - - - x\n      - {a: [1, {b: c}]}\n",
	"s: 'it''s'\nt: \"tab\\there\"\nu: \"\\u00e9\\U0001F600\"\nv: \"bell\\a\"\nw: \"nel\\N\"\n",
	"long: \"aaaaaaaaaa bbbbbbbbbb cccccccccc dddddddddd eeeeeeeeee ffffffffff gggggggggg hhhhhhhhhh iiiiiiiiii\"\n",
}

// variants parses text and returns the tree and copies of it as
// kyaml-built or patch-written nodes may look: tags dropped from every
// scalar, every collection in flow style, every string in one style.
func variants(t testing.TB, text string) []*yaml.Node {
	t.Helper()
	var out []*yaml.Node
	for _, edit := range []func(*yaml.Node){
		func(*yaml.Node) {},
		func(n *yaml.Node) {
			if n.Kind == yaml.ScalarNode {
				n.Tag = ""
				n.Style &^= yaml.TaggedStyle
			}
		},
		func(n *yaml.Node) {
			if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
				n.Style |= yaml.FlowStyle
			}
		},
		restyle(yaml.DoubleQuotedStyle),
		restyle(yaml.SingleQuotedStyle),
		restyle(yaml.LiteralStyle),
		restyle(yaml.FoldedStyle),
	} {
		rn, err := kyaml.Parse(text)
		if err != nil {
			return nil
		}
		walkNodes(rn.Document(), edit)
		out = append(out, rn.Document())
	}
	return out
}

// restyle sets style on every !!str scalar, as if a patch had written
// them so.
func restyle(style yaml.Style) func(*yaml.Node) {
	return func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Tag == "!!str" {
			n.Style = style
		}
	}
}

func walkNodes(n *yaml.Node, f func(*yaml.Node)) {
	if n == nil {
		return
	}
	f(n)
	for _, c := range n.Content {
		walkNodes(c, f)
	}
}

func TestReadMatchesMarshalJSON(t *testing.T) {
	read := 0
	for _, text := range readCases {
		vs := variants(t, text)
		if vs == nil {
			t.Fatalf("case does not parse:\n%s", text)
		}
		for _, n := range vs {
			if checkRead(t, n) {
				read++
			}
		}
	}
	t.Logf("read %d of %d trees", read, 7*len(readCases))
	if read < len(readCases) {
		t.Errorf("documentBody read only %d of %d trees; the node route should cover most", read, 7*len(readCases))
	}
}

// FuzzReadBody holds documentBody to the text route on arbitrary YAML.
func FuzzReadBody(f *testing.F) {
	for _, c := range readCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, n := range variants(t, text) {
			checkRead(t, n)
		}
	})
}

// FuzzBodyNode holds bodyNode to the text route on arbitrary strings and
// numbers, and reads the tree back.
func FuzzBodyNode(f *testing.F) {
	f.Add("key", "value", 0.5, int64(1))
	f.Add("", "true", 1e21, int64(-1))
	f.Add("a/b~c", "line\nline", -0.0, int64(math.MaxInt64))
	f.Add("<<", "\u2028\x00\t", 1e-7, int64(0))
	f.Add("k", "\x7f\u0085\ufeff", 1.5e19, int64(0))
	f.Fuzz(func(t *testing.T, k, v string, x float64, i int64) {
		body := map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": v},
			"data": map[string]any{k: v, v: k}, "n": []any{x, i, map[string]any{}, []any{}, nil},
		}
		if checkBodyNode(t, body) {
			n, _ := bodyNode(body)
			checkRead(t, n)
			// The same strings as a patch may write them.
			for _, style := range []yaml.Style{0, yaml.SingleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle} {
				n, _ := bodyNode(body)
				walkNodes(n, restyle(style))
				checkRead(t, n)
				walkNodes(n, func(n *yaml.Node) {
					if n.Kind == yaml.ScalarNode {
						n.Tag = ""
					}
				})
				checkRead(t, n)
			}
		}
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			want, _ := json.Marshal(x)
			if got := jsonFloat(x); got != string(want) {
				t.Errorf("jsonFloat(%v) = %s, want %s", x, got, want)
			}
		}
	})
}
