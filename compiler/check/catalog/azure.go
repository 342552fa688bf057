package catalog

import "fmt"

// azureFamily expands a family named Standard_<prefix><n><suffix> whose
// memory is a fixed GiB per vCPU.
func azureFamily(prefix, suffix, arch string, gibPerVCPU int64, vcpus ...int) []spec {
	var out []spec
	for _, n := range vcpus {
		out = append(out, spec{name: fmt.Sprintf("Standard_%s%d%s", prefix, n, suffix), vcpu: n, memMiB: int64(n) * gibPerVCPU * 1024, arch: arch})
	}
	return out
}

func azureTypes() []spec {
	const gib = 1024
	var out []spec
	out = append(out, azureFamily("D", "s_v5", AMD64, 4, 2, 4, 8, 16, 32, 48, 64, 96)...)
	out = append(out, azureFamily("D", "ds_v5", AMD64, 4, 2, 4, 8, 16, 32, 48, 64, 96)...)
	out = append(out, azureFamily("D", "as_v5", AMD64, 4, 2, 4, 8, 16, 32, 48, 64, 96)...)
	out = append(out, azureFamily("D", "s_v3", AMD64, 4, 2, 4, 8, 16, 32, 48, 64)...)
	out = append(out, azureFamily("E", "s_v5", AMD64, 8, 2, 4, 8, 16, 20, 32, 48, 64)...)
	out = append(out, spec{name: "Standard_E96s_v5", vcpu: 96, memMiB: 672 * gib, arch: AMD64})
	out = append(out, azureFamily("E", "ds_v5", AMD64, 8, 2, 4, 8, 16, 20, 32, 48, 64)...)
	out = append(out, azureFamily("E", "as_v5", AMD64, 8, 2, 4, 8, 16, 20, 32, 48, 64, 96)...)
	out = append(out, azureFamily("F", "s_v2", AMD64, 2, 2, 4, 8, 16, 32, 48, 64, 72)...)
	// Ampere Altra (arm64); the largest sizes cap memory.
	out = append(out, azureFamily("D", "ps_v5", ARM64, 4, 2, 4, 8, 16, 32, 48)...)
	out = append(out, spec{name: "Standard_D64ps_v5", vcpu: 64, memMiB: 208 * gib, arch: ARM64})
	out = append(out, azureFamily("E", "ps_v5", ARM64, 8, 2, 4, 8, 16, 20)...)
	out = append(out, spec{name: "Standard_E32ps_v5", vcpu: 32, memMiB: 208 * gib, arch: ARM64})

	gpu := func(name string, vcpu int, memGiB int64, gpus int, typ string) spec {
		return spec{name: name, vcpu: vcpu, memMiB: memGiB * gib, arch: AMD64, gpus: gpus, gpuType: typ}
	}
	const t4, a100, v100 = "nvidia-tesla-t4", "nvidia-a100-80gb", "nvidia-tesla-v100"
	out = append(out,
		gpu("Standard_NC4as_T4_v3", 4, 28, 1, t4),
		gpu("Standard_NC8as_T4_v3", 8, 56, 1, t4),
		gpu("Standard_NC16as_T4_v3", 16, 110, 1, t4),
		gpu("Standard_NC64as_T4_v3", 64, 440, 4, t4),
		gpu("Standard_NC24ads_A100_v4", 24, 220, 1, a100),
		gpu("Standard_NC48ads_A100_v4", 48, 440, 2, a100),
		gpu("Standard_NC96ads_A100_v4", 96, 880, 4, a100),
		gpu("Standard_NC6s_v3", 6, 112, 1, v100),
		gpu("Standard_NC12s_v3", 12, 224, 2, v100),
		gpu("Standard_NC24s_v3", 24, 448, 4, v100),
	)
	return out
}
