package nodepool

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// The pod side (package base) and the rendered nodes must agree: every pod
// placed on a pool tolerates every taint its nodes will carry and selects
// only labels they will have. Labels and taints are read back from the
// rendered objects in each provider's own format.

var kccEffectNames = map[string]string{"NO_SCHEDULE": "NoSchedule", "PREFER_NO_SCHEDULE": "PreferNoSchedule", "NO_EXECUTE": "NoExecute"}

// nodeLabels reads the labels nodes of a rendered pool will carry.
func nodeLabels(t *testing.T, o *manifest.Object) map[string]string {
	t.Helper()
	var v any
	switch o.Kind() {
	case "NodePool":
		v = o.Get("spec", "template", "metadata", "labels")
	case "ContainerNodePool":
		v = o.Get("spec", "nodeConfig", "labels")
	case "ManagedClustersAgentPool":
		v = o.Get("spec", "nodeLabels")
	default:
		t.Fatalf("%s is not a node pool", o)
	}
	out := map[string]string{}
	m, _ := v.(map[string]any)
	for k, e := range m {
		out[k], _ = e.(string)
	}
	return out
}

// nodeTaints reads the taints nodes of a rendered pool will carry,
// including those the provider adds by itself.
func nodeTaints(t *testing.T, c *model.Cluster, o *manifest.Object) []model.Taint {
	t.Helper()
	var out []model.Taint
	switch o.Kind() {
	case "NodePool":
		list, _ := o.Get("spec", "template", "spec", "taints").([]any)
		for _, e := range list {
			m := e.(map[string]any)
			v, _ := m["value"].(string)
			out = append(out, model.Taint{Key: m["key"].(string), Value: v, Effect: m["effect"].(string)})
		}
	case "ContainerNodePool":
		list, _ := o.Get("spec", "nodeConfig", "taint").([]any)
		for _, e := range list {
			m := e.(map[string]any)
			eff, ok := kccEffectNames[m["effect"].(string)]
			if !ok {
				t.Fatalf("%s: unknown taint effect %v", o, m["effect"])
			}
			out = append(out, model.Taint{Key: m["key"].(string), Value: m["value"].(string), Effect: eff})
		}
		// GKE taints GPU nodes itself (rendered explicitly too).
		if o.Get("spec", "nodeConfig", "guestAccelerator") != nil {
			out = append(out, model.Taint{Key: "nvidia.com/gpu", Value: "present", Effect: "NoSchedule"})
		}
	case "ManagedClustersAgentPool":
		list, _ := o.Get("spec", "nodeTaints").([]any)
		for _, e := range list {
			s := e.(string)
			kv, eff, ok := strings.Cut(s, ":")
			if !ok {
				t.Fatalf("%s: taint %q is not key=value:Effect", o, s)
			}
			k, v, _ := strings.Cut(kv, "=")
			out = append(out, model.Taint{Key: k, Value: v, Effect: eff})
		}
		// AKS taints spot scale sets itself.
		if o.Get("spec", "scaleSetPriority") == "Spot" {
			out = append(out, model.Taint{Key: base.AKSSpotTaintKey, Value: "spot", Effect: "NoSchedule"})
		}
	}
	return out
}

func poolObjects(t *testing.T, c *model.Cluster, objs []*manifest.Object) map[string]*manifest.Object {
	t.Helper()
	out := map[string]*manifest.Object{}
	for _, o := range objs {
		switch o.Kind() {
		case "NodePool", "ContainerNodePool", "ManagedClustersAgentPool":
			out[o.Name()] = o
		}
	}
	if len(out) != len(c.AllPools()) {
		t.Fatalf("rendered %d pools, want %d", len(out), len(c.AllPools()))
	}
	return out
}

func TestPodsFitRenderedNodes(t *testing.T) {
	r := newRenderer(t, nil)
	for _, prov := range providers {
		t.Run(prov.template, func(t *testing.T) {
			c := prov.cluster()
			objs, err := r.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			rendered := poolObjects(t, c, objs)
			for _, p := range c.AllPools() {
				o := rendered[p.FullName()]
				labels, taints := nodeLabels(t, o), nodeTaints(t, c, o)
				for k, v := range base.NodeLabels(p) {
					if labels[k] != v {
						t.Errorf("%s: label %s=%q, want %q (base.NodeLabels)", o, k, labels[k], v)
					}
				}
				var placements map[string]base.PodPlacement
				switch p.Purpose {
				case model.PurposeUser:
					placements = map[string]base.PodPlacement{
						"user":      base.UserPlacement(c, p),
						"scheduler": base.SchedulerPlacement(c, p),
					}
				case model.PurposeDaskWorker:
					placements = map[string]base.PodPlacement{"worker": base.WorkerPlacement(c, p)}
				case model.PurposeCore:
					placements = map[string]base.PodPlacement{"core": {
						NodeSelector: map[string]string{base.HubPurposeLabel: "core"},
						Tolerations:  base.CoreTolerations(),
					}}
				}
				for pod, pl := range placements {
					if !base.Tolerates(pl.Tolerations, taints) {
						t.Errorf("%s: %s pods do not tolerate node taints %v (tolerations %v)", o, pod, taints, pl.Tolerations)
					}
					for k, v := range pl.NodeSelector {
						if labels[k] != v {
							t.Errorf("%s: %s pods select %s=%s, nodes have %q", o, pod, k, v, labels[k])
						}
					}
				}
			}
		})
	}
}

// TestCPUPodsStayOffGPUNodes checks the converse for GPU pools: pods of a
// non-GPU pool neither select nor tolerate GPU nodes.
func TestCPUPodsStayOffGPUNodes(t *testing.T) {
	r := newRenderer(t, nil)
	for _, prov := range providers {
		t.Run(prov.template, func(t *testing.T) {
			c := prov.cluster()
			objs, err := r.Render(c)
			if err != nil {
				t.Fatal(err)
			}
			rendered := poolObjects(t, c, objs)
			var gpuPools, cpuUserPools []*model.NodePool
			for _, p := range c.AllPools() {
				switch {
				case p.GPU != nil:
					gpuPools = append(gpuPools, p)
				case p.Purpose == model.PurposeUser:
					cpuUserPools = append(cpuUserPools, p)
				}
			}
			if len(gpuPools) == 0 || len(cpuUserPools) == 0 {
				t.Fatal("fixture needs GPU and CPU user pools")
			}
			for _, g := range gpuPools {
				o := rendered[g.FullName()]
				taints, labels := nodeTaints(t, c, o), nodeLabels(t, o)
				for _, p := range cpuUserPools {
					pl := base.UserPlacement(c, p)
					if labels[base.LabelNodePool] == pl.NodeSelector[base.LabelNodePool] {
						t.Errorf("user pods of %s select GPU pool %s", p.FullName(), o)
					}
					if base.Tolerates(pl.Tolerations, taints) {
						t.Errorf("user pods of %s tolerate the taints of GPU pool %s: %v", p.FullName(), o, taints)
					}
				}
			}
		})
	}
}

// Guard against a vacuous pass: a taint nobody tolerates is detected.
func TestNodeTaintsAreReadBack(t *testing.T) {
	for _, prov := range providers {
		c := prov.cluster()
		c.NodePools[1].Taints = append(c.NodePools[1].Taints, model.Taint{Key: "example.org/maintenance", Effect: "NoExecute"})
		objs, err := newRenderer(t, nil).Render(c)
		if err != nil {
			t.Fatal(err)
		}
		o := poolObjects(t, c, objs)[c.NodePools[1].FullName()]
		only := []corev1.Toleration{base.UserPlacement(c, &c.NodePools[1]).Tolerations[0]}
		if base.Tolerates(only, nodeTaints(t, c, o)) {
			t.Errorf("%s: one toleration covers all taints %v", prov.template, nodeTaints(t, c, o))
		}
		found := false
		for _, tn := range nodeTaints(t, c, o) {
			found = found || tn.Key == "example.org/maintenance" && tn.Effect == "NoExecute"
		}
		if !found {
			t.Errorf("%s: pool taint missing from %v", prov.template, nodeTaints(t, c, o))
		}
	}
}

// An unset capacity type means the same on both sides: no spot scale set
// whose AKS taint the workers would not tolerate.
func TestUnsetCapacityTypeAgreesWithPods(t *testing.T) {
	c := azureASOCluster()
	c.NodePools[2].CapacityType = ""
	objs, err := newRenderer(t, nil).Render(c)
	if err != nil {
		t.Fatal(err)
	}
	o := poolObjects(t, c, objs)["dask"]
	if !base.Tolerates(base.WorkerPlacement(c, &c.NodePools[2]).Tolerations, nodeTaints(t, c, o)) {
		t.Errorf("workers do not tolerate %v", nodeTaints(t, c, o))
	}
	if o.Get("spec", "scaleSetPriority") != nil {
		t.Errorf("unset capacity type rendered %v", o.Get("spec", "scaleSetPriority"))
	}
}
