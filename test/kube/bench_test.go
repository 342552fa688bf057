package kube

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkValidateDir measures dry-run throughput on a tree shaped like a
// rendered fleet: per hub a Deployment, a Service, and a NodePool of each
// build (so every run also pays for two NodePool CRD switches).
func BenchmarkValidateDir(b *testing.B) {
	s := server(b)
	dir := b.TempDir()
	const hubs = 50
	for h := range hubs {
		ns := fmt.Sprintf("hub-%02d", h)
		files := map[string]string{
			"deployment-hub.yaml":                strings.Replace(deployment, "namespace: hub-a", "namespace: "+ns, 1),
			"service-proxy.yaml":                 strings.Replace(service, "namespace: hub-a", "namespace: "+ns, 1),
			"nodepool-aws.yaml":                  strings.Replace(awsNodePool, "name: user}", "name: "+ns+"}", 1),
			"nodepool-azure.yaml":                strings.NewReplacer("name: user}", "name: "+ns+"}", "karpenter.k8s.aws, kind: EC2NodeClass", "karpenter.azure.com, kind: AKSNodeClass").Replace(awsNodePool),
			"managedclustersagentpool-user.yaml": agentPool,
		}
		for name, body := range files {
			p := filepath.Join(dir, ns, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	var rep Report
	for b.Loop() {
		var err error
		if rep, err = s.ValidateDir(dir); err != nil {
			b.Fatal(err)
		}
		if len(rep.Rejected) > 0 {
			b.Fatalf("%s: %v", rep.Rejected[0].Object, rep.Rejected[0].Err)
		}
	}
	b.ReportMetric(rep.Rate(), "objects/s")
	b.Log(rep.Summary())
}
