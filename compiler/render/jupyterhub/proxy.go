package jupyterhub

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// proxy renders configurable-http-proxy: its Deployment and the proxy-api
// and proxy-public Services (ClusterIP: the Ingress is the way in).
func (r *renderer) proxy() error {
	h := r.h
	hubURL := fmt.Sprintf("http://%s:%d", nameHub, base.HubPort)
	get := corev1.HTTPGetAction{Path: "/_chp_healthz", Port: intstr.FromString("http")}
	container := corev1.Container{
		Name:  "chp",
		Image: r.img.Proxy,
		// The hub port is written literally: no dependency on service-link
		// variables, which exist only if Service hub predates the pod.
		Command: []string{
			"configurable-http-proxy",
			"--ip=",
			"--api-ip=",
			fmt.Sprintf("--api-port=%d", base.ProxyAPIPort),
			"--default-target=" + hubURL,
			"--error-target=" + hubURL + "/hub/error",
			fmt.Sprintf("--port=%d", base.ProxyPort),
		},
		Env: []corev1.EnvVar{proxyTokenEnv()},
		Ports: []corev1.ContainerPort{
			{Name: "http", ContainerPort: base.ProxyPort, Protocol: corev1.ProtocolTCP},
			{Name: "api", ContainerPort: base.ProxyAPIPort, Protocol: corev1.ProtocolTCP},
		},
		LivenessProbe:  httpProbe(get, timing{60, 10, 3, 30}),
		ReadinessProbe: httpProbe(get, timing{0, 2, 1, 1000}),
		SecurityContext: &corev1.SecurityContext{
			RunAsUser:                ptr(int64(65534)),
			RunAsGroup:               ptr(int64(65534)),
			RunAsNonRoot:             ptr(true),
			AllowPrivilegeEscalation: ptr(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
	deploy := &appsv1.Deployment{
		TypeMeta:   typeMeta("apps/v1", "Deployment"),
		ObjectMeta: r.meta(nameProxy, compProxy),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(1)),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: base.SelectorLabels(h, compProxy)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: base.PodLabels(h, compProxy, map[string]string{
					base.AccessHub:        "true",
					base.AccessSingleuser: "true",
				})},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: ptr(int64(60)),
					AutomountServiceAccountToken:  ptr(false),
					Tolerations:                   base.CoreTolerations(),
					Affinity:                      base.CoreAffinity(),
					Containers:                    []corev1.Container{container},
				},
			},
		},
	}
	api := &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: r.meta(nameProxyAPI, compProxyAPI),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: base.SelectorLabels(h, compProxy),
			Ports: []corev1.ServicePort{{
				Name: "api", Port: base.ProxyAPIPort, TargetPort: intstr.FromString("api"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
	public := &corev1.Service{
		TypeMeta:   typeMeta("v1", "Service"),
		ObjectMeta: r.meta(nameProxyPublic, compProxyPublic),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: base.SelectorLabels(h, compProxy),
			Ports: []corev1.ServicePort{{
				Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
	return r.addAll(deploy, api, public)
}
