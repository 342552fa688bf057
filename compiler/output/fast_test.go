package output

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

var trickyStrings = []string{
	"", "-", "--", "---", "--config", "-x", ".", "..", "...", ".hidden", ".inf", ".NaN", "-.inf",
	"a", "yes", "No", "on", "OFF", "y", "true", "False", "null", "NULL", "~",
	"Y", "YES", "n", "N", "NO", "On", "ON", "Off", "off", "TRUE", "True", "FALSE", "Null", "tRUE", "nULL", "yES", "oN",
	"name", "namespace", "type", "template", "nope", "types", "truely", "off-by-one", "yes.", "n1", "o", "t", "f", "F", "T", "O",
	"on/off", "null_", "true-ish", "no.way", "Yes_", "NULLs",
	"0", "007", "0777", "0x1F", "0o17", "0b101", "1_000", "1e3", "1E-3", "1.5", "-1", "+1", "1.2.3", "2026.3.0",
	"1:20", "1:2:3", "12:61", "200m", "512Mi", "8G", "1Gi", "4.4.0", "0.1", "v1", "1a", "9e9e9", "inf", "nan", "Infinity",
	"a:b", "a:", ":a", "http://x:8081/hub", "quay.io/jupyterhub/k8s-hub:4.4.0", "app.kubernetes.io/name",
	"a b", "a #b", "a: b", "#x", "*", "&a", "!tag", "%", "@x", "`x`", "'q'", "\"q\"", "[a]", "{a}", "a,b", "?",
	"multi\nline", "trailing\n", "tab\tx", "é", "snow☃", strings.Repeat("k", 129), strings.Repeat("v", 300),
	"\n", "\n\n", "a\n", "a\n\n", "\na", " a\nb", "a \nb", "a\n b", "a\n\tb\n", "a\r\nb", "a\tb", "\t", " ", "a ", " a",
	"x\x00y", "x\x7fy", "x\x1by", "x\\y", "back\\slash\n", "q\"uote\n", "it's", "'\n", "# c\nd", "--- x\ny", "a: b\nc: d\n",
	"def f():\n    return 1\n", "{\n  \"a\": [\n    1\n  ]\n}\n", "tail \n", "\n\n\nx\n\n", "ServerSideApply=true", "100%", "--port=8000", "^password$",
	"2026-03-01 10:00:00", "1 2", "0x1F 2", "<<", "~x", "yes please", "on\noff", "Null\n",
	"_x", "/", "2026-03-01", "2026-3-1T10:00:00Z", "1e999", "99999999999999999999", ".5", "._1", "-.5", "-0", "-0b1", "0b2", "/usr/local/etc", "a/b:c", "A_B", "x-", "x.",
}

func randString(r *rand.Rand) string {
	alphabet := "abcXYZ0129.-_/:"
	switch r.IntN(6) {
	case 0:
		return trickyStrings[r.IntN(len(trickyStrings))]
	case 1:
		alphabet += " #'\"\n"
	case 2:
		return randLines(r)
	case 3:
		alphabet += " \t\n\r\\\"'#:-|>{}[],&*!%@`?=^$<~+\x00\x07\x1b\x7f"
	}
	n := 1 + r.IntN(8)
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// randLines is multi-line text such as the ConfigMaps' programs and JSON
// settings, with the edge cases of literal blocks: leading and trailing
// blank lines and spaces, tabs, indented first lines, none or several final
// line breaks.
func randLines(r *rand.Rand) string {
	pieces := []string{"", " ", "  ", "\t", "x", "def f():", "    return 1", "{", `  "a": 1,`, "}", "# c", "a: b", "- x", "'q'", `"q"`, "end "}
	var b strings.Builder
	for i := range 1 + r.IntN(5) {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	b.WriteString([]string{"", "\n", "\n", "\n\n", "\n\n\n"}[r.IntN(5)])
	return b.String()
}

func randValue(r *rand.Rand, depth int) any {
	k := r.IntN(10)
	if depth > 3 {
		k = r.IntN(6)
	}
	switch k {
	case 0:
		return int64(r.IntN(100000) - 50000)
	case 1:
		return r.Float64() * 1000
	case 2:
		return r.IntN(2) == 0
	case 3:
		if r.IntN(4) == 0 {
			return nil
		}
		return randString(r)
	case 4, 5:
		return randString(r)
	case 6, 7:
		n := r.IntN(4)
		m := make(map[string]any, n)
		for range n {
			m[randString(r)] = randValue(r, depth+1)
		}
		return m
	default:
		n := r.IntN(4)
		s := make([]any, n)
		for i := range s {
			s[i] = randValue(r, depth+1)
		}
		return s
	}
}

// TestFastEncodeMatchesYAMLv3 holds the fast path to yaml.v3's bytes.
func TestFastEncodeMatchesYAMLv3(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	fast := 0
	const n = 50000
	for i := range n {
		body := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": randString(r)}}
		for range 1 + r.IntN(4) {
			body[randString(r)] = randValue(r, 0)
		}
		out, ok := fastEncode(nil, body)
		if !ok {
			continue
		}
		fast++
		var slow bytes.Buffer
		if err := encodeSlow(&slow, &manifest.Object{Body: body}); err != nil {
			t.Fatalf("case %d: fast path accepted what yaml.v3 rejects: %v", i, err)
		}
		if !bytes.Equal(out, slow.Bytes()) {
			t.Fatalf("case %d differs:\nfast:\n%s\nyaml.v3:\n%s", i, out, slow.Bytes())
		}
	}
	t.Logf("fast path taken %d times of %d", fast, n)
	if fast < n/10 {
		t.Errorf("fast path taken only %d times of %d", fast, n)
	}
	for _, s := range trickyStrings {
		body := map[string]any{"k": s, s: "v", "l": []any{s}}
		if out, ok := fastEncode(nil, body); ok {
			var slow bytes.Buffer
			if err := encodeSlow(&slow, &manifest.Object{Body: body}); err != nil || !bytes.Equal(out, slow.Bytes()) {
				t.Errorf("%q: fast\n%s\nyaml.v3 (%v)\n%s", s, out, err, slow.Bytes())
			}
		}
	}
}

func TestFastEncodeTakesTypicalObjects(t *testing.T) {
	if _, ok := fastEncode(nil, deploymentBody(rand.New(rand.NewPCG(1, 1)))); !ok {
		t.Error("the typical Deployment falls back to yaml.v3")
	}
}

// TestFastEncodeTakesConfigMaps: the ConfigMaps holding programs and JSON
// settings (a third of a hub's files) stay on the fast path.
func TestFastEncodeTakesConfigMaps(t *testing.T) {
	body := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "hub", "annotations": map[string]any{"argocd.argoproj.io/sync-options": "ServerSideApply=true"}},
		"data": map[string]any{
			"jupyterhub_config.py": "# written by hubfleet\nimport json\n\nc.JupyterHub.ip = \"0.0.0.0\"\n",
			"settings.json":        "{\n  \"a\": [\n    1\n  ]\n}",
		},
	}
	out, ok := fastEncode(nil, body)
	if !ok {
		t.Fatal("a ConfigMap with multi-line data falls back to yaml.v3")
	}
	var slow bytes.Buffer
	if err := encodeSlow(&slow, &manifest.Object{Body: body}); err != nil || !bytes.Equal(out, slow.Bytes()) {
		t.Errorf("fast\n%s\nyaml.v3 (%v)\n%s", out, err, slow.Bytes())
	}
}

// Long values are written from the memo once seen twice: the third and
// later encodings, at any depth, must still be yaml.v3's bytes.
func TestLongStringMemo(t *testing.T) {
	line := strings.Repeat("word ", 30)
	longs := []string{
		strings.Repeat("line of a program\n", 60),
		strings.Repeat("no final newline\n", 60) + "end",
		"  leading spaces\n" + strings.Repeat("x\n", 300),
		strings.Repeat("x", 700),
		line + line + line + line + line,
		strings.Repeat("needs: 'quotes' #\n", 50) + "\n\n",
		strings.Repeat("tab\there\n", 80),
		"true" + strings.Repeat(" ", 600),
	}
	for round := range 4 {
		for i, s := range longs {
			body := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"data":  map[string]any{"k": s},
				"deep":  map[string]any{"a": map[string]any{"b": []any{s, map[string]any{"c": s}}}},
				"top":   s,
				"other": fmt.Sprintf("%d", i),
			}
			out, ok := fastEncode(nil, body)
			if !ok {
				continue
			}
			var slow bytes.Buffer
			if err := encodeSlow(&slow, &manifest.Object{Body: body}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, slow.Bytes()) {
				t.Fatalf("round %d, value %d differs:\nfast:\n%s\nyaml.v3:\n%s", round, i, out, slow.Bytes())
			}
		}
	}
	n := 0
	longMemo.Range(func(any, any) bool { n++; return true })
	if n == 0 {
		t.Error("no long value was memoized")
	}
}
