package check

import (
	"regexp"
	"slices"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/check/catalog"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// maxGenerationLen keeps generation suffixes short so the composed pool name
// stays readable and within 63 characters.
const maxGenerationLen = 8

var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// reservedPoolNames are pool names providers create themselves: AKS Node
// Auto Provisioning (Karpenter on Azure) and EKS Auto Mode.
var reservedPoolNames = map[string][]string{
	model.ProviderAWS:   {"general-purpose", "system"},
	model.ProviderAzure: {"default", "system-surge"},
}

// pool checks one node pool on its own; names across pools are checked by
// poolNames.
func (c *checker) pool(cl *model.Cluster, p *model.NodePool) {
	src, base := poolSrc(cl, p), poolPath(p)
	c.poolScaling(cl, src, base, p)
	c.poolName(cl, src, base, p)
	c.poolInstances(cl, src, base, p)
	c.poolGPU(cl, src, base, p)
	c.poolLabels(cl, src, base, p)
	c.poolTaints(cl, src, base, p)
	if p.CapacityType == model.CapacitySpot && (p.Purpose == model.PurposeUser || p.Purpose == model.PurposeCore) {
		victims := "user servers"
		if p.Purpose == model.PurposeCore {
			victims = "the hub, the proxy and the gateway"
		}
		c.list.WarnAt(src, field(base, "capacityType"), "spot nodes can be reclaimed at any time, taking %s with them", victims).
			WithHint("use capacityType: on-demand; spot suits dask-worker pools")
	}
}

func (c *checker) poolScaling(cl *model.Cluster, src model.Source, base string, p *model.NodePool) {
	karpenter := cl.NodeProvisioner == model.ProvisionerKarpenter
	switch {
	case p.Min < 0:
		c.list.At(src, field(base, "min"), "min %d is negative", p.Min)
	case p.Max >= 1 && p.Min > p.Max:
		c.list.At(src, field(base, "min"), "min %d is more than max %d", p.Min, p.Max)
	case p.Purpose == model.PurposeCore && p.Min < 1 && !karpenter:
		c.list.At(src, field(base, "min"), "a core pool needs min of at least 1: the hub and proxy must always have a node").
			WithHint("set min: 1")
	case p.Purpose != model.PurposeCore && p.Min > 0 && karpenter:
		// Core pools keep their nodes through the always-running hub pods.
		c.list.WarnAt(src, field(base, "min"), "Karpenter has no minimum node count: min %d is ignored", p.Min).
			WithHint("keep warm capacity with a hub's placeholders.replicas instead")
	}
	if p.Max < 1 {
		c.list.At(src, field(base, "max"), "max %d allows no node; it must be at least 1", p.Max)
	}
}

func (c *checker) poolName(cl *model.Cluster, src model.Source, base string, p *model.NodePool) {
	full := p.FullName()
	if len(full) > 63 {
		c.list.At(src, field(base, "name"), "the pool's object name %s is %d characters; at most 63 are allowed", quote(full), len(full)).
			WithHint("shorten the pool name (a hub's pool is named <hub>-<name>[-<generation>])")
	}
	if g := p.Generation; g != "" && (len(g) > maxGenerationLen || !dnsLabel.MatchString(g)) {
		c.list.At(src, field(base, "generation"), "generation %s must be a short DNS label: at most %d lower-case letters, digits and '-'", quote(g), maxGenerationLen).
			WithHint("use a short suffix such as a, b or g2")
	}
	reserved := reservedPoolNames[cl.Provider]
	if cl.Provider == model.ProviderAzure && cl.NodeProvisioner != model.ProvisionerKarpenter {
		reserved = nil
	}
	if slices.Contains(reserved, full) {
		c.list.At(src, field(base, "name"), "node pool name %s is reserved for the provider's own pool", quote(full)).
			WithHint("choose another name")
	}
}

func (c *checker) poolInstances(cl *model.Cluster, src model.Source, base string, p *model.NodePool) {
	path := field(base, "instanceTypes")
	single := cl.NodeProvisioner == model.ProvisionerConfigConnector || cl.NodeProvisioner == model.ProvisionerASO
	switch {
	case len(p.InstanceTypes) == 0:
		c.list.At(src, path, "a node pool needs at least one instance type")
	case single && len(p.InstanceTypes) > 1:
		c.list.At(src, path, "%s pools take exactly one instance type, this pool lists %d", cl.NodeProvisioner, len(p.InstanceTypes)).
			WithHint("split it into one pool per instance type, e.g. %s-%s", p.Name, typeSuffix(p.InstanceTypes[1]))
	}
	seen := map[string]int{}
	for i, name := range p.InstanceTypes {
		ipath := index(path, i)
		if j, dup := seen[name]; dup {
			c.list.At(src, ipath, "instance type %s is already listed at %s", quote(name), index(path, j))
			continue
		}
		seen[name] = i
		it, ok := catalog.Lookup(cl.Provider, name)
		if !ok {
			c.list.WarnAt(src, ipath, "instance type %s is not in hubfleet's %s catalog; its size and architecture are not checked", quote(name), cl.Provider).
				WithHint("check the spelling; fit checks of profiles and dask workers on this pool are skipped")
			continue
		}
		if p.Arch != "" && it.Arch != p.Arch {
			c.list.At(src, ipath, "instance type %s is %s, but the pool's arch is %s", name, it.Arch, p.Arch).
				WithHint("set arch: %s, or choose %s instance types", it.Arch, p.Arch)
		}
	}
}

// typeSuffix turns an instance type into a pool-name suffix.
func typeSuffix(t string) string {
	t = strings.ToLower(strings.TrimPrefix(t, "Standard_"))
	return strings.NewReplacer(".", "-", "_", "-").Replace(t)
}

func (c *checker) poolGPU(cl *model.Cluster, src model.Source, base string, p *model.NodePool) {
	types := make([]*catalog.InstanceType, len(p.InstanceTypes))
	for i, name := range p.InstanceTypes {
		if it, ok := catalog.Lookup(cl.Provider, name); ok {
			types[i] = &it
		}
	}
	if p.GPU == nil {
		for i, it := range types {
			if it != nil && it.GPUs > 0 {
				c.list.WarnAt(src, index(field(base, "instanceTypes"), i), "%s has %d %s GPU(s), but the pool sets no gpu: GPU profiles cannot use it and ordinary pods may occupy it",
					it.Name, it.GPUs, it.GPUType).
					WithHint("add gpu: {type: %s, count: %d}", it.GPUType, it.GPUs)
			}
		}
		return
	}
	g := p.GPU
	gpath := field(base, "gpu")
	if g.Count < 1 {
		c.list.At(src, field(gpath, "count"), "gpu.count must be at least 1, not %d", g.Count)
	}
	if strings.TrimSpace(g.Type) == "" {
		c.list.At(src, field(gpath, "type"), "gpu.type is empty").WithHint("name the accelerator, e.g. nvidia-tesla-t4")
	}
	if cl.Provider == model.ProviderGCP {
		c.gcpGPU(src, base, p, types)
		return
	}
	for i, it := range types {
		if it == nil {
			continue
		}
		ipath := index(field(base, "instanceTypes"), i)
		switch {
		case it.GPUs == 0:
			c.list.At(src, ipath, "%s has no GPU, but the pool sets gpu", it.Name).
				WithHint("use a GPU instance type (%s)", gpuFamilies(cl.Provider))
		case g.Count > it.GPUs:
			c.list.At(src, field(gpath, "count"), "gpu.count %d is more than the %d GPU(s) of %s", g.Count, it.GPUs, it.Name)
		case g.Type != "" && g.Type != it.GPUType:
			c.list.WarnAt(src, field(gpath, "type"), "gpu.type %s does not match the %s GPU of %s", quote(g.Type), it.GPUType, it.Name).
				WithHint("set gpu.type: %s", it.GPUType)
		}
	}
}

func gpuFamilies(provider string) string {
	if provider == model.ProviderAzure {
		return "Standard_NC*, Standard_ND*, Standard_NV*"
	}
	return "g4dn, g5, p3, ..."
}

// gcpGPU checks a GKE GPU pool: gpu.type is an accelerator attached to (or
// built into) the machine type.
func (c *checker) gcpGPU(src model.Source, base string, p *model.NodePool, types []*catalog.InstanceType) {
	g := p.GPU
	gpath := field(base, "gpu")
	if g.Type != "" && !catalog.IsGCPAccelerator(g.Type) {
		c.list.At(src, field(gpath, "type"), "gpu.type %s is not a GKE accelerator type", quote(g.Type)).
			WithHint("use one of: %s", strings.Join(catalog.GCPAccelerators(), ", "))
	}
	for i, it := range types {
		if it == nil {
			continue
		}
		switch {
		case it.GPUs > 0:
			if g.Type != "" && g.Type != it.GPUType {
				c.list.At(src, field(gpath, "type"), "%s comes with %s GPUs, not %s", it.Name, it.GPUType, g.Type).
					WithHint("set gpu.type: %s", it.GPUType)
			}
			if g.Count >= 1 && g.Count != it.GPUs {
				c.list.At(src, field(gpath, "count"), "%s comes with %d GPU(s), not %d", it.Name, it.GPUs, g.Count).
					WithHint("set gpu.count: %d", it.GPUs)
			}
		case !it.AcceptsAccelerators:
			c.list.At(src, index(field(base, "instanceTypes"), i), "machine type %s cannot attach GPUs", it.Name).
				WithHint("attach T4/V100/P100/P4 accelerators to n1-* machines, or use g2-* (nvidia-l4) or a2-* (A100) machines")
		}
	}
}
