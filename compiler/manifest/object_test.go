package manifest

import (
	"reflect"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestNewDropsNoiseButKeepsMeaningfulEmpties(t *testing.T) {
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "hub", Namespace: "staging"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "jupyterhub"}},
			Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "hub", Image: "x:1"}},
				Volumes:    []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			}},
		},
	}
	o, err := New("hubs/a/staging.yaml", d)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := o.Map()["status"]; ok {
		t.Error("status: {} kept")
	}
	if got := o.Get("metadata", "creationTimestamp"); got != nil {
		t.Errorf("creationTimestamp kept: %v", got)
	}
	vols := o.Get("spec", "template", "spec", "volumes").([]any)
	if ed, ok := vols[0].(map[string]any)["emptyDir"]; !ok || !reflect.DeepEqual(ed, map[string]any{}) {
		t.Errorf("emptyDir: {} dropped: %v", vols[0])
	}
	if o.Kind() != "Deployment" || o.Name() != "hub" || o.Namespace() != "staging" || o.Group() != "apps" || o.Version() != "v1" {
		t.Errorf("accessors: %s %s %s %s %s", o.Kind(), o.Name(), o.Namespace(), o.Group(), o.Version())
	}
	if o.FileName() != "deployment-hub.yaml" || o.String() != "Deployment/staging/hub" {
		t.Errorf("names: %s %s", o.FileName(), o)
	}

	// An empty podSelector selects every pod of the namespace: never drop it.
	np := &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "all"},
		Spec: networkingv1.NetworkPolicySpec{Ingress: []networkingv1.NetworkPolicyIngressRule{{
			From: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}}},
		}}},
	}
	o = MustNew("x", np)
	if ps, ok := o.Get("spec").(map[string]any)["podSelector"]; !ok || !reflect.DeepEqual(ps, map[string]any{}) {
		t.Errorf("podSelector: {} dropped: %v", o.Map()["spec"])
	}
	peer := o.Get("spec", "ingress").([]any)[0].(map[string]any)["from"].([]any)[0].(map[string]any)
	if _, ok := peer["namespaceSelector"]; !ok {
		t.Errorf("namespaceSelector: {} dropped: %v", peer)
	}
}

func TestSortIsStable(t *testing.T) {
	mk := func(cluster, hub, kind, name string) *Object {
		return &Object{Cluster: cluster, Hub: hub, Body: map[string]any{"kind": kind, "metadata": map[string]any{"name": name}}}
	}
	objs := []*Object{mk("b", "", "Namespace", "x"), mk("a", "h", "Service", "hub"), mk("a", "h", "Deployment", "proxy"), mk("a", "h", "Deployment", "hub"), mk("a", "", "NodePool", "core")}
	Sort(objs)
	var got []string
	for _, o := range objs {
		got = append(got, o.Cluster+"/"+o.Hub+"/"+o.Kind()+"/"+o.Name())
	}
	want := []string{"a//NodePool/core", "a/h/Deployment/hub", "a/h/Deployment/proxy", "a/h/Service/hub", "b//Namespace/x"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("order = %v", got)
	}
}

func TestDecodeJSONKeepsIntegers(t *testing.T) {
	body, err := DecodeJSON([]byte(`{"port": 8081, "ratio": 0.5, "list": [1, {"n": 2}], "big": 12345678901234}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"port": int64(8081), "ratio": 0.5, "list": []any{int64(1), map[string]any{"n": int64(2)}}, "big": int64(12345678901234)}
	if !reflect.DeepEqual(body, want) {
		t.Fatalf("got %#v", body)
	}
	if _, err := DecodeJSON([]byte(`[1]`)); err == nil {
		t.Fatal("a list decoded as an object")
	}
	if _, err := DecodeJSON([]byte(`null`)); err == nil {
		t.Fatal("null decoded as an object")
	}
}

func TestMaterialized(t *testing.T) {
	o := MustNew("x", &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "c", Labels: map[string]string{"a": "b"}},
	})
	if !o.Lazy() || o.Materialized() {
		t.Fatalf("new typed object: Lazy %v, Materialized %v", o.Lazy(), o.Materialized())
	}
	// The accessors and Walk read the struct.
	_, _, _ = o.Name(), o.Labels(), o.Walk(&treeEmitter{})
	if o.Materialized() {
		t.Fatal("accessors or Walk built the map")
	}
	o.Map()
	if o.Lazy() || !o.Materialized() {
		t.Fatalf("after Map: Lazy %v, Materialized %v", o.Lazy(), o.Materialized())
	}
	if m := (&Object{Body: map[string]any{"kind": "X"}}); !m.Materialized() {
		t.Fatal("an object made from a map is not materialized")
	}
}

// Once Map has built the map, the map is the object, as for one converted
// at once: the accessors and Walk read it, and edits to it show.
func TestMapIsTheObjectOnceBuilt(t *testing.T) {
	o := MustNew("x", &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: "a"},
		Data:       map[string]string{"k": "v1"},
	})
	o.Map()["metadata"].(map[string]any)["name"] = "b"
	o.Map()["kind"] = "Other"
	if o.Name() != "b" || o.Kind() != "Other" {
		t.Errorf("after editing the map: Name %q, Kind %q; want b, Other", o.Name(), o.Kind())
	}
	if o.Walk(&treeEmitter{}) {
		t.Error("Walk read the struct of an object whose map exists")
	}
}

// New defers only conversions that cannot fail: a struct whose own
// marshaling hook may fail is converted at once, and the failure returned.
func TestNewReportsFallibleConversion(t *testing.T) {
	crd := func(raw string) *apiextensionsv1.CustomResourceDefinition {
		return &apiextensionsv1.CustomResourceDefinition{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
			ObjectMeta: metav1.ObjectMeta{Name: "xs.example.com"},
			Spec: apiextensionsv1.CustomResourceDefinitionSpec{Versions: []apiextensionsv1.CustomResourceDefinitionVersion{{
				Name: "v1",
				Schema: &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
					Default: &apiextensionsv1.JSON{Raw: []byte(raw)},
				}},
			}}},
		}
	}
	if _, err := New("x", crd("{bad")); err == nil {
		t.Error("New accepted a default that is not JSON")
	}
	// Good JSON passes the same hook at New and at Map: deferred.
	o, err := New("x", crd(`{"a": 1}`))
	if err != nil || !o.Lazy() {
		t.Fatalf("a CRD with a good default: err %v, lazy %v", err, o.Lazy())
	}
	if d := o.Get("spec", "versions").([]any)[0].(map[string]any)["schema"].(map[string]any)["openAPIV3Schema"].(map[string]any)["default"]; !reflect.DeepEqual(d, map[string]any{"a": int64(1)}) {
		t.Errorf("default = %#v", d)
	}
	// Metadata's managedFields hold raw JSON too; only when set do they
	// stop New from deferring.
	d := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"}}
	if !MustNew("x", d).Lazy() {
		t.Error("a Deployment was not deferred")
	}
	d.Spec.Template.ManagedFields = []metav1.ManagedFieldsEntry{{FieldsV1: &metav1.FieldsV1{Raw: []byte("{bad")}}}
	if _, err := New("x", d); err == nil {
		t.Error("New accepted managed fields that are not JSON")
	}
}
