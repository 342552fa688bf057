package nodepool

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hubfleet/hubfleet/compiler/model"
)

func TestRenderObjectsBelongToTheClusterApp(t *testing.T) {
	r := newRenderer(t, nil)
	for _, p := range providers {
		c := p.cluster()
		objs, err := r.Render(c)
		if err != nil {
			t.Fatal(err)
		}
		sources := map[string]string{}
		for _, pool := range c.AllPools() {
			sources[pool.FullName()] = pool.Src.File
		}
		for _, o := range objs {
			if o.Cluster != c.Name || o.Hub != "" {
				t.Errorf("%s: cluster %q hub %q, want %q and none", o, o.Cluster, o.Hub, c.Name)
			}
			want, isPool := sources[o.Name()]
			if !isPool || o.Kind() == "EC2NodeClass" || o.Kind() == "AKSNodeClass" {
				want = c.Src.File
			}
			if o.Source != want {
				t.Errorf("%s: source %q, want %q", o, o.Source, want)
			}
			wave := SyncWaveNodePool
			if strings.HasSuffix(o.Kind(), "NodeClass") {
				wave = SyncWaveNodeClass
			}
			if a := o.Annotations(); a[AnnotSyncWave] != wave || a[AnnotSyncOptions] != SyncOptionsCapacity {
				t.Errorf("%s: annotations %v", o, a)
			}
		}
	}
}

// A reused Renderer (as each pipeline worker does) gives the same output
// as a fresh one, whatever it rendered before.
func TestRendererReuse(t *testing.T) {
	fresh := map[string][]byte{}
	for _, p := range providers {
		objs, err := newRenderer(t, nil).Render(p.cluster())
		if err != nil {
			t.Fatal(err)
		}
		fresh[p.template] = encode(t, objs)
	}
	r := newRenderer(t, nil)
	for i := 0; i < 2; i++ {
		for j := len(providers) - 1; j >= 0; j-- {
			p := providers[j]
			objs, err := r.Render(p.cluster())
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(fresh[p.template]), string(encode(t, objs))); d != "" {
				t.Fatalf("%s, round %d: reused renderer differs:\n%s", p.template, i, d)
			}
		}
	}
}

func TestNodeClasses(t *testing.T) {
	c := awsCluster()
	c.NodeClass.AWS.AMIAlias = "bottlerocket@latest"
	// Two pools with the default disk, spelled two ways, share one class;
	// a GPU pool with its own disk gets its own.
	c.NodePools[0].DiskSizeGiB = defaultDiskGiBAWS
	c.NodePools = append(c.NodePools, model.NodePool{
		Name: "gpu-big", Purpose: model.PurposeUser, InstanceTypes: []string{"g5.xlarge"}, Max: 2,
		GPU: &model.GPU{Type: "nvidia-a10g", Count: 1}, DiskSizeGiB: 500, Src: c.Src,
	})
	objs, err := newRenderer(t, nil).Render(c)
	if err != nil {
		t.Fatal(err)
	}
	classes := map[string]string{}
	for _, o := range objs {
		if o.Kind() == "EC2NodeClass" {
			bdm := o.Get("spec", "blockDeviceMappings").([]any)[0].(map[string]any)
			classes[o.Name()] = bdm["deviceName"].(string) + " " + bdm["ebs"].(map[string]any)["volumeSize"].(string)
		}
	}
	want := map[string]string{
		"hubfleet-default":        "/dev/xvdb 100Gi",
		"hubfleet-gpu":            "/dev/xvdb 200Gi",
		"hubfleet-gpu-disk-500gi": "/dev/xvdb 500Gi",
		"hubfleet-disk-250gi":     "/dev/xvdb 250Gi",
	}
	if d := cmp.Diff(want, classes); d != "" {
		t.Errorf("node classes (-want +got):\n%s", d)
	}
	refs := map[string]string{}
	for _, o := range objs {
		if o.Kind() == "NodePool" {
			refs[o.Name()], _ = o.Get("spec", "template", "spec", "nodeClassRef", "name").(string)
		}
	}
	for pool, class := range map[string]string{"core": "hubfleet-default", "user": "hubfleet-default", "gpu-t4": "hubfleet-gpu", "gpu-big": "hubfleet-gpu-disk-500gi", "staging-highmem-b": "hubfleet-disk-250gi"} {
		if refs[pool] != class {
			t.Errorf("pool %s uses class %q, want %q", pool, refs[pool], class)
		}
	}
}

func TestDisruptionDefaults(t *testing.T) {
	objs, err := newRenderer(t, nil).Render(awsCluster())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][3]any{}
	for _, o := range objs {
		if o.Kind() == "NodePool" {
			got[o.Name()] = [3]any{
				o.Get("spec", "disruption", "consolidationPolicy"),
				o.Get("spec", "disruption", "consolidateAfter"),
				o.Get("spec", "template", "spec", "expireAfter"),
			}
		}
	}
	want := map[string][3]any{
		"core":              {"WhenEmpty", "30m", "Never"},
		"user":              {"WhenEmpty", "10m", "Never"},
		"gpu-t4":            {"WhenEmpty", "10m", "Never"},
		"staging-highmem-b": {"WhenEmpty", "10m", "Never"},
		// The fixture overrides consolidateAfter only.
		"dask": {"WhenEmptyOrUnderutilized", "5m", "720h"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("disruption (-want +got):\n%s", d)
	}
}

func TestRenderRejectsBadInput(t *testing.T) {
	cases := []struct {
		name    string
		cluster func() *model.Cluster
		edit    func(c *model.Cluster)
		want    string
	}{
		{"unknown provisioner", awsCluster, func(c *model.Cluster) { c.NodeProvisioner = "eksctl" }, `node provisioner "eksctl" is not supported on provider "aws"`},
		{"aso on aws", awsCluster, func(c *model.Cluster) { c.NodeProvisioner = model.ProvisionerASO }, "not supported"},
		{"no gcp block", gcpCluster, func(c *model.Cluster) { c.GCP = nil }, "needs a gcp block"},
		{"no azure block", azureASOCluster, func(c *model.Cluster) { c.Azure = nil }, "needs an azure block"},
		{"no aws block", awsCluster, func(c *model.Cluster) { c.AWS = nil }, "needs an aws block"},
		{"no node role", awsCluster, func(c *model.Cluster) { c.NodeClass.AWS = nil }, "nodeClass.aws.role"},
		{"two machine types on kcc", gcpCluster, func(c *model.Cluster) { c.NodePools[1].InstanceTypes = []string{"a", "b"} }, "node pool user: config-connector pools take exactly one instance type, got 2"},
		{"two vm sizes on aso", azureASOCluster, func(c *model.Cluster) { c.NodePools[2].InstanceTypes = []string{"a", "b"} }, "node pool dask: aso pools take exactly one instance type"},
		{"no instance type", awsCluster, func(c *model.Cluster) { c.NodePools[0].InstanceTypes = nil }, "node pool core: no instance types"},
		{"bad kcc effect", gcpCluster, func(c *model.Cluster) { c.NodePools[0].Taints = []model.Taint{{Key: "k", Effect: "Sometimes"}} }, `unknown effect "Sometimes"`},
		{"ubuntu 24.04 on aso", azureASOCluster, func(c *model.Cluster) { c.NodeClass.Azure = &model.AzureNodeClass{ImageFamily: "Ubuntu2404"} }, `imageFamily "Ubuntu2404" is not an agent-pool osSKU`},
		{"duplicate names", awsCluster, func(c *model.Cluster) { c.NodePools[1].Name = "core" }, "renders NodePool/core, already rendered for node pool core"},
	}
	r := newRenderer(t, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.cluster()
			tc.edit(c)
			objs, err := r.Render(c)
			if err == nil {
				t.Fatalf("rendered %d objects, want an error", len(objs))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestEmptyCluster(t *testing.T) {
	c := awsCluster()
	c.NodePools, c.Hubs = nil, nil
	objs, err := newRenderer(t, nil).Render(c)
	if err != nil || len(objs) != 0 {
		t.Fatalf("got %d objects, %v; want none", len(objs), err)
	}
}

// BenchmarkRender renders 50 clusters of 10 pools with one Renderer, as a
// pipeline worker does.
func BenchmarkRender(b *testing.B) {
	clusters := make([]*model.Cluster, 50)
	for i := range clusters {
		clusters[i] = benchCluster(i, 10)
	}
	r := newRenderer(b, nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		for _, c := range clusters {
			objs, err := r.Render(c)
			if err != nil {
				b.Fatal(err)
			}
			n += len(objs)
		}
		if n != 50*(10+2) {
			b.Fatalf("rendered %d objects", n)
		}
	}
}

// BenchmarkNew is the cost of a Renderer (one per worker).
func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := New(nil); err != nil {
			b.Fatal(err)
		}
	}
}
