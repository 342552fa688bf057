package daskgateway

import (
	"testing"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

func testFleet() *model.Fleet {
	return &model.Fleet{Versions: model.Versions{JupyterHub: "4.4.0", DaskGateway: "2026.3.0"}}
}

// awsHub is a typical daskhub on a Karpenter cluster: scheduler on the
// default profile's user pool, workers on a spot dask-worker pool.
func awsHub() *model.Hub {
	c := &model.Cluster{
		Name:            "pangeo-aws",
		Provider:        model.ProviderAWS,
		NodeProvisioner: model.ProvisionerKarpenter,
		NodePools: []model.NodePool{
			{Name: "core", Purpose: model.PurposeCore, InstanceTypes: []string{"r5.large"}, Min: 1, Max: 3, CapacityType: model.CapacityOnDemand},
			{Name: "user-r5-xlarge", Purpose: model.PurposeUser, InstanceTypes: []string{"r5.xlarge"}, Max: 100, CapacityType: model.CapacityOnDemand},
			{Name: "dask", Purpose: model.PurposeDaskWorker, InstanceTypes: []string{"r5.4xlarge", "r6i.4xlarge"}, Max: 200, CapacityType: model.CapacitySpot},
		},
	}
	h := &model.Hub{
		Name:      "staging",
		Domain:    "staging.pangeo.example.org",
		Namespace: "staging",
		Image:     "pangeo/pangeo-notebook:2024.11.08",
		Profiles: []model.Profile{
			{Slug: "small", Default: true, NodePool: "user-r5-xlarge"},
		},
		Dask: model.Dask{
			Enabled:        true,
			WorkerNodePool: "dask",
			Scheduler:      model.DaskSize{Cores: 1, Memory: "2G"},
			WorkerSizes: []model.WorkerSize{
				{Name: "small", Cores: 1, Memory: "4G"},
				{Name: "large", Cores: 4, Memory: "16G"},
			},
			Limits:      model.DaskLimits{MaxCores: 400, MaxMemory: "1600G", MaxWorkers: 100},
			IdleTimeout: 1800,
		},
		Cluster: c,
		Src:     model.Source{File: "hubs/pangeo-aws/staging.yaml"},
	}
	c.Hubs = []*model.Hub{h}
	return h
}

// azureHub has a 40-character name, its own namespace, a hub-declared
// worker pool on AKS spot (so workers tolerate the AKS spot taint), an
// explicit scheduler pool and a fixed dask image, and no idle timeout.
func azureHub() *model.Hub {
	const name = "workshop-2026-oceans-and-climate-dataxyz"
	c := &model.Cluster{
		Name:            "pangeo-azure",
		Provider:        model.ProviderAzure,
		NodeProvisioner: model.ProvisionerASO,
		NodePools: []model.NodePool{
			{Name: "core", Purpose: model.PurposeCore, InstanceTypes: []string{"Standard_E4s_v5"}, Min: 1, Max: 3},
			{Name: "user", Purpose: model.PurposeUser, InstanceTypes: []string{"Standard_E8s_v5"}, Max: 50},
			{Name: "sched", Purpose: model.PurposeUser, InstanceTypes: []string{"Standard_E4s_v5"}, Max: 20},
		},
	}
	h := &model.Hub{
		Name:      name,
		Namespace: "ws",
		Image:     "pangeo/pangeo-notebook:2024.11.08",
		Profiles:  []model.Profile{{Slug: "default", Default: true, NodePool: "user"}},
		NodePools: []model.NodePool{{
			Name: "workers", Purpose: model.PurposeDaskWorker, InstanceTypes: []string{"Standard_E16s_v5"},
			Max: 40, CapacityType: model.CapacitySpot, Hub: name,
			Taints: []model.Taint{{Key: "example.org/workshop", Value: "oceans", Effect: "NoSchedule"}},
		}},
		Dask: model.Dask{
			Enabled:           true,
			WorkerNodePool:    "workers",
			SchedulerNodePool: "sched",
			Image:             "pangeo/pangeo-notebook@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
			Scheduler:         model.DaskSize{Cores: 0.5, Memory: "1536Mi"},
			WorkerSizes:       []model.WorkerSize{{Name: "medium", Cores: 2, Memory: "8Gi"}},
			Limits:            model.DaskLimits{MaxWorkers: 20},
		},
		Cluster: c,
		Src:     model.Source{File: "hubs/pangeo-azure/" + name + ".yaml"},
	}
	c.Hubs = []*model.Hub{h}
	return h
}

// testHubs are the hubs the golden and semantic tests run over.
func testHubs() map[string]func() *model.Hub {
	return map[string]func() *model.Hub{"aws-staging": awsHub, "azure-workshop": azureHub}
}

func mustRender(t *testing.T, h *model.Hub) []*manifest.Object {
	t.Helper()
	objs, err := Render(h, testFleet())
	if err != nil {
		t.Fatalf("Render(%s): %v", h.Name, err)
	}
	if len(objs) == 0 {
		t.Fatalf("Render(%s): no objects", h.Name)
	}
	return objs
}

// find returns the object of a kind and name, failing the test if absent.
func find(t *testing.T, objs []*manifest.Object, kind, name string) *manifest.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	t.Fatalf("no %s %q rendered", kind, name)
	return nil
}

func ofKind(objs []*manifest.Object, kind string) []*manifest.Object {
	var out []*manifest.Object
	for _, o := range objs {
		if o.Kind() == kind {
			out = append(out, o)
		}
	}
	return out
}
