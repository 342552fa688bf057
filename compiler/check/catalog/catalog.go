// Package catalog is hubfleet's built-in table of common cloud instance
// types: size, architecture, GPUs, and the CPU and memory a pod can request
// on a node of that type once Kubernetes has taken its reservations.
//
// The checker uses it to prove that a profile or dask worker fits at least
// one machine of its node pool; renderers and docs may use it too. Values are
// estimates from each provider's published reservation formula (reserve.go),
// computed from the nominal machine size, so they are an upper bound of what
// a real node reports: the checker never rejects a request that fits.
package catalog

import (
	"sort"
	"strings"
)

// Providers, as in model (duplicated so this leaf package imports nothing).
const (
	AWS   = "aws"
	GCP   = "gcp"
	Azure = "azure"
)

// Architectures, as Kubernetes spells them in kubernetes.io/arch.
const (
	AMD64 = "amd64"
	ARM64 = "arm64"
)

// MiB and GiB in bytes.
const (
	MiB int64 = 1 << 20
	GiB int64 = 1 << 30
)

// InstanceType is one machine type of a provider.
type InstanceType struct {
	Provider string
	// Name as the provider spells it (r5.xlarge, n2-highmem-4, Standard_E4s_v5).
	Name        string
	VCPU        int
	MemoryBytes int64
	// AllocatableCPU is in millicores, AllocatableMemory in bytes: node
	// capacity minus kube-reserved and the hard eviction threshold.
	AllocatableCPU    int64
	AllocatableMemory int64
	Arch              string
	// GPUs built into the machine and their type (nvidia-tesla-t4, ...).
	// On GCP, N1 machines take attached accelerators instead: GPUs is 0 and
	// AcceptsAccelerators is true.
	GPUs    int
	GPUType string
	// AcceptsAccelerators: GCP machine families that attach GPUs through
	// guestAccelerator (N1).
	AcceptsAccelerators bool
	// MaxPods is the per-node pod limit the memory reservation assumes.
	MaxPods int
}

// spec is one row of a provider table; allocatable values are derived.
type spec struct {
	name    string
	vcpu    int
	memMiB  int64
	arch    string
	gpus    int
	gpuType string
	maxPods int
	attach  bool
}

var tables = map[string]map[string]InstanceType{}

func init() {
	add := func(provider string, rows []spec) {
		m := map[string]InstanceType{}
		for _, r := range rows {
			m[key(provider, r.name)] = build(provider, r)
		}
		tables[provider] = m
	}
	add(AWS, awsTypes())
	add(GCP, gcpTypes())
	add(Azure, azureTypes())
}

// key normalizes a name for lookup: Azure VM sizes are case-insensitive.
func key(provider, name string) string {
	if provider == Azure {
		return strings.ToLower(name)
	}
	return name
}

func build(provider string, r spec) InstanceType {
	mem := r.memMiB * MiB
	maxPods := r.maxPods
	if maxPods == 0 {
		maxPods = defaultMaxPods(provider)
	}
	return InstanceType{
		Provider:            provider,
		Name:                r.name,
		VCPU:                r.vcpu,
		MemoryBytes:         mem,
		AllocatableCPU:      int64(r.vcpu)*1000 - ReservedCPU(provider, r.vcpu),
		AllocatableMemory:   mem - ReservedMemory(provider, mem, maxPods) - EvictionThreshold,
		Arch:                r.arch,
		GPUs:                r.gpus,
		GPUType:             r.gpuType,
		AcceptsAccelerators: r.attach,
		MaxPods:             maxPods,
	}
}

// Lookup finds an instance type of a provider ("aws", "gcp", "azure").
func Lookup(provider, name string) (InstanceType, bool) {
	it, ok := tables[provider][key(provider, name)]
	return it, ok
}

// Types lists a provider's instance types sorted by name.
func Types(provider string) []InstanceType {
	out := make([]InstanceType, 0, len(tables[provider]))
	for _, it := range tables[provider] {
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Fits reports whether a pod requesting cpu millicores and mem bytes fits
// an empty node of this type.
func (it InstanceType) Fits(cpuMillis, memBytes int64) bool {
	return cpuMillis <= it.AllocatableCPU && memBytes <= it.AllocatableMemory
}
