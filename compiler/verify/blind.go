package verify

import (
	"reflect"
	"sync"

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
	// length: a string here is read for its length only (minLength,
	// maxLength), which the key writes in place of its content.
	length bool

	// props holds every property name of the schema node (a nil entry
	// where nothing below is blind), so that a key absent from it is
	// known to fall to additionalProperties.
	props map[string]*blindNode
	extra *blindNode // additionalProperties
	items *blindNode

	// set marks an array the checks see item by item (see itemsApart):
	// its verdict is that every item passes, so the key writes the
	// distinct item keys, sorted, and bodies differing only in how many
	// times and in which order items repeat share one verdict.
	set bool
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
	w := blindWalker{rules: map[*apiextensions.JSONSchemaProps]bool{}}
	root := w.walk(p)
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
				meta.props[f] = w.walk(&s)
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

// blindWalker computes a version's blind tree.
type blindWalker struct {
	// rules caches hasRules by items schema: an array's items are
	// searched once, not again for each array around them.
	rules map[*apiextensions.JSONSchemaProps]bool
}

// walk returns the blind tree below p, or nil if it has no blind string.
func (w *blindWalker) walk(p *apiextensions.JSONSchemaProps) *blindNode {
	if blindString(p) {
		return &blindNode{str: true}
	}
	if lengthString(p) {
		return &blindNode{length: true}
	}
	if !blindContainer(p) {
		return nil
	}
	n := &blindNode{}
	found := false
	if len(p.Properties) > 0 {
		n.props = make(map[string]*blindNode, len(p.Properties))
		for k, s := range p.Properties {
			c := w.walk(&s)
			n.props[k] = c
			found = found || c != nil
		}
	}
	if p.AdditionalProperties != nil && p.AdditionalProperties.Schema != nil {
		n.extra = w.walk(p.AdditionalProperties.Schema)
		found = found || n.extra != nil
	}
	if p.Items != nil && p.Items.Schema != nil {
		n.items = w.walk(p.Items.Schema)
		found = found || n.items != nil
	}
	if w.itemsApart(p) {
		n.set = true
		found = true
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

// lengthString reports whether a string at p is read for nothing but its
// length: p says "type: string", minLength or maxLength, and nothing else
// that constrains or reads a value.
func lengthString(p *apiextensions.JSONSchemaProps) bool {
	return p.Type == "string" && onlyFields(p, lengthFields)
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

// itemsApart reports whether the checks of an array at p (a blind
// container, so nothing on it or above it reads its items) take each item
// on its own, with nothing that counts, orders or compares them: no
// minItems or maxItems (uniqueItems and list types set and map are not
// blind containers), and no CEL rule anywhere in the items, whose cost
// the API server sums over the whole object against one budget. Pruning,
// defaulting, OpenAPI validation and embedded-object metadata all work
// item by item.
func (w *blindWalker) itemsApart(p *apiextensions.JSONSchemaProps) bool {
	return p.Type == "array" && p.MinItems == nil && p.MaxItems == nil &&
		p.Items != nil && p.Items.Schema != nil && len(p.Items.JSONSchemas) == 0 &&
		!w.hasRules(reflect.ValueOf(p.Items.Schema))
}

// hasRules reports whether a CEL rule (x-kubernetes-validations) is set
// anywhere in v, a schema: every field that can hold a schema is searched,
// so that a schema-holding field this code does not name is searched too.
func (w *blindWalker) hasRules(v reflect.Value) bool {
	if !holdsSchema(v.Type()) {
		return false
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return false
		}
		if p, ok := v.Interface().(*apiextensions.JSONSchemaProps); ok {
			if has, seen := w.rules[p]; seen {
				return has
			}
			has := w.hasRules(v.Elem())
			w.rules[p] = has
			return has
		}
		return w.hasRules(v.Elem())
	case reflect.Struct:
		if v.Type() == schemaPropsType && v.FieldByName("XValidations").Len() > 0 {
			return true
		}
		for i := range v.NumField() {
			if w.hasRules(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if w.hasRules(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if w.hasRules(it.Value()) {
				return true
			}
		}
	}
	return false
}

// holdsSchema reports whether a value of type t can contain a
// JSONSchemaProps (an interface might hold anything), so that hasRules
// skips what cannot: strings, numbers, the JSON of defaults and examples.
func holdsSchema(t reflect.Type) bool {
	if v, ok := schemaHolders.Load(t); ok {
		return v.(bool)
	}
	var walk func(reflect.Type, map[reflect.Type]bool) bool
	walk = func(t reflect.Type, seen map[reflect.Type]bool) bool {
		if t == schemaPropsType || t.Kind() == reflect.Interface {
			return true
		}
		if seen[t] {
			return false // reached again through itself: decided where it started
		}
		seen[t] = true
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			return walk(t.Elem(), seen)
		case reflect.Map:
			return walk(t.Key(), seen) || walk(t.Elem(), seen)
		case reflect.Struct:
			for i := range t.NumField() {
				if walk(t.Field(i).Type, seen) {
					return true
				}
			}
		}
		return false
	}
	holds := walk(t, map[reflect.Type]bool{})
	schemaHolders.Store(t, holds)
	return holds
}

var schemaHolders sync.Map // reflect.Type → bool

var schemaPropsType = reflect.TypeFor[apiextensions.JSONSchemaProps]()

// Fields that read no string value below them: documentation, defaults
// (applied by key presence or to nulls), nullability, required keys and
// counts of items or properties, and the structure itself. XListType and
// XPreserveUnknownFields are checked for their values by blindContainer.
var (
	stringFields    = fieldSet("Type", "Description", "Title", "Default", "Example", "Nullable", "ExternalDocs")
	lengthFields    = fieldSet("Type", "Description", "Title", "Default", "Example", "Nullable", "ExternalDocs", "MinLength", "MaxLength")
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
