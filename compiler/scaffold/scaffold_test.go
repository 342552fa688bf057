package scaffold

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hubfleet/hubfleet/compiler/check"
	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/model"
)

const fleetYAML = "gitops: {repoURL: https://github.com/example-org/hubs.git}\n"

// The scaffolds validate as they are: schema and semantic rules, for every
// provider, and a hub on each new cluster.
func TestScaffoldsValidate(t *testing.T) {
	for _, provider := range Providers {
		t.Run(provider, func(t *testing.T) {
			cl, err := Cluster("new-"+provider, provider)
			if err != nil {
				t.Fatal(err)
			}
			fsys := fstest.MapFS{
				"hubs/fleet.yaml":                        {Data: []byte(fleetYAML)},
				"hubs/new-" + provider + "/cluster.yaml": {Data: cl},
			}
			f, diags := load.Load(fsys, load.Options{})
			if diags.HasErrors() {
				t.Fatalf("cluster scaffold invalid:\n%v\n%s", diags, cl)
			}
			c := f.Cluster("new-" + provider)
			hub, err := Hub(c, "demo")
			if err != nil {
				t.Fatal(err)
			}
			fsys["hubs/new-"+provider+"/demo.yaml"] = &fstest.MapFile{Data: hub}
			f, diags = load.Load(fsys, load.Options{})
			diags.Merge(check.Check(f))
			if diags.HasErrors() {
				t.Fatalf("hub scaffold invalid:\n%v\n%s", diags, hub)
			}
			if !strings.Contains(string(hub), "CHANGEME") {
				t.Error("the hub scaffold does not mark what to change")
			}
		})
	}
}

func TestScaffoldRefusals(t *testing.T) {
	if _, err := Cluster("Bad_Name", "aws"); err == nil {
		t.Error("bad cluster name accepted")
	}
	if _, err := Cluster("ok", "openstack"); err == nil || !strings.Contains(err.Error(), "want aws, gcp or azure") {
		t.Errorf("unknown provider: %v", err)
	}
	c := &model.Cluster{Name: "c", Src: model.Source{File: "hubs/c/cluster.yaml"},
		NodePools: []model.NodePool{{Name: "gpu", Purpose: model.PurposeUser, GPU: &model.GPU{Type: "t4", Count: 1}}}}
	if _, err := Hub(c, "demo"); err == nil || !strings.Contains(err.Error(), "no non-GPU user node pool") {
		t.Errorf("cluster without a CPU user pool: %v", err)
	}
	c.Hubs = []*model.Hub{{Name: "demo", Src: model.Source{File: "hubs/c/demo.yaml"}}}
	c.NodePools = append(c.NodePools, model.NodePool{Name: "user", Purpose: model.PurposeUser})
	if _, err := Hub(c, "demo"); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("existing hub: %v", err)
	}
	if _, err := Hub(c, strings.Repeat("a", 41)); err == nil {
		t.Error("41-character hub name accepted")
	}
}
