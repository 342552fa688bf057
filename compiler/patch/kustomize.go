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
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/openapi"
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
// lock is held briefly; hubs without patches never take it.
var (
	runMu    sync.Mutex
	warmOnce sync.Once
	// builds counts kustomize transforms, so tests can prove which paths
	// avoid kustomize.
	builds atomic.Int64

	factoryOnce sync.Once
	resmaps     *resmap.Factory
)

func warmSchema() {
	warmOnce.Do(func() { _ = openapi.Schema() })
}

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

// run applies one patch to objs with kustomize and returns the resulting
// bodies in input order.
func run(s *spec, objs []*manifest.Object) ([]map[string]any, error) {
	var res bytes.Buffer
	enc := json.NewEncoder(&res)
	enc.SetEscapeHTML(false)
	for i, o := range objs {
		if i > 0 {
			res.WriteString("---\n")
		}
		if err := enc.Encode(o.Body); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", o, err)
		}
	}
	target := s.target
	cfg, err := yaml.Marshal(transformerConfig{Patch: s.text, Target: &target})
	if err != nil {
		return nil, fmt.Errorf("encoding the patch configuration: %w", err)
	}

	warmSchema()
	builds.Add(1)
	m, err := transform(cfg, res.Bytes())
	if err != nil {
		return nil, readable(err, s)
	}

	out := make([]map[string]any, 0, m.Size())
	for _, r := range m.Resources() {
		data, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("reading kustomize output: %w", err)
		}
		body, err := decodeBody(data)
		if err != nil {
			return nil, fmt.Errorf("reading kustomize output: %w", err)
		}
		out = append(out, body)
	}
	return out, nil
}

// transform loads the resources and runs the patch transformer under
// runMu, removing the build annotations kustomize adds on the way (as
// krusty does). A panic inside kustomize (hub input reaches it) becomes an
// error: the compiler must not crash on any input.
func transform(cfg, resources []byte) (m resmap.ResMap, err error) {
	runMu.Lock()
	defer runMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("kustomize failed: %v", r)
		}
	}()
	f := resmapFactory()
	m, err = f.NewResMapFromBytes(resources)
	if err != nil {
		return nil, fmt.Errorf("loading resources: %w", err)
	}
	t := builtins.NewPatchTransformerPlugin()
	if err := t.Config(resmap.NewPluginHelpers(nil, nil, f, types.DisabledPluginConfig()), cfg); err != nil {
		return nil, err
	}
	if err := t.Transform(m); err != nil {
		return nil, err
	}
	m.RemoveBuildAnnotations()
	return m, nil
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
