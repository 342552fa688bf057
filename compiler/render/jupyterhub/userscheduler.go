package jupyterhub

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

const (
	schedulerConfigKey = "config.yaml"
	schedulerConfigDir = "/etc/user-scheduler"
	schedulerLock      = "user-scheduler-lock"
)

// userScheduler renders a second kube-scheduler that packs user pods onto
// as few nodes as possible, so that empty user nodes can be removed.
func (r *renderer) userScheduler() error {
	h := r.h
	if !h.UserScheduler.Enabled {
		return nil
	}
	cfg, err := r.schedulerConfig()
	if err != nil {
		return fmt.Errorf("user-scheduler config: %w", err)
	}
	sum := sha256.Sum256([]byte(cfg))
	cm := &corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: r.meta(nameUserScheduler, compUserScheduler),
		Data:       map[string]string{schedulerConfigKey: cfg},
	}
	sa := &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: r.meta(nameUserScheduler, compUserScheduler)}
	clusterName := base.UserSchedulerName(h)
	role := &rbacv1.ClusterRole{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "ClusterRole"),
		ObjectMeta: r.clusterMeta(clusterName, compUserScheduler),
		Rules:      schedulerRules(),
	}
	binding := &rbacv1.ClusterRoleBinding{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
		ObjectMeta: r.clusterMeta(clusterName, compUserScheduler),
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: nameUserScheduler, Namespace: h.Namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: clusterName},
	}
	pdb := &policyv1.PodDisruptionBudget{
		TypeMeta:   typeMeta("policy/v1", "PodDisruptionBudget"),
		ObjectMeta: r.meta(nameUserScheduler, compUserScheduler),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: base.SelectorLabels(h, compUserScheduler)},
		},
	}
	return r.addAll(cm, r.schedulerDeployment(hex.EncodeToString(sum[:])), sa, role, binding, pdb)
}

// schedulerConfig is the KubeSchedulerConfiguration: leader election on a
// lease in the hub namespace, one profile named after the release, and
// scoring that prefers the fullest node that fits.
func (r *renderer) schedulerConfig() (string, error) {
	return schedulerConfigFor(r.h.Namespace, base.UserSchedulerName(r.h))
}

func schedulerConfigFor(ns, name string) (string, error) {
	if plainName(ns) && plainName(name) {
		// Only the two names differ from hub to hub; marshalling the
		// whole document for each hub cost 170 µs.
		t, err := schedulerTemplate()
		if err != nil {
			return "", err
		}
		return strings.NewReplacer(templateNamespace, ns, templateSchedulerName, name).Replace(t), nil
	}
	return marshalSchedulerConfig(ns, name)
}

// The template is the document marshalled with placeholder names, which
// it then holds as plain scalars; a name that marshals plain too
// (plainName) takes their place without changing anything else.
// TestSchedulerTemplate compares it with marshalling.
const (
	templateNamespace     = "hubfleet-template-namespace"
	templateSchedulerName = "hubfleet-template-scheduler"
)

var schedulerTemplate = sync.OnceValues(func() (string, error) {
	return marshalSchedulerConfig(templateNamespace, templateSchedulerName)
})

// plainName reports whether s is a lower-case name YAML writes plain: a
// letter, then letters, digits and '-', and none of the words a YAML 1.1
// reader takes for a bool or null (the marshaller quotes those).
func plainName(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' || yaml11Words[s] {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

var yaml11Words = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true}

func marshalSchedulerConfig(namespace, schedulerName string) (string, error) {
	plugin := func(name string, weight int) map[string]any {
		p := map[string]any{"name": name}
		if weight > 0 {
			p["weight"] = weight
		}
		return p
	}
	cfg := map[string]any{
		"apiVersion": "kubescheduler.config.k8s.io/v1",
		"kind":       "KubeSchedulerConfiguration",
		"leaderElection": map[string]any{
			"leaderElect":       true,
			"resourceLock":      "leases",
			"resourceName":      schedulerLock,
			"resourceNamespace": namespace,
		},
		"profiles": []any{map[string]any{
			"schedulerName": schedulerName,
			"plugins": map[string]any{
				"score": map[string]any{
					// Drop the defaults, then re-add with packing weights;
					// balanced allocation stays off: it spreads pods.
					"disabled": []any{
						plugin("NodeResourcesBalancedAllocation", 0),
						plugin("NodeAffinity", 0),
						plugin("InterPodAffinity", 0),
						plugin("NodeResourcesFit", 0),
						plugin("ImageLocality", 0),
					},
					"enabled": []any{
						plugin("NodeAffinity", 14631),
						plugin("InterPodAffinity", 1331),
						plugin("NodeResourcesFit", 121),
						plugin("ImageLocality", 11),
					},
				},
			},
			"pluginConfig": []any{map[string]any{
				"name": "NodeResourcesFit",
				"args": map[string]any{"scoringStrategy": map[string]any{
					"type": "MostAllocated",
					"resources": []any{
						map[string]any{"name": "cpu", "weight": 1},
						map[string]any{"name": "memory", "weight": 1},
					},
				}},
			}},
		}},
	}
	b, err := yaml.Marshal(cfg)
	return string(b), err
}

func (r *renderer) schedulerDeployment(cfgHash string) *appsv1.Deployment {
	h := r.h
	get := corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(10259), Scheme: corev1.URISchemeHTTPS}
	container := corev1.Container{
		Name:  "kube-scheduler",
		Image: r.img.KubeScheduler,
		Command: []string{
			"/usr/local/bin/kube-scheduler",
			"--config=" + schedulerConfigDir + "/" + schedulerConfigKey,
			"--authentication-skip-lookup=true",
			"--v=4",
		},
		VolumeMounts:   []corev1.VolumeMount{{Name: "config", MountPath: schedulerConfigDir}},
		LivenessProbe:  httpProbe(get, timing{15, 10, 1, 3}),
		ReadinessProbe: httpProbe(get, timing{0, 10, 1, 3}),
		SecurityContext: &corev1.SecurityContext{
			RunAsUser:                ptr(int64(65534)),
			RunAsGroup:               ptr(int64(65534)),
			RunAsNonRoot:             ptr(true),
			AllowPrivilegeEscalation: ptr(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: r.meta(nameUserScheduler, compUserScheduler),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: base.SelectorLabels(h, compUserScheduler)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      base.PodLabels(h, compUserScheduler, nil),
					Annotations: map[string]string{annotChecksumConfig: cfgHash},
				},
				Spec: corev1.PodSpec{
					ServiceAccountName: nameUserScheduler,
					Tolerations:        base.CoreTolerations(),
					Affinity:           base.CoreAffinity(),
					Volumes: []corev1.Volume{{Name: "config", VolumeSource: corev1.VolumeSource{
						ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: nameUserScheduler}}}}},
					Containers: []corev1.Container{container},
				},
			},
		},
	}
}

// schedulerRules are what a kube-scheduler needs, including the volume
// binding rules (user PVCs are bound at scheduling time).
func schedulerRules() []rbacv1.PolicyRule {
	read := []string{"get", "list", "watch"}
	return []rbacv1.PolicyRule{
		{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch", "update"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, Verbs: []string{"create"}},
		{APIGroups: []string{"coordination.k8s.io"}, Resources: []string{"leases"}, ResourceNames: []string{schedulerLock},
			Verbs: []string{"get", "update"}},
		{APIGroups: []string{""}, Resources: []string{"nodes", "namespaces", "services", "replicationcontrollers"}, Verbs: read},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"delete", "get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"bindings", "pods/binding"}, Verbs: []string{"create"}},
		{APIGroups: []string{""}, Resources: []string{"pods/status"}, Verbs: []string{"patch", "update"}},
		{APIGroups: []string{"apps"}, Resources: []string{"replicasets", "statefulsets"}, Verbs: read},
		{APIGroups: []string{"policy"}, Resources: []string{"poddisruptionbudgets"}, Verbs: read},
		{APIGroups: []string{""}, Resources: []string{"persistentvolumeclaims", "persistentvolumes"},
			Verbs: []string{"get", "list", "watch", "patch", "update"}},
		{APIGroups: []string{"storage.k8s.io"}, Resources: []string{"storageclasses", "csinodes", "csidrivers", "csistoragecapacities"}, Verbs: read},
		{APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"tokenreviews"}, Verbs: []string{"create"}},
		{APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"subjectaccessreviews"}, Verbs: []string{"create"}},
	}
}
