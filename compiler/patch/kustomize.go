package patch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/openapi"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// Kustomize is not safe to run from several goroutines: krusty.Run calls
// openapi.SetSchema on every build and the parsed OpenAPI schema is
// process-global and lazily built (kubernetes-sigs/kustomize#4824, #5805);
// a custom schema in one build even corrupts strategic merges of later
// builds in the same process (fluxcd/pkg#1237). So:
//   - runMu serializes every krusty.Run of this package;
//   - warmSchema parses the built-in schema once, before the first
//     selection or build, so no build pays for it or races on it;
//   - the kustomization is built here from the patch text and target only,
//     so no hub can set `openapi:` and change the global schema.
//
// Builds are small (one patch, only the objects it selects: about 3-4 ms of
// CPU each, measured), so the lock is held briefly; hubs without patches
// never take it. With the schema warm and no openapi field, go test -race
// saw no race without the lock on kustomize v0.21.2, but upstream does not
// promise Run is safe, and the lock costs at most the second core.
var (
	runMu    sync.Mutex
	warmOnce sync.Once
	// builds counts kustomize builds, so tests can prove which paths
	// avoid kustomize.
	builds atomic.Int64
)

func warmSchema() {
	warmOnce.Do(func() { _ = openapi.Schema() })
}

const (
	fsRoot        = "/hub"
	resourcesFile = "resources.json"
)

// run applies one patch to objs with kustomize on an in-memory file
// system and returns the resulting bodies in input order.
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
	k := types.Kustomization{
		TypeMeta:  types.TypeMeta{APIVersion: types.KustomizationVersion, Kind: types.KustomizationKind},
		Resources: []string{resourcesFile},
	}
	target := s.target
	k.Patches = []types.Patch{{Patch: s.text, Target: &target}}
	kdata, err := yaml.Marshal(&k)
	if err != nil {
		return nil, fmt.Errorf("encoding kustomization: %w", err)
	}
	fs := filesys.MakeFsInMemory()
	if err := fs.MkdirAll(fsRoot); err != nil {
		return nil, err
	}
	if err := fs.WriteFile(fsRoot+"/kustomization.yaml", kdata); err != nil {
		return nil, err
	}
	if err := fs.WriteFile(fsRoot+"/"+resourcesFile, res.Bytes()); err != nil {
		return nil, err
	}

	warmSchema()
	opts := krusty.MakeDefaultOptions()
	opts.PluginConfig = types.DisabledPluginConfig()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.Reorder = krusty.ReorderOptionNone // input order; see Options.Reorder

	builds.Add(1)
	m, err := build(fs, opts)
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

// build runs kustomize under runMu. A panic inside kustomize (hub input
// reaches it) becomes an error: the compiler must not crash on any input.
func build(fs filesys.FileSystem, opts *krusty.Options) (m resmap.ResMap, err error) {
	runMu.Lock()
	defer runMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			m, err = nil, fmt.Errorf("kustomize failed: %v", r)
		}
	}()
	return krusty.MakeKustomizer(opts).Run(fs, fsRoot)
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
	msg = strings.ReplaceAll(msg, fsRoot+"/", "")
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
