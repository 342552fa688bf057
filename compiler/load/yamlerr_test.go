package load

import "testing"

// Parser errors are reported at the real line (go.yaml.in/yaml/v3 is one
// short for them) and, for an open bracket, at its column; scanner errors
// keep the line the parser names.
func TestYAMLErrorPositions(t *testing.T) {
	tests := []struct {
		src       string
		line, col int
		msg       string
	}{
		{"a: 1\nb: {c: [d}\ne: 1\n", 2, 8, "did not find expected ',' or ']'"},
		{"a: 1\nb: {c: [d]\ne: 1\nf: 2\n", 2, 4, "did not find expected ',' or '}'"},
		{"{a: 1\n", 1, 1, "did not find expected ',' or '}'"},
		{"a: 1\nb: [1, 2\n", 2, 4, "did not find expected ',' or ']'"},
		{"a: 1\nb: [\"[x\", 2\n", 2, 4, "did not find expected ',' or ']'"},
		{"a: 1\nb:\n  c: 1\n d: 2\ne: 3\n", 4, 2, "did not find expected key"},
		{"a: 1\nb:\n  - c\n  d: 2\n", 4, 3, "did not find expected '-' indicator"},
		{"a: 1\nb:\n  c: 1\n  - d\n", 4, 3, "did not find expected key"},
		{"a: 1\n- b\n", 2, 1, "did not find expected key"},
		{"a: 1\nb: [\n\n", 2, 4, "did not find expected node content"},
		{"a: 1\nb: c: d\n", 2, 1, "mapping values are not allowed in this context"},
		{"a:\n  b: 1\n   c: 2\n", 3, 1, "mapping values are not allowed in this context"},
	}
	for _, tt := range tests {
		_, errs := parseYAML(newSource("f.yaml", []byte(tt.src)))
		if len(errs) != 1 {
			t.Errorf("%q: %d diagnostics", tt.src, len(errs))
			continue
		}
		d := errs[0]
		if d.Pos.Line != tt.line || d.Pos.Col != tt.col || d.Message != "invalid YAML: "+tt.msg {
			t.Errorf("%q: got %d:%d %s, want %d:%d %s", tt.src, d.Pos.Line, d.Pos.Col, d.Message, tt.line, tt.col, tt.msg)
		}
	}
}
