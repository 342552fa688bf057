package nodepool

// The template arguments. Everything a template needs is computed in Go
// and handed to jsonnet as plain data, so templates (and the fleet's
// overrides of them) only shape objects.

// clusterData is the "cluster" argument of every template function.
type clusterData struct {
	Name            string         `json:"name"`
	Provider        string         `json:"provider"`
	NodeProvisioner string         `json:"nodeProvisioner"`
	AWS             *awsData       `json:"aws,omitempty"`
	GCP             *gcpData       `json:"gcp,omitempty"`
	Azure           *azureData     `json:"azure,omitempty"`
	Karpenter       *karpenterData `json:"karpenter,omitempty"`
}

type awsData struct {
	Account     string `json:"account"`
	Region      string `json:"region"`
	ClusterName string `json:"clusterName"`
}

type gcpData struct {
	Project     string `json:"project"`
	Location    string `json:"location"`
	ClusterName string `json:"clusterName"`
	Namespace   string `json:"namespace"`
	// ClusterRef is the external reference of the GKE cluster.
	ClusterRef string `json:"clusterRef"`
}

type azureData struct {
	// APIVersion is the agent pools' apiVersion (ASOVersion).
	APIVersion     string `json:"apiVersion"`
	SubscriptionID string `json:"subscriptionID"`
	ResourceGroup  string `json:"resourceGroup"`
	ClusterName    string `json:"clusterName"`
	Location       string `json:"location"`
	Namespace      string `json:"namespace"`
	// OwnerARMID is the managed cluster the agent pools belong to.
	OwnerARMID string `json:"ownerArmId"`
	// OSSKU is the agent pools' OS image, or "" for the AKS default.
	OSSKU string `json:"osSKU,omitempty"`
}

// karpenterData is what every NodePool of a Karpenter cluster shares.
type karpenterData struct {
	// NodeClassGroup and NodeClassKind form nodeClassRef with the pool's
	// node-class name.
	NodeClassGroup string `json:"nodeClassGroup"`
	NodeClassKind  string `json:"nodeClassKind"`
	// NodeLabels are provider labels added to every pool's labels besides
	// base.NodeLabels (AKS NAP needs the Cilium dataplane label).
	NodeLabels map[string]string `json:"-"`
	// StartupTaints are removed by node agents once they are ready.
	StartupTaints []karpenterTaint `json:"startupTaints"`
	// GPUCountKey is the provider's "GPUs per instance" requirement key.
	GPUCountKey string `json:"gpuCountKey"`
}

// poolData is the "pool" argument of the nodePool template function.
type poolData struct {
	// Name is metadata.name: [<hub>-]<name>[-<generation>].
	Name string `json:"name"`
	// Pool, Hub and Generation are the parts Name is made of.
	Pool       string `json:"pool"`
	Hub        string `json:"hub"`
	Generation string `json:"generation"`
	// AzureName is the AKS agent-pool name (ASO only).
	AzureName string `json:"azureName,omitempty"`
	Purpose   string `json:"purpose"`
	// Mode is the AKS agent-pool mode: System for core pools.
	Mode          string   `json:"mode,omitempty"`
	InstanceTypes []string `json:"instanceTypes"`
	// MachineType is the single instance type of KCC and ASO pools.
	MachineType  string `json:"machineType,omitempty"`
	CapacityType string `json:"capacityType"`
	Spot         bool   `json:"spot"`
	Arch         string `json:"arch"`
	// Zones are spelled as the provider expects them.
	Zones       []string          `json:"zones"`
	DiskSizeGiB int               `json:"diskSizeGiB"`
	Min         int               `json:"min"`
	Max         int               `json:"max"`
	Labels      map[string]string `json:"labels"`
	// Taints are in the provider's format: Karpenter objects, KCC objects
	// with NO_SCHEDULE-style effects, or ASO "key=value:Effect" strings.
	Taints      any               `json:"taints"`
	GPU         *gpuData          `json:"gpu"`
	Disruption  *disruptionData   `json:"disruption,omitempty"`
	NodeClass   string            `json:"nodeClass,omitempty"`
	Annotations map[string]string `json:"annotations"`
}

type gpuData struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
	// Limit is the most GPUs the pool may hold (max nodes × count).
	Limit int `json:"limit"`
}

type disruptionData struct {
	ConsolidationPolicy string   `json:"consolidationPolicy"`
	ConsolidateAfter    string   `json:"consolidateAfter"`
	ExpireAfter         string   `json:"expireAfter"`
	Budgets             []budget `json:"budgets"`
	// TerminationGracePeriod bounds draining of expiring nodes whose pods
	// say do-not-disrupt; "" when nodes never expire.
	TerminationGracePeriod string `json:"terminationGracePeriod,omitempty"`
}

type budget struct {
	Nodes   string   `json:"nodes"`
	Reasons []string `json:"reasons,omitempty"`
}

type karpenterTaint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

type kccTaint struct {
	Key    string `json:"key"`
	Value  string `json:"value"`
	Effect string `json:"effect"`
}

// classData is the "nodeClass" argument of the nodeClass template function.
type classData struct {
	Name        string            `json:"name"`
	GPU         bool              `json:"gpu"`
	DiskSizeGiB int               `json:"diskSizeGiB"`
	Annotations map[string]string `json:"annotations"`
	// AWS EC2NodeClass settings.
	Role         string `json:"role,omitempty"`
	AMIAlias     string `json:"amiAlias,omitempty"`
	DiscoveryTag string `json:"discoveryTag,omitempty"`
	RootDevice   string `json:"rootDevice,omitempty"`
	// Azure AKSNodeClass settings.
	ImageFamily string `json:"imageFamily,omitempty"`
}
