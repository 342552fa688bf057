package daskgateway

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	all  = []string{"*"}
	read = []string{"get", "list", "watch"}
)

// Permissions of each component. The api and controller act on DaskCluster
// objects and the pods, Secrets, Services and routes of each dask cluster;
// traefik reads its CRD routes and the endpoints behind them. They are
// ClusterRoles because dask-gateway and traefik watch cluster-wide APIs;
// the names carry the hub name, so each hub has its own.
var (
	apiRules = []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}},
		{APIGroups: []string{"gateway.dask.org"}, Resources: []string{"daskclusters"}, Verbs: all},
	}
	controllerRules = []rbacv1.PolicyRule{
		{APIGroups: []string{"gateway.dask.org"}, Resources: []string{"daskclusters", "daskclusters/status"}, Verbs: all},
		{APIGroups: []string{"traefik.io"}, Resources: []string{"ingressroutes", "ingressroutetcps"}, Verbs: []string{"get", "create", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch", "create", "delete"}},
		{APIGroups: []string{""}, Resources: []string{"endpoints"}, Verbs: read},
		{APIGroups: []string{""}, Resources: []string{"secrets", "services"}, Verbs: []string{"create", "delete"}},
	}
	traefikRules = []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"nodes", "secrets", "services"}, Verbs: read},
		{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"list", "watch"}},
		{APIGroups: []string{"extensions", "networking.k8s.io"}, Resources: []string{"ingressclasses"}, Verbs: read},
		{APIGroups: []string{"traefik.io"}, Resources: []string{
			"ingressroutes", "ingressroutetcps", "ingressrouteudps", "middlewares", "middlewaretcps",
			"serverstransports", "serverstransporttcps", "tlsoptions", "tlsstores", "traefikservices",
		}, Verbs: read},
	}
)

// rbac returns, for api, controller and traefik: a ServiceAccount, a
// ClusterRole and the ClusterRoleBinding between them, all named alike.
func (r *renderer) rbac() []any {
	var out []any
	for _, c := range []struct {
		name, component string
		rules           []rbacv1.PolicyRule
	}{
		{apiName(r.h), componentAPI, apiRules},
		{controllerName(r.h), componentController, controllerRules},
		{traefikName(r.h), componentTraefik, traefikRules},
	} {
		clusterMeta := r.meta(c.name, c.component)
		clusterMeta.Namespace = ""
		out = append(out,
			&corev1.ServiceAccount{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
				ObjectMeta: r.meta(c.name, c.component),
			},
			&rbacv1.ClusterRole{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
				ObjectMeta: clusterMeta,
				Rules:      c.rules,
			},
			&rbacv1.ClusterRoleBinding{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
				ObjectMeta: clusterMeta,
				Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: c.name, Namespace: r.ns}},
				RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: c.name},
			},
		)
	}
	return out
}
