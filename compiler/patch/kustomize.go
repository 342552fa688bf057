package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/provider"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// Each patch runs through kustomize's own patch transformer (the builtin
// PatchTransformer that krusty runs for a kustomization's `patches:`), over
// a ResMap of only the objects the patch selects. A whole krusty build per
// patch (kustomization file, loader, accumulator, name-reference fixing,
// origin annotations) does the same merge at 1.5 times the cost
// (BenchmarkApply) and set kustomize's global OpenAPI schema on every
// build; none of its other passes can change a hub's objects, since
// patches may not rename them. (kustomize's api/builtins package, which
// exports the transformer, is marked for removal in its API v1; until then
// it is the supported way to run one transformer.)
//
// Kustomize is not safe to run from several goroutines: the parsed OpenAPI
// schema that strategic merges read is process-global and lazily built
// (kubernetes-sigs/kustomize#4824, #5805; a custom schema even corrupts
// later merges, fluxcd/pkg#1237). So:
//   - runMu serializes every transform of this package;
//   - warmSchema parses the built-in schema once, before the first
//     selection or transform, so none pays for it or races on it;
//   - hubs cannot set a schema: the transformer is configured here from the
//     patch text and target only.
//
// Transforms are small (one patch, only the objects it selects), so the
// lock is held briefly; hubs without patches never take it, nor do the
// patches the direct routes apply (json6902.go, strategic.go), which read
// the schema only after warmSchema.
var (
	runMu    sync.Mutex
	warmOnce sync.Once
	// builds counts kustomize transforms, so tests can prove which paths
	// avoid kustomize; textLoads and textReads count the objects that took
	// the JSON text route in and out, so tests can prove the node route is
	// the common one; directRuns counts patches applied without kustomize,
	// nativeRuns the JSON 6902 ones of them applied without json-patch
	// either (json6902.go, json6902_native.go) and mergeRuns the
	// strategic-merge ones (strategic.go).
	builds, textLoads, textReads, directRuns, nativeRuns, mergeRuns atomic.Int64

	factoryOnce sync.Once
	resmaps     *resmap.Factory
)

func warmSchema() {
	warmOnce.Do(func() { _ = openapi.Schema() })
}

// Warm parses kustomize's built-in OpenAPI schema (tens of milliseconds,
// once per process), which the first patch needs: a caller about to apply
// patches on several workers can start it early on an idle goroutine, so
// that no worker waits for another to parse it.
func Warm() { warmSchema() }

func resmapFactory() *resmap.Factory {
	factoryOnce.Do(func() {
		resmaps = resmap.NewFactory(provider.NewDefaultDepProvider().GetResourceFactory())
	})
	return resmaps
}

// transformerConfig is the PatchTransformer's configuration, as a
// kustomization's patches entry spells it.
type transformerConfig struct {
	Patch  string          `json:"patch"`
	Target *types.Selector `json:"target,omitempty"`
}

// run applies one patch to objs and returns the resulting bodies in input
// order: without kustomize when runJSON6902 or runStrategic can vouch for
// the result, everything else (and every error) with kustomize.
func run(s *spec, objs []*manifest.Object) ([]map[string]any, error) {
	direct := runJSON6902
	if s.kind == strategicMerge {
		direct = runStrategic
	}
	if bodies, ok := direct(s, objs); ok {
		return bodies, nil
	}
	return runKustomize(s, objs)
}

// runKustomize applies one patch to objs with kustomize and returns the
// resulting bodies in input order.
//
// The objects reach kustomize as yaml.v3 node trees built from their
// bodies (bodyNode) and the results are read back from the trees
// (documentBody); both give what the JSON text kustomize used to parse and
// print would have given. Bodies or results outside what those mirror
// exactly take the text route, so results and errors never depend on the
// route.
func runKustomize(s *spec, objs []*manifest.Object) ([]map[string]any, error) {
	load, err := loader(objs)
	if err != nil {
		return nil, err
	}
	plugin, cfg, err := configOf(s)
	if err != nil {
		return nil, err
	}

	warmSchema()
	builds.Add(1)
	m, err := transform(plugin, cfg, load)
	if err != nil {
		return nil, readable(err, s)
	}

	out := make([]map[string]any, 0, m.Size())
	for _, r := range m.Resources() {
		body, err := readResource(r)
		if err != nil {
			return nil, fmt.Errorf("reading kustomize output: %w", err)
		}
		out = append(out, body)
	}
	return out, nil
}

// loadFunc builds the ResMap kustomize transforms.
type loadFunc func(f *resmap.Factory) (resmap.ResMap, error)

// loader returns how to load objs: from node trees, or from JSON text when
// a body is one bodyNode does not mirror.
func loader(objs []*manifest.Object) (loadFunc, error) {
	docs := make([]*kyaml.RNode, len(objs))
	for i, o := range objs {
		n, ok := bodyNode(o.Map())
		if !ok || listKind(o.Map()) {
			return textLoader(objs)
		}
		docs[i] = kyaml.NewRNode(n)
	}
	return func(*resmap.Factory) (resmap.ResMap, error) { return resMapOf(docs) }, nil
}

// textLoader encodes objs as a JSON stream for NewResMapFromBytes.
func textLoader(objs []*manifest.Object) (loadFunc, error) {
	textLoads.Add(int64(len(objs)))
	text, err := encodeText(objs)
	if err != nil {
		return nil, err
	}
	return func(f *resmap.Factory) (resmap.ResMap, error) { return f.NewResMapFromBytes(text) }, nil
}

func encodeText(objs []*manifest.Object) ([]byte, error) {
	var res bytes.Buffer
	enc := json.NewEncoder(&res)
	enc.SetEscapeHTML(false)
	for i, o := range objs {
		if i > 0 {
			res.WriteString("---\n")
		}
		if err := enc.Encode(o.Map()); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", o, err)
		}
	}
	return res.Bytes(), nil
}

// resMapOf does what NewResMapFromBytes does after parsing (the resource
// factory's SliceFromBytes): drop empty objects, reject objects without
// kind or name (all before any is added), then add them in order, which
// rejects duplicates. Objects of List kinds, which it would unwrap, never
// get here.
func resMapOf(docs []*kyaml.RNode) (resmap.ResMap, error) {
	kept := docs[:0:0]
	for _, d := range docs {
		if d.IsNilOrEmpty() {
			continue
		}
		if _, err := d.GetValidatedMetadata(); err != nil {
			return nil, err
		}
		kept = append(kept, d)
	}
	m := resmap.New()
	for _, d := range kept {
		if err := m.Append(&resource.Resource{RNode: *d}); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// configOf returns the transformer for s and the configuration to pass
// to its Config. Config unmarshals the configuration into the plugin's
// own fields, so a plugin whose Patch and Target are already set and the
// empty configuration end up exactly as marshalling them and unmarshalling
// them again would, minus a YAML round trip per run. Text that round trip
// might not carry unchanged (see textSafe) still takes it.
func configOf(s *spec) (*builtins.PatchTransformerPlugin, []byte, error) {
	target := s.target
	if selectorSafe(target) && textSafe(s.text) {
		return &builtins.PatchTransformerPlugin{Patch: s.text, Target: &target}, []byte("{}"), nil
	}
	cfg, err := yaml.Marshal(transformerConfig{Patch: s.text, Target: &target})
	if err != nil {
		return nil, nil, fmt.Errorf("encoding the patch configuration: %w", err)
	}
	return &builtins.PatchTransformerPlugin{}, cfg, nil
}

func selectorSafe(s types.Selector) bool {
	for _, f := range []string{s.Group, s.Version, s.Kind, s.Name, s.Namespace, s.LabelSelector, s.AnnotationSelector} {
		if !textSafe(f) {
			return false
		}
	}
	return true
}

// directSelector reports whether the direct routes may select for target:
// its texts need no YAML round trip (selectorSafe) and kustomize's own
// selector parser, an older copy of apimachinery's inside kyaml, accepts
// its label and annotation selectors as the package's matcher does (it
// rejects some that the current one accepts, e.g. "app in (x,,)"; those
// go to kustomize for its error).
func directSelector(target types.Selector) bool {
	if !selectorSafe(target) {
		return false
	}
	empty := kyaml.NewMapRNode(nil)
	if target.LabelSelector != "" {
		if _, err := empty.MatchesLabelSelector(target.LabelSelector); err != nil {
			return false
		}
	}
	if target.AnnotationSelector != "" {
		if _, err := empty.MatchesAnnotationSelector(target.AnnotationSelector); err != nil {
			return false
		}
	}
	return true
}

// transform loads the resources and runs the patch transformer under
// runMu, removing the build annotations kustomize adds on the way (as
// krusty does). A panic inside kustomize (hub input reaches it) becomes an
// error: the compiler must not crash on any input.
func transform(t *builtins.PatchTransformerPlugin, cfg []byte, load loadFunc) (m resmap.ResMap, err error) {
	runMu.Lock()
	defer runMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("kustomize failed: %v", r)
		}
	}()
	f := resmapFactory()
	m, err = load(f)
	if err != nil {
		return nil, fmt.Errorf("loading resources: %w", err)
	}
	t, err = configured(t, cfg, f)
	if err != nil {
		return nil, err
	}
	if err := t.Transform(m); err != nil {
		return nil, err
	}
	m.RemoveBuildAnnotations()
	return m, nil
}

// readResource reads one result into a body: from its node tree, or
// through JSON (RNode.MarshalJSON) when the tree holds anything
// documentBody does not mirror.
func readResource(r *resource.Resource) (map[string]any, error) {
	if body, ok := documentBody(r.Document()); ok {
		return body, nil
	}
	textReads.Add(1)
	data, err := r.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return decodeBody(data)
}

// decodeBody decodes kustomize's JSON output into manifest value types.
func decodeBody(data []byte) (map[string]any, error) { return manifest.DecodeJSON(data) }

// readable turns a kustomize error into one line: kustomize repeats the
// whole patch text in its messages ("[patch: \"...\"]") and the file names
// are those of our in-memory build, neither of which helps the reader.
func readable(err error, s *spec) error {
	msg := err.Error()
	quoted := fmt.Sprintf("%q", s.text)
	for _, noise := range []string{"[patch: " + quoted + "]", "patch: " + quoted, quoted} {
		msg = strings.ReplaceAll(msg, noise, "")
	}
	msg = configEcho.ReplaceAllString(msg, "")
	msg = oneLine(msg)
	msg = strings.TrimSuffix(strings.TrimSpace(msg), ":")
	return hinted(hintFor(s, msg), "kustomize: %s", msg)
}

// configEcho is the kustomization snippet kustomize quotes in plugin
// configuration errors.
var configEcho = regexp.MustCompile("(?s)with config: `[^`]*`")

// hintFor suggests a fix for the common failures.
func hintFor(s *spec, msg string) string {
	switch {
	case s.kind == json6902 && strings.Contains(msg, "missing"):
		return "the path must exist in the object (for add, its parent must): add missing maps first " +
			"or use a strategic-merge patch; escape / in keys as ~1"
	case s.kind == json6902 && strings.Contains(msg, "test failed"):
		return "the test operation's value differs from the object's"
	}
	return ""
}
