package nodepool

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// purposeDisruption are the defaults per purpose. Consolidation evicts
// pods and a running notebook cannot be restarted, so user and core pools
// only give back empty nodes and never expire; dask workers are restartable.
var purposeDisruption = map[string]disruptionData{
	model.PurposeUser: {
		ConsolidationPolicy: "WhenEmpty", ConsolidateAfter: "10m", ExpireAfter: "Never",
		Budgets: []budget{{Nodes: "10%"}},
	},
	model.PurposeCore: {
		// The hub and proxy run here: replace one core node at a time.
		ConsolidationPolicy: "WhenEmpty", ConsolidateAfter: "30m", ExpireAfter: "Never",
		Budgets: []budget{{Nodes: "1"}},
	},
	model.PurposeDaskWorker: {
		ConsolidationPolicy: "WhenEmptyOrUnderutilized", ConsolidateAfter: "1m", ExpireAfter: "720h",
		Budgets: []budget{{Nodes: "20%"}},
	},
}

// drainGrace is the terminationGracePeriod of pools whose nodes expire.
const drainGrace = "24h"

func disruptionFor(p *model.NodePool) *disruptionData {
	d := purposeDisruption[p.Purpose]
	if d.Budgets == nil {
		d = purposeDisruption[model.PurposeUser]
	}
	d.Budgets = append([]budget(nil), d.Budgets...)
	if o := p.Disruption; o != nil {
		if o.ConsolidationPolicy != "" {
			d.ConsolidationPolicy = o.ConsolidationPolicy
		}
		if o.ConsolidateAfter != "" {
			d.ConsolidateAfter = o.ConsolidateAfter
		}
		if o.ExpireAfter != "" {
			d.ExpireAfter = o.ExpireAfter
		}
	}
	if d.ExpireAfter != "Never" {
		d.TerminationGracePeriod = drainGrace
	}
	return &d
}

// capacityType reads the pool's capacity type. The schema defaults it (spot
// for dask workers); an unset one is on-demand here exactly as in
// base.ProviderAddsSpotTaint, so nodes and pod tolerations cannot disagree.
func capacityType(p *model.NodePool) string {
	if p.CapacityType == model.CapacitySpot {
		return model.CapacitySpot
	}
	return model.CapacityOnDemand
}

func archOf(p *model.NodePool) string {
	if p.Arch != "" {
		return p.Arch
	}
	return "amd64"
}

// newPoolData computes everything the nodePool template needs.
func newPoolData(c *model.Cluster, cd *clusterData, p *model.NodePool, class string) (*poolData, error) {
	ct := capacityType(p)
	d := &poolData{
		Name: p.FullName(), Pool: p.Name, Hub: p.Hub, Generation: p.Generation,
		Purpose:       p.Purpose,
		InstanceTypes: append([]string{}, p.InstanceTypes...),
		CapacityType:  ct,
		Spot:          ct == model.CapacitySpot,
		Arch:          archOf(p),
		DiskSizeGiB:   p.DiskSizeGiB,
		Min:           p.Min,
		Max:           p.Max,
		Labels:        base.NodeLabels(p),
		NodeClass:     class,
	}
	if len(p.InstanceTypes) == 0 {
		return nil, fmt.Errorf("no instance types")
	}
	if p.GPU != nil {
		d.GPU = &gpuData{Type: p.GPU.Type, Count: p.GPU.Count, Limit: p.Max * p.GPU.Count}
	}
	taints := base.NodeTaints(c, p)
	zones := append([]string{}, p.Zones...)

	switch c.NodeProvisioner {
	case model.ProvisionerKarpenter:
		for k, v := range cd.Karpenter.NodeLabels {
			if _, ok := d.Labels[k]; !ok {
				d.Labels[k] = v
			}
		}
		kt := make([]karpenterTaint, 0, len(taints))
		for _, t := range taints {
			kt = append(kt, karpenterTaint(t))
		}
		d.Taints = kt
		d.Disruption = disruptionFor(p)
		if c.Provider == model.ProviderAzure {
			// Karpenter on AKS labels zones "<location>-<n>".
			for i, z := range zones {
				if isDigits(z) {
					zones[i] = cd.Azure.Location + "-" + z
				}
			}
		}
		d.Annotations = capacityAnnotations(SyncWaveNodePool, nil)
	case model.ProvisionerConfigConnector:
		if len(p.InstanceTypes) != 1 {
			return nil, fmt.Errorf("config-connector pools take exactly one instance type, got %d", len(p.InstanceTypes))
		}
		d.MachineType = p.InstanceTypes[0]
		kt := make([]kccTaint, 0, len(taints))
		for _, t := range taints {
			eff, ok := kccEffects[t.Effect]
			if !ok {
				return nil, fmt.Errorf("taint %s: unknown effect %q", t.Key, t.Effect)
			}
			v := t.Value
			if v == "" {
				v = "true" // GKE requires a value; pods tolerate any value of a value-less taint
			}
			kt = append(kt, kccTaint{Key: t.Key, Value: v, Effect: eff})
		}
		d.Taints = kt
		d.Annotations = capacityAnnotations(SyncWaveNodePool, map[string]string{
			annotKCCProject:        cd.GCP.Project,
			annotKCCDeletionPolicy: "abandon",
			annotKCCStateIntoSpec:  "absent",
			annotKCCConflictPolicy: "none",
		})
	case model.ProvisionerASO:
		if len(p.InstanceTypes) != 1 {
			return nil, fmt.Errorf("aso pools take exactly one instance type, got %d", len(p.InstanceTypes))
		}
		d.MachineType = p.InstanceTypes[0]
		d.AzureName = p.AzureName()
		d.Mode = "User"
		if p.Purpose == model.PurposeCore {
			d.Mode = "System"
		}
		st := make([]string, 0, len(taints))
		for _, t := range taints {
			s := t.Key
			if t.Value != "" {
				s += "=" + t.Value
			}
			st = append(st, s+":"+t.Effect)
		}
		d.Taints = st
		// ASO wants bare zone numbers.
		for i, z := range zones {
			zones[i] = strings.TrimPrefix(z, cd.Azure.Location+"-")
		}
		d.Annotations = capacityAnnotations(SyncWaveNodePool, map[string]string{annotASOReconcile: "detach-on-delete"})
	}
	// Zone order carries no meaning: sort so reordering is not a change.
	sort.Strings(zones)
	d.Zones = zones
	return d, nil
}

var kccEffects = map[string]string{
	"NoSchedule":       "NO_SCHEDULE",
	"PreferNoSchedule": "PREFER_NO_SCHEDULE",
	"NoExecute":        "NO_EXECUTE",
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
