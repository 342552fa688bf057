package jupyterhub

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Address ranges of the shared egress rules.
var privateRanges = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}

const metadataIP = "169.254.169.254/32"

// egressFlags picks the shared egress rule sets (z2jh §9).
type egressFlags struct {
	privateIPs, cloudMetadata bool
}

// networkPolicies renders the hub, proxy and singleuser policies. Every
// in-cluster path is also allowed by pod selector, because Cilium does not
// match pod IPs with ipBlock rules.
func (r *renderer) networkPolicies() error {
	h := r.h
	hubPods := base.SelectorLabels(h, compHub)
	proxyPods := base.SelectorLabels(h, compProxy)
	userPods := userPodSelector(r)
	dask := r.daskEgress()

	hubEgress := []networkingv1.NetworkPolicyEgressRule{
		podEgress(proxyPods, base.ProxyAPIPort),
		podEgress(userPods, base.NotebookPort),
	}
	hubEgress = append(append(hubEgress, dask...), sharedEgress(egressFlags{privateIPs: true, cloudMetadata: true})...)
	hub := r.policy(nameHub, compHub, hubPods,
		[]networkingv1.NetworkPolicyIngressRule{accessIngress(base.AccessHub, "http")}, hubEgress)

	proxyEgress := []networkingv1.NetworkPolicyEgressRule{
		podEgress(hubPods, base.HubPort),
		podEgress(userPods, base.NotebookPort),
	}
	proxyEgress = append(append(proxyEgress, dask...), sharedEgress(egressFlags{privateIPs: true, cloudMetadata: true})...)
	proxy := r.policy(nameProxy, compProxy, proxyPods, []networkingv1.NetworkPolicyIngressRule{
		// The Ingress controller reaches http from anywhere.
		{Ports: []networkingv1.NetworkPolicyPort{namedPort("http")}},
		accessIngress(base.AccessProxyHTTP, "http"),
		accessIngress(base.AccessProxyAPI, "api"),
	}, proxyEgress)

	userEgress := []networkingv1.NetworkPolicyEgressRule{
		podEgress(hubPods, base.HubPort),
		podEgress(proxyPods, base.ProxyPort),
	}
	userEgress = append(userEgress, dask...)
	userEgress = append(userEgress, r.workloadIdentityEgress()...)
	userEgress = append(userEgress, sharedEgress(egressFlags{})...)
	single := r.policy(nameSingleuser, compSingleuser, userPods,
		[]networkingv1.NetworkPolicyIngressRule{accessIngress(base.AccessSingleuser, "notebook-port")}, userEgress)

	return r.addAll(hub, proxy, single)
}

// userPodSelector selects this hub's user pods by the labels KubeSpawner
// sets from our common labels.
func userPodSelector(r *renderer) map[string]string {
	return map[string]string{"component": base.UserComponent, "app": "jupyterhub", "release": base.Release(r.h)}
}

// daskEgress lets a pod reach the gateway's traefik pods (dask/helm-chart#445):
// policy ports are pod ports, after the Service's 80 -> 8000 translation.
func (r *renderer) daskEgress() []networkingv1.NetworkPolicyEgressRule {
	if !r.h.Dask.Enabled {
		return nil
	}
	return []networkingv1.NetworkPolicyEgressRule{podEgress(map[string]string{
		"gateway.dask.org/instance":   base.DaskFullName(r.h),
		"app.kubernetes.io/component": "traefik",
	}, base.TraefikPort)}
}

// workloadIdentityEgress opens the GKE metadata server to user pods when
// they use Workload Identity: it is how they get Google credentials.
// IRSA and Azure workload identity use projected tokens and need no IMDS.
func (r *renderer) workloadIdentityEgress() []networkingv1.NetworkPolicyEgressRule {
	if !r.metadataNeeded() {
		return nil
	}
	return []networkingv1.NetworkPolicyEgressRule{
		{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: metadataIP}}},
			Ports: []networkingv1.NetworkPolicyPort{tcpPort(80)}},
		// GKE Dataplane V2 serves the metadata server's token endpoint here.
		{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "169.254.169.252/32"}}},
			Ports: []networkingv1.NetworkPolicyPort{tcpPort(988)}},
	}
}

// metadataNeeded reports whether user pods must reach the cloud metadata
// server (GKE Workload Identity); everywhere else it stays blocked.
func (r *renderer) metadataNeeded() bool {
	return r.h.CloudIdentity && r.c.Provider == model.ProviderGCP
}

func (r *renderer) policy(name, component string, pods map[string]string,
	in []networkingv1.NetworkPolicyIngressRule, out []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   typeMeta("networking.k8s.io/v1", "NetworkPolicy"),
		ObjectMeta: r.meta(name, component),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: pods},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress:     in,
			Egress:      out,
		},
	}
}

// accessIngress admits pods holding an access label on a named port.
func accessIngress(label, port string) networkingv1.NetworkPolicyIngressRule {
	return networkingv1.NetworkPolicyIngressRule{
		Ports: []networkingv1.NetworkPolicyPort{namedPort(port)},
		From: []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{label: "true"}}}},
	}
}

func podEgress(pods map[string]string, port int) networkingv1.NetworkPolicyEgressRule {
	return networkingv1.NetworkPolicyEgressRule{
		To:    []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: pods}}},
		Ports: []networkingv1.NetworkPolicyPort{tcpPort(port)},
	}
}

func namedPort(name string) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromString(name)), Protocol: ptr(corev1.ProtocolTCP)}
}

func tcpPort(n int) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Port: ptr(intstr.FromInt32(int32(n))), Protocol: ptr(corev1.ProtocolTCP)}
}

// sharedEgress is the common tail of every policy: DNS (metadata server,
// kube-system and private ranges), the internet, and optionally private
// ranges and the metadata server.
func sharedEgress(f egressFlags) []networkingv1.NetworkPolicyEgressRule {
	dns := []networkingv1.NetworkPolicyPort{
		{Port: ptr(intstr.FromInt32(53)), Protocol: ptr(corev1.ProtocolUDP)},
		{Port: ptr(intstr.FromInt32(53)), Protocol: ptr(corev1.ProtocolTCP)},
	}
	ipPeer := func(cidr string, except ...string) networkingv1.NetworkPolicyPeer {
		return networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr, Except: except}}
	}
	var private []networkingv1.NetworkPolicyPeer
	for _, c := range privateRanges {
		private = append(private, ipPeer(c))
	}
	rules := []networkingv1.NetworkPolicyEgressRule{
		{To: []networkingv1.NetworkPolicyPeer{ipPeer(metadataIP)}, Ports: dns},
		{To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}}}}, Ports: dns},
		{To: private, Ports: dns},
		{To: []networkingv1.NetworkPolicyPeer{ipPeer("0.0.0.0/0", append(append([]string{}, privateRanges...), metadataIP)...)}},
	}
	if f.privateIPs {
		rules = append(rules, networkingv1.NetworkPolicyEgressRule{To: private})
	}
	if f.cloudMetadata {
		rules = append(rules, networkingv1.NetworkPolicyEgressRule{To: []networkingv1.NetworkPolicyPeer{ipPeer(metadataIP)}})
	}
	return rules
}
