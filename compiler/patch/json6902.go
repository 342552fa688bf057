package patch

import (
	"encoding/json"
	"strings"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	"sigs.k8s.io/kustomize/api/resource"
	"sigs.k8s.io/kustomize/kyaml/kio"
	"sigs.k8s.io/kustomize/kyaml/resid"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// JSON 6902 patches skip kustomize when the result is certain. For each
// selected object kustomize's transformer (PatchTransformer's
// transformJson6902 and patchjson6902.Filter) does:
//
//  1. StorePreviousId: add the build annotations previousNames,
//     previousNamespaces (the effective one) and previousKinds;
//  2. remember the internal annotations, now exactly those three;
//  3. RNode.MarshalJSON: yaml.v3 emits the tree, decodes the text into Go
//     values and encoding/json writes them;
//  4. apply the patch with gopkg.in/evanphx/json-patch.v4;
//  5. RNode.UnmarshalJSON: encoding/json decodes the result (every number
//     a float64) and kyaml.FromMap writes it with yaml.v3 and parses it;
//  6. set the annotations to the result's plus the remembered ones;
//
// and after the transform RemoveBuildAnnotations drops the build
// annotations (the field itself when none is left) before readResource
// reads the tree.
//
// runJSON6902 does 1-2 on the body. For patches of only add, replace and
// remove operations it then applies them to Go values (applyNative, see
// json6902_native.go); for the others it writes the document of step 3
// with encoding/json (the same bytes: see applyLibrary), runs step 4 with
// the same library and patch and decodes the result as step 5 does. Both
// then compute what 5, 6 and the reading yield (settleValue,
// finishAnnotations). Whenever a step's outcome is not certain it answers
// ok=false and the caller runs kustomize: bodies bodyNode would not
// mirror, List kinds, objects without string kind and name or with
// non-string labels or annotations, existing internal or build
// annotations, negative zero, duplicate objects, patch texts that might
// configure the transformer otherwise, every error and panic (so errors
// are always kustomize's own), and results whose strings, keys,
// annotations or metadata the YAML round trip might treat specially.

// decodedPatch is a JSON 6902 patch as json-patch reads it, and as
// native operations when applyNative can run them all.
type decodedPatch struct {
	ops    jsonpatch.Patch
	native []nativeOp
}

// jsonOpsOf decodes s's operations as the transformer does, or returns
// ok=false when kustomize might not treat s as a JSON 6902 patch.
func jsonOpsOf(s *spec) (*decodedPatch, bool) {
	// Only the configuration configOf passes without a YAML round trip
	// leaves the patch text exactly as written.
	if s.kind != json6902 || !directSelector(s.target) || !textSafe(s.text) || s.text != strings.TrimSpace(s.text) {
		return nil, false
	}
	p := decodedOps(s.text)
	return p, p != nil
}

// opsCache keeps decoded patches by text: neither json-patch nor
// applyNative modifies a decoded patch (operation values are only read).
var opsCache = bounded[string, *decodedPatch]{max: 1024}

func decodedOps(text string) *decodedPatch {
	return opsCache.get(text, func() *decodedPatch { return decodeOps(text) })
}

// decodeOps reads the text as the transformer's Config and
// patchjson6902.Filter do, or returns nil.
func decodeOps(text string) *decodedPatch {
	if !notResources(text) {
		return nil
	}
	data := []byte(text)
	if !strings.HasPrefix(text, "[") {
		var err error
		if data, err = yaml.YAMLToJSON(data); err != nil {
			return nil
		}
	}
	ops, err := jsonpatch.DecodePatch(data)
	if err != nil || len(ops) == 0 {
		return nil
	}
	return &decodedPatch{ops: ops, native: nativeOps(ops)}
}

// notResources reports whether the transformer's Config fails to read the
// text as strategic-merge patches (resource.Factory.SliceFromBytes), so
// that the JSON reading decides: kio.FromBytes fails, or a document it
// returns is not empty and lacks a kind or name (dropBadNodes). A list of
// operations always does.
func notResources(text string) bool {
	nodes, err := kio.FromBytes([]byte(text))
	if err != nil {
		return true
	}
	for _, n := range nodes {
		if n.IsNilOrEmpty() {
			continue
		}
		if _, err := n.GetValidatedMetadata(); err != nil {
			return true
		}
	}
	return false
}

// runJSON6902 applies a JSON 6902 patch to objs as kustomize would, or
// returns ok=false (see above).
func runJSON6902(s *spec, objs []*manifest.Object) ([]map[string]any, bool) {
	return runDirect(s, objs, true)
}

// runDirect is runJSON6902; native=false always takes json-patch itself,
// so tests can compare the two.
func runDirect(s *spec, objs []*manifest.Object, native bool) (out []map[string]any, ok bool) {
	// json-patch panics on some inputs (a test of a null against a list
	// element); kustomize turns that into an error, so leave it to it.
	defer func() {
		if r := recover(); r != nil {
			out, ok = nil, false
		}
	}()
	p, ok := jsonOpsOf(s)
	if !ok || len(objs) == 0 {
		return nil, false
	}
	native = native && p.native != nil
	seen := make(map[string]bool, len(objs))
	out = make([]map[string]any, len(objs))
	for i, o := range objs {
		body, id, ok := withBuildAnnotations(o.Map())
		if !ok || seen[id] {
			return nil, false // kustomize rejects duplicates on load
		}
		seen[id] = true
		if native {
			out[i], ok = applyNative(p.native, body)
		} else {
			out[i], ok = applyLibrary(p.ops, body)
		}
		if !ok {
			return nil, false
		}
	}
	directRuns.Add(1)
	if native {
		nativeRuns.Add(1)
	}
	return out, true
}

// applyLibrary runs json-patch itself on the document kustomize would
// hand it (step 3) and reads the result as kustomize would.
//
// That document is encoding/json's writing of the body: bodyNode gives
// the tree parsing that text would, and yaml.v3 decodes it to the same
// strings, booleans, nulls, maps and lists and to numbers encoding/json
// writes with the same digits (int64s are !!int; a float64 is tagged as
// its JSON spelling resolves, and an !!int spelling of a float is an
// integer with no leading zero that reads back to the same digits),
// except negative zero ("-0" resolves to the int 0), which
// withBuildAnnotations refuses. Annotation values are !!str nodes, so
// strings.
func applyLibrary(ops jsonpatch.Patch, body map[string]any) (map[string]any, bool) {
	doc, err := json.Marshal(body)
	if err != nil {
		return nil, false
	}
	res, err := ops.Apply(doc)
	if err != nil {
		return nil, false
	}
	return resultBody(res)
}

// withBuildAnnotations checks body and returns a shallow copy with the
// build annotations StorePreviousId adds (steps 1-2), and a key that tells
// objects kustomize would consider duplicates apart (conservatively: kind
// and name). Only the maps on the way to the annotations are new.
func withBuildAnnotations(body map[string]any) (map[string]any, string, bool) {
	id, ok := plainIdentity(body)
	if !ok || !plainValue(body, 0) {
		return nil, "", false
	}

	warmSchema()
	g, v := resid.ParseGroupVersion(id.apiVersion)
	rid := resid.NewResIdWithNamespace(resid.NewGvk(g, v, id.kind), id.name, id.namespace)
	withBuild := make(map[string]any, len(id.annotations)+3)
	for k, v := range id.annotations {
		withBuild[k] = v
	}
	withBuild[buildPreviousNames] = id.name
	withBuild[buildPreviousNamespaces] = rid.EffectiveNamespace()
	withBuild[buildPreviousKinds] = id.kind
	m := make(map[string]any, len(id.meta)+1)
	for k, v := range id.meta {
		m[k] = v
	}
	m["annotations"] = withBuild
	b := make(map[string]any, len(body))
	for k, v := range body {
		b[k] = v
	}
	b["metadata"] = m
	return b, id.key(), true
}

// objectIdentity is what both direct routes read of an object.
type objectIdentity struct {
	kind, apiVersion, name, namespace string
	meta                              map[string]any
	annotations                       map[string]string
}

// key tells objects kustomize would consider duplicates apart
// (conservatively: kind and name).
func (id objectIdentity) key() string { return id.kind + "/" + id.name }

// plainIdentity checks what the direct routes need of an object's
// identity: a string kind that is not a List kind and a non-empty string
// name, under a metadata map; a string apiVersion and namespace when
// present; labels and annotations that are maps of strings (what
// GetMeta, GetLabels and GetAnnotations read plainly), without the
// annotations kustomize keeps across a patch or removes after it.
func plainIdentity(body map[string]any) (objectIdentity, bool) {
	var id objectIdentity
	kind, ok := body["kind"].(string)
	if !ok || kind == "" || strings.HasSuffix(kind, "List") {
		return id, false
	}
	api, hasAPI := body["apiVersion"]
	apiVersion, isString := api.(string)
	if hasAPI && !isString {
		return id, false
	}
	meta, ok := body["metadata"].(map[string]any)
	if !ok {
		return id, false
	}
	name, ok := meta["name"].(string)
	if !ok || name == "" {
		return id, false
	}
	ns, hasNS := meta["namespace"]
	namespace, isString := ns.(string)
	if hasNS && !isString {
		return id, false
	}
	labels, hasLabels := meta["labels"]
	if _, ok := stringMap(labels); hasLabels && !ok {
		return id, false
	}
	anns := map[string]string{}
	if a, has := meta["annotations"]; has {
		if anns, ok = stringMap(a); !ok {
			return id, false
		}
	}
	for k := range anns {
		if buildOrInternal(k) {
			return id, false
		}
	}
	return objectIdentity{kind: kind, apiVersion: apiVersion, name: name, namespace: namespace, meta: meta, annotations: anns}, true
}

// The build annotations StorePreviousId adds (kustomize's internal
// utils.BuildAnnotationPrevious*).
const (
	buildPreviousNames      = "internal.config.kubernetes.io/previousNames"
	buildPreviousNamespaces = "internal.config.kubernetes.io/previousNamespaces"
	buildPreviousKinds      = "internal.config.kubernetes.io/previousKinds"
)

// buildOrInternal reports annotation keys kustomize keeps across the patch
// or removes after it.
func buildOrInternal(k string) bool {
	if strings.HasPrefix(k, "internal.config.kubernetes.io/") || strings.HasPrefix(k, "config.kubernetes.io/") ||
		strings.HasPrefix(k, "config.k8s.io/") {
		return true
	}
	for _, b := range resource.BuildAnnotations {
		if k == b {
			return true
		}
	}
	return false
}

// stringMap returns v as a map of strings when it is a map whose values
// are all strings (what GetAnnotations and GetMeta read plainly).
func stringMap(v any) (map[string]string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}

// plainValue reports whether valueNode would build v (bodyNode's
// conditions) and v holds no negative zero.
func plainValue(v any, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch t := v.(type) {
	case nil, bool, int64:
		return true
	case string:
		return textSafe(t)
	case float64:
		return finite(t) && !(t == 0 && signbit(t))
	case map[string]any:
		for k, x := range t {
			if k == "<<" || !textSafe(k) || quotedLen(k) > maxKeyLen || !plainValue(x, depth+1) {
				return false
			}
		}
		return true
	case []any:
		for _, x := range t {
			if !plainValue(x, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}
