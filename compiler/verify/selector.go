package verify

import (
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// A hub's workloads, disruption budgets and network policies repeat a few
// label selectors, and parsing one checks every key and value against the
// label rules' regular expressions. Selectors are parsed once per render
// and those that pass validation remembered; a failing one is validated
// again where it appears, so each report names its own field.

// selectors maps selectorKey to its *selectorEntry.
var selectors sync.Map

// selectorEntry is one selector's parse, shared by every object with that
// selector, and whether it passed validation.
type selectorEntry struct {
	sel   labels.Selector // immutable
	err   error
	valid atomic.Bool
}

// selectorKey spells sel unambiguously: matchLabels sorted, then the
// expressions in order, every string length-prefixed.
func selectorKey(sel *metav1.LabelSelector) string {
	if sel == nil {
		return "nil"
	}
	var b []byte
	str := func(s string) {
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, ':')
		b = append(b, s...)
	}
	var buf [8]string
	keys := buf[:0]
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		str(k)
		str(sel.MatchLabels[k])
	}
	b = append(b, '|')
	for _, e := range sel.MatchExpressions {
		str(e.Key)
		str(string(e.Operator))
		b = strconv.AppendInt(b, int64(len(e.Values)), 10)
		for _, v := range e.Values {
			str(v)
		}
	}
	return string(b)
}

// selectorFor returns sel's entry, parsing it on first sight.
func selectorFor(sel *metav1.LabelSelector) *selectorEntry {
	key := selectorKey(sel)
	if e, ok := selectors.Load(key); ok {
		return e.(*selectorEntry)
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	e, _ := selectors.LoadOrStore(key, &selectorEntry{sel: s, err: err})
	return e.(*selectorEntry)
}

// asSelector is metav1.LabelSelectorAsSelector, memoized.
func asSelector(sel *metav1.LabelSelector) (labels.Selector, error) {
	e := selectorFor(sel)
	return e.sel, e.err
}

// validateSelector is metav1validation.ValidateLabelSelector with default
// options; passes are remembered.
func validateSelector(sel *metav1.LabelSelector, p *field.Path) field.ErrorList {
	return selectorFor(sel).validate(sel, p)
}

func (e *selectorEntry) validate(sel *metav1.LabelSelector, p *field.Path) field.ErrorList {
	if e.valid.Load() {
		return nil
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p)
	if len(errs) == 0 {
		e.valid.Store(true)
	}
	return errs
}
