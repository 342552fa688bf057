package nodepool

import (
	"reflect"
	"sort"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// immutableFields lists, per group and kind, the fields the provider cannot
// change on an existing pool: changing one needs a new pool, which a new
// generation (a new name) gives.
var immutableFields = map[string][]string{
	// Karpenter replaces drifted nodes itself; only the node-class
	// reference's group and kind are fixed (CEL rules of the CRD).
	"karpenter.sh/NodePool": {
		"spec.template.spec.nodeClassRef.group",
		"spec.template.spec.nodeClassRef.kind",
	},
	// Fields the KCC CRD marks Immutable (those hubfleet can render), plus
	// the cluster the pool belongs to.
	"container.cnrm.cloud.google.com/ContainerNodePool": {
		"spec.clusterRef",
		"spec.location",
		"spec.resourceID",
		"spec.nodeConfig.machineType",
		"spec.nodeConfig.diskSizeGb",
		"spec.nodeConfig.diskType",
		"spec.nodeConfig.imageType",
		"spec.nodeConfig.labels",
		"spec.nodeConfig.guestAccelerator",
		"spec.nodeConfig.spot",
		"spec.nodeConfig.preemptible",
		"spec.nodeConfig.oauthScopes",
		"spec.nodeConfig.metadata",
		"spec.nodeConfig.localSsdCount",
		"spec.nodeConfig.minCpuPlatform",
	},
	// AKS agent-pool properties that need a new pool.
	"containerservice.azure.com/ManagedClustersAgentPool": {
		"spec.owner",
		"spec.azureName",
		"spec.vmSize",
		"spec.osType",
		"spec.osSKU",
		"spec.osDiskSizeGB",
		"spec.osDiskType",
		"spec.scaleSetPriority",
		"spec.scaleSetEvictionPolicy",
		"spec.availabilityZones",
		"spec.maxPods",
		"spec.gpuProfile",
		"spec.gpuInstanceProfile",
		"spec.vnetSubnetReference",
	},
}

// ImmutableChanges returns the dotted paths of fields that differ between
// two renderings of the same capacity object (same kind, namespace and
// name) but cannot be updated in place by the provider. The pipeline calls
// it with the object committed in rendered/ and the new one, and fails
// with a hint to bump the pool's generation. Objects that are not the same
// object, or of a kind without immutable fields, yield nil.
func ImmutableChanges(old, new *manifest.Object) []string {
	if old == nil || new == nil || old.ID() != new.ID() {
		return nil
	}
	var out []string
	for _, f := range immutableFields[new.Group()+"/"+new.Kind()] {
		path := strings.Split(f, ".")
		if !sameValue(old.Get(path...), new.Get(path...)) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

// sameValue compares decoded values, treating numbers by value whatever
// their Go type (a committed file decodes to other number types than a
// fresh rendering), and a missing field like an empty one or false (the
// immutable booleans, spot and preemptible, default to false).
func sameValue(a, b any) bool {
	a, b = canonical(a), canonical(b)
	return reflect.DeepEqual(a, b)
}

func canonical(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if c := canonical(e); c != nil {
				out[k] = c
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	case map[string]string:
		if len(t) == 0 {
			return nil
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = e
		}
		return out
	case []any:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = canonical(e)
		}
		return out
	case []string:
		if len(t) == 0 {
			return nil
		}
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = e
		}
		return out
	case bool:
		if !t {
			return nil
		}
		return t
	case int:
		return float64(t)
	case int32:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	case float32:
		return float64(t)
	}
	return v
}
