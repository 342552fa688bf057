package verify

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

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

var (
	parsedSelectors sync.Map // selectorKey → parsedSelector
	validSelectors  sync.Map // selectorKey → struct{}
)

type parsedSelector struct {
	sel labels.Selector // immutable: shared by every object with this selector
	err error
}

// selectorKey spells sel unambiguously: matchLabels sorted, then the
// expressions in order, every string length-prefixed.
func selectorKey(sel *metav1.LabelSelector) string {
	var b strings.Builder
	str := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
	}
	if sel == nil {
		return "nil"
	}
	for _, k := range slices.Sorted(maps.Keys(sel.MatchLabels)) {
		str(k)
		str(sel.MatchLabels[k])
	}
	b.WriteByte('|')
	for _, e := range sel.MatchExpressions {
		str(e.Key)
		str(string(e.Operator))
		b.WriteString(strconv.Itoa(len(e.Values)))
		for _, v := range e.Values {
			str(v)
		}
	}
	return b.String()
}

// asSelector is metav1.LabelSelectorAsSelector, memoized.
func asSelector(sel *metav1.LabelSelector) (labels.Selector, error) {
	key := selectorKey(sel)
	if p, ok := parsedSelectors.Load(key); ok {
		return p.(parsedSelector).sel, p.(parsedSelector).err
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	parsedSelectors.Store(key, parsedSelector{s, err})
	return s, err
}

// validateSelector is metav1validation.ValidateLabelSelector with default
// options; passes are remembered.
func validateSelector(sel *metav1.LabelSelector, p *field.Path) field.ErrorList {
	key := selectorKey(sel)
	if _, ok := validSelectors.Load(key); ok {
		return nil
	}
	errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p)
	if len(errs) == 0 {
		validSelectors.Store(key, struct{}{})
	}
	return errs
}
