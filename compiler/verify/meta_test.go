package verify

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// errorSet renders errors as sorted lines, the order-free form the
// collector reports them in.
func errorSet(errs field.ErrorList) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Field + ": " + e.ErrorBody()
	}
	slices.Sort(out)
	return out
}

// TestValidateMetaMatchesAPIServer compares validateMeta, with its memo
// cold and warm, against apivalidation.ValidateObjectMeta on metadata that
// passes and fails each of its checks, with every name rule.
func TestValidateMetaMatchesAPIServer(t *testing.T) {
	big := strings.Repeat("x", apivalidation.TotalAnnotationSizeLimitB)
	metas := []metav1.ObjectMeta{
		{Name: "hub", Namespace: "ns-a"},
		{Name: "hub", Namespace: "Bad_NS"},
		{Name: "hub"},
		{Namespace: "ns-a"},
		{Name: "a.b", Namespace: "ns-a"},
		{Name: "Upper", Namespace: "ns-a"},
		{Name: "with:colon", Namespace: "ns-a"},
		{Name: "x/y", Namespace: "ns-a"},
		{Name: "..", Namespace: "ns-a"},
		{Name: "hub", Namespace: "ns-a", Labels: map[string]string{"app": "jupyterhub", "bad key!": "v", "k": "bad value!"}},
		{Name: "hub", Namespace: "ns-a", Annotations: map[string]string{"example.com/note": "ok"}},
		{Name: "hub", Namespace: "ns-a", Annotations: map[string]string{"Example.com/Upper": "ok", "bad key!": "v"}},
		{Name: "hub", Namespace: "ns-a", Annotations: map[string]string{"example.com/note": big}},
		{Name: "hub", Namespace: "ns-a", GenerateName: "Bad_"},
		{Name: "hub", Namespace: "ns-a", Generation: -1},
		{Name: "hub", Namespace: "ns-a", Finalizers: []string{"bad finalizer"}},
		{Name: "hub", Namespace: "ns-a", OwnerReferences: []metav1.OwnerReference{{Name: "o"}}},
		{Name: "hub", Namespace: "ns-a", ManagedFields: []metav1.ManagedFieldsEntry{{Operation: "bad"}}},
	}
	for _, rule := range []nameRule{dnsSubdomainName, dns1035LabelName, dnsLabelName, pathSegmentName} {
		for _, namespaced := range []bool{true, false} {
			// Each case twice: the second run may take the memo's path.
			for _, round := range []string{"cold", "warm"} {
				for i := range metas {
					m := metas[i]
					want := errorSet(apivalidation.ValidateObjectMeta(&m, namespaced, rule.fn(), metadataPath))
					got := errorSet(validateMeta(&m, namespaced, rule, metadataPath))
					if !slices.Equal(got, want) {
						t.Errorf("rule %d, namespaced %v, %s, %+v:\n got %q\nwant %q", rule, namespaced, round, m, got, want)
					}
				}
			}
		}
	}
}

// TestMetaMemoKnowsEveryField fails when ObjectMeta gains a field, which
// simple must then consider.
func TestMetaMemoKnowsEveryField(t *testing.T) {
	var names []string
	for f := range reflect.TypeFor[metav1.ObjectMeta]().Fields() {
		names = append(names, f.Name)
	}
	want := "Name GenerateName Namespace SelfLink UID ResourceVersion Generation CreationTimestamp " +
		"DeletionTimestamp DeletionGracePeriodSeconds Labels Annotations OwnerReferences Finalizers ManagedFields"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("ObjectMeta's fields changed:\n got %s\nwant %s", got, want)
	}
}

// TestLabelsErrorsMatchesAPIServer checks the label memo against
// ValidateLabels at several paths: a pair found invalid at one path is
// reported at the next.
func TestLabelsErrorsMatchesAPIServer(t *testing.T) {
	labels := map[string]string{"app": "hub", "bad key!": "v", "k": "bad value!", "example.com/x": strings.Repeat("v", 64)}
	for i := range 3 {
		p := field.NewPath("spec").Child(fmt.Sprintf("p%d", i), "labels")
		for range 2 {
			want := errorSet(metav1validation.ValidateLabels(labels, p))
			if got := errorSet(labelsErrors(labels, p)); !slices.Equal(got, want) {
				t.Errorf("%s:\n got %q\nwant %q", p, got, want)
			}
		}
	}
}
