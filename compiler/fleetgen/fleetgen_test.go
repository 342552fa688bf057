package fleetgen

import (
	"strings"
	"testing"
)

func TestGenerateDeterministic(t *testing.T) {
	o := Options{Clusters: 5, HubsPerCluster: 8, Seed: 3}
	a, b := Generate(o), Generate(o)
	if len(a) != 1+5+5*8 {
		t.Fatalf("%d files", len(a))
	}
	for name, f := range a {
		if g, ok := b[name]; !ok || string(g.Data) != string(f.Data) {
			t.Errorf("%s differs between runs", name)
		}
	}
	c := Generate(Options{Clusters: 5, HubsPerCluster: 8, Seed: 4})
	same := true
	for name, f := range a {
		same = same && string(c[name].Data) == string(f.Data)
	}
	if same {
		t.Error("the seed changes nothing")
	}
}

// GenerateAllOptions turns on every option of the spec; the loader tests
// check that it is valid.
func TestGenerateAllOptionsCoverage(t *testing.T) {
	var all strings.Builder
	cue := false
	for name, f := range GenerateAllOptions() {
		all.Write(f.Data)
		cue = cue || strings.HasSuffix(name, ".cue")
	}
	if !cue {
		t.Error("no hub written in CUE")
	}
	for _, want := range []string{
		"type: github", "type: cilogon", "type: google", "type: generic-oauth", "type: shared-password",
		"provider: aws", "provider: gcp", "provider: azure", "nodeProvisioner: karpenter",
		"nodeProvisioner: config-connector", "nodeProvisioner: aso", "type: nfs", "type: dynamic", "type: none",
		"shared: {enabled: true}", "gpus: 1", "unlisted:", "nodePools:\n  - {name: own", "op: add", "kind: Deployment\n",
		"dask:\n  enabled: true", "cloudIdentity: true", "placeholders: {replicas: 2}", "userScheduler: {enabled: false}",
		"imagePuller: {enabled: false}", "culling: {enabled: false", "namespace:", "environment:", "allowedGroups:",
		"taints:", "labels:", "disruption:", "generation:", "zones:", "diskSizeGiB:", "nodeClass:",
	} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("no generated file contains %q", want)
		}
	}
}
