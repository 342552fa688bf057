package daskgateway

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// TraefikServicePort is the port of Service traefik-<full>: the hub
// registers http://traefik-<full>.<ns>:80 and users reach
// gateway://traefik-<full>.<ns>:80.
const TraefikServicePort = 80

func (r *renderer) apiService() *corev1.Service {
	return r.service(apiName(r.h), componentAPI, corev1.ServicePort{
		Name: "api", Port: base.DaskAPIPort, TargetPort: intstr.FromString("api"), Protocol: corev1.ProtocolTCP,
	})
}

// traefikService is ClusterIP, as in daskhub: users and the hub reach the
// gateway inside the cluster, through the hub's proxy from outside.
func (r *renderer) traefikService() *corev1.Service {
	return r.service(traefikName(r.h), componentTraefik, corev1.ServicePort{
		Name: webEntrypoint, Port: TraefikServicePort, TargetPort: intstr.FromString(webEntrypoint), Protocol: corev1.ProtocolTCP,
	})
}

func (r *renderer) service(name, component string, port corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: r.meta(name, component),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: base.DaskSelectorLabels(r.h, component),
			Ports:    []corev1.ServicePort{port},
		},
	}
}
