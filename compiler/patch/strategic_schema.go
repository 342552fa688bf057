package patch

import (
	"sync"
	"sync/atomic"

	"sigs.k8s.io/kustomize/kyaml/openapi"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/kustomize/kyaml/yaml/schema"
)

// kyaml's merge walker looks up the OpenAPI schema of every node it visits:
// the object type's schema (openapi.SchemaForResourceType), then
// ResourceSchema.Field for each field and Elements for list elements, and
// from a list's schema whether it merges by key (schema.IsAssociative) and
// by which keys (PatchStrategyAndKeyList). Those lookups resolve
// references and copy schemas afresh every time, and are most of what a
// strategic merge costs. They depend only on the type and the path, so
// schemaNode computes each once, with kyaml's own functions, and keeps it.
//
// The global schema is only read here, after warmSchema has parsed it
// (its lazy parse is what is unsafe to race on); kustomize's transforms
// under runMu read it too, and nothing in this process modifies it.

// schemaNode is the schema the walker holds at one place of an object.
type schemaNode struct {
	rs *openapi.ResourceSchema // nil: the walker has no schema here

	fields sync.Map                   // property name → *schemaNode
	other  atomic.Pointer[schemaNode] // every other field's (additionalProperties or none)
	elems  atomic.Pointer[schemaNode]

	listOnce sync.Once
	assoc    bool     // the list merges by key
	keys     []string // its merge keys
	broken   bool     // kyaml panicked reading the list's strategy
}

// noSchema is the place without a schema, and all places below it.
var noSchema = &schemaNode{}

func wrapSchema(rs *openapi.ResourceSchema) *schemaNode {
	if rs == nil || rs.Schema == nil {
		return noSchema
	}
	return &schemaNode{rs: rs}
}

// field is ResourceSchema.Field(k). Keys that are not properties all get
// the same answer (the additionalProperties schema, or none), so they
// share one node and the cache stays as small as the schema.
func (n *schemaNode) field(k string) *schemaNode {
	if n.rs == nil {
		return noSchema
	}
	if c, ok := n.fields.Load(k); ok {
		return c.(*schemaNode)
	}
	if _, named := n.rs.Schema.Properties[k]; !named {
		if c := n.other.Load(); c != nil {
			return c
		}
		n.other.CompareAndSwap(nil, wrapSchema(n.rs.Field(k)))
		return n.other.Load()
	}
	c, _ := n.fields.LoadOrStore(k, wrapSchema(n.rs.Field(k)))
	return c.(*schemaNode)
}

// elements is ResourceSchema.Elements().
func (n *schemaNode) elements() *schemaNode {
	if n.rs == nil {
		return noSchema
	}
	if c := n.elems.Load(); c != nil {
		return c
	}
	n.elems.CompareAndSwap(nil, wrapSchema(n.rs.Elements()))
	return n.elems.Load()
}

// mergeKeys reports whether the walker merges a list here by key
// (schema.IsAssociative with this schema) and the keys it then uses
// (PatchStrategyAndKeyList); ok=false if kyaml could not tell.
func (n *schemaNode) mergeKeys() (assoc bool, keys []string, ok bool) {
	if n.rs == nil {
		return false, nil, true
	}
	n.listOnce.Do(func() {
		defer func() {
			if recover() != nil {
				n.broken = true
			}
		}()
		if n.assoc = schema.IsAssociative(n.rs, nil, false); n.assoc {
			_, n.keys = n.rs.PatchStrategyAndKeyList()
		}
	})
	return n.assoc, n.keys, !n.broken
}

// typeSchemas keeps the schema of each object type looked up (types come
// from hub input); one node per type, so that its own cache is shared.
var typeSchemas = bounded[kyaml.TypeMeta, *schemaNode]{max: 1024}

// typeSchema is openapi.SchemaForResourceType(t).
func typeSchema(t kyaml.TypeMeta) *schemaNode {
	return typeSchemas.get(t, func() *schemaNode { return wrapSchema(openapi.SchemaForResourceType(t)) })
}

// schemaFor is walk.Walker.GetSchema for a node whose parent gave it sc:
// sc itself when there is one, else the schema of the first source that
// names a known type in its own apiVersion and kind (GetMeta). (The
// walker first reads schemas from comments; neither the objects nor the
// patches taking the direct route have any.)
func schemaFor(sc *schemaNode, sources ...*kyaml.RNode) *schemaNode {
	if sc.rs != nil {
		return sc
	}
	for _, r := range sources {
		if kyaml.IsMissingOrNull(r) {
			continue
		}
		m, _ := r.GetMeta()
		if m.Kind == "" || m.APIVersion == "" {
			continue
		}
		if s := typeSchema(kyaml.TypeMeta{Kind: m.Kind, APIVersion: m.APIVersion}); s.rs != nil {
			return s
		}
	}
	return noSchema
}
