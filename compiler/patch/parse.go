package patch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// Patch kinds kustomize's `patches:` field tells apart by the text's shape.
const (
	strategicMerge = "strategic-merge"
	json6902       = "json6902"
)

// spec is a checked patch: its kind, text and the selector kustomize gets.
type spec struct {
	kind   string
	text   string
	target types.Selector
}

// hintedError carries a hint for the diagnostic.
type hintedError struct {
	msg, hint string
}

func (e *hintedError) Error() string { return e.msg }

func hinted(hint, format string, args ...any) error {
	return &hintedError{msg: fmt.Sprintf(format, args...), hint: hint}
}

func hintOf(err error) string {
	var h *hintedError
	if errors.As(err, &h) {
		return h.hint
	}
	return ""
}

// Valid JSON 6902 operations (RFC 6902 §4).
var jsonOps = map[string]bool{"add": true, "remove": true, "replace": true, "move": true, "copy": true, "test": true}

// parse classifies the patch text as kustomize does (a YAML/JSON list is a
// JSON 6902 patch, a mapping a strategic-merge patch) and checks it. Only
// the text and the target ever reach kustomize, and the kustomization
// around them is built here, so nothing else (openapi:, remote resources,
// generators, plugins) can be injected through a hub file.
func parse(p *model.Patch) (*spec, error) {
	text := strings.TrimSpace(p.Patch)
	if text == "" {
		return nil, hinted("write a strategic-merge patch (a YAML object) or a JSON 6902 patch (a list of operations)",
			"patch is empty")
	}
	docs, err := decodeAll(text)
	if err != nil {
		return nil, hinted("the patch must be YAML or JSON", "patch is not valid YAML: %s", oneLine(err.Error()))
	}
	if len(docs) != 1 {
		return nil, hinted("write one patch per `patches` entry", "patch holds %d YAML documents, want 1", len(docs))
	}
	s := &spec{text: text}
	if p.Target != nil {
		s.target = selectorOf(p.Target)
	}
	switch doc := docs[0].(type) {
	case []any:
		s.kind = json6902
		if p.Target == nil {
			return nil, hinted("add target: {kind: ..., name: ...} to say which objects the operations apply to",
				"a JSON 6902 patch needs a target")
		}
		if err := checkOps(doc); err != nil {
			return nil, err
		}
	case map[string]any:
		s.kind = strategicMerge
		if err := checkStrategic(doc, p.Target == nil, &s.target); err != nil {
			return nil, err
		}
		if p.Target != nil {
			if s.text, err = withIdentity(text, doc); err != nil {
				return nil, err
			}
		}
	default:
		return nil, hinted("write a strategic-merge patch (a YAML object) or a JSON 6902 patch (a list of operations)",
			"patch is a scalar, not an object or a list of operations")
	}
	if isEmpty(s.target) {
		return nil, hinted("give at least a kind or a name, or a label/annotation selector",
			"patch target selects every object of the hub")
	}
	return s, nil
}

func decodeAll(text string) ([]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader([]byte(text)))
	var docs []any
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
}

func checkOps(ops []any) error {
	if len(ops) == 0 {
		return hinted("", "JSON 6902 patch has no operations")
	}
	for i, raw := range ops {
		op, ok := raw.(map[string]any)
		if !ok {
			return hinted("each operation looks like {op: add, path: /metadata/labels/x, value: y}",
				"operation %d is not an object", i)
		}
		name, _ := op["op"].(string)
		if !jsonOps[name] {
			return hinted("op is one of add, remove, replace, move, copy, test",
				"operation %d: unknown op %q", i, fmt.Sprint(op["op"]))
		}
		path, ok := op["path"].(string)
		if !ok || (path != "" && !strings.HasPrefix(path, "/")) {
			return hinted("paths are JSON pointers such as /spec/template/metadata/annotations/example.org~1owner",
				"operation %d (%s): path %q is not a JSON pointer", i, name, fmt.Sprint(op["path"]))
		}
		if name == "move" || name == "copy" {
			if from, ok := op["from"].(string); !ok || !strings.HasPrefix(from, "/") {
				return hinted("", "operation %d (%s): needs a from JSON pointer", i, name)
			}
		}
		if _, has := op["value"]; !has && (name == "add" || name == "replace" || name == "test") {
			return hinted("", "operation %d (%s): needs a value", i, name)
		}
	}
	return nil
}

// checkStrategic checks a strategic-merge patch. Without a target, the
// patch's own apiVersion, kind, name (and namespace, if written) select
// the object; namespace may be left out because a hub's objects live in
// one namespace (kustomize itself would read a missing namespace as
// "default").
func checkStrategic(doc map[string]any, untargeted bool, target *types.Selector) error {
	if d, _ := doc["$patch"].(string); strings.EqualFold(d, "delete") {
		return hinted("turn the feature off in the hub file instead", "patches may not delete objects ($patch: delete)")
	}
	if !untargeted {
		return nil
	}
	kind, _ := doc["kind"].(string)
	meta, _ := doc["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	if kind == "" || name == "" {
		return hinted("add kind and metadata.name to the patch, or give a target",
			"a strategic-merge patch without target needs kind and metadata.name")
	}
	api, _ := doc["apiVersion"].(string)
	if api != "" {
		target.Group, target.Version = resid.ParseGroupVersion(api)
	}
	target.Kind = regexp.QuoteMeta(kind)
	target.Name = regexp.QuoteMeta(name)
	if ns, _ := meta["namespace"].(string); ns != "" {
		target.Namespace = regexp.QuoteMeta(ns)
	}
	return nil
}

func selectorOf(t *model.PatchTarget) types.Selector {
	var s types.Selector
	s.Group, s.Version, s.Kind = t.Group, t.Version, t.Kind
	s.Name, s.Namespace = t.Name, t.Namespace
	s.LabelSelector, s.AnnotationSelector = t.LabelSelector, t.AnnotationSelector
	return s
}

func isEmpty(s types.Selector) bool {
	return s.Group == "" && s.Version == "" && s.Kind == "" && s.Name == "" && s.Namespace == "" &&
		s.LabelSelector == "" && s.AnnotationSelector == ""
}

// describe renders a selector for messages: "kind=Deployment name=hub".
func describe(s types.Selector) string {
	var parts []string
	for _, f := range [][2]string{
		{"group", s.Group}, {"version", s.Version}, {"kind", s.Kind}, {"name", s.Name},
		{"namespace", s.Namespace}, {"labelSelector", s.LabelSelector}, {"annotationSelector", s.AnnotationSelector},
	} {
		if f[1] != "" {
			parts = append(parts, f[0]+"="+unquoteMeta(f[1]))
		}
	}
	return strings.Join(parts, " ")
}

// unquoteMeta undoes regexp.QuoteMeta for display of derived selectors.
func unquoteMeta(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Placeholders for the identity fields kustomize requires in every
// strategic-merge patch. With a target they are ignored: kustomize takes
// the merge schema from the patched object and restores its kind and name.
const (
	placeholderKind = "HubfleetPatch"
	placeholderName = "hubfleet-patch"
)

// withIdentity adds kind and metadata.name to a targeted strategic-merge
// patch that lacks them, so operators can write just the fields they
// change. The text is edited as a YAML node tree, which keeps every other
// key, tag and style (and $patch directives) as written.
func withIdentity(text string, doc map[string]any) (string, error) {
	meta, _ := doc["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	kind, _ := doc["kind"].(string)
	if kind != "" && name != "" {
		return text, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil || len(root.Content) != 1 {
		return "", hinted("", "patch is not valid YAML")
	}
	m := root.Content[0]
	if m.Kind != yaml.MappingNode {
		return "", hinted("", "strategic-merge patch is not a mapping")
	}
	if kind == "" {
		setScalar(m, "kind", placeholderKind)
	}
	if name == "" {
		mm := child(m, "metadata")
		if mm == nil || mm.Kind != yaml.MappingNode {
			mm = &yaml.Node{Kind: yaml.MappingNode}
			setNode(m, "metadata", mm)
		}
		setScalar(mm, "name", placeholderName)
	}
	out, err := yaml.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("re-encoding patch: %w", err)
	}
	return string(out), nil
}

func child(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setNode(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

func setScalar(m *yaml.Node, key, value string) {
	setNode(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}
