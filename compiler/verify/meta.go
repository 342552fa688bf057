package verify

import (
	"sync"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateMeta is the API server's metadata validation
// (apivalidation.ValidateObjectMeta) with the labels checked through
// labelErrors: a fleet repeats a few dozen label pairs on tens of thousands
// of objects, and the regular expressions behind each check were a tenth
// of a render's verification time.
func validateMeta(meta *metav1.ObjectMeta, namespaced bool, name apivalidation.ValidateNameFunc, path *field.Path) field.ErrorList {
	m := *meta
	labels := m.Labels
	m.Labels = nil
	errs := apivalidation.ValidateObjectMeta(&m, namespaced, name, path)
	labelPath := path.Child("labels")
	for k, v := range labels {
		errs = append(errs, labelErrors(k, v, labelPath)...)
	}
	return errs
}

// labelMemo holds the result of validating one label pair at
// metadata.labels, the only path validateMeta asks for.
var labelMemo sync.Map // [2]string → field.ErrorList

func labelErrors(k, v string, path *field.Path) field.ErrorList {
	if path.String() != "metadata.labels" {
		return metav1validation.ValidateLabels(map[string]string{k: v}, path)
	}
	key := [2]string{k, v}
	if errs, ok := labelMemo.Load(key); ok {
		return errs.(field.ErrorList)
	}
	errs := metav1validation.ValidateLabels(map[string]string{k: v}, path)
	labelMemo.Store(key, errs)
	return errs
}
