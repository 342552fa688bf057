package verify

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

var userPod = map[string]string{"app": "jupyterhub", "component": "singleuser-server", "release": "staging"}

func meta(kind, apiVersion, name string) (metav1.TypeMeta, metav1.ObjectMeta) {
	return metav1.TypeMeta{Kind: kind, APIVersion: apiVersion}, metav1.ObjectMeta{Name: name, Namespace: "staging"}
}

// hubObjects is a small consistent hub: edit one object to break a rule.
type hubObjects struct {
	svc  *corev1.Service
	np   *networkingv1.NetworkPolicy
	rb   *rbacv1.RoleBinding
	ing  *networkingv1.Ingress
	rest []any
}

func newHub() *hubObjects {
	h := &hubObjects{}
	tm, om := meta("Service", "v1", "hub")
	h.svc = &corev1.Service{TypeMeta: tm, ObjectMeta: om, Spec: corev1.ServiceSpec{
		Selector: hubLabels(),
		Ports:    []corev1.ServicePort{{Name: "hub", Port: 8081, TargetPort: intstr.FromString("http")}},
	}}
	tm, om = meta("NetworkPolicy", "networking.k8s.io/v1", "hub")
	h.np = &networkingv1.NetworkPolicy{TypeMeta: tm, ObjectMeta: om, Spec: networkingv1.NetworkPolicySpec{
		PodSelector: metav1.LabelSelector{MatchLabels: hubLabels()},
		Ingress: []networkingv1.NetworkPolicyIngressRule{{From: []networkingv1.NetworkPolicyPeer{
			{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"component": "singleuser-server"}}},
			// Peers in other namespaces are not checked.
			{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "prometheus"}}, NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"name": "monitoring"}}},
		}}},
	}}
	tm, om = meta("RoleBinding", "rbac.authorization.k8s.io/v1", "hub")
	h.rb = &rbacv1.RoleBinding{TypeMeta: tm, ObjectMeta: om,
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "hub"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "hub", Namespace: "staging"}},
	}
	tm, om = meta("Ingress", "networking.k8s.io/v1", "jupyterhub")
	h.ing = &networkingv1.Ingress{TypeMeta: tm, ObjectMeta: om, Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
		Host: "staging.example.org",
		IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
			Path: "/", PathType: new(networkingv1.PathTypePrefix),
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "hub", Port: networkingv1.ServiceBackendPort{Name: "hub"}}},
		}}}},
	}}}}
	tm, om = meta("ConfigMap", "v1", "hub")
	cm := &corev1.ConfigMap{TypeMeta: tm, ObjectMeta: om, Data: map[string]string{"k": "v"}}
	tm, om = meta("ServiceAccount", "v1", "hub")
	sa := &corev1.ServiceAccount{TypeMeta: tm, ObjectMeta: om}
	tm, om = meta("Role", "rbac.authorization.k8s.io/v1", "hub")
	role := &rbacv1.Role{TypeMeta: tm, ObjectMeta: om}
	es := map[string]any{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
		"metadata": map[string]any{"name": "hub-tokens-es", "namespace": "staging"},
		"spec":     map[string]any{"target": map[string]any{"name": "hub-tokens"}}}
	h.rest = []any{deployment(), cm, sa, role, es}
	return h
}

func (h *hubObjects) objects(t *testing.T) []*manifest.Object {
	var out []*manifest.Object
	for _, v := range append([]any{h.svc, h.np, h.rb, h.ing}, h.rest...) {
		out = append(out, obj(t, v))
	}
	return out
}

func semanticsOf(t *testing.T, h *hubObjects) []error {
	return SemanticsWith(h.objects(t), SemanticsOptions{ExtraPods: []map[string]string{userPod}})
}

func TestSemanticsConsistentHub(t *testing.T) {
	if errs := semanticsOf(t, newHub()); len(errs) != 0 {
		t.Fatalf("consistent hub: %v", errs)
	}
	// Without the declared user pods the policy's peer selects nothing.
	errs := Semantics(newHub().objects(t))
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "spec.ingress[0].from[0].podSelector") {
		t.Errorf("without extra pods: %v", errs)
	}
}

func TestSemanticsRules(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(h *hubObjects)
		want string
	}{
		"service selects nothing": {func(h *hubObjects) { h.svc.Spec.Selector["component"] = "proxy" }, "Service/staging/hub: spec.selector: selects no rendered pod"},
		"service port name":       {func(h *hubObjects) { h.svc.Spec.Ports[0].TargetPort = intstr.FromString("https") }, "spec.ports[0].targetPort: no selected pod has a container port https"},
		"service port number":     {func(h *hubObjects) { h.svc.Spec.Ports[0].TargetPort = intstr.FromInt32(9000) }, "targetPort: no selected pod has a container port 9000"},
		"service default port": {func(h *hubObjects) {
			h.svc.Spec.Ports[0].TargetPort = intstr.IntOrString{}
			h.svc.Spec.Ports[0].Port = 80
		}, "container port 80"},
		"netpol selector": {func(h *hubObjects) { h.np.Spec.PodSelector.MatchLabels["component"] = "hubb" }, "NetworkPolicy/staging/hub: spec.podSelector: selects no"},
		"netpol egress peer": {func(h *hubObjects) {
			h.np.Spec.Egress = []networkingv1.NetworkPolicyEgressRule{{To: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"component": "proxy"}}}}}}
		}, "spec.egress[0].to[0].podSelector"},
		"rolebinding role":    {func(h *hubObjects) { h.rb.RoleRef.Name = "hubb" }, "roleRef.name: Role \"hubb\" is not rendered"},
		"rolebinding cluster": {func(h *hubObjects) { h.rb.RoleRef = rbacv1.RoleRef{Kind: "ClusterRole", Name: "hub-reader"} }, "ClusterRole \"hub-reader\" is neither rendered nor built in"},
		"rolebinding sa":      {func(h *hubObjects) { h.rb.Subjects[0].Name = "proxy" }, "subjects[0].name: ServiceAccount \"proxy\" is not rendered"},
		"ingress service":     {func(h *hubObjects) { h.ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Name = "proxy-public" }, "spec.rules[0].http.paths[0].backend.service.name: Service \"proxy-public\""},
		"ingress port": {func(h *hubObjects) {
			h.ing.Spec.Rules[0].HTTP.Paths[0].Backend.Service.Port = networkingv1.ServiceBackendPort{Number: 80}
		}, "backend.service.port: Service \"hub\" has no port 80"},
		"missing configmap": {func(h *hubObjects) { h.rest = append(h.rest[:1], h.rest[2:]...) }, "spec.template.spec.volumes[0].configMap.name: ConfigMap \"hub\" is not rendered"},
		"missing sa": {func(h *hubObjects) {
			h.rest = append(h.rest[:2], h.rest[3:]...)
			h.rb.Subjects = nil
		}, "spec.template.spec.serviceAccountName: ServiceAccount \"hub\""},
		"missing secret": {func(h *hubObjects) { h.rest = h.rest[:4] }, "containers[0].env[0].valueFrom.secretKeyRef.name: Secret \"hub-tokens\" is neither rendered nor the target of an ExternalSecret"},
		"duplicate":      {func(h *hubObjects) { h.rest = append(h.rest, h.rest[1]) }, "ConfigMap/staging/hub: rendered more than once"},
		"secret data": {func(h *hubObjects) {
			tm, om := meta("Secret", "v1", "oops")
			h.rest = append(h.rest, &corev1.Secret{TypeMeta: tm, ObjectMeta: om, StringData: map[string]string{"password": "x"}})
		}, "Secret/staging/oops: stringData: a rendered Secret must not carry values"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHub()
			tc.edit(h)
			errs := semanticsOf(t, h)
			if len(errs) != 1 || !strings.Contains(errs[0].Error(), tc.want) {
				t.Errorf("got %d errors %v, want exactly one containing %q", len(errs), errs, tc.want)
			}
		})
	}
}

func TestSemanticsOptionalAndBuiltinRefs(t *testing.T) {
	h := newHub()
	dep := deployment()
	opt := true
	dep.Spec.Template.Spec.Volumes = append(dep.Spec.Template.Spec.Volumes, corev1.Volume{Name: "extra", VolumeSource: corev1.VolumeSource{
		Secret: &corev1.SecretVolumeSource{SecretName: "not-there", Optional: &opt}}})
	h.rest[0] = dep
	h.rb.RoleRef = rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}
	if errs := semanticsOf(t, h); len(errs) != 0 {
		t.Errorf("optional secret and built-in ClusterRole: %v", errs)
	}
}

func TestNoSecretData(t *testing.T) {
	objs := []*manifest.Object{
		{Body: map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "a"}, "data": map[string]any{"k": "dg=="}}},
		{Body: map[string]any{"apiVersion": "v1", "kind": "Secret", "metadata": map[string]any{"name": "b"}, "type": "kubernetes.io/service-account-token"}},
		{Body: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}, "data": map[string]any{"k": "v"}}},
	}
	errs := NoSecretData(objs)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "Secret/a: data") {
		t.Errorf("NoSecretData = %v", errs)
	}
}
