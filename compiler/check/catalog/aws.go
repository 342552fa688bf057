package catalog

// AWS sizes: vCPUs and the ENI-limited max pods (AWS eni-max-pods table) of
// the Nitro general-purpose, memory and compute families.
var awsSize = map[string]struct{ vcpu, pods int }{
	"medium":   {1, 8},
	"large":    {2, 29},
	"xlarge":   {4, 58},
	"2xlarge":  {8, 58},
	"4xlarge":  {16, 234},
	"8xlarge":  {32, 234},
	"9xlarge":  {36, 234},
	"12xlarge": {48, 234},
	"16xlarge": {64, 737},
	"18xlarge": {72, 737},
	"24xlarge": {96, 737},
	"32xlarge": {128, 737},
	"48xlarge": {192, 737},
}

// awsFamily expands a family whose memory is a fixed GiB per vCPU.
func awsFamily(family, arch string, mibPerVCPU int64, sizes ...string) []spec {
	var out []spec
	for _, s := range sizes {
		sz := awsSize[s]
		out = append(out, spec{name: family + "." + s, vcpu: sz.vcpu, memMiB: int64(sz.vcpu) * mibPerVCPU, arch: arch, maxPods: sz.pods})
	}
	return out
}

func awsTypes() []spec {
	const gib = 1024
	std := []string{"large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge"}
	std32 := append(append([]string{}, std...), "32xlarge")
	std48 := append(append([]string{}, std...), "48xlarge")
	graviton := append([]string{"medium"}, std[:7]...)

	var out []spec
	out = append(out, awsFamily("m5", AMD64, 4*gib, std...)...)
	out = append(out, awsFamily("m6i", AMD64, 4*gib, std32...)...)
	out = append(out, awsFamily("m7i", AMD64, 4*gib, std48...)...)
	out = append(out, awsFamily("r5", AMD64, 8*gib, std...)...)
	out = append(out, awsFamily("r6i", AMD64, 8*gib, std32...)...)
	out = append(out, awsFamily("r7i", AMD64, 8*gib, std48...)...)
	out = append(out, awsFamily("c5", AMD64, 2*gib, "large", "xlarge", "2xlarge", "4xlarge", "9xlarge", "12xlarge", "18xlarge", "24xlarge")...)
	out = append(out, awsFamily("c6i", AMD64, 2*gib, std32...)...)
	out = append(out, awsFamily("m6g", ARM64, 4*gib, graviton...)...)
	out = append(out, awsFamily("r6g", ARM64, 8*gib, graviton...)...)
	out = append(out, awsFamily("m7g", ARM64, 4*gib, graviton...)...)
	out = append(out, awsFamily("r7g", ARM64, 8*gib, graviton...)...)
	out = append(out, awsFamily("c7g", ARM64, 2*gib, graviton...)...)

	// Burstable: memory is not proportional to vCPUs.
	out = append(out,
		spec{name: "t3.micro", vcpu: 2, memMiB: 1 * gib, arch: AMD64, maxPods: 4},
		spec{name: "t3.small", vcpu: 2, memMiB: 2 * gib, arch: AMD64, maxPods: 11},
		spec{name: "t3.medium", vcpu: 2, memMiB: 4 * gib, arch: AMD64, maxPods: 17},
		spec{name: "t3.large", vcpu: 2, memMiB: 8 * gib, arch: AMD64, maxPods: 35},
		spec{name: "t3.xlarge", vcpu: 4, memMiB: 16 * gib, arch: AMD64, maxPods: 58},
		spec{name: "t3.2xlarge", vcpu: 8, memMiB: 32 * gib, arch: AMD64, maxPods: 58},
	)

	// GPU machines.
	gpu := func(name string, vcpu int, memGiB int64, gpus int, typ string, pods int) spec {
		return spec{name: name, vcpu: vcpu, memMiB: memGiB * gib, arch: AMD64, gpus: gpus, gpuType: typ, maxPods: pods}
	}
	const t4, a10g, v100 = "nvidia-tesla-t4", "nvidia-a10g", "nvidia-tesla-v100"
	out = append(out,
		gpu("g4dn.xlarge", 4, 16, 1, t4, 29),
		gpu("g4dn.2xlarge", 8, 32, 1, t4, 29),
		gpu("g4dn.4xlarge", 16, 64, 1, t4, 29),
		gpu("g4dn.8xlarge", 32, 128, 1, t4, 58),
		gpu("g4dn.12xlarge", 48, 192, 4, t4, 234),
		gpu("g4dn.16xlarge", 64, 256, 1, t4, 58),
		gpu("g5.xlarge", 4, 16, 1, a10g, 58),
		gpu("g5.2xlarge", 8, 32, 1, a10g, 58),
		gpu("g5.4xlarge", 16, 64, 1, a10g, 234),
		gpu("g5.8xlarge", 32, 128, 1, a10g, 234),
		gpu("g5.12xlarge", 48, 192, 4, a10g, 737),
		gpu("g5.16xlarge", 64, 256, 1, a10g, 234),
		gpu("g5.24xlarge", 96, 384, 4, a10g, 737),
		gpu("g5.48xlarge", 192, 768, 8, a10g, 345),
		gpu("p3.2xlarge", 8, 61, 1, v100, 58),
		gpu("p3.8xlarge", 32, 244, 4, v100, 234),
		gpu("p3.16xlarge", 64, 488, 8, v100, 234),
	)
	return out
}
