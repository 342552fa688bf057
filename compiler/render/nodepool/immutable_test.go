package nodepool

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// committed round-trips an object through YAML, as the pipeline reads the
// file in rendered/: numbers come back as other Go types.
func committed(t *testing.T, o *manifest.Object) *manifest.Object {
	t.Helper()
	y, err := yaml.Marshal(o.Map())
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	if err := yaml.Unmarshal(y, &body); err != nil {
		t.Fatal(err)
	}
	return &manifest.Object{Cluster: o.Cluster, Source: o.Source, Body: body}
}

func findObject(t *testing.T, objs []*manifest.Object, kind, name string) *manifest.Object {
	t.Helper()
	for _, o := range objs {
		if o.Kind() == kind && o.Name() == name {
			return o
		}
	}
	t.Fatalf("no %s/%s rendered", kind, name)
	return nil
}

func TestImmutableChanges(t *testing.T) {
	cases := []struct {
		template string
		name     string // pool
		change   func(c *model.Cluster, p *model.NodePool)
		body     func(b map[string]any) // edits the new object instead
		want     []string
	}{
		// Karpenter: instance types, zones and sizes drift nodes; only the
		// node-class reference kind/group are fixed.
		{TemplateAWSKarpenter, "user", func(c *model.Cluster, p *model.NodePool) { p.InstanceTypes = []string{"r6i.xlarge"} }, nil, nil},
		{TemplateAWSKarpenter, "user", func(c *model.Cluster, p *model.NodePool) { p.DiskSizeGiB = 300 }, nil, nil},
		{TemplateAWSKarpenter, "user", nil, func(b map[string]any) {
			dig(b, "spec", "template", "spec", "nodeClassRef")["kind"] = "OtherNodeClass"
		}, []string{"spec.template.spec.nodeClassRef.kind"}},
		{TemplateAzureKarpenter, "gpu-t4", nil, func(b map[string]any) {
			dig(b, "spec", "template", "spec", "nodeClassRef")["group"] = "example.org"
		}, []string{"spec.template.spec.nodeClassRef.group"}},
		// Config Connector.
		{TemplateGCPKCC, "user", func(c *model.Cluster, p *model.NodePool) { p.InstanceTypes = []string{"n2-highmem-8"} }, nil,
			[]string{"spec.nodeConfig.machineType"}},
		{TemplateGCPKCC, "user", func(c *model.Cluster, p *model.NodePool) { p.Labels = map[string]string{"example.org/x": "y"} }, nil,
			[]string{"spec.nodeConfig.labels"}},
		{TemplateGCPKCC, "user", func(c *model.Cluster, p *model.NodePool) { p.CapacityType = model.CapacitySpot }, nil,
			[]string{"spec.nodeConfig.spot"}},
		{TemplateGCPKCC, "gpu-t4", func(c *model.Cluster, p *model.NodePool) { p.GPU.Count = 2 }, nil,
			[]string{"spec.nodeConfig.guestAccelerator"}},
		{TemplateGCPKCC, "user", func(c *model.Cluster, p *model.NodePool) { p.DiskSizeGiB = 200 }, nil,
			[]string{"spec.nodeConfig.diskSizeGb"}},
		{TemplateGCPKCC, "user", func(c *model.Cluster, p *model.NodePool) { c.GCP.Location = "us-east1" }, nil,
			[]string{"spec.clusterRef", "spec.location"}},
		{TemplateGCPKCC, "user", func(c *model.Cluster, p *model.NodePool) {
			p.Max, p.Zones = 7, []string{"us-central1-a"}
			p.Taints = []model.Taint{{Key: "example.org/t", Value: "v", Effect: "NoSchedule"}}
		}, nil, nil},
		// ASO.
		{TemplateAzureASO, "user", func(c *model.Cluster, p *model.NodePool) { p.InstanceTypes = []string{"Standard_E8s_v5"} }, nil,
			[]string{"spec.vmSize"}},
		{TemplateAzureASO, "user", func(c *model.Cluster, p *model.NodePool) { p.CapacityType = model.CapacitySpot }, nil,
			[]string{"spec.scaleSetEvictionPolicy", "spec.scaleSetPriority"}},
		{TemplateAzureASO, "user", func(c *model.Cluster, p *model.NodePool) { p.Zones = []string{"1", "3"} }, nil,
			[]string{"spec.availabilityZones"}},
		{TemplateAzureASO, "user", func(c *model.Cluster, p *model.NodePool) {
			c.NodeClass.Azure = &model.AzureNodeClass{ImageFamily: "AzureLinux"}
		}, nil, []string{"spec.osSKU"}},
		{TemplateAzureASO, "user", nil, func(b map[string]any) { dig(b, "spec")["azureName"] = "uother1" },
			[]string{"spec.azureName"}},
		{TemplateAzureASO, "user", func(c *model.Cluster, p *model.NodePool) {
			p.Max, p.Min = 50, 2
			p.Labels = map[string]string{"example.org/x": "y"}
		}, nil, nil},
		// Reordering zones is no change.
		{TemplateAzureASO, "staging-highmem-b", func(c *model.Cluster, p *model.NodePool) {
			p.Zones = []string{p.Zones[1], p.Zones[0]}
		}, nil, nil},
	}
	r := newRenderer(t, nil)
	for _, tc := range cases {
		t.Run(tc.template+"/"+tc.name, func(t *testing.T) {
			c := clusterFor(tc.template)
			before, err := r.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			kind := poolKind(tc.template)
			old := committed(t, findObject(t, before, kind, tc.name))
			if tc.change != nil {
				for _, p := range c.AllPools() {
					if p.FullName() == tc.name {
						tc.change(c, p)
					}
				}
			}
			after, err := r.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			nw := findObject(t, after, kind, tc.name)
			if tc.body != nil {
				tc.body(nw.Map())
			}
			if d := cmp.Diff(tc.want, ImmutableChanges(old, nw)); d != "" {
				t.Errorf("ImmutableChanges (-want +got):\n%s", d)
			}
		})
	}
}

func TestImmutableChangesNeedsSameObject(t *testing.T) {
	r := newRenderer(t, nil)
	c := gcpCluster()
	before, err := r.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	// A generation bump renames the pool: a new object, nothing to guard.
	c.NodePools[1].Generation = "b"
	c.NodePools[1].InstanceTypes = []string{"n2-highmem-8"}
	after, err := r.Render(c)
	if err != nil {
		t.Fatal(err)
	}
	old := findObject(t, before, "ContainerNodePool", "user")
	nw := findObject(t, after, "ContainerNodePool", "user-b")
	if got := ImmutableChanges(old, nw); got != nil {
		t.Errorf("different objects: got %v, want nil", got)
	}
	if got := ImmutableChanges(nil, nw); got != nil {
		t.Errorf("no old object: got %v, want nil", got)
	}
	// Every rendered object is unchanged against its own committed copy.
	for _, o := range after {
		if got := ImmutableChanges(committed(t, o), o); got != nil {
			t.Errorf("%s: unchanged object reports %v", o, got)
		}
	}
}
