package verify

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

func hubLabels() map[string]string {
	return map[string]string{"app": "jupyterhub", "component": "hub", "release": "staging"}
}

func deployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "hub", Namespace: "staging", Labels: hubLabels()},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: hubLabels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: hubLabels()},
				Spec: corev1.PodSpec{
					ServiceAccountName: "hub",
					Containers: []corev1.Container{{
						Name:         "hub",
						Image:        "quay.io/jupyterhub/k8s-hub:4.4.0",
						Ports:        []corev1.ContainerPort{{Name: "http", ContainerPort: 8081}},
						VolumeMounts: []corev1.VolumeMount{{Name: "config", MountPath: "/usr/local/etc/jupyterhub"}},
						Env: []corev1.EnvVar{{Name: "TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
							LocalObjectReference: corev1.LocalObjectReference{Name: "hub-tokens"}, Key: "proxy-token"}}}},
					}},
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
						LocalObjectReference: corev1.LocalObjectReference{Name: "hub"}}}}},
				},
			},
		},
	}
}

// obj converts v as a renderer would, then forgets the typed value, as a
// patched object has none: tests edit the body in place and the body alone
// must be checked.
func obj(t testing.TB, v any) *manifest.Object {
	t.Helper()
	o := typedObj(t, v)
	return &manifest.Object{Cluster: o.Cluster, Hub: o.Hub, Source: o.Source, Body: o.Map()}
}

// typedObj is an object as a renderer makes it, with its typed value.
func typedObj(t testing.TB, v any) *manifest.Object {
	t.Helper()
	o, err := manifest.New("hubs/aws/staging.yaml", v)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// wantErr asserts that err names each of the fields and details given.
func wantErr(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error does not mention %q:\n%v", f, err)
		}
	}
}

func TestObjectBuiltinValid(t *testing.T) {
	if err := Object(obj(t, deployment())); err != nil {
		t.Fatal(err)
	}
}

func TestObjectUnknownField(t *testing.T) {
	o := obj(t, deployment())
	c := o.Get("spec", "template", "spec", "containers").([]any)[0].(map[string]any)
	c["imagePullPolcy"] = "Always"
	err := Object(o)
	wantErr(t, err, "Deployment/staging/hub", "spec.template.spec.containers[0].imagePullPolcy", "unknown field")
	fes := AsFieldErrors(err)
	if len(fes) != 1 || fes[0].Field != "spec.template.spec.containers[0].imagePullPolcy" || fes[0].Source != "hubs/aws/staging.yaml" {
		t.Errorf("field errors = %+v", fes)
	}
}

func TestObjectWrongType(t *testing.T) {
	o := obj(t, deployment())
	o.Get("spec").(map[string]any)["replicas"] = "two"
	wantErr(t, Object(o), "spec.replicas", "wrong type")
}

func TestObjectBuiltinRules(t *testing.T) {
	for name, tc := range map[string]struct {
		edit  func(d *appsv1.Deployment)
		wants []string
	}{
		"selector mismatch": {func(d *appsv1.Deployment) { d.Spec.Template.Labels["component"] = "proxy" }, []string{"spec.template.metadata.labels", "does not match"}},
		"no selector":       {func(d *appsv1.Deployment) { d.Spec.Selector = nil }, []string{"spec.selector", "required"}},
		"port zero":         {func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort = 0 }, []string{"spec.template.spec.containers[0].ports[0].containerPort"}},
		"port too big":      {func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Ports[0].ContainerPort = 70000 }, []string{"containerPort", "between 1 and 65535"}},
		"bad name":          {func(d *appsv1.Deployment) { d.Name = "Hub_1" }, []string{"metadata.name", "Hub_1"}},
		"no namespace":      {func(d *appsv1.Deployment) { d.Namespace = "" }, []string{"metadata.namespace"}},
		"bad label key":     {func(d *appsv1.Deployment) { d.Labels["bad key"] = "x" }, []string{"metadata.labels"}},
		"bad label value":   {func(d *appsv1.Deployment) { d.Labels["k"] = strings.Repeat("v", 64) }, []string{"metadata.labels", "63"}},
		"missing volume":    {func(d *appsv1.Deployment) { d.Spec.Template.Spec.Volumes = nil }, []string{"volumeMounts[0].name", "config"}},
		"no image":          {func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers[0].Image = "" }, []string{"containers[0].image"}},
	} {
		// The same rules hold whether the object is read from its body
		// (patched objects) or from the struct it was converted from.
		t.Run(name, func(t *testing.T) {
			d := deployment()
			tc.edit(d)
			wantErr(t, Object(obj(t, d)), tc.wants...)
		})
		t.Run(name+"/typed", func(t *testing.T) {
			d := deployment()
			tc.edit(d)
			wantErr(t, Object(typedObj(t, d)), tc.wants...)
		})
	}
}

// TestObjectTypedShortcut: an object New converted from its API struct is
// read from that struct, not decoded back from its body; an object whose
// struct is of another type (a Deployment struct under another apiVersion)
// is decoded from its body.
func TestObjectTypedShortcut(t *testing.T) {
	o := typedObj(t, deployment())
	// A body that no longer matches its struct: only code that breaks the
	// Object contract (edit Body, keep the struct) gets here. The struct
	// wins, which proves the body was not decoded.
	o.Map()["spec"].(map[string]any)["replicas"] = "two"
	if err := Object(o); err != nil {
		t.Errorf("typed object was decoded from its body: %v", err)
	}

	d := deployment()
	d.APIVersion = "apps/v1beta2"
	o = typedObj(t, d)
	o.Map()["spec"].(map[string]any)["replicas"] = "two"
	wantErr(t, Object(o), "spec.replicas", "wrong type")
}

func TestObjectScopesAndNames(t *testing.T) {
	ns := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: "staging"}}
	if err := Object(obj(t, ns)); err != nil {
		t.Errorf("namespace: %v", err)
	}
	ns.Namespace = "x"
	wantErr(t, Object(obj(t, ns)), "metadata.namespace")

	svc := &corev1.Service{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "proxy-public", Namespace: "staging"},
		Spec:       corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
	if err := Object(obj(t, svc)); err != nil {
		t.Errorf("service: %v", err)
	}
	svc.Name = "1proxy" // a DNS-1035 label starts with a letter
	wantErr(t, Object(obj(t, svc)), "metadata.name")

	role := map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "hubfleet:user-scheduler"}}
	if err := Object(&manifest.Object{Body: role}); err != nil {
		t.Errorf("a ClusterRole name may hold a colon: %v", err)
	}
}

func TestObjectUnknownKind(t *testing.T) {
	o := &manifest.Object{Body: map[string]any{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": map[string]any{"name": "w"}}}
	wantErr(t, Object(o), "Widget/w", "unknown kind")
	wantErr(t, Object(&manifest.Object{Body: map[string]any{"kind": "ConfigMap"}}), "apiVersion")
	wantErr(t, Object(nil), "no object")
}

func nodePool(group, kind string) map[string]any {
	return map[string]any{
		"apiVersion": "karpenter.sh/v1",
		"kind":       "NodePool",
		"metadata":   map[string]any{"name": "user-r5-xlarge"},
		"spec": map[string]any{
			"template": map[string]any{
				"metadata": map[string]any{"labels": map[string]any{"hub.jupyter.org/node-purpose": "user"}},
				"spec": map[string]any{
					"nodeClassRef": map[string]any{"group": group, "kind": kind, "name": "default"},
					"requirements": []any{map[string]any{"key": "node.kubernetes.io/instance-type", "operator": "In", "values": []any{"r5.xlarge"}}},
					"taints":       []any{map[string]any{"key": "hub.jupyter.org/dedicated", "value": "user", "effect": "NoSchedule"}},
				},
			},
			"disruption": map[string]any{"consolidationPolicy": "WhenEmpty", "consolidateAfter": "30s"},
			"limits":     map[string]any{"cpu": int64(1000)},
		},
	}
}

func TestObjectNodePool(t *testing.T) {
	if err := Object(&manifest.Object{Body: nodePool("karpenter.k8s.aws", "EC2NodeClass")}); err != nil {
		t.Fatalf("valid AWS NodePool: %v", err)
	}
	if err := Object(&manifest.Object{Body: nodePool("karpenter.azure.com", "AKSNodeClass")}); err != nil {
		t.Fatalf("valid Azure NodePool: %v", err)
	}

	bad := nodePool("karpenter.k8s.aws", "EC2NodeClass")
	bad["spec"].(map[string]any)["disruption"].(map[string]any)["consolidationPolicy"] = "WhenIdle"
	wantErr(t, Object(&manifest.Object{Body: bad}), "NodePool/user-r5-xlarge", "spec.disruption.consolidationPolicy", "WhenIdle")

	bad = nodePool("karpenter.k8s.aws", "EC2NodeClass")
	delete(bad["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any), "nodeClassRef")
	wantErr(t, Object(&manifest.Object{Body: bad}), "spec.template.spec.nodeClassRef", "Required")

	bad = nodePool("karpenter.k8s.aws", "EC2NodeClass")
	bad["spec"].(map[string]any)["wieght"] = int64(3)
	wantErr(t, Object(&manifest.Object{Body: bad}), "spec.wieght", "unknown field")

	// CEL: the AWS build restricts labels in the karpenter.k8s.aws domain,
	// the Azure build those of karpenter.azure.com.
	awsLabel := nodePool("karpenter.k8s.aws", "EC2NodeClass")
	awsLabel["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any)["karpenter.k8s.aws/team"] = "r5"
	wantErr(t, ObjectFor(&manifest.Object{Body: awsLabel}, Options{Provider: "aws"}), "spec.template.metadata.labels", "restricted")

	azLabel := nodePool("karpenter.azure.com", "AKSNodeClass")
	azLabel["spec"].(map[string]any)["template"].(map[string]any)["metadata"].(map[string]any)["labels"].(map[string]any)["kubernetes.azure.com/team"] = "user"
	wantErr(t, ObjectFor(&manifest.Object{Body: azLabel}, Options{Provider: "azure"}), "spec.template.metadata.labels", "restricted")
	if err := ObjectFor(&manifest.Object{Body: azLabel}, Options{Provider: "aws"}); err != nil {
		t.Errorf("the AWS build does not restrict kubernetes.azure.com labels, got %v", err)
	}
}
