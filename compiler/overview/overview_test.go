package overview

import (
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/internal/golden"

	"github.com/hubfleet/hubfleet/compiler/model"
)

func fleet() *model.Fleet {
	c := &model.Cluster{Name: "pangeo-aws", Provider: "aws", NodeProvisioner: "karpenter",
		Ingress: model.Ingress{ClassName: "nginx", ClusterIssuer: "letsencrypt-prod"},
		NodePools: []model.NodePool{
			{Name: "core", Purpose: "core", InstanceTypes: []string{"r5.large"}, Min: 1, Max: 3, CapacityType: "on-demand"},
			{Name: "user", Purpose: "user", InstanceTypes: []string{"r5.xlarge"}, Max: 50, CapacityType: "on-demand"},
			{Name: "dask", Purpose: "dask-worker", InstanceTypes: []string{"r5.4xlarge", "r6i.4xlarge"}, Max: 100, CapacityType: "spot"},
			{Name: "gpu", Purpose: "user", InstanceTypes: []string{"g4dn.xlarge"}, Max: 4, CapacityType: "on-demand", GPU: &model.GPU{Type: "nvidia-tesla-t4", Count: 1}},
		}}
	staging := &model.Hub{Name: "staging", Domain: "staging.example.org", Cluster: c,
		Auth: model.Auth{Type: "github"}, Storage: model.Storage{Home: model.Home{Type: "dynamic"}},
		Profiles: []model.Profile{{Slug: "small", NodePool: "user", Default: true}, {Slug: "gpu", NodePool: "gpu", GPUs: 1}},
		Dask:     model.Dask{Enabled: true, WorkerNodePool: "dask", SchedulerNodePool: "user"}}
	lab := &model.Hub{Name: "lab", Domain: "lab.example.org", Cluster: c,
		Auth: model.Auth{Type: "google"}, Storage: model.Storage{Home: model.Home{Type: "nfs"}},
		Profiles:  []model.Profile{{Slug: "own", NodePool: "own", Default: true}},
		NodePools: []model.NodePool{{Name: "own", Purpose: "user", InstanceTypes: []string{"m5.xlarge"}, Max: 5, CapacityType: "on-demand", Hub: "lab", Generation: "b"}}}
	c.Hubs = []*model.Hub{lab, staging}
	return &model.Fleet{GitOps: model.GitOps{RepoURL: "https://github.com/example-org/hubs.git", TargetRevision: "main"},
		Versions: model.Versions{JupyterHub: "4.4.0", DaskGateway: "2026.3.0"}, Clusters: []*model.Cluster{c}}
}

func TestGolden(t *testing.T) {
	got := Markdown(fleet())
	const file = "testdata/fleet.golden.md"
	golden.Check(t, file, got)
}

func TestMermaidEdgesFollowPools(t *testing.T) {
	md := string(Markdown(fleet()))
	for _, edge := range []string{
		"h_pangeo_aws__staging --> p_pangeo_aws__user",
		"h_pangeo_aws__staging --> p_pangeo_aws__gpu",
		"h_pangeo_aws__staging --> p_pangeo_aws__dask",
		"h_pangeo_aws__lab --> p_pangeo_aws__lab_own_b", // the hub's own pool, by its full name
	} {
		if !strings.Contains(md, edge) {
			t.Errorf("missing edge %q", edge)
		}
	}
	if strings.Contains(md, "h_pangeo_aws__lab --> p_pangeo_aws__user") {
		t.Error("lab does not use the user pool")
	}
	if strings.Count(md, "```mermaid") != 1 || !strings.HasSuffix(md, "```\n") {
		t.Error("mermaid block not closed")
	}
}
