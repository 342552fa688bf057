package catalog

// How much of a node Kubernetes keeps for itself, per provider. The
// allocatable values of the catalog are
//
//	allocatable CPU    = vCPU*1000m - ReservedCPU
//	allocatable memory = memory - ReservedMemory - EvictionThreshold
//
// CPU, EKS (AL2023 nodeadm, also Karpenter) and GKE: 6% of the first core,
// 1% of the second, 0.5% of the third and fourth, 0.25% of every core above
// four. AKS (1.29+) publishes a table instead: 60m, 100m, 140m, 180m for 1,
// 2, 4 and 8 cores, then 10m per core above eight (260m at 16, 740m at 64);
// between table points we interpolate linearly.
//
// Memory:
//   - GKE: 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6%
//     of the next 112 and 2% above 128 GiB (255 MiB below 1 GiB).
//   - EKS / Karpenter: 255 MiB + 11 MiB per pod, with the ENI-limited max pods
//     of the instance type (AWS eni-max-pods). Karpenter's initial 7.5% VM
//     overhead estimate is not subtracted: it only applies until Karpenter has
//     seen a node of the type, and the checker must not reject what fits.
//   - AKS (1.29+): the smaller of 20 MiB per pod + 50 MiB and 25% of memory,
//     assuming 110 max pods (kubenet and Karpenter defaults; clusters with 250
//     pods per node reserve more).
//
// Every provider evicts below 100 MiB free (EvictionThreshold). Kernel and
// firmware memory is not subtracted: real nodes report slightly less.

// EvictionThreshold is the kubelet's hard eviction threshold
// (memory.available<100Mi) on EKS, GKE and AKS 1.29+.
const EvictionThreshold = 100 * MiB

// defaultMaxPods is the pod limit assumed when a table row has none.
func defaultMaxPods(string) int { return 110 }

// ReservedCPU is kube-reserved CPU in millicores for a node with vcpu cores.
func ReservedCPU(provider string, vcpu int) int64 {
	if vcpu <= 0 {
		return 0
	}
	if provider == Azure {
		return aksReservedCPU(vcpu)
	}
	// Half-millicores keep the 0.25% tier exact; round the reserve up.
	n := int64(vcpu)
	half := 120 * min(n, 1)
	half += 20 * min(max(n-1, 0), 1)
	half += 10 * min(max(n-2, 0), 2)
	half += 5 * max(n-4, 0)
	return (half + 1) / 2
}

// aksPoints is the AKS CPU reservation table (cores, millicores) up to 8
// cores; above 8 it grows by 10m per core.
var aksPoints = [][2]int64{{1, 60}, {2, 100}, {4, 140}, {8, 180}}

func aksReservedCPU(vcpu int) int64 {
	n := int64(vcpu)
	if n >= 8 {
		return 180 + 10*(n-8)
	}
	for i := 1; i < len(aksPoints); i++ {
		lo, hi := aksPoints[i-1], aksPoints[i]
		if n <= hi[0] {
			return lo[1] + (hi[1]-lo[1])*(n-lo[0])/(hi[0]-lo[0])
		}
	}
	return aksPoints[0][1]
}

// ReservedMemory is kube-reserved memory in bytes for a node with mem bytes
// of memory and at most maxPods pods (the eviction threshold is extra).
func ReservedMemory(provider string, mem int64, maxPods int) int64 {
	if mem <= 0 {
		return 0
	}
	switch provider {
	case AWS:
		return 255*MiB + 11*MiB*int64(maxPods)
	case Azure:
		return min(20*MiB*int64(maxPods)+50*MiB, mem/4)
	default:
		return gkeReservedMemory(mem)
	}
}

// gkeTiers are (upper bound of the tier, percentage of it reserved).
var gkeTiers = []struct {
	upTo    int64
	percent int64
}{
	{4 * GiB, 25},
	{8 * GiB, 20},
	{16 * GiB, 10},
	{128 * GiB, 6},
	{1 << 62, 2},
}

func gkeReservedMemory(mem int64) int64 {
	if mem < GiB {
		return 255 * MiB
	}
	var reserved, lower int64
	for _, t := range gkeTiers {
		if mem <= lower {
			break
		}
		reserved += (min(mem, t.upTo) - lower) * t.percent / 100
		lower = t.upTo
	}
	return reserved
}
