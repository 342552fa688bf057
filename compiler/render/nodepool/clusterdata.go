package nodepool

import (
	"fmt"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// newClusterData computes what every template call of a cluster shares.
func newClusterData(c *model.Cluster) (*clusterData, error) {
	d := &clusterData{Name: c.Name, Provider: c.Provider, NodeProvisioner: c.NodeProvisioner}
	switch c.Provider {
	case model.ProviderAWS:
		if c.AWS == nil {
			return nil, fmt.Errorf("provider aws needs an aws block")
		}
		d.AWS = &awsData{Account: c.AWS.Account, Region: c.AWS.Region, ClusterName: c.AWS.ClusterName}
	case model.ProviderGCP:
		g := c.GCP
		if g == nil {
			return nil, fmt.Errorf("provider gcp needs a gcp block")
		}
		ns := g.Namespace
		if ns == "" {
			ns = DefaultKCCNamespace
		}
		d.GCP = &gcpData{
			Project: g.Project, Location: g.Location, ClusterName: g.ClusterName, Namespace: ns,
			ClusterRef: "projects/" + g.Project + "/locations/" + g.Location + "/clusters/" + g.ClusterName,
		}
	case model.ProviderAzure:
		a := c.Azure
		if a == nil {
			return nil, fmt.Errorf("provider azure needs an azure block")
		}
		ns := a.Namespace
		if ns == "" {
			ns = DefaultASONamespace
		}
		d.Azure = &azureData{
			APIVersion:     "containerservice.azure.com/" + ASOVersion,
			SubscriptionID: a.SubscriptionID, ResourceGroup: a.ResourceGroup, ClusterName: a.ClusterName,
			Location: a.Location, Namespace: ns,
			OwnerARMID: "/subscriptions/" + a.SubscriptionID + "/resourceGroups/" + a.ResourceGroup +
				"/providers/Microsoft.ContainerService/managedClusters/" + a.ClusterName,
		}
		if c.NodeProvisioner == model.ProvisionerASO && c.NodeClass.Azure != nil && c.NodeClass.Azure.ImageFamily != "" {
			sku := c.NodeClass.Azure.ImageFamily
			if !asoOSSKUs[sku] {
				return nil, fmt.Errorf("nodeClass.azure.imageFamily %q is not an agent-pool osSKU of ASO %s (use one of %s)",
					sku, ASOVersion, strings.Join(base.SortedKeys(asoOSSKUs), ", "))
			}
			d.Azure.OSSKU = sku
		}
	}
	switch {
	case c.Provider == model.ProviderAWS && c.NodeProvisioner == model.ProvisionerKarpenter:
		d.Karpenter = &karpenterData{
			NodeClassGroup: "karpenter.k8s.aws", NodeClassKind: "EC2NodeClass",
			NodeLabels: map[string]string{}, StartupTaints: []karpenterTaint{},
			GPUCountKey: "karpenter.k8s.aws/instance-gpu-count",
		}
	case c.Provider == model.ProviderAzure && c.NodeProvisioner == model.ProvisionerKarpenter:
		// AKS node auto-provisioning runs Cilium; its agent only schedules
		// on nodes labelled for the eBPF dataplane, and clears the startup
		// taint once ready.
		d.Karpenter = &karpenterData{
			NodeClassGroup: "karpenter.azure.com", NodeClassKind: "AKSNodeClass",
			NodeLabels:    map[string]string{"kubernetes.azure.com/ebpf-dataplane": "cilium"},
			StartupTaints: []karpenterTaint{{Key: "node.cilium.io/agent-not-ready", Value: "true", Effect: "NoExecute"}},
			GPUCountKey:   "karpenter.azure.com/sku-gpu-count",
		}
	}
	return d, nil
}

// asoOSSKUs are the Linux osSKU values of ASOVersion's CRD.
var asoOSSKUs = map[string]bool{"AzureLinux": true, "AzureLinux3": true, "CBLMariner": true, "Ubuntu": true, "Ubuntu2204": true}

func capacityAnnotations(wave string, extra map[string]string) map[string]string {
	a := map[string]string{AnnotSyncOptions: SyncOptionsCapacity, AnnotSyncWave: wave}
	for k, v := range extra {
		a[k] = v
	}
	return a
}
