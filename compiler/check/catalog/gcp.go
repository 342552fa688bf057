package catalog

import (
	"fmt"
	"sort"
)

// gcpAccelerators are the GKE accelerator names a node pool's
// guestAccelerator type (our gpu.type) may take.
var gcpAccelerators = map[string]bool{
	"nvidia-tesla-k80":      true,
	"nvidia-tesla-p4":       true,
	"nvidia-tesla-p100":     true,
	"nvidia-tesla-v100":     true,
	"nvidia-tesla-t4":       true,
	"nvidia-l4":             true,
	"nvidia-tesla-a100":     true,
	"nvidia-a100-80gb":      true,
	"nvidia-h100-80gb":      true,
	"nvidia-h100-mega-80gb": true,
	"nvidia-h200-141gb":     true,
	"nvidia-b200":           true,
}

// IsGCPAccelerator reports whether name is a GKE accelerator type.
func IsGCPAccelerator(name string) bool { return gcpAccelerators[name] }

// GCPAccelerators lists the GKE accelerator types, sorted.
func GCPAccelerators() []string {
	out := make([]string, 0, len(gcpAccelerators))
	for a := range gcpAccelerators {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// gcpFamily expands a family whose memory is a fixed MiB per vCPU.
func gcpFamily(family, arch string, mibPerVCPU int64, attach bool, vcpus ...int) []spec {
	var out []spec
	for _, n := range vcpus {
		out = append(out, spec{name: fmt.Sprintf("%s-%d", family, n), vcpu: n, memMiB: int64(n) * mibPerVCPU, arch: arch, attach: attach})
	}
	return out
}

// GCP "GB" in machine specs are GiB.
func gcpTypes() []spec {
	const gib = 1024
	var out []spec
	out = append(out, gcpFamily("n2-standard", AMD64, 4*gib, false, 2, 4, 8, 16, 32, 48, 64, 80, 96, 128)...)
	out = append(out, gcpFamily("n2-highmem", AMD64, 8*gib, false, 2, 4, 8, 16, 32, 48, 64, 80)...)
	out = append(out,
		spec{name: "n2-highmem-96", vcpu: 96, memMiB: 768 * gib, arch: AMD64},
		spec{name: "n2-highmem-128", vcpu: 128, memMiB: 864 * gib, arch: AMD64},
	)
	out = append(out, gcpFamily("n2-highcpu", AMD64, 1*gib, false, 2, 4, 8, 16, 32, 48, 64, 80, 96)...)
	out = append(out, gcpFamily("n2d-standard", AMD64, 4*gib, false, 2, 4, 8, 16, 32, 48, 64, 80, 96)...)
	out = append(out, gcpFamily("e2-standard", AMD64, 4*gib, false, 2, 4, 8, 16, 32)...)
	out = append(out, gcpFamily("e2-highmem", AMD64, 8*gib, false, 2, 4, 8, 16)...)
	out = append(out, gcpFamily("e2-highcpu", AMD64, 1*gib, false, 2, 4, 8, 16, 32)...)
	// N1 memory is 3.75 and 6.5 GiB per vCPU; N1 is the family that takes
	// attached T4, V100, P100 and P4 accelerators.
	out = append(out, gcpFamily("n1-standard", AMD64, 3840, true, 1, 2, 4, 8, 16, 32, 64, 96)...)
	out = append(out, gcpFamily("n1-highmem", AMD64, 6656, true, 2, 4, 8, 16, 32, 64, 96)...)
	out = append(out, gcpFamily("c2-standard", AMD64, 4*gib, false, 4, 8, 16, 30, 60)...)
	out = append(out, gcpFamily("t2a-standard", ARM64, 4*gib, false, 1, 2, 4, 8, 16, 32, 48)...)

	// Machines with built-in GPUs.
	gpu := func(name string, vcpu int, memGiB int64, gpus int, typ string) spec {
		return spec{name: name, vcpu: vcpu, memMiB: memGiB * gib, arch: AMD64, gpus: gpus, gpuType: typ}
	}
	const l4, a100, a100x80 = "nvidia-l4", "nvidia-tesla-a100", "nvidia-a100-80gb"
	out = append(out,
		gpu("g2-standard-4", 4, 16, 1, l4),
		gpu("g2-standard-8", 8, 32, 1, l4),
		gpu("g2-standard-12", 12, 48, 1, l4),
		gpu("g2-standard-16", 16, 64, 1, l4),
		gpu("g2-standard-24", 24, 96, 2, l4),
		gpu("g2-standard-32", 32, 128, 1, l4),
		gpu("g2-standard-48", 48, 192, 4, l4),
		gpu("g2-standard-96", 96, 384, 8, l4),
		gpu("a2-highgpu-1g", 12, 85, 1, a100),
		gpu("a2-highgpu-2g", 24, 170, 2, a100),
		gpu("a2-highgpu-4g", 48, 340, 4, a100),
		gpu("a2-highgpu-8g", 96, 680, 8, a100),
		gpu("a2-ultragpu-1g", 12, 170, 1, a100x80),
		gpu("a2-ultragpu-2g", 24, 340, 2, a100x80),
	)
	return out
}
