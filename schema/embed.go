// Package schema holds hubfleet's CUE schemas (#Fleet, #Cluster, #Hub, ...)
// embedded in the binary, and generates JSON Schema from them for editors.
package schema

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"cuelang.org/go/cue"
	"cuelang.org/go/cue/ast"
	"cuelang.org/go/cue/ast/astutil"
	"cuelang.org/go/cue/build"
	"cuelang.org/go/cue/cuecontext"
	"cuelang.org/go/cue/parser"
	"cuelang.org/go/encoding/jsonschema"
)

// FS holds the CUE files of package schema.
//
//go:embed *.cue
var FS embed.FS

// Definitions that have a JSON Schema file for editors, and the file name
// each is written to.
var JSONSchemaFiles = map[string]string{
	"#Fleet":   "fleet.schema.json",
	"#Cluster": "cluster.schema.json",
	"#Hub":     "hub.schema.json",
}

// Files returns the embedded CUE files, parsed, in name order. The file
// names are "schema/<name>.cue" so that positions in errors read like paths
// in the repository.
func Files() ([]*ast.File, error) {
	names, err := fs.Glob(FS, "*.cue")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	files := make([]*ast.File, 0, len(names))
	for _, n := range names {
		src, err := FS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile("schema/"+n, src, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse embedded schema: %w", err)
		}
		files = append(files, f)
	}
	return files, nil
}

// Compile builds the schema package in ctx. Values of ctx must not be used
// from more than one goroutine: compile once per worker context.
func Compile(ctx *cue.Context) (cue.Value, error) {
	files, err := Files()
	if err != nil {
		return cue.Value{}, err
	}
	inst := build.NewContext().NewInstance("schema", nil)
	for _, f := range files {
		if err := inst.AddSyntax(f); err != nil {
			return cue.Value{}, fmt.Errorf("embedded schema: %w", err)
		}
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return cue.Value{}, fmt.Errorf("embedded schema: %w", err)
	}
	return v, nil
}

// JSONSchema generates the JSON Schema (draft 2020-12) of a definition
// ("#Hub", "#Cluster", "#Fleet") from the CUE schema, indented, with a
// trailing newline.
func JSONSchema(def string) ([]byte, error) {
	if _, ok := JSONSchemaFiles[def]; !ok {
		return nil, fmt.Errorf("no JSON Schema for %q: want one of #Fleet, #Cluster, #Hub", def)
	}
	ctx := cuecontext.New()
	files, err := Files()
	if err != nil {
		return nil, err
	}
	// The generator cannot express the conditional rules (if provider ==
	// "aws" { ... }) and gives up on a whole definition that has one, so the
	// editor schema is generated without them: it is the shape and formats,
	// and the loader enforces the rest.
	inst := build.NewContext().NewInstance("schema", nil)
	for _, f := range files {
		if err := inst.AddSyntax(withoutComprehensions(f)); err != nil {
			return nil, fmt.Errorf("embedded schema: %w", err)
		}
	}
	v := ctx.BuildInstance(inst)
	if err := v.Err(); err != nil {
		return nil, fmt.Errorf("embedded schema: %w", err)
	}
	d := v.LookupPath(cue.ParsePath(def))
	if !d.Exists() {
		return nil, fmt.Errorf("schema has no definition %s", def)
	}
	expr, err := jsonschema.Generate(d, &jsonschema.GenerateConfig{})
	if err != nil {
		return nil, fmt.Errorf("generate JSON Schema for %s: %w", def, err)
	}
	js := ctx.BuildExpr(expr)
	if err := js.Err(); err != nil {
		return nil, fmt.Errorf("generate JSON Schema for %s: %w", def, err)
	}
	raw, err := js.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode JSON Schema for %s: %w", def, err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	if def == "#Hub" || def == "#Cluster" {
		// The name comes from the file or folder name: a file need not
		// write it. JSON Schema has no notion of injected fields.
		return dropRequired(buf.Bytes(), "name", "displayName", "namespace")
	}
	return buf.Bytes(), nil
}

// withoutComprehensions drops the comprehensions (conditional fields) of
// every struct in f.
func withoutComprehensions(f *ast.File) *ast.File {
	return astutil.Apply(f, func(c astutil.Cursor) bool {
		if _, ok := c.Node().(*ast.Comprehension); ok {
			c.Delete()
			return false
		}
		return true
	}, nil).(*ast.File)
}

// dropRequired removes fields from the top-level "required" list of a
// generated schema (the last "required" key in the document), keeping the
// generator's key order.
func dropRequired(js []byte, fields ...string) ([]byte, error) {
	i := bytes.LastIndex(js, []byte("\n  \"required\": ["))
	if i < 0 {
		return js, nil
	}
	j := bytes.IndexByte(js[i:], ']')
	if j < 0 {
		return nil, fmt.Errorf("malformed generated schema")
	}
	var req []string
	if err := json.Unmarshal(js[i+len("\n  \"required\": "):i+j+1], &req); err != nil {
		return nil, fmt.Errorf("generated schema: %w", err)
	}
	drop := map[string]bool{}
	for _, f := range fields {
		drop[f] = true
	}
	var kept []string
	for _, r := range req {
		if !drop[r] {
			kept = append(kept, r)
		}
	}
	list, err := json.MarshalIndent(kept, "  ", "  ")
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(js[:i])
	out.WriteString("\n  \"required\": ")
	out.Write(list)
	out.Write(js[i+j+1:])
	return out.Bytes(), nil
}
