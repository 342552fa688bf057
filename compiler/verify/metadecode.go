package verify

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// decodeMeta decodes a custom object's metadata strictly, as
// runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation
// does: an unknown field or a value of the wrong type is an error.
func decodeMeta(raw map[string]any) (metav1.ObjectMeta, error) {
	if meta, ok := plainMeta(raw); ok {
		return meta, nil
	}
	var meta metav1.ObjectMeta
	err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(raw, &meta, true)
	return meta, err
}

// plainMeta builds the ObjectMeta of metadata holding only string names
// and maps of string labels and annotations, which the strict converter
// certainly accepts (the shape of every custom object hubfleet renders);
// the reflective converter was half the cost of checking their metadata.
// It returns false for anything else.
func plainMeta(raw map[string]any) (metav1.ObjectMeta, bool) {
	var meta metav1.ObjectMeta
	for k, v := range raw {
		var ok bool
		switch k {
		case "name":
			meta.Name, ok = v.(string)
		case "namespace":
			meta.Namespace, ok = v.(string)
		case "generateName":
			meta.GenerateName, ok = v.(string)
		case "labels":
			meta.Labels, ok = stringMap(v)
		case "annotations":
			meta.Annotations, ok = stringMap(v)
		}
		if !ok {
			return metav1.ObjectMeta{}, false
		}
	}
	return meta, true
}

func stringMap(v any) (map[string]string, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	for k, e := range m {
		s, ok := e.(string)
		if !ok {
			return nil, false
		}
		out[k] = s
	}
	return out, true
}
