package catalog

import "testing"

// Published CPU reservation tables: GKE ("Allocatable resources" docs) and
// AKS ("Node resource reservations"), in millicores by core count.
func TestReservedCPUMatchesPublishedTables(t *testing.T) {
	gke := map[int]int64{1: 60, 2: 70, 4: 80, 8: 90, 16: 110, 32: 150, 64: 230}
	aks := map[int]int64{1: 60, 2: 100, 4: 140, 8: 180, 16: 260, 32: 420, 64: 740}
	for cores, want := range gke {
		for _, p := range []string{GCP, AWS} {
			if got := ReservedCPU(p, cores); got != want {
				t.Errorf("ReservedCPU(%s, %d) = %dm, want %dm", p, cores, got, want)
			}
		}
	}
	for cores, want := range aks {
		if got := ReservedCPU(Azure, cores); got != want {
			t.Errorf("ReservedCPU(azure, %d) = %dm, want %dm", cores, got, want)
		}
	}
	if got := ReservedCPU(GCP, 0); got != 0 {
		t.Errorf("ReservedCPU(gcp, 0) = %d, want 0", got)
	}
}

func TestReservedMemory(t *testing.T) {
	tests := []struct {
		provider string
		mem      int64
		pods     int
		want     int64
	}{
		// GKE tiers: 25% of 4 GiB; + 20% of 4 GiB; + 10% of 8 GiB; + 6% of 16 GiB.
		{GCP, 4 * GiB, 110, GiB},
		{GCP, 16 * GiB, 110, GiB + 4*GiB/5 + 8*GiB/10},
		{GCP, 32 * GiB, 110, GiB + 4*GiB/5 + 8*GiB/10 + 16*GiB*6/100},
		{GCP, 512 * MiB, 110, 255 * MiB},
		// EKS docs: an m5.large (29 pods) reserves 574 MiB.
		{AWS, 8 * GiB, 29, 574 * MiB},
		// AKS docs examples: 8 GB and 30 pods -> 650 MB; 4 GB and 70 pods -> 25%.
		{Azure, 8 * GiB, 30, 650 * MiB},
		{Azure, 4 * GiB, 70, GiB},
	}
	for _, tt := range tests {
		if got := ReservedMemory(tt.provider, tt.mem, tt.pods); got != tt.want {
			t.Errorf("ReservedMemory(%s, %d MiB, %d) = %d MiB, want %d MiB", tt.provider, tt.mem/MiB, tt.pods, got/MiB, tt.want/MiB)
		}
	}
}

func TestLookupKnownTypes(t *testing.T) {
	tests := []struct {
		provider, name string
		vcpu           int
		memGiB         int64
		allocCPU       int64
		allocMemMiB    int64
		arch           string
		gpus           int
		gpuType        string
	}{
		// 32768 - (255 + 11*58) - 100 MiB.
		{AWS, "r5.xlarge", 4, 32, 3920, 32768 - 893 - 100, AMD64, 0, ""},
		{AWS, "m6g.xlarge", 4, 16, 3920, 16384 - 893 - 100, ARM64, 0, ""},
		{AWS, "g4dn.xlarge", 4, 16, 3920, 16384 - 574 - 100, AMD64, 1, "nvidia-tesla-t4"},
		// 16 GiB - 2.6 GiB - 100 MiB; 2.6 GiB rounds down to 2662 MiB + 0.4.
		{GCP, "n2-standard-4", 4, 16, 3920, (16*GiB - (GiB + 4*GiB/5 + 8*GiB/10) - 100*MiB) / MiB, AMD64, 0, ""},
		{GCP, "t2a-standard-8", 8, 32, 7910, (32*GiB - (GiB + 4*GiB/5 + 8*GiB/10 + 16*GiB*6/100) - 100*MiB) / MiB, ARM64, 0, ""},
		{GCP, "g2-standard-4", 4, 16, 3920, (16*GiB - (GiB + 4*GiB/5 + 8*GiB/10) - 100*MiB) / MiB, AMD64, 1, "nvidia-l4"},
		// 16 GiB: min(20*110+50, 4096) = 2250 MiB.
		{Azure, "Standard_D4s_v5", 4, 16, 3860, 16384 - 2250 - 100, AMD64, 0, ""},
		{Azure, "standard_d4s_v5", 4, 16, 3860, 16384 - 2250 - 100, AMD64, 0, ""},
		{Azure, "Standard_D8ps_v5", 8, 32, 7820, 32768 - 2250 - 100, ARM64, 0, ""},
		{Azure, "Standard_NC4as_T4_v3", 4, 28, 3860, 28*1024 - 2250 - 100, AMD64, 1, "nvidia-tesla-t4"},
	}
	for _, tt := range tests {
		it, ok := Lookup(tt.provider, tt.name)
		if !ok {
			t.Errorf("Lookup(%s, %s): not found", tt.provider, tt.name)
			continue
		}
		if it.VCPU != tt.vcpu || it.MemoryBytes != tt.memGiB*GiB || it.Arch != tt.arch || it.GPUs != tt.gpus || it.GPUType != tt.gpuType {
			t.Errorf("Lookup(%s, %s) = %+v", tt.provider, tt.name, it)
		}
		if it.AllocatableCPU != tt.allocCPU {
			t.Errorf("%s: AllocatableCPU = %dm, want %dm", tt.name, it.AllocatableCPU, tt.allocCPU)
		}
		if it.AllocatableMemory/MiB != tt.allocMemMiB {
			t.Errorf("%s: AllocatableMemory = %d MiB, want %d MiB", tt.name, it.AllocatableMemory/MiB, tt.allocMemMiB)
		}
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, q := range [][2]string{{AWS, "r5.huge"}, {GCP, "R5.xlarge"}, {"openstack", "m1.small"}, {AWS, "Standard_D4s_v5"}} {
		if it, ok := Lookup(q[0], q[1]); ok {
			t.Errorf("Lookup(%s, %s) = %+v, want not found", q[0], q[1], it)
		}
	}
}

func TestTablesAreComplete(t *testing.T) {
	min := map[string]int{AWS: 40, GCP: 30, Azure: 30}
	for provider, n := range min {
		types := Types(provider)
		if len(types) < n {
			t.Errorf("%s: %d instance types, want at least %d", provider, len(types), n)
		}
		for i, it := range types {
			if i > 0 && types[i-1].Name >= it.Name {
				t.Errorf("%s: Types not sorted at %s", provider, it.Name)
			}
			if it.AllocatableCPU <= 0 || it.AllocatableCPU >= int64(it.VCPU)*1000 {
				t.Errorf("%s: allocatable CPU %dm out of range for %d vCPU", it.Name, it.AllocatableCPU, it.VCPU)
			}
			if it.AllocatableMemory <= 0 || it.AllocatableMemory >= it.MemoryBytes {
				t.Errorf("%s: allocatable memory %d out of range for %d", it.Name, it.AllocatableMemory, it.MemoryBytes)
			}
			if it.Arch != AMD64 && it.Arch != ARM64 {
				t.Errorf("%s: arch %q", it.Name, it.Arch)
			}
			if (it.GPUs > 0) != (it.GPUType != "") {
				t.Errorf("%s: GPUs %d with type %q", it.Name, it.GPUs, it.GPUType)
			}
			if provider == GCP && it.GPUs > 0 && !IsGCPAccelerator(it.GPUType) {
				t.Errorf("%s: built-in GPU %q is not a GKE accelerator name", it.Name, it.GPUType)
			}
		}
	}
}

func TestGCPAccelerators(t *testing.T) {
	if !IsGCPAccelerator("nvidia-tesla-t4") || IsGCPAccelerator("tesla-t4") || IsGCPAccelerator("") {
		t.Error("IsGCPAccelerator misclassifies")
	}
	n1, _ := Lookup(GCP, "n1-standard-4")
	n2, _ := Lookup(GCP, "n2-standard-4")
	if !n1.AcceptsAccelerators || n2.AcceptsAccelerators {
		t.Errorf("AcceptsAccelerators: n1 %v, n2 %v", n1.AcceptsAccelerators, n2.AcceptsAccelerators)
	}
	if l := GCPAccelerators(); len(l) < 5 || l[0] > l[len(l)-1] {
		t.Errorf("GCPAccelerators() = %v", l)
	}
}

func TestFits(t *testing.T) {
	it, _ := Lookup(AWS, "r5.xlarge")
	if !it.Fits(3920, it.AllocatableMemory) || it.Fits(3921, 0) || it.Fits(0, it.AllocatableMemory+1) {
		t.Error("Fits disagrees with the allocatable bounds")
	}
}
