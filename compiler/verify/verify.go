// Package verify checks rendered objects before they are written: each
// object is a valid object of its kind (built-in kinds strictly decoded into
// their k8s.io/api types plus cheap validity rules; custom kinds against
// their CustomResourceDefinition's schema and CEL rules), and the objects of
// a hub fit together (Services select pods, referenced ConfigMaps exist, ...).
package verify

import (
	"cmp"
	"errors"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// FieldError is one problem with one object.
type FieldError struct {
	Object string // "Kind/namespace/name" or "Kind/name"
	Source string // the hub file the object was rendered from
	Field  string // JSON field path, "spec.template.spec.containers[0].image"; empty for the whole object
	Detail string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.Object)
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Detail)
	return b.String()
}

// Errors is the list Object returns; Error joins the entries by newlines.
type Errors []*FieldError

func (l Errors) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Unwrap lets errors.As find each FieldError.
func (l Errors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Options tune Object.
type Options struct {
	// Provider selects the provider build of a CRD that exists in several
	// ("aws" or "azure" for Karpenter's NodePool). Empty or another
	// provider: infer it from the object (a NodePool's
	// spec.template.spec.nodeClassRef.group), falling back to the AWS build.
	Provider string
	// Memo, when set, lets objects whose custom bodies another object
	// already passed with skip the schema checks (see Memo).
	Memo *Memo
}

// Object checks one object with default options.
func Object(o *manifest.Object) error { return ObjectFor(o, Options{}) }

// ObjectFor checks one object: its kind must be known, and the object
// valid for it. The error, if any, is an Errors.
func ObjectFor(o *manifest.Object, opts Options) error {
	if o == nil || (o.Body == nil && o.Typed() == nil) {
		return Errors{{Object: "<nil>", Detail: "no object"}}
	}
	c := &collector{obj: o}
	if o.APIVersion() == "" || o.Kind() == "" {
		c.add("", "apiVersion and kind are required")
		return c.result()
	}
	if k, ok := builtinKind(o); ok {
		checkBuiltin(c, o, k, opts.Memo)
	} else if crd := lookupCRD(o, opts); crd != nil {
		checkCustom(c, o, crd, opts.Memo)
	} else {
		c.add("", "unknown kind "+o.APIVersion()+" "+o.Kind()+": neither a built-in type nor a CRD hubfleet knows")
	}
	return c.result()
}

// collector gathers the errors of one object.
type collector struct {
	obj  *manifest.Object
	errs Errors
}

func (c *collector) add(path, detail string) {
	c.errs = append(c.errs, &FieldError{Object: c.obj.String(), Source: c.obj.Source, Field: path, Detail: detail})
}

func (c *collector) addField(errs field.ErrorList) {
	for _, e := range errs {
		detail := e.ErrorBody()
		c.add(strings.TrimPrefix(e.Field, "<nil>"), detail)
	}
}

func (c *collector) result() error {
	if len(c.errs) == 0 {
		return nil
	}
	// Some rules walk maps; sort for stable messages.
	slices.SortStableFunc(c.errs, func(a, b *FieldError) int {
		return cmp.Or(strings.Compare(a.Field, b.Field), strings.Compare(a.Detail, b.Detail))
	})
	return c.errs
}

// AsFieldErrors flattens an error from this package into its FieldErrors.
func AsFieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if fe, ok := err.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		if u, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range u.Unwrap() {
				walk(e)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// metadataPath is shared: a field.Path is never modified, only extended.
var metadataPath = field.NewPath("metadata")
