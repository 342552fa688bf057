package jupyterhub

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Files of the hub ConfigMap and where the hub pod sees them.
const (
	configFileKey   = "jupyterhub_config.py"
	settingsFileKey = "hubfleet.json"
	hubConfigMount  = base.HubConfigDir + "/config"
	hubOAuthMount   = base.HubConfigDir + "/oauth"
	hubDataDir      = "/srv/jupyterhub" // the image's WORKDIR: sqlite lands here
)

// hubConfig renders ConfigMap hub: our config program and the hub's
// settings. It holds no secret: secrets are files of the ESO Secrets.
func (r *renderer) hubConfig() error {
	settings, hash, err := r.settingsFile()
	if err != nil {
		return fmt.Errorf("hub settings: %w", err)
	}
	r.cmHash = hash
	data := hubConfigData(settings)
	return r.add(&corev1.ConfigMap{
		TypeMeta:   typeMeta("v1", "ConfigMap"),
		ObjectMeta: r.meta(nameHub, compHub),
		Data:       data,
	})
}

// hubConfigData is the data of ConfigMap hub.
func hubConfigData(settings string) map[string]string {
	return map[string]string{
		configFileKey:   hubConfigPy,
		settingsFileKey: settings,
	}
}

// hub renders the hub's Deployment, ServiceAccount, RBAC, Service and
// database PVC.
func (r *renderer) hub() error {
	h := r.h
	sa := &corev1.ServiceAccount{TypeMeta: typeMeta("v1", "ServiceAccount"), ObjectMeta: r.meta(nameHub, compHub)}
	role := &rbacv1.Role{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "Role"),
		ObjectMeta: r.meta(nameHub, compHub),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "persistentvolumeclaims", "secrets", "services"},
				Verbs: []string{"get", "watch", "list", "create", "delete"}},
			{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"get", "watch", "list"}},
		},
	}
	binding := &rbacv1.RoleBinding{
		TypeMeta:   typeMeta("rbac.authorization.k8s.io/v1", "RoleBinding"),
		ObjectMeta: r.meta(nameHub, compHub),
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: nameHub, Namespace: h.Namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: nameHub},
	}
	svc := &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: r.meta(nameHub, compHub),
		Spec: corev1.ServiceSpec{
			Type:           corev1.ServiceTypeClusterIP,
			IPFamilyPolicy: ptr(corev1.IPFamilyPolicyPreferDualStack),
			Selector:       base.SelectorLabels(h, compHub),
			Ports: []corev1.ServicePort{{
				Name: "hub", Port: base.HubPort, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
	svc.Annotations = map[string]string{
		"prometheus.io/scrape": "true",
		"prometheus.io/path":   "/hub/metrics",
		"prometheus.io/port":   fmt.Sprint(base.HubPort),
	}
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   typeMeta("v1", "PersistentVolumeClaim"),
		ObjectMeta: r.meta(nameHubDB, compHub),
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			},
		},
	}
	// The hub database: a prune or an Application deletion must not take it.
	pvc.Annotations = map[string]string{annotArgoSync: keepData}
	return r.addAll(r.hubDeployment(), sa, role, binding, svc, pvc)
}

func (r *renderer) hubDeployment() *appsv1.Deployment {
	h := r.h
	podLabels := base.PodLabels(h, compHub, map[string]string{
		base.AccessProxyAPI:   "true",
		base.AccessProxyHTTP:  "true",
		base.AccessSingleuser: "true",
	})
	volumes := []corev1.Volume{
		{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: nameHub}}}},
		{Name: "secret", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: base.TokensSecret, DefaultMode: ptr(int32(0o440))}}},
		{Name: "oauth", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: base.OAuthSecret, DefaultMode: ptr(int32(0o440))}}},
		{Name: "pvc", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{
			ClaimName: nameHubDB}}},
	}
	mounts := []corev1.VolumeMount{
		{Name: "config", MountPath: base.HubConfigFile, SubPath: configFileKey},
		{Name: "config", MountPath: hubConfigMount + "/"},
		{Name: "secret", MountPath: base.HubSecretDir + "/"},
		{Name: "oauth", MountPath: hubOAuthMount + "/"},
		{Name: "pvc", MountPath: hubDataDir},
	}
	get := corev1.HTTPGetAction{Path: "/hub/health", Port: intstr.FromString("http")}
	container := corev1.Container{
		Name:  "hub",
		Image: r.img.Hub,
		// args, not command: the image's tini entrypoint stays PID 1.
		Args: []string{"jupyterhub", "--config", base.HubConfigFile, "--upgrade-db"},
		Env: []corev1.EnvVar{
			{Name: "PYTHONUNBUFFERED", Value: "1"},
			{Name: "HELM_RELEASE_NAME", Value: base.Release(h)},
			{Name: "POD_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{
				APIVersion: "v1", FieldPath: "metadata.namespace"}}},
			proxyTokenEnv(),
		},
		Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: base.HubPort, Protocol: corev1.ProtocolTCP}},
		VolumeMounts:   mounts,
		LivenessProbe:  httpProbe(get, timing{300, 10, 3, 30}),
		ReadinessProbe: httpProbe(get, timing{0, 2, 1, 1000}),
		SecurityContext: &corev1.SecurityContext{
			RunAsUser:                ptr(int64(1000)),
			RunAsGroup:               ptr(int64(1000)),
			AllowPrivilegeEscalation: ptr(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
	}
	return &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: r.meta(nameHub, compHub),
		Spec: appsv1.DeploymentSpec{
			// One hub only: sqlite on a ReadWriteOnce volume.
			Replicas: ptr(int32(1)),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: base.SelectorLabels(h, compHub)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      podLabels,
					Annotations: map[string]string{annotChecksumConfig: r.cmHash},
				},
				Spec: corev1.PodSpec{
					ServiceAccountName: nameHub,
					Tolerations:        base.CoreTolerations(),
					Affinity:           base.CoreAffinity(),
					SecurityContext: &corev1.PodSecurityContext{
						FSGroup:        ptr(int64(1000)),
						RunAsNonRoot:   ptr(true),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Volumes:    volumes,
					Containers: []corev1.Container{container},
				},
			},
		},
	}
}

// proxyTokenEnv is CONFIGPROXY_AUTH_TOKEN, read by both JupyterHub and CHP.
func proxyTokenEnv() corev1.EnvVar {
	return corev1.EnvVar{Name: "CONFIGPROXY_AUTH_TOKEN", ValueFrom: &corev1.EnvVarSource{
		SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: base.TokensSecret},
			Key:                  base.KeyProxyToken,
		}}}
}

// configHash is the SHA-256 of json.Marshal(data), which rolls the hub's
// pods when its configuration changes. The object is escaped member by
// member in json.Marshal's order (sorted keys) straight into the hash,
// through one reused buffer; the config program's member, the same for
// every hub, is escaped once.
func configHash(data map[string]string) string {
	h := sha256.New()
	bp := hashBuffers.Get().(*[]byte)
	defer hashBuffers.Put(bp)
	buf := append((*bp)[:0], '{')
	for i, k := range slices.Sorted(maps.Keys(data)) {
		if i > 0 {
			buf = append(buf, ',')
		}
		v := data[k]
		if k == configFileKey && v == hubConfigPy {
			h.Write(buf)
			h.Write(configMember())
			buf = buf[:0]
			continue
		}
		buf = appendJSONMember(buf, k, v)
		if len(buf) >= hashChunk {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	buf = append(buf, '}')
	h.Write(buf)
	*bp = buf
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// hashChunk is how much escaped JSON configHash gathers before hashing it.
const hashChunk = 16 << 10

var hashBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2*hashChunk); return &b }}

// appendJSONMember appends `"key":value` as json.Marshal writes a map entry.
func appendJSONMember(dst []byte, k, v string) []byte {
	dst = appendJSONString(dst, k)
	dst = append(dst, ':')
	return appendJSONString(dst, v)
}

// escapedConfigHash is configHash(hubConfigData(settings)) from the
// settings already escaped as a JSON string's content: the members in
// key order, "hubfleet.json" before "jupyterhub_config.py".
func escapedConfigHash(settings []byte) string {
	h := sha256.New()
	h.Write(settingsMemberStart)
	h.Write(settings)
	h.Write([]byte{'"', ','})
	h.Write(configMember())
	h.Write([]byte{'}'})
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// settingsMemberStart is `{"hubfleet.json":"`.
var settingsMemberStart = append(appendJSONString([]byte{'{'}, settingsFileKey), ':', '"')

var configMember = sync.OnceValue(func() []byte { return appendJSONMember(nil, configFileKey, hubConfigPy) })
