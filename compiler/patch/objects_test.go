package patch

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

const hubFile = "hubs/pangeo-aws/staging.yaml"

// testHub is a hub named name in cluster pangeo-aws with the given patches.
func testHub(name string, patches ...model.Patch) *model.Hub {
	for i := range patches {
		if patches[i].Pos.File == "" {
			patches[i].Pos = model.Pos{File: "hubs/pangeo-aws/" + name + ".yaml", Line: 40 + 4*i, Col: 5}
		}
	}
	return &model.Hub{
		Name:      name,
		Namespace: name,
		Cluster:   &model.Cluster{Name: "pangeo-aws"},
		Src:       model.Source{File: "hubs/pangeo-aws/" + name + ".yaml"},
		Patches:   patches,
	}
}

func z2jhLabels(release, component string) map[string]string {
	return map[string]string{"app": "jupyterhub", "component": component, "release": release}
}

// testObjects is a small slice of what the renderers produce for a hub:
// two Deployments, a StatefulSet, two Services, a ConfigMap and a
// cluster-scoped ClusterRole.
func testObjects(t testing.TB, hub string) []*manifest.Object {
	t.Helper()
	replicas := int32(1)
	deploy := func(name string, env []corev1.EnvVar) *appsv1.Deployment {
		return &appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: hub, Labels: z2jhLabels(hub, name)},
			Spec: appsv1.DeploymentSpec{
				Replicas: &replicas,
				Selector: &metav1.LabelSelector{MatchLabels: z2jhLabels(hub, name)},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{
						Labels:      z2jhLabels(hub, name),
						Annotations: map[string]string{"checksum/config-map": "abc123"},
					},
					Spec: corev1.PodSpec{Containers: []corev1.Container{{
						Name:  name,
						Image: "quay.io/jupyterhub/k8s-" + name + ":4.4.0",
						Env:   env,
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8081}},
					}}},
				},
			},
		}
	}
	typed := []any{
		&corev1.ConfigMap{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Name: "hub", Namespace: hub, Labels: z2jhLabels(hub, "hub")},
			Data:       map[string]string{"flag": "on", "count": "1"},
		},
		deploy("hub", []corev1.EnvVar{{Name: "PYTHONUNBUFFERED", Value: "1"}, {Name: "HELM_RELEASE_NAME", Value: hub}}),
		deploy("proxy", nil),
		&corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: "hub", Namespace: hub, Labels: z2jhLabels(hub, "hub")},
			Spec:       corev1.ServiceSpec{Selector: z2jhLabels(hub, "hub"), Ports: []corev1.ServicePort{{Name: "hub", Port: 8081}}},
		},
		&corev1.Service{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
			ObjectMeta: metav1.ObjectMeta{Name: "proxy-public", Namespace: hub, Labels: z2jhLabels(hub, "proxy-public")},
			Spec:       corev1.ServiceSpec{Selector: z2jhLabels(hub, "proxy"), Ports: []corev1.ServicePort{{Name: "http", Port: 80}}},
		},
		&appsv1.StatefulSet{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "StatefulSet"},
			ObjectMeta: metav1.ObjectMeta{Name: "user-placeholder", Namespace: hub, Labels: z2jhLabels(hub, "user-placeholder")},
			Spec: appsv1.StatefulSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: z2jhLabels(hub, "user-placeholder")},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: z2jhLabels(hub, "user-placeholder")},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10.1"}}},
				},
			},
		},
		&rbacv1.ClusterRole{
			TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
			ObjectMeta: metav1.ObjectMeta{Name: hub + "-user-scheduler", Labels: z2jhLabels(hub, "user-scheduler")},
			Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}},
		},
	}
	var out []*manifest.Object
	for _, v := range typed {
		o, err := manifest.New(hubFile, v)
		if err != nil {
			t.Fatal(err)
		}
		o.Cluster, o.Hub, o.Source = "pangeo-aws", hub, "hubs/pangeo-aws/"+hub+".yaml"
		out = append(out, o)
	}
	return out
}

// find returns the object of kind and name, failing the test if absent.
func find(t testing.TB, objs []*manifest.Object, kind, name string) *manifest.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	t.Fatalf("no %s/%s in output", kind, name)
	return nil
}
