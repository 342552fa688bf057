package model

// Providers and node provisioners (SPEC §2.2).
const (
	ProviderAWS   = "aws"
	ProviderGCP   = "gcp"
	ProviderAzure = "azure"

	ProvisionerKarpenter       = "karpenter"
	ProvisionerConfigConnector = "config-connector"
	ProvisionerASO             = "aso"
)

// Cluster is one hubs/<cluster>/cluster.yaml with its hubs.
type Cluster struct {
	Name            string       `json:"name"`
	Provider        string       `json:"provider"`
	AWS             *AWS         `json:"aws,omitempty"`
	GCP             *GCP         `json:"gcp,omitempty"`
	Azure           *Azure       `json:"azure,omitempty"`
	NodeProvisioner string       `json:"nodeProvisioner"`
	ArgoCD          ArgoCDTarget `json:"argocd"`
	Ingress         Ingress      `json:"ingress"`
	SecretStore     SecretStore  `json:"secretStore"`
	NodeClass       NodeClass    `json:"nodeClass"`
	NodePools       []NodePool   `json:"nodePools"`

	// Hubs sorted by name.
	Hubs []*Hub `json:"-"`
	// Src is hubs/<cluster>/cluster.yaml and its field positions.
	Src Source `json:"-"`
}

// AWS locates an EKS cluster.
type AWS struct {
	Account     string `json:"account"`
	Region      string `json:"region"`
	ClusterName string `json:"clusterName"`
}

// GCP locates a GKE cluster.
type GCP struct {
	Project     string `json:"project"`
	Location    string `json:"location"`
	ClusterName string `json:"clusterName"`
	// Namespace where Config Connector objects live (default: config-connector).
	Namespace string `json:"namespace"`
}

// Azure locates an AKS cluster.
type Azure struct {
	SubscriptionID string `json:"subscriptionID"`
	ResourceGroup  string `json:"resourceGroup"`
	ClusterName    string `json:"clusterName"`
	Location       string `json:"location"`
	// Namespace where ASO objects live (default: azureserviceoperator-system).
	Namespace string `json:"namespace"`
}

// ArgoCDTarget is the Argo CD destination cluster of the hubs.
type ArgoCDTarget struct {
	Destination string `json:"destination"`
}

// Ingress is how hubs are exposed: an ingress class and a cert-manager issuer.
type Ingress struct {
	ClassName     string `json:"className"`
	ClusterIssuer string `json:"clusterIssuer"`
}

// SecretStore is the External Secrets store OAuth secrets are read from.
type SecretStore struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// NodeClass holds provider node-class settings shared by the cluster's pools.
type NodeClass struct {
	AWS   *AWSNodeClass   `json:"aws,omitempty"`
	Azure *AzureNodeClass `json:"azure,omitempty"`
}

// AWSNodeClass feeds Karpenter EC2NodeClass objects.
type AWSNodeClass struct {
	Role         string `json:"role"`
	AMIAlias     string `json:"amiAlias"`
	DiscoveryTag string `json:"discoveryTag"`
}

// AzureNodeClass feeds Karpenter AKSNodeClass objects (Azure NAP).
type AzureNodeClass struct {
	ImageFamily string `json:"imageFamily"`
}

// Node-pool purposes.
const (
	PurposeCore       = "core"
	PurposeUser       = "user"
	PurposeDaskWorker = "dask-worker"
)

// Capacity types.
const (
	CapacityOnDemand = "on-demand"
	CapacitySpot     = "spot"
)

// NodePool is one pool of a cluster, or of a hub when declared in a hub file.
type NodePool struct {
	Name          string            `json:"name"`
	Purpose       string            `json:"purpose"`
	InstanceTypes []string          `json:"instanceTypes"`
	Min           int               `json:"min"`
	Max           int               `json:"max"`
	CapacityType  string            `json:"capacityType"`
	Zones         []string          `json:"zones,omitempty"`
	DiskSizeGiB   int               `json:"diskSizeGiB,omitempty"`
	Labels        map[string]string `json:"labels,omitempty"`
	Taints        []Taint           `json:"taints,omitempty"`
	Arch          string            `json:"arch"`
	Generation    string            `json:"generation,omitempty"`
	GPU           *GPU              `json:"gpu,omitempty"`
	Disruption    *Disruption       `json:"disruption,omitempty"`

	// Hub is the owning hub's name for pools declared in a hub file, else "".
	Hub string `json:"-"`
	// Path is the CUE path of this pool in its source ("nodePools[2]"), for
	// diagnostics; Src is the defining entity's source.
	Path string `json:"-"`
	Src  Source `json:"-"`
}

// Taint is a node taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// GPU describes the accelerators of a pool's nodes.
type GPU struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Disruption tunes how the provisioner may remove nodes. Empty fields take
// purpose-driven defaults.
type Disruption struct {
	ConsolidationPolicy string `json:"consolidationPolicy,omitempty"`
	ConsolidateAfter    string `json:"consolidateAfter,omitempty"`
	ExpireAfter         string `json:"expireAfter,omitempty"`
}

// FullName is the pool's object name: [<hub>-]<name>[-<generation>].
func (p *NodePool) FullName() string {
	n := p.Name
	if p.Hub != "" {
		n = p.Hub + "-" + n
	}
	if p.Generation != "" {
		n += "-" + p.Generation
	}
	return n
}

// Pools returns the pools a hub may use: the cluster's, then the hub's own.
func (c *Cluster) Pools(h *Hub) []*NodePool {
	out := make([]*NodePool, 0, len(c.NodePools)+len(h.NodePools))
	for i := range c.NodePools {
		out = append(out, &c.NodePools[i])
	}
	for i := range h.NodePools {
		out = append(out, &h.NodePools[i])
	}
	return out
}

// Pool finds a pool by name among those the hub may use; a hub's own pool
// shadows a cluster pool of the same name.
func (c *Cluster) Pool(h *Hub, name string) *NodePool {
	if h != nil {
		for i := range h.NodePools {
			if h.NodePools[i].Name == name {
				return &h.NodePools[i]
			}
		}
	}
	for i := range c.NodePools {
		if c.NodePools[i].Name == name {
			return &c.NodePools[i]
		}
	}
	return nil
}

// AllPools returns every pool of the cluster: cluster pools, then each hub's
// pools in hub order.
func (c *Cluster) AllPools() []*NodePool {
	var out []*NodePool
	for i := range c.NodePools {
		out = append(out, &c.NodePools[i])
	}
	for _, h := range c.Hubs {
		for i := range h.NodePools {
			out = append(out, &h.NodePools[i])
		}
	}
	return out
}

// AzureName is the AKS agent-pool name for ASO: AKS allows only
// ^[a-z][a-z0-9]{0,11}$, so it is derived deterministically from the full
// name: the purpose initial, up to 5 letters and digits of the name, and a
// 6-hex-digit FNV-1a hash of the full name (unique in practice, and checked
// for collisions per cluster).
func (p *NodePool) AzureName() string {
	initial := byte('p')
	if p.Purpose != "" {
		initial = p.Purpose[0]
	}
	var stem []byte
	for i := 0; i < len(p.Name) && len(stem) < 5; i++ {
		if c := p.Name[i]; c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			stem = append(stem, c)
		}
	}
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for i := 0; i < len(p.FullName()); i++ {
		h ^= uint32(p.FullName()[i])
		h *= prime
	}
	const hexdigits = "0123456789abcdef"
	out := append([]byte{initial}, stem...)
	for shift := 20; shift >= 0; shift -= 4 {
		out = append(out, hexdigits[(h>>uint(shift))&0xf])
	}
	return string(out)
}
