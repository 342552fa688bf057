package check

import (
	"slices"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// provisioners are the node provisioners each provider supports.
var provisioners = map[string][]string{
	model.ProviderAWS:   {model.ProvisionerKarpenter},
	model.ProviderGCP:   {model.ProvisionerConfigConnector},
	model.ProviderAzure: {model.ProvisionerASO, model.ProvisionerKarpenter},
}

// clusterSettings checks cluster-wide settings: the provisioner, the node
// class, the secret store and the pools every cluster needs.
func (c *checker) clusterSettings(cl *model.Cluster) {
	src := cl.Src
	if ok := provisioners[cl.Provider]; ok != nil && !slices.Contains(ok, cl.NodeProvisioner) {
		c.list.At(src, "nodeProvisioner", "node provisioner %q is not available on %s", cl.NodeProvisioner, cl.Provider).
			WithHint("use one of: %s", quoteAll(ok))
	}
	if cl.Provider == model.ProviderAWS && cl.NodeProvisioner == model.ProvisionerKarpenter && cl.NodeClass.AWS == nil {
		c.list.At(src, "nodeClass.aws", "Karpenter on AWS needs nodeClass.aws (node role, AMI alias, discovery tag) for its EC2NodeClass").
			WithHint("add nodeClass: {aws: {role: KarpenterNodeRole-<cluster>, amiAlias: al2023@latest, discoveryTag: <cluster>}}")
	}

	var secretHubs []string
	for _, h := range hubs(cl) {
		if usesSecretStore(h) {
			secretHubs = append(secretHubs, h.Name)
		}
	}
	if len(secretHubs) > 0 && cl.SecretStore.Name == "" {
		c.list.At(src, "secretStore", "hubs %s read secrets by reference, but the cluster names no secretStore", quoteAll(secretHubs)).
			WithHint("add secretStore: {kind: ClusterSecretStore, name: <store>} naming the External Secrets store that holds them")
	}

	hasCore, hasUser := false, false
	for i := range cl.NodePools {
		hasCore = hasCore || cl.NodePools[i].Purpose == model.PurposeCore
	}
	for _, p := range allPools(cl) {
		hasUser = hasUser || p.Purpose == model.PurposeUser
	}
	if !hasCore {
		c.list.At(src, "nodePools", "the cluster has no node pool with purpose core").
			WithHint("hub, proxy and dask-gateway pods run on core nodes: add a pool with purpose: core and min: 1")
	}
	if len(hubs(cl)) > 0 && !hasUser {
		c.list.At(src, "nodePools", "the cluster has hubs but no node pool with purpose user").
			WithHint("user servers and dask schedulers run on user pools: add a pool with purpose: user")
	}
}

// usesSecretStore reports whether a hub reads any secret from the store.
func usesSecretStore(h *model.Hub) bool {
	a := h.Auth
	return a.ClientSecret != nil || a.SharedPassword != nil
}
