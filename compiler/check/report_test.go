package check

import (
	"sort"
	"strings"
	"testing"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// TestAllErrorsReportedSorted breaks things in every file at once: each
// problem is reported, and the list comes out ordered by file and line.
func TestAllErrorsReportedSorted(t *testing.T) {
	x := newFx(t)
	x.f.Versions.JupyterHub = "0.1"                                                        // fleet.yaml
	x.aws.NodePools[2].Max = 0                                                             // aws/cluster.yaml
	x.staging.Profiles[0].NodePool = "nope"                                                // aws/staging.yaml
	x.staging.Auth.GitHub.AllowedOrganizations = nil                                       // aws/staging.yaml
	x.workshop.Auth.Admins = []string{"root"}                                              // aws/workshop.yaml
	x.gcp.NodePools[2].GPU.Type = "t4"                                                     // gcp/cluster.yaml
	x.prod.Profiles[1].Default = true                                                      // gcp/prod.yaml (twice)
	x.edu.Dask.WorkerSizes[0].Memory = "1T"                                                // azure/edu.yaml
	x.azure.NodePools[0].Labels = map[string]string{"kubernetes.azure.com/mode": "system"} // azure/cluster.yaml

	got := Check(x.f)
	if n := got.Errors(); n != 10 {
		t.Errorf("got %d errors, want 10:\n%s", n, strings.Join(lines(got), "\n"))
	}
	sorted := sort.SliceIsSorted(got, func(i, j int) bool { return got[i].Pos.Less(got[j].Pos) })
	if !sorted {
		t.Errorf("diagnostics are not sorted:\n%s", strings.Join(lines(got), "\n"))
	}
	files := map[string]bool{}
	for _, d := range got {
		files[d.Pos.File] = true
	}
	if len(files) != 8 {
		t.Errorf("diagnostics in %d files, want 8: %v", len(files), files)
	}
}

func TestHints(t *testing.T) {
	x := newFx(t)
	x.staging.Profiles[0].Memory = model.Memory{Guarantee: "100G", Limit: "100G"}
	x.staging.Profiles[1].NodePool = "user"
	got := Check(x.f)
	want := []string{
		"hubs/aws/staging.yaml:22:14: profiles[0].memory.guarantee: profile \"small\" requests 0.5 CPU and 100G memory, more than any machine of node pool \"user\" can allocate\n" +
			"\thint: the largest machine of node pool \"user\" is r5.2xlarge with 7.91 CPU and 63.0 GiB allocatable; lower the request or use a pool with larger instance types",
		"hubs/aws/staging.yaml:32:5: profiles[1].gpus: profile \"gpu\" requests 1 GPU(s), but node pool \"user\" has no GPUs\n" +
			"\thint: user pools with GPUs: \"gpu-t4\"",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("diagnostic %d:\n got %s\nwant %s", i, got[i].String(), want[i])
		}
	}
}

// Every diagnostic the fixture's rule tests produce carries a position in a
// real file, never the "-" of an unknown one.
func TestDiagnosticsArePositioned(t *testing.T) {
	x := newFx(t)
	x.staging.Profiles = nil
	x.staging.Auth = model.Auth{Type: model.AuthGitHub}
	x.workshop.NodePools = append(x.workshop.NodePools, model.NodePool{Name: "x", Purpose: model.PurposeUser, Hub: "workshop"})
	for _, d := range Check(x.f) {
		if d.Pos.File == "" || d.Pos.Line == 0 {
			t.Errorf("unpositioned: %s", d.String())
		}
	}
	var l diag.List = Check(x.f)
	if !l.HasErrors() {
		t.Error("broken hub reported no errors")
	}
}
