package base

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// Purpose labels and taint keys of the JupyterHub and dask conventions.
const (
	HubPurposeLabel  = "hub.jupyter.org/node-purpose"
	DaskPurposeLabel = "k8s.dask.org/node-purpose"

	HubDedicated      = "hub.jupyter.org/dedicated"
	HubDedicatedAlt   = "hub.jupyter.org_dedicated"
	DaskDedicated     = "k8s.dask.org/dedicated"
	DaskDedicatedAlt  = "k8s.dask.org_dedicated"
	GPUTaintKey       = "nvidia.com/gpu"
	GPUResource       = "nvidia.com/gpu"
	AKSSpotTaintKey   = "kubernetes.azure.com/scalesetpriority"
	DoNotDisruptAnnot = "karpenter.sh/do-not-disrupt"
)

// NodeLabels are the labels every node of the pool carries: purpose labels,
// the pool and hub labels pods select on, GPU labels, then the pool's own
// labels (which may not override ours; the checker rejects that).
func NodeLabels(p *model.NodePool) map[string]string {
	l := map[string]string{LabelNodePool: p.FullName()}
	switch p.Purpose {
	case model.PurposeCore:
		l[HubPurposeLabel] = "core"
		l[DaskPurposeLabel] = "core"
	case model.PurposeUser:
		l[HubPurposeLabel] = "user"
		l[DaskPurposeLabel] = "scheduler"
	case model.PurposeDaskWorker:
		l[DaskPurposeLabel] = "worker"
	}
	if p.Hub != "" {
		l[LabelHub] = p.Hub
	}
	if p.GPU != nil {
		l[LabelGPU] = p.GPU.Type
	}
	for k, v := range p.Labels {
		if _, ours := l[k]; !ours {
			l[k] = v
		}
	}
	return l
}

// NodeTaints are the taints of the pool's nodes: the purpose taint in the
// provider's spelling, the GPU taint, then the pool's own taints.
func NodeTaints(c *model.Cluster, p *model.NodePool) []model.Taint {
	underscore := c.NodeProvisioner == model.ProvisionerConfigConnector
	pick := func(slash, alt string) string {
		if underscore {
			return alt
		}
		return slash
	}
	var out []model.Taint
	switch p.Purpose {
	case model.PurposeUser:
		out = append(out, model.Taint{Key: pick(HubDedicated, HubDedicatedAlt), Value: "user", Effect: "NoSchedule"})
	case model.PurposeDaskWorker:
		out = append(out, model.Taint{Key: pick(DaskDedicated, DaskDedicatedAlt), Value: "worker", Effect: "NoSchedule"})
	}
	if p.GPU != nil {
		out = append(out, model.Taint{Key: GPUTaintKey, Value: "present", Effect: "NoSchedule"})
	}
	return append(out, p.Taints...)
}

// ProviderAddsSpotTaint reports whether the provider taints spot nodes of
// the pool by itself (AKS scale sets), so pods must tolerate it.
func ProviderAddsSpotTaint(c *model.Cluster, p *model.NodePool) bool {
	return c.NodeProvisioner == model.ProvisionerASO && p.CapacityType == model.CapacitySpot
}

// CoreTolerations let hub, proxy, user-scheduler and gateway pods on core
// nodes, in both spellings.
func CoreTolerations() []corev1.Toleration {
	return bothSpellings(HubDedicated, HubDedicatedAlt, "core")
}

// CoreAffinity prefers core nodes (z2jh's matchNodePurpose: prefer).
func CoreAffinity() *corev1.Affinity {
	return preferPurpose("core")
}

// UserAffinity prefers user nodes, for user pods, placeholders and the
// image puller.
func UserAffinity() *corev1.Affinity {
	return preferPurpose("user")
}

func preferPurpose(purpose string) *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{
			Weight: 100,
			Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{
				Key: HubPurposeLabel, Operator: corev1.NodeSelectorOpIn, Values: []string{purpose},
			}}},
		}},
	}}
}

// PodPlacement is where a pod goes: the node selector and the complete
// toleration list (KubeSpawner replaces lists, so every list is whole).
type PodPlacement struct {
	NodeSelector map[string]string
	Tolerations  []corev1.Toleration
}

// UserPlacement places user pods (and placeholders) on a user pool.
func UserPlacement(c *model.Cluster, p *model.NodePool) PodPlacement {
	return poolPlacement(c, p, bothSpellings(HubDedicated, HubDedicatedAlt, "user"), nil)
}

// SchedulerPlacement places dask schedulers on a user pool.
func SchedulerPlacement(c *model.Cluster, p *model.NodePool) PodPlacement {
	return poolPlacement(c, p, bothSpellings(HubDedicated, HubDedicatedAlt, "user"),
		map[string]string{DaskPurposeLabel: "scheduler"})
}

// WorkerPlacement places dask workers on a dask-worker pool.
func WorkerPlacement(c *model.Cluster, p *model.NodePool) PodPlacement {
	return poolPlacement(c, p, bothSpellings(DaskDedicated, DaskDedicatedAlt, "worker"),
		map[string]string{DaskPurposeLabel: "worker"})
}

func poolPlacement(c *model.Cluster, p *model.NodePool, tol []corev1.Toleration, extra map[string]string) PodPlacement {
	sel := map[string]string{LabelNodePool: p.FullName()}
	for k, v := range extra {
		sel[k] = v
	}
	if p.GPU != nil {
		tol = append(tol, corev1.Toleration{Key: GPUTaintKey, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	if ProviderAddsSpotTaint(c, p) {
		tol = append(tol, corev1.Toleration{Key: AKSSpotTaintKey, Operator: corev1.TolerationOpEqual, Value: "spot", Effect: corev1.TaintEffectNoSchedule})
	}
	// The pool's own taints are the operator's: pods of this pool tolerate
	// them, or nothing could ever land there.
	for _, t := range p.Taints {
		tol = append(tol, tolerationFor(t))
	}
	return PodPlacement{NodeSelector: sel, Tolerations: dedupe(tol)}
}

func tolerationFor(t model.Taint) corev1.Toleration {
	tol := corev1.Toleration{Key: t.Key, Effect: corev1.TaintEffect(t.Effect)}
	if t.Value == "" {
		tol.Operator = corev1.TolerationOpExists
	} else {
		tol.Operator = corev1.TolerationOpEqual
		tol.Value = t.Value
	}
	return tol
}

func bothSpellings(slash, alt, value string) []corev1.Toleration {
	return []corev1.Toleration{
		{Key: slash, Operator: corev1.TolerationOpEqual, Value: value, Effect: corev1.TaintEffectNoSchedule},
		{Key: alt, Operator: corev1.TolerationOpEqual, Value: value, Effect: corev1.TaintEffectNoSchedule},
	}
}

func dedupe(ts []corev1.Toleration) []corev1.Toleration {
	seen := map[corev1.Toleration]bool{}
	out := ts[:0]
	for _, t := range ts {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

// Tolerates reports whether the tolerations cover every NoSchedule or
// NoExecute taint (used by tests and the checker: a pod must fit its pool).
func Tolerates(tols []corev1.Toleration, taints []model.Taint) bool {
	for _, t := range taints {
		if t.Effect == "PreferNoSchedule" {
			continue
		}
		ok := false
		for _, tol := range tols {
			if tol.Key == t.Key && (tol.Effect == "" || string(tol.Effect) == t.Effect) &&
				(tol.Operator == corev1.TolerationOpExists || tol.Value == t.Value) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// SortedKeys returns a map's keys in order (deterministic output helpers).
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
