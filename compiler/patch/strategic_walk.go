package patch

import (
	"slices"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/merge2"
	"sigs.k8s.io/kustomize/kyaml/yaml/walk"
)

// merger is merge2's visitor; its methods keep no state.
var merger merge2.Merger

// mergeWalk is what kyaml's merge2.Merge (walk.Walker with merge2.Merger
// as visitor, which patchstrategicmerge.Filter runs) does at one node,
// for patches of maps and scalars (read from kyaml v0.21.2's walk and
// merge2 packages):
//
//   - The schema is the parent's, or GetSchema's (schemaFor).
//   - The walker takes the kind of the first source that is not missing or
//     null, and fails if a source of another kind is not null
//     (ErrorIfAnyInvalidAndNonNull).
//   - Scalars: the patch's value replaces the object's (VisitScalar).
//   - Maps: after copying the patch's comments and, onto an empty map, its
//     style (SetComments, SetStyle), a missing or null map becomes the
//     patch's map, which is then walked against itself; otherwise the
//     object's map stays. Every field of either is then walked, in sorted
//     order, and set on the map with yaml.FieldSetter, which keeps an
//     existing field's style and appends new keys in the patch key's
//     style.
//   - A field only the object has is walked without a patch (sameWalked).
//
// merge2's own steps (SetComments, SetStyle) and the field setter run as
// kyaml's code; only the walk's control flow is mirrored. Whatever else
// the walker could meet (a list or a null in the patch, a $patch
// directive, mismatched kinds, which it rejects) answers ok=false. dest
// may be nil (missing); origin is nil for fields only the object has.
func mergeWalk(dest, origin *kyaml.RNode, sc *schemaNode, depth int) (*kyaml.RNode, bool) {
	if depth > maxDepth {
		return nil, false
	}
	if origin == nil {
		return dest, dest != nil && sameWalked(dest.YNode(), sc, depth)
	}
	if kyaml.IsMissingOrNull(origin) {
		return nil, false
	}
	sc = schemaFor(sc, dest, origin)
	kind := origin.YNode().Kind
	if !kyaml.IsMissingOrNull(dest) {
		kind = dest.YNode().Kind
	}
	if kyaml.ErrorIfAnyInvalidAndNonNull(kind, dest, origin) != nil {
		return nil, false
	}
	srcs := walk.Sources{dest, origin}
	switch kind {
	case yaml.ScalarNode:
		if merger.SetComments(srcs) != nil || merger.SetStyle(srcs) != nil {
			return nil, false
		}
		return origin, true
	case yaml.MappingNode:
		return mergeMap(dest, origin, sc, depth)
	}
	return nil, false
}

// mergeMap is the walker's walkMap with Merger.VisitMap.
func mergeMap(dest, origin *kyaml.RNode, sc *schemaNode, depth int) (*kyaml.RNode, bool) {
	srcs := walk.Sources{dest, origin}
	if merger.SetComments(srcs) != nil || merger.SetStyle(srcs) != nil {
		return nil, false
	}
	if origin.Field("$patch") != nil {
		return nil, false // a directive (determineSmpDirective)
	}
	if kyaml.IsMissingOrNull(dest) {
		dest = origin
	}
	names, err := dest.Fields()
	if err != nil {
		return nil, false
	}
	more, err := origin.Fields()
	if err != nil {
		return nil, false
	}
	names = append(names, more...)
	slices.Sort(names)
	names = slices.Compact(names)
	for _, key := range names {
		if key == "" {
			return nil, false // FieldSetter fails on it (see sameWalked)
		}
		dv, dStyle := fieldOf(dest, key)
		ov, oStyle := fieldOf(origin, key)
		val, ok := mergeWalk(dv, ov, sc.field(key), depth+1)
		if !ok {
			return nil, false
		}
		if ov == nil {
			// The walker sets the field to what it already holds
			// (sameWalked).
			continue
		}
		var keyStyle yaml.Style // the walker's keyStyles[val]
		switch val {
		case dv:
			keyStyle = dStyle
		case ov:
			keyStyle = oStyle
		}
		if _, err := dest.Pipe(kyaml.FieldSetter{Name: key, Value: val, AppendKeyStyle: keyStyle}); err != nil {
			return nil, false
		}
	}
	return dest, true
}

// fieldOf returns a map's value for key and the style of its key, as the
// walker's fieldValue reads them.
func fieldOf(m *kyaml.RNode, key string) (*kyaml.RNode, yaml.Style) {
	f := m.Field(key)
	if f == nil {
		return nil, 0
	}
	var style yaml.Style
	if f.Key != nil && f.Key.YNode() != nil {
		style = f.Key.YNode().Style
	}
	return f.Value, style
}

// sameWalked reports whether the walker, visiting n without a patch,
// leaves it as documentBody reads it. It does for scalars (VisitScalar
// keeps them; FieldSetter re-sets them, and the objects' strings are
// quoted, so it does not restyle them), for nulls with text (kept as
// "persistent" nulls), for maps whose values it leaves and that have no
// empty key (FieldSetter fails on one), and for lists it
// does not merge by key (VisitList keeps them without walking them). Lists
// it merges by key (the schema's associative lists) it rebuilds from
// their elements (walkAssociativeSequence), deduplicating, dropping and
// reordering elements unless (sameList) every element is a map with a
// distinct set of non-empty merge-key values; primitive merge lists are
// only left when empty.
func sameWalked(n *yaml.Node, sc *schemaNode, depth int) bool {
	if n == nil || depth > maxDepth {
		return false
	}
	if n.Tag == kyaml.NodeTagNull {
		return n.Kind == yaml.ScalarNode && n.Value != ""
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return true
	case yaml.MappingNode:
		if len(n.Content)%2 != 0 {
			return false
		}
		if sc.rs == nil {
			sc = schemaFor(sc, kyaml.NewRNode(n))
		}
		for i := 0; i < len(n.Content); i += 2 {
			// FieldSetter takes an empty name to mean "set this scalar",
			// which fails on a map.
			k := n.Content[i].Value
			if k == "" || !sameWalked(n.Content[i+1], sc.field(k), depth+1) {
				return false
			}
		}
		return true
	case yaml.SequenceNode:
		return sameList(n, sc, depth)
	}
	return false
}

// sameList is sameWalked for a list. With merge keys K, the walker
// (setAssociativeSequenceElements) gathers each element's K values (""
// when missing or empty), merges value sets equal up to empty values,
// keeps the keys some element has a value for, walks the element of each
// distinct value set, drops it if it comes back empty, and finally
// re-inserts the original elements by value set. When every element is a
// map with a non-empty value for every kept key and no two value sets are
// equal, each element is walked once and comes back where it was.
func sameList(n *yaml.Node, sc *schemaNode, depth int) bool {
	assoc, keys, ok := sc.mergeKeys()
	if !ok {
		return false
	}
	if !assoc || len(n.Content) == 0 {
		return true
	}
	if len(keys) == 0 {
		return false
	}
	values := make([][]string, len(n.Content))
	kept := make([]bool, len(keys))
	for i, e := range n.Content {
		if e.Kind != yaml.MappingNode || e.Tag == kyaml.NodeTagNull {
			return false
		}
		values[i] = make([]string, len(keys))
		for j, k := range keys {
			if f := kyaml.NewRNode(e).Field(k); !f.IsNilOrEmpty() {
				values[i][j] = f.Value.YNode().Value
			}
			kept[j] = kept[j] || values[i][j] != ""
		}
	}
	if !slices.Contains(kept, true) {
		return false
	}
	seen := make(map[string]bool, len(values))
	elems := sc.elements()
	for i, vs := range values {
		var id strings.Builder
		for j, v := range vs {
			if kept[j] && v == "" {
				return false
			}
			id.WriteString(strconv.Quote(v))
		}
		if seen[id.String()] {
			return false
		}
		seen[id.String()] = true
		if !sameWalked(n.Content[i], elems, depth+1) {
			return false
		}
	}
	return true
}
