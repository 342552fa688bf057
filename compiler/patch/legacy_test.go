package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// runText is run as it was before objects went to kustomize as node
// trees: the bodies as a JSON stream parsed by NewResMapFromBytes, the
// configuration marshalled as YAML, the results read with
// RNode.MarshalJSON. The differential tests hold run to it.
func runText(s *spec, objs []*manifest.Object) ([]map[string]any, error) {
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
	target := s.target
	cfg, err := yaml.Marshal(transformerConfig{Patch: s.text, Target: &target})
	if err != nil {
		return nil, fmt.Errorf("encoding the patch configuration: %w", err)
	}

	warmSchema()
	m, err := transformText(cfg, res.Bytes())
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

// transformText is the former transform, loading from text.
func transformText(cfg, resources []byte) (m resmap.ResMap, err error) {
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

// TestConfigMatchesYAMLConfig checks that configOf leaves the transformer
// exactly as configuring it from the marshalled YAML does.
func TestConfigMatchesYAMLConfig(t *testing.T) {
	h := resmap.NewPluginHelpers(nil, nil, resmapFactory(), types.DisabledPluginConfig())
	specs := []*spec{
		{text: "metadata: {labels: {a: \"\u0085\"}}", target: types.Selector{LabelSelector: "a=b"}},
		{text: "metadata: {labels: {a: b}}", target: types.Selector{LabelSelector: "x\u007f"}},
	}
	for _, c := range diffCases {
		s, err := parse(&model.Patch{Target: c.target, Patch: c.patch})
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, s)
	}
	for _, s := range specs {
		target := s.target
		yamlCfg, err := yaml.Marshal(transformerConfig{Patch: s.text, Target: &target})
		if err != nil {
			// The former route failed here; so must configOf.
			if _, _, got := configOf(s); errText(got) != "encoding the patch configuration: "+err.Error() {
				t.Errorf("%q: configOf error %v, want the marshalling error %v", s.text, got, err)
			}
			continue
		}
		want := &builtins.PatchTransformerPlugin{}
		wantErr := want.Config(h, yamlCfg)
		got, cfg, err := configOf(s)
		if err != nil {
			t.Fatal(err)
		}
		gotErr := got.Config(h, cfg)
		if errText(gotErr) != errText(wantErr) || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: configured differently:\n got %+v (%v)\nwant %+v (%v)", s.text, got, gotErr, want, wantErr)
		}
	}
}
