// Package patch applies a hub's kustomize patches (SPEC §2.3, `patches:`)
// to the objects rendered for that hub.
//
// Each patch is checked and its target resolved here, before kustomize runs,
// so that a patch matching nothing, a malformed patch or one that would
// rename, re-kind or delete an object gets a diagnostic at the line of the
// hub file (or hubDefaults block) that wrote it. Each patch runs through
// kustomize's patch transformer over only the objects it selects, so every
// error is attributed to exactly one patch entry; hubs without patches never
// touch kustomize. JSON 6902 and strategic-merge patches whose outcome is
// certain get kustomize's result without it (json6902.go, strategic.go),
// and fall back to it for everything else, errors included.
package patch

import (
	"fmt"
	"slices"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Apply applies h.Patches, in order, to objs (the hub's rendered objects)
// and returns the patched list in the same order. Objects a patch touches
// are replaced by new Objects that keep Cluster, Hub and Source; the input
// objects are never modified. A patch that fails is reported and skipped;
// the others still apply, so one run reports every broken patch.
//
// Apply is safe for concurrent use (see runMu for how kustomize is guarded).
func Apply(h *model.Hub, objs []*manifest.Object) ([]*manifest.Object, diag.List) {
	if h == nil || len(h.Patches) == 0 {
		return objs, nil
	}
	out := slices.Clone(objs)
	var diags diag.List
	for i := range h.Patches {
		p := &h.Patches[i]
		pos, path := location(h, p, i)
		errorf := func(hint, format string, args ...any) {
			d := diags.Errorf(pos, path, format, args...)
			if hint != "" {
				d.WithHint("%s", hint)
			}
		}

		s, err := parse(p)
		if err != nil {
			errorf(hintOf(err), "%s", err)
			continue
		}
		m, err := newMatcher(s.target)
		if err != nil {
			errorf(hintOf(err), "%s", err)
			continue
		}
		idx := m.selectFrom(out)
		if len(idx) == 0 {
			errorf(closeNames(s.target, out), "patch matches no object (target %s)", describe(s.target))
			continue
		}
		in := make([]*manifest.Object, len(idx))
		for k, j := range idx {
			in[k] = out[j]
		}
		bodies, err := runIsolated(s, in)
		if err != nil {
			errorf(hintOf(err), "%s", err)
			continue
		}
		if err := sameIdentity(in, bodies); err != nil {
			errorf("patches may change an object's content only; set names through the hub file instead",
				"%s", err)
			continue
		}
		for k, j := range idx {
			out[j] = &manifest.Object{Cluster: in[k].Cluster, Hub: in[k].Hub, Source: in[k].Source, Body: bodies[k]}
		}
	}
	return out, diags
}

// location is where a patch entry was written and its CUE path. Patches
// come already layered, so Pos may point into fleet.yaml or cluster.yaml.
func location(h *model.Hub, p *model.Patch, i int) (model.Pos, string) {
	path := p.Path
	if path == "" {
		path = fmt.Sprintf("patches[%d]", i)
	}
	pos := p.Pos
	if pos.File == "" {
		pos = h.Src.At(path)
	}
	return pos, path
}

// runIsolated runs one patch over the selected objects. When a JSON 6902
// patch fails on a multi-object selection, kustomize does not say which
// object failed; retrying object by object (only on this error path) names
// it.
func runIsolated(s *spec, in []*manifest.Object) ([]map[string]any, error) {
	bodies, err := run(s, in)
	if err == nil || len(in) == 1 {
		if err != nil {
			return nil, fmt.Errorf("applying patch to %s: %w", in[0], err)
		}
		return bodies, nil
	}
	for _, o := range in {
		if _, err1 := run(s, []*manifest.Object{o}); err1 != nil {
			return nil, fmt.Errorf("applying patch to %s: %w", o, err1)
		}
	}
	return nil, fmt.Errorf("applying patch to %d objects: %w", len(in), err)
}

// sameIdentity rejects patches that rename, re-kind, move or delete
// objects: every later stage (output paths, Argo CD tracking, pruning)
// keys on kind, namespace and name, and a patch is not where such changes
// should hide.
func sameIdentity(in []*manifest.Object, out []map[string]any) error {
	if len(out) != len(in) {
		return fmt.Errorf("patch removes objects (%d selected, %d left); patches may not delete objects", len(in), len(out))
	}
	for k, o := range in {
		after := &manifest.Object{Body: out[k]}
		if key(after) != key(o) {
			return fmt.Errorf("patch changes the identity of %s to %s", o, after)
		}
	}
	return nil
}

func key(o *manifest.Object) string {
	return o.Kind() + "/" + o.Namespace() + "/" + o.Name()
}
