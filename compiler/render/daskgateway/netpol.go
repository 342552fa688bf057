package daskgateway

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Address ranges dask pods may not reach over the internet rule: the
// private ranges (other hubs' pods, nodes) and the cloud metadata server.
var (
	privateRanges = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}
	metadataIP    = "169.254.169.254/32"
)

// networkPolicies lock down the pods the controller creates for each user
// cluster (dask/helm-chart#445): schedulers are reached only through traefik
// (and by the api and their workers), workers only by their cluster; both
// may resolve names and reach the internet, but not private ranges or the
// metadata server. The gateway's own pods are left to the hub's policies.
func (r *renderer) networkPolicies() []any {
	sched := r.instanceSelector(componentScheduler)
	worker := r.instanceSelector(componentWorker)
	traefik := r.instanceSelector(componentTraefik)
	api := r.instanceSelector(componentAPI)

	schedPolicy := r.networkPolicy("dask-scheduler-"+base.DaskFullName(r.h), componentScheduler,
		[]networkingv1.NetworkPolicyIngressRule{
			{From: pods(traefik), Ports: tcp(schedulerPort, dashboardPort)},
			{From: pods(api), Ports: tcp(schedulerAPI)},
			{From: pods(worker), Ports: tcp(schedulerPort)},
		},
		append([]networkingv1.NetworkPolicyEgressRule{
			{To: pods(worker)},
			{To: pods(api), Ports: tcp(base.DaskAPIPort)},
		}, outside()...),
	)
	workerPolicy := r.networkPolicy("dask-worker-"+base.DaskFullName(r.h), componentWorker,
		[]networkingv1.NetworkPolicyIngressRule{
			// Workers listen on random ports, for the scheduler and for
			// transfers between workers.
			{From: pods(sched)},
			{From: pods(worker)},
		},
		append([]networkingv1.NetworkPolicyEgressRule{
			{To: pods(sched), Ports: tcp(schedulerPort)},
			{To: pods(worker)},
		}, outside()...),
	)
	return []any{schedPolicy, workerPolicy}
}

func (r *renderer) networkPolicy(name, component string,
	in []networkingv1.NetworkPolicyIngressRule, out []networkingv1.NetworkPolicyEgressRule) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: r.meta(name, component),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: r.instanceSelector(component)},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress},
			Ingress:     in,
			Egress:      out,
		},
	}
}

// outside are the egress rules to DNS and the internet.
func outside() []networkingv1.NetworkPolicyEgressRule {
	dns := []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, 53), port(corev1.ProtocolTCP, 53)}
	dnsPeers := []networkingv1.NetworkPolicyPeer{{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": "kube-system"}},
	}}
	// Node-local caches and the GKE metadata server answer DNS too.
	for _, cidr := range append(append([]string{}, privateRanges...), metadataIP) {
		dnsPeers = append(dnsPeers, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: cidr}})
	}
	except := append(append([]string{}, privateRanges...), metadataIP)
	return []networkingv1.NetworkPolicyEgressRule{
		{To: dnsPeers, Ports: dns},
		{To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: except}}}},
	}
}

func pods(sel map[string]string) []networkingv1.NetworkPolicyPeer {
	return []networkingv1.NetworkPolicyPeer{{PodSelector: &metav1.LabelSelector{MatchLabels: sel}}}
}

func tcp(ports ...int) []networkingv1.NetworkPolicyPort {
	out := make([]networkingv1.NetworkPolicyPort, 0, len(ports))
	for _, p := range ports {
		out = append(out, port(corev1.ProtocolTCP, p))
	}
	return out
}

func port(proto corev1.Protocol, n int) networkingv1.NetworkPolicyPort {
	p := intstr.FromInt32(int32(n))
	return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: &p}
}
