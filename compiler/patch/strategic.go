package patch

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"
	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/resid"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// Strategic-merge patches of maps and scalars skip kustomize's
// transformer, runMu and the transformer's per-node schema lookups. With
// a target (configOf always gives one, also to patches that select by
// their own kind and name), kustomize v0.21.2 does this:
//
//  1. Config reads the trimmed text as resources (resource.Factory's
//     SliceFromBytes: kio.FromBytes, which also resolves anchors, then
//     dropBadNodes and List unwrapping) and as JSON 6902 operations; a
//     text that is one resource and no operations is one strategic-merge
//     patch.
//  2. transformStrategicMerge selects the target's objects
//     (ResMap.Select) and ApplySmPatch (resWrangler's) prepares a copy of
//     the patch for each: DeepCopy, CopyMergeMetaDataFieldsFrom (which
//     rewrites the patch's labels and annotations as maps of strings, an
//     empty map dropping the field, and re-sets its name and namespace),
//     SetGvk with the object's group, version and kind, then the patch's
//     own kind back.
//  3. Resource.ApplySmPatch remembers the object's name, namespace and
//     kind, merges the copy into the object (patchstrategicmerge.Filter:
//     merge2.Merge, with the schema of the object's type, or else of the
//     copy's; see mergeWalk), deletes the
//     object if nothing is left, and sets the name, namespace (dropping an
//     empty one) and kind back. The object keeps the patch's apiVersion,
//     which is its own as SetGvk spelt it.
//  4. The ResMap is rebuilt (duplicate ids fail, which these steps cannot
//     cause: they restore every part of the id), and RemoveBuildAnnotations
//     rewrites non-empty annotations as a map of strings.
//
// runStrategic runs steps 1, 2, 3's bookkeeping and 4 as kustomize's own
// code on the node tree the object would be loaded as (bodyNode), mirrors
// only the merge walk (mergeWalk), and reads the result as readResource
// does (documentBody). It answers ok=false, and the caller runs kustomize,
// for anything outside what that mirrors: patch texts that might configure
// the transformer otherwise or that hold (once kio.FromBytes has resolved
// their anchors and aliases) lists, nulls, keys starting with "$"
// (directives), merge keys or comments; objects the node route would load
// as text, List kinds, objects without string kind, apiVersion and name or
// with non-string labels or annotations, with build or internal
// annotations, duplicates or objects the target does not select; merges
// the walker would reject or do with lists (sameList says which object
// lists it leaves as they are); patches that allow name or kind changes;
// results documentBody does not read with certainty; and every panic, so
// errors are always kustomize's own.

// mergePatch is a strategic-merge patch as the transformer's Config reads
// it. It is only read after parsing (each object merges its own copy), so
// one serves every hub.
type mergePatch struct {
	res *resource.Resource

	// prepared keeps the copies step 2 makes, by the object's group,
	// version and kind (all it depends on); objects merge copies of them.
	prepared bounded[resid.Gvk, *resource.Resource]
}

// prepare is resWrangler.ApplySmPatch's copy of the patch for objects of
// gvk.
func (p *mergePatch) prepare(gvk resid.Gvk) *resource.Resource {
	return p.prepared.get(gvk, func() *resource.Resource {
		c := p.res.DeepCopy()
		_ = c.CopyMergeMetaDataFieldsFrom(p.res) // ApplySmPatch ignores its error too
		c.SetGvk(gvk)
		c.SetKind(p.res.GetKind())
		return c
	})
}

// mergeCache keeps parsed patches by text, nil for texts the direct route
// leaves to kustomize.
var mergeCache = bounded[string, *mergePatch]{max: 1024}

// mergePatchOf returns s's patch when the direct route may apply it.
func mergePatchOf(s *spec) (*mergePatch, bool) {
	// Only the configuration configOf passes without a YAML round trip
	// leaves the patch text exactly as written.
	if s.kind != strategicMerge || !directSelector(s.target) || !textSafe(s.text) {
		return nil, false
	}
	p := mergeCache.get(s.text, func() *mergePatch { return readMergePatch(s.text) })
	return p, p != nil
}

// readMergePatch reads text as the transformer's Config does (step 1),
// or returns nil when it might not be one plain strategic-merge patch.
func readMergePatch(text string) (p *mergePatch) {
	defer func() {
		if recover() != nil {
			p = nil
		}
	}()
	text = strings.TrimSpace(text)
	if text == "" || text[0] == '[' || jsonOperations(text) {
		return nil
	}
	rs, err := resmapFactory().RF().SliceFromBytes([]byte(text))
	if err != nil || len(rs) != 1 || !plainPatch(rs[0].Document()) {
		return nil
	}
	return &mergePatch{res: rs[0], prepared: bounded[resid.Gvk, *resource.Resource]{max: 64}}
}

// jsonOperations reports whether Config's JSON 6902 reading of the text
// succeeds (which for a text that is also a resource is an error).
func jsonOperations(text string) bool {
	data, err := sigsyaml.YAMLToJSON([]byte(text))
	if err != nil {
		return false
	}
	_, err = jsonpatch.DecodePatch(data)
	return err == nil
}

// plainPatch reports whether a parsed patch document is a map of maps
// and non-null scalars under plain keys, without comments or anchors.
func plainPatch(doc *yaml.Node) bool {
	if doc == nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || !uncommented(doc) {
		return false
	}
	return plainPatchNode(doc.Content[0], 0)
}

func plainPatchNode(n *yaml.Node, depth int) bool {
	if n == nil || depth > maxDepth || !uncommented(n) || n.Anchor != "" || n.Tag == kyaml.NodeTagNull {
		return false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return true
	case yaml.MappingNode:
		if len(n.Content)%2 != 0 {
			return false
		}
		for i := 0; i < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode || !uncommented(k) || k.Anchor != "" || k.Tag == "!!merge" ||
				k.Value == "<<" || strings.HasPrefix(k.Value, "$") || !plainPatchNode(n.Content[i+1], depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

func uncommented(n *yaml.Node) bool {
	return n.HeadComment == "" && n.LineComment == "" && n.FootComment == ""
}

// runStrategic applies a strategic-merge patch to objs as kustomize
// would, or returns ok=false (see above).
func runStrategic(s *spec, objs []*manifest.Object) (out []map[string]any, ok bool) {
	defer func() {
		if recover() != nil {
			out, ok = nil, false
		}
	}()
	p, ok := mergePatchOf(s)
	if !ok || len(objs) == 0 {
		return nil, false
	}
	m := cachedMatcher(s.target)
	if m == nil {
		return nil, false
	}
	warmSchema()
	seen := make(map[string]bool, len(objs))
	out = make([]map[string]any, len(objs))
	for i, o := range objs {
		id, ok := plainIdentity(o.Map())
		if !ok || id.apiVersion == "" || seen[id.key()] || !m.matches(o) {
			return nil, false
		}
		seen[id.key()] = true
		if out[i], ok = p.mergeInto(o.Map()); !ok {
			return nil, false
		}
	}
	directRuns.Add(1)
	mergeRuns.Add(1)
	return out, true
}

// mergeInto is steps 2-4 for one object.
func (p *mergePatch) mergeInto(body map[string]any) (map[string]any, bool) {
	n, ok := bodyNode(body)
	if !ok {
		return nil, false
	}
	res := &resource.Resource{RNode: *kyaml.NewRNode(n)}

	patch := p.prepare(res.GetGvk()).DeepCopy()
	if patch.NameChangeAllowed() || patch.KindChangeAllowed() {
		return nil, false
	}

	name, namespace, kind := res.GetName(), res.GetNamespace(), res.GetKind()
	if _, ok := mergeWalk(&res.RNode, &patch.RNode, noSchema, 0); !ok || res.IsNilOrEmpty() {
		return nil, false
	}
	res.SetKind(kind)
	if res.SetName(name) != nil || res.SetNamespace(namespace) != nil {
		return nil, false
	}
	res.RemoveBuildAnnotations()
	return documentBody(res.Document())
}

// matchers keeps compiled targets, nil for invalid ones. Matchers are
// only read after newMatcher.
var matchers = bounded[types.Selector, *matcher]{max: 1024}

func cachedMatcher(s types.Selector) *matcher {
	return matchers.get(s, func() *matcher {
		m, err := newMatcher(s)
		if err != nil {
			return nil
		}
		return m
	})
}
