package verify

import (
	"reflect"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
)

// blindNode marks where a CRD version's schema holds value-blind strings:
// positions where no schema check (pruning, defaulting, OpenAPI
// validation, list types, CEL, embedded-object metadata) reads a string's
// content, only that it is a string. The memo's key writes such a string
// as a marker, so bodies differing only there share one schema verdict.
// A nil node has no blind string at or below it.
type blindNode struct {
	str bool // a string value here is blind

	// props holds every property name of the schema node (a nil entry
	// where nothing below is blind), so that a key absent from it is
	// known to fall to additionalProperties.
	props map[string]*blindNode
	extra *blindNode // additionalProperties
	items *blindNode
}

// blindRoot computes the blind tree of a version's root schema; nil if
// the root itself reads its subtree (a CEL rule there sees everything).
// The root's apiVersion and kind stay in the key (a CRD version fixes
// them anyway). The key cuts metadata to name and generateName: they are
// blind unless a schema node constrains them, as only a root CEL rule
// could see them otherwise.
func blindRoot(p *apiextensions.JSONSchemaProps) *blindNode {
	if p == nil || !blindContainer(p) {
		return nil
	}
	root := blindWalk(p)
	if root == nil {
		root = &blindNode{}
	}
	if root.props == nil {
		root.props = map[string]*blindNode{}
	}
	root.props["apiVersion"], root.props["kind"] = nil, nil
	m, ok := p.Properties["metadata"]
	switch {
	case !ok && p.AdditionalProperties != nil:
		root.props["metadata"] = nil // metadata would meet additionalProperties
	case !ok:
		root.props["metadata"] = &blindNode{props: map[string]*blindNode{"name": {str: true}, "generateName": {str: true}}}
	case blindContainer(&m):
		meta := &blindNode{props: map[string]*blindNode{}}
		for _, f := range []string{"name", "generateName"} {
			if s, ok := m.Properties[f]; ok {
				meta.props[f] = blindWalk(&s)
			} else if m.AdditionalProperties == nil {
				meta.props[f] = &blindNode{str: true}
			} else {
				meta.props[f] = nil
			}
		}
		root.props["metadata"] = meta
	default:
		root.props["metadata"] = nil
	}
	return root
}

// blindWalk returns the blind tree below p, or nil if it has no blind
// string.
func blindWalk(p *apiextensions.JSONSchemaProps) *blindNode {
	if blindString(p) {
		return &blindNode{str: true}
	}
	if !blindContainer(p) {
		return nil
	}
	n := &blindNode{}
	found := false
	if len(p.Properties) > 0 {
		n.props = make(map[string]*blindNode, len(p.Properties))
		for k, s := range p.Properties {
			c := blindWalk(&s)
			n.props[k] = c
			found = found || c != nil
		}
	}
	if p.AdditionalProperties != nil && p.AdditionalProperties.Schema != nil {
		n.extra = blindWalk(p.AdditionalProperties.Schema)
		found = found || n.extra != nil
	}
	if p.Items != nil && p.Items.Schema != nil {
		n.items = blindWalk(p.Items.Schema)
		found = found || n.items != nil
	}
	if !found {
		return nil
	}
	return n
}

// blindString reports whether a string at p is read by no check: p says
// "type: string" and nothing else that constrains or reads a value. The
// test is a whitelist over every field of the schema type, so a keyword
// this code does not know (or a future one) makes the node not blind.
func blindString(p *apiextensions.JSONSchemaProps) bool {
	return p.Type == "string" && onlyFields(p, stringFields)
}

// blindContainer reports whether an object or list node at p lets its
// children be blind: nothing on it reads its subtree's values. That
// rules out CEL rules (they see the whole subtree), enum and the
// junctors allOf/anyOf/oneOf/not (they apply nested value checks),
// uniqueItems and list types set and map (they compare items), embedded
// resources (their apiVersion, kind and metadata are checked) and
// preserve-unknown-fields (kept conservative), among others.
func blindContainer(p *apiextensions.JSONSchemaProps) bool {
	if p.Type != "object" && p.Type != "array" {
		return false
	}
	if p.XListType != nil && *p.XListType != "atomic" {
		return false
	}
	if p.XPreserveUnknownFields != nil && *p.XPreserveUnknownFields {
		return false
	}
	if p.Items != nil && len(p.Items.JSONSchemas) > 0 {
		return false
	}
	return onlyFields(p, containerFields)
}

// Fields that read no string value below them: documentation, defaults
// (applied by key presence or to nulls), nullability, required keys and
// counts of items or properties, and the structure itself. XListType and
// XPreserveUnknownFields are checked for their values by blindContainer.
var (
	stringFields    = fieldSet("Type", "Description", "Title", "Default", "Example", "Nullable", "ExternalDocs")
	containerFields = fieldSet("Type", "Description", "Title", "Default", "Example", "Nullable", "ExternalDocs",
		"Required", "MinProperties", "MaxProperties", "MinItems", "MaxItems",
		"Properties", "AdditionalProperties", "Items", "XListType", "XMapType", "XPreserveUnknownFields")
)

func fieldSet(names ...string) []bool {
	t := reflect.TypeFor[apiextensions.JSONSchemaProps]()
	set := make([]bool, t.NumField())
	for _, n := range names {
		// A name the type lacks stays out of the set: fewer blind nodes,
		// never more.
		if f, ok := t.FieldByName(n); ok {
			set[f.Index[0]] = true
		}
	}
	return set
}

// onlyFields reports whether p sets no field outside allowed.
func onlyFields(p *apiextensions.JSONSchemaProps, allowed []bool) bool {
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		if !allowed[i] && !v.Field(i).IsZero() {
			return false
		}
	}
	return true
}
