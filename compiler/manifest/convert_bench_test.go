package manifest

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// benchDeployment is shaped like the hub Deployment the compiler renders.
func benchDeployment() *appsv1.Deployment {
	labels := map[string]string{"app": "jupyterhub", "component": "hub", "release": "alpha", "heritage": "hubfleet"}
	replicas := int32(1)
	uid := int64(1000)
	res := corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("512Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
	}
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/hub/health", Port: intstr.FromString("http")}}, PeriodSeconds: 10}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "hub", Namespace: "alpha", Labels: labels, Annotations: map[string]string{"checksum/config": "abc123"}},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "jupyterhub", "component": "hub"}},
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: map[string]string{"checksum/secret": "def456"}},
				Spec: corev1.PodSpec{
					ServiceAccountName: "hub",
					SecurityContext:    &corev1.PodSecurityContext{RunAsUser: &uid, FSGroup: &uid},
					Containers: []corev1.Container{{
						Name: "hub", Image: "quay.io/jupyterhub/k8s-hub:4.4.0",
						Args:  []string{"jupyterhub", "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py", "--upgrade-db"},
						Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8081}},
						Env: []corev1.EnvVar{
							{Name: "PYTHONUNBUFFERED", Value: "1"},
							{Name: "CONFIGPROXY_AUTH_TOKEN", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "hub-tokens"}, Key: "proxy"}}},
							{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
						},
						Resources:      res,
						VolumeMounts:   []corev1.VolumeMount{{Name: "config", MountPath: "/usr/local/etc/jupyterhub"}, {Name: "db", MountPath: "/srv/jupyterhub"}},
						LivenessProbe:  probe,
						ReadinessProbe: probe,
					}, {
						Name: "sidecar", Image: "busybox:1.36", Command: []string{"sh", "-c", "sleep infinity"},
						Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}},
						Env:       []corev1.EnvVar{{Name: "MODE", Value: "watch"}},
					}},
					Volumes: []corev1.Volume{
						{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "hub"}}}},
						{Name: "db", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "hub-db"}}},
						{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
					},
					Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
						NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "hub.jupyter.org/node-purpose", Operator: corev1.NodeSelectorOpIn, Values: []string{"core"}}}}},
					}}},
					Tolerations: []corev1.Toleration{{Key: "hub.jupyter.org/dedicated", Operator: corev1.TolerationOpEqual, Value: "core", Effect: corev1.TaintEffectNoSchedule}},
				},
			},
		},
	}
}

func BenchmarkNew(b *testing.B) {
	d := benchDeployment()
	b.Run("apimachinery", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := oldConvert(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("plan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := New("x", d); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The benchmark object must take the fast path and agree with the old one.
func TestBenchDeploymentConverts(t *testing.T) {
	compare(t, "bench deployment", benchDeployment(), true)
}
