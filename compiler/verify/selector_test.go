package verify

import (
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The memoized selector parse and validation answer as the library does,
// cold and warm, and a failure is reported at each caller's own path.
func TestSelectorMemoMatchesLibrary(t *testing.T) {
	sels := []*metav1.LabelSelector{
		nil,
		{},
		{MatchLabels: map[string]string{"app": "jupyterhub", "release": "h1"}},
		{MatchLabels: map[string]string{"app": "jupyterhub", "release": "h2"}},
		{MatchLabels: map[string]string{"a": "b,c"}},
		{MatchLabels: map[string]string{"a,b": "c"}},
		{MatchLabels: map[string]string{"Bad Key": "x"}},
		{MatchLabels: map[string]string{"k": "-bad value-"}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}}}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: metav1.LabelSelectorOpIn, Values: []string{"a,b"}}}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: metav1.LabelSelectorOpIn}}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Near", Values: []string{"a"}}}},
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: metav1.LabelSelectorOpExists, Values: []string{"a"}}}},
		{MatchLabels: map[string]string{"x": "y"}, MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "z", Operator: metav1.LabelSelectorOpDoesNotExist}}},
	}
	for round := range 2 {
		for i, sel := range sels {
			want, wantErr := metav1.LabelSelectorAsSelector(sel)
			got, err := asSelector(sel)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) || (wantErr == nil && got.String() != want.String()) {
				t.Errorf("round %d, selector %d: asSelector = %v, %v; want %v, %v", round, i, got, err, want, wantErr)
			}
			for _, p := range []*field.Path{field.NewPath("spec", "selector"), field.NewPath("spec", "podSelector")} {
				want := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p)
				if got := validateSelector(sel, p); len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
					t.Errorf("round %d, selector %d at %s: validateSelector = %v; want %v", round, i, p, got, want)
				}
			}
		}
	}
}
