package check

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// Label domains hubfleet sets itself on nodes (purpose, pool, hub, GPU).
var compilerDomains = []string{"hubfleet.dev", "hub.jupyter.org", "k8s.dask.org"}

// Label domains Kubernetes and the providers reserve.
var providerDomains = []string{
	"kubernetes.io", "k8s.io", "karpenter.sh", "karpenter.k8s.aws", "karpenter.azure.com",
	"kubernetes.azure.com", "cloud.google.com",
}

// Kubernetes domains that operators may use on nodes.
var allowedKubernetesDomains = []string{"node.kubernetes.io", "node-restriction.kubernetes.io"}

// Karpenter limits a NodePool's labels plus requirements.
const karpenterMaxLabels = 100

// inDomain reports whether a label prefix is domain d or a subdomain of it.
func inDomain(prefix, d string) bool {
	return prefix == d || strings.HasSuffix(prefix, "."+d)
}

func labelPrefix(key string) string {
	if i := strings.LastIndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return ""
}

func (c *checker) poolLabels(cl *model.Cluster, src model.Source, base string, p *model.NodePool) {
	for _, k := range sortedKeys(p.Labels) {
		path := fields(base, "labels", k)
		if errs := validation.IsQualifiedName(k); len(errs) > 0 {
			c.list.At(src, path, "label key %s is invalid: %s", quote(k), strings.Join(errs, "; "))
			continue
		}
		if errs := validation.IsValidLabelValue(p.Labels[k]); len(errs) > 0 {
			c.list.At(src, path, "label value %s is invalid: %s", quote(p.Labels[k]), strings.Join(errs, "; "))
		}
		prefix := labelPrefix(k)
		if prefix == "" {
			continue
		}
		allowed := false
		for _, d := range allowedKubernetesDomains {
			allowed = allowed || inDomain(prefix, d)
		}
		for _, d := range compilerDomains {
			if inDomain(prefix, d) {
				c.list.At(src, path, "labels under %s/ are set by hubfleet itself", d).
					WithHint("purpose, pool, hub and GPU labels are derived from the pool; use your own domain for extra labels")
			}
		}
		for _, d := range providerDomains {
			if inDomain(prefix, d) && !allowed {
				c.list.At(src, path, "labels under %s/ are reserved for Kubernetes and the cloud provider", d).
					WithHint("use your own domain (node.kubernetes.io/ and node-restriction.kubernetes.io/ are allowed)")
				break
			}
		}
	}
	if cl.NodeProvisioner == model.ProvisionerKarpenter {
		if n := karpenterLabelCount(p); n > karpenterMaxLabels {
			c.list.At(src, field(base, "labels"), "the pool's Karpenter NodePool would have %d labels and requirements; Karpenter allows %d", n, karpenterMaxLabels)
		}
	}
}

// karpenterLabelCount counts the labels and requirements hubfleet renders
// into a Karpenter NodePool: its own node labels, the pool's labels, and
// the instance-type, capacity-type, arch and (with zones) zone requirements.
func karpenterLabelCount(p *model.NodePool) int {
	n := 1 // pool label
	switch p.Purpose {
	case model.PurposeCore, model.PurposeUser:
		n += 2
	case model.PurposeDaskWorker:
		n++
	}
	if p.Hub != "" {
		n++
	}
	if p.GPU != nil {
		n++
	}
	n += len(p.Labels) + 3
	if len(p.Zones) > 0 {
		n++
	}
	return n
}

// compilerTaints are the taints hubfleet puts on a pool's nodes (see
// render/base.NodeTaints; duplicated here because check may not import it).
func compilerTaints(cl *model.Cluster, p *model.NodePool) []model.Taint {
	sep := "/"
	if cl.NodeProvisioner == model.ProvisionerConfigConnector {
		sep = "_"
	}
	var out []model.Taint
	switch p.Purpose {
	case model.PurposeUser:
		out = append(out, model.Taint{Key: "hub.jupyter.org" + sep + "dedicated", Value: "user", Effect: "NoSchedule"})
	case model.PurposeDaskWorker:
		out = append(out, model.Taint{Key: "k8s.dask.org" + sep + "dedicated", Value: "worker", Effect: "NoSchedule"})
	}
	if p.GPU != nil {
		out = append(out, model.Taint{Key: "nvidia.com/gpu", Value: "present", Effect: "NoSchedule"})
	}
	return out
}

func (c *checker) poolTaints(cl *model.Cluster, src model.Source, base string, p *model.NodePool) {
	seen := map[string]string{}
	for _, t := range compilerTaints(cl, p) {
		seen[t.Key+":"+t.Effect] = "the taint hubfleet puts on this pool"
	}
	for i, t := range p.Taints {
		path := index(field(base, "taints"), i)
		k := t.Key + ":" + t.Effect
		if prev, dup := seen[k]; dup {
			c.list.At(src, path, "taint %s:%s duplicates %s", t.Key, t.Effect, prev).
				WithHint("a node has at most one taint per key and effect; remove this one")
			continue
		}
		seen[k] = index("taints", i)
	}
}
