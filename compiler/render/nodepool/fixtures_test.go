package nodepool

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// Test clusters, one per provider target, each with a core, a user, a
// spot dask-worker and a GPU pool, plus a hub's own pool with a generation.

func src(file string) model.Source { return model.Source{File: file} }

// testPools returns the cluster pools in the provider's instance names.
func testPools(cluster string, core, user, gpu string, dask []string, gpuType string) []model.NodePool {
	f := src("hubs/" + cluster + "/cluster.yaml")
	return []model.NodePool{
		{Name: "core", Purpose: model.PurposeCore, InstanceTypes: []string{core}, Min: 1, Max: 3, Path: "nodePools[0]", Src: f},
		{Name: "user", Purpose: model.PurposeUser, InstanceTypes: []string{user}, Max: 100, Path: "nodePools[1]", Src: f},
		{
			Name: "dask", Purpose: model.PurposeDaskWorker, InstanceTypes: dask, CapacityType: model.CapacitySpot,
			Max: 200, Path: "nodePools[2]", Src: f,
			Disruption: &model.Disruption{ConsolidateAfter: "5m"},
		},
		{
			Name: "gpu-t4", Purpose: model.PurposeUser, InstanceTypes: []string{gpu}, Max: 10,
			GPU: &model.GPU{Type: gpuType, Count: 1}, Path: "nodePools[3]", Src: f,
		},
	}
}

// hubPool is a pool declared in a hub file: generation, zones, its own
// disk size, labels and taints.
func hubPool(cluster, instance string, zones []string) model.NodePool {
	return model.NodePool{
		Name: "highmem", Purpose: model.PurposeUser, InstanceTypes: []string{instance}, Max: 20,
		Zones: zones, DiskSizeGiB: 250, Generation: "b",
		Labels: map[string]string{"example.org/team": "ocean"},
		Taints: []model.Taint{{Key: "example.org/dedicated", Value: "ocean", Effect: "NoSchedule"}},
		Hub:    "staging", Path: "nodePools[0]", Src: src("hubs/" + cluster + "/staging.yaml"),
	}
}

func withHub(c *model.Cluster, p model.NodePool) *model.Cluster {
	h := &model.Hub{Name: "staging", Cluster: c, NodePools: []model.NodePool{p}, Src: src(p.Src.File)}
	c.Hubs = []*model.Hub{h}
	return c
}

func awsCluster() *model.Cluster {
	c := &model.Cluster{
		Name: "pangeo-aws", Provider: model.ProviderAWS, NodeProvisioner: model.ProvisionerKarpenter,
		AWS: &model.AWS{Account: "123456789012", Region: "us-west-2", ClusterName: "pangeo"},
		NodeClass: model.NodeClass{AWS: &model.AWSNodeClass{
			Role: "KarpenterNodeRole-pangeo", AMIAlias: "al2023@latest", DiscoveryTag: "pangeo",
		}},
		NodePools: testPools("pangeo-aws", "r5.large", "r5.xlarge", "g4dn.xlarge",
			[]string{"r5.4xlarge", "r6i.4xlarge"}, "nvidia-tesla-t4"),
		Src: src("hubs/pangeo-aws/cluster.yaml"),
	}
	return withHub(c, hubPool("pangeo-aws", "r5.2xlarge", []string{"us-west-2b", "us-west-2a"}))
}

func gcpCluster() *model.Cluster {
	c := &model.Cluster{
		Name: "pangeo-gcp", Provider: model.ProviderGCP, NodeProvisioner: model.ProvisionerConfigConnector,
		GCP:       &model.GCP{Project: "pangeo-hubs", Location: "us-central1", ClusterName: "pangeo"},
		NodePools: testPools("pangeo-gcp", "n2-standard-2", "n2-highmem-4", "n1-standard-8", []string{"n2-highmem-16"}, "nvidia-tesla-t4"),
		Src:       src("hubs/pangeo-gcp/cluster.yaml"),
	}
	return withHub(c, hubPool("pangeo-gcp", "n2-highmem-8", []string{"us-central1-b"}))
}

func azureASOCluster() *model.Cluster {
	c := &model.Cluster{
		Name: "pangeo-azure", Provider: model.ProviderAzure, NodeProvisioner: model.ProvisionerASO,
		Azure: &model.Azure{
			SubscriptionID: "00000000-1111-2222-3333-444444444444", ResourceGroup: "pangeo-rg",
			ClusterName: "pangeo", Location: "westeurope",
		},
		NodePools: testPools("pangeo-azure", "Standard_D2s_v5", "Standard_E4s_v5", "Standard_NC4as_T4_v3",
			[]string{"Standard_E16s_v5"}, "nvidia-tesla-t4"),
		Src: src("hubs/pangeo-azure/cluster.yaml"),
	}
	return withHub(c, hubPool("pangeo-azure", "Standard_E8s_v5", []string{"westeurope-2", "1"}))
}

func azureKarpenterCluster() *model.Cluster {
	c := &model.Cluster{
		Name: "pangeo-nap", Provider: model.ProviderAzure, NodeProvisioner: model.ProvisionerKarpenter,
		Azure: &model.Azure{
			SubscriptionID: "00000000-1111-2222-3333-444444444444", ResourceGroup: "pangeo-rg",
			ClusterName: "pangeo-nap", Location: "westeurope",
		},
		NodeClass: model.NodeClass{Azure: &model.AzureNodeClass{ImageFamily: "AzureLinux"}},
		NodePools: testPools("pangeo-nap", "Standard_D2s_v5", "Standard_E4s_v5", "Standard_NC4as_T4_v3",
			[]string{"Standard_E16s_v5", "Standard_E16as_v5"}, "nvidia-tesla-t4"),
		Src: src("hubs/pangeo-nap/cluster.yaml"),
	}
	return withHub(c, hubPool("pangeo-nap", "Standard_E8s_v5", []string{"2", "westeurope-1"}))
}

// providers lists the test clusters by template name.
var providers = []struct {
	template string
	cluster  func() *model.Cluster
}{
	{TemplateAWSKarpenter, awsCluster},
	{TemplateGCPKCC, gcpCluster},
	{TemplateAzureASO, azureASOCluster},
	{TemplateAzureKarpenter, azureKarpenterCluster},
}

// benchCluster is a cluster of n pools for the benchmark.
func benchCluster(i, n int) *model.Cluster {
	c := awsCluster()
	c.Name = fmt.Sprintf("bench-%02d", i)
	c.Hubs = nil
	base := c.NodePools
	c.NodePools = nil
	for j := 0; j < n; j++ {
		p := base[j%len(base)]
		p.Name = fmt.Sprintf("%s-%d", p.Name, j)
		c.NodePools = append(c.NodePools, p)
	}
	return c
}
