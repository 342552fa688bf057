package output

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// memoStrings are strings whose style differs between keys and values, or
// that yaml.v3 reads as something else, or that need quotes, escapes or a
// block: the styles memo must never carry one's style to another context.
var memoStrings = []string{
	"yes", "0x1", "1e3", "~", "", " x", "x ", "a: b", "a:b", "#x", "a #b", "- a", "-", "?", "null", "True", "1:20",
	"multi\nline", "multi\nline\n", "a\rb", "a\r", "a\r\nb", "\n", "tab\tx", "'q'", "\"q\"", "it's", "é", "x\x00y",
	"2026.3.0", "512Mi", "10.0.0.0/8", "--port=8000", "^password$", "echo Pulling complete", "Prune=false,Delete=false",
	strings.Repeat("k", 64), strings.Repeat("k", 65), strings.Repeat("k", 128), strings.Repeat("k", 129),
	strings.Repeat("a b", 22), strings.Repeat("1", 70),
}

// encodeIn writes s in one context of a small body: as a key, a value or
// a sequence item.
func encodeIn(t *testing.T, s, context string) (fast []byte, ok bool, slow []byte) {
	t.Helper()
	body := map[string]any{"apiVersion": "v1", "kind": "ConfigMap"}
	switch context {
	case "key":
		body["data"] = map[string]any{s: "v"}
	case "value":
		body["data"] = map[string]any{"k": s}
	case "item":
		body["list"] = []any{s}
	}
	fast, ok = fastEncode(nil, body)
	var b bytes.Buffer
	if err := encodeSlow(&b, &manifest.Object{Body: body}); err != nil {
		t.Fatalf("%q as a %s: yaml.v3: %v", s, context, err)
	}
	return fast, ok, b.Bytes()
}

// A style remembered from one context gives yaml.v3's bytes in every
// other, in any order, and the same style as deciding afresh.
func TestStyleMemoAcrossContexts(t *testing.T) {
	defer ForgetStrings()
	r := rand.New(rand.NewPCG(3, 9))
	strs := append([]string{}, memoStrings...)
	strs = append(strs, trickyStrings...)
	for range 3000 {
		strs = append(strs, randString(r))
	}
	contexts := []string{"key", "value", "item"}
	memoized := 0
	for _, s := range strs {
		for _, first := range contexts {
			ForgetStrings()
			for _, c := range append([]string{first}, contexts...) {
				fast, ok, slow := encodeIn(t, s, c)
				if ok && !bytes.Equal(fast, slow) {
					t.Fatalf("%q as a %s after a %s: fast\n%s\nyaml.v3\n%s", s, c, first, fast, slow)
				}
				if !ok && c != "key" && isASCII(s) {
					t.Errorf("%q as a %s: fast path declined ASCII text", s, c)
				}
			}
			for _, key := range []bool{true, false} {
				if got, want := styleOf(s, key), uncachedStyle(s, key); got != want {
					t.Fatalf("%q (key %v) after a %s: style %d, decided afresh %d", s, key, first, got, want)
				}
			}
			if _, ok := styles.Load(s); ok {
				memoized++
			}
		}
	}
	if memoized == 0 {
		t.Fatal("nothing was memoized: the test proves nothing")
	}
}

// uncachedStyle is styleOf without the memo, for a string not simplePlain
// (what str does before it).
func uncachedStyle(s string, key bool) style {
	if simplePlain(s) {
		return stylePlain
	}
	st, _ := decideStyle(s, key)
	return st
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Strings with line breaks depend on the context, so they are never
// memoized; and the memo stops growing at its bound.
func TestStyleMemoKeepsOnlySingleLines(t *testing.T) {
	defer ForgetStrings()
	ForgetStrings()
	for _, s := range []string{"a\nb", "a\rb", "x\n", "\n"} {
		styleOf(s, false)
		styleOf(s, true)
		if _, ok := styles.Load(s); ok {
			t.Errorf("%q memoized", s)
		}
	}
	styleOf("a b", false)
	if _, ok := styles.Load("a b"); !ok {
		t.Error(`"a b" not memoized`)
	}
	stylesN.Store(maxStyles)
	styleOf("c d", false)
	if _, ok := styles.Load("c d"); ok {
		t.Error("memoized past the bound")
	}
}

// blockStyle decides multi-line values in one pass as analyze's blockOK
// does, on random text of every byte class.
func TestBlockStyleMatchesAnalyze(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	classes := []string{"ab#:-'\"{}", " ", "\n", "\t", "\r", "\x00\x07\x1b\x1f", "\x7f", "é\x80\xff"}
	seen := map[style]int{}
	for i := range 200000 {
		var b strings.Builder
		for range 1 + r.IntN(24) {
			c := classes[r.IntN(len(classes))]
			if r.IntN(4) > 0 {
				c = classes[r.IntN(3)] // mostly text, spaces and breaks
			}
			b.WriteByte(c[r.IntN(len(c))])
		}
		s := b.String()
		if !strings.Contains(s, "\n") {
			s += "\n"
		}
		want := styleDouble
		if a := analyze(s); a.nonASCII {
			want = styleFail
		} else if a.blockOK {
			want = styleLiteral
		}
		if got := blockStyle(s); got != want {
			t.Fatalf("case %d %q: blockStyle %d, analyze says %d", i, s, got, want)
		}
		seen[want]++
	}
	if seen[styleFail] == 0 || seen[styleLiteral] == 0 || seen[styleDouble] == 0 {
		t.Fatalf("styles seen %v: not every outcome was tested", seen)
	}
}

// The typed path, with memos warm or empty, writes the same bytes.
func TestEncodeSameWithAndWithoutMemos(t *testing.T) {
	defer ForgetStrings()
	r := rand.New(rand.NewPCG(11, 2))
	bodies := make([]map[string]any, 300)
	for i := range bodies {
		body := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": randString(r)}}
		for range 1 + r.IntN(4) {
			body[randString(r)] = randValue(r, 0)
		}
		bodies[i] = body
	}
	encodeAll := func() [][]byte {
		out := make([][]byte, len(bodies))
		for i, b := range bodies {
			out[i], _ = fastEncode(nil, b)
		}
		return out
	}
	ForgetStrings()
	cold := encodeAll()
	warm := encodeAll()
	for i := range bodies {
		if !bytes.Equal(cold[i], warm[i]) {
			t.Fatalf("body %d: with memos\n%s\nwithout\n%s", i, warm[i], cold[i])
		}
	}
	if n := stylesN.Load(); n == 0 {
		t.Fatalf("no style memoized in %d bodies", len(bodies))
	}
}

// simplePlain looks a name up among the keywords only up to maxKeyword
// bytes: every spelling of YAML's bools and nulls must fit.
func TestKeywordsFitMaxKeyword(t *testing.T) {
	for _, w := range []string{"true", "false", "yes", "no", "on", "off", "y", "n", "null"} {
		for mask := range 1 << len(w) {
			b := []byte(w)
			for i := range b {
				if mask&(1<<i) != 0 {
					b[i] -= 'a' - 'A'
				}
			}
			if s := string(b); isKeyword(s) && len(s) > maxKeyword {
				t.Errorf("keyword %q is longer than maxKeyword", s)
			}
		}
	}
	if !isKeyword("FALSE") || len("FALSE") != maxKeyword {
		t.Error(`maxKeyword is not the length of "FALSE"`)
	}
}
