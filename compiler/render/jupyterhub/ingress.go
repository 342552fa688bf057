package jupyterhub

import (
	networkingv1 "k8s.io/api/networking/v1"
)

// ingress renders Ingress jupyterhub: the hub's domain with a cert-manager
// certificate (Secret <hub>-tls), routed to proxy-public.
func (r *renderer) ingress() error {
	domain := r.h.Domain
	ing := &networkingv1.Ingress{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "Ingress"),
		ObjectMeta: r.meta(nameIngress, compIngress),
		Spec: networkingv1.IngressSpec{
			TLS: []networkingv1.IngressTLS{{Hosts: []string{domain}, SecretName: r.h.Name + "-tls"}},
			Rules: []networkingv1.IngressRule{{
				Host: domain,
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path:     "/",
						PathType: ptr(networkingv1.PathTypePrefix),
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: nameProxyPublic, Port: networkingv1.ServiceBackendPort{Name: "http"},
						}},
					}},
				}},
			}},
		},
	}
	if cls := r.c.Ingress.ClassName; cls != "" {
		ing.Spec.IngressClassName = ptr(cls)
	}
	if issuer := r.c.Ingress.ClusterIssuer; issuer != "" {
		ing.Annotations = map[string]string{"cert-manager.io/cluster-issuer": issuer}
	}
	return r.add(ing)
}
