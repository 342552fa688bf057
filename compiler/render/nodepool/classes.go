package nodepool

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// Karpenter node classes: one object per distinct configuration the pools
// need. A configuration is "GPU or not" plus the root-disk size; pools that
// set no disk size, or the default one, share the default class.
//
// Names carry a hubfleet- prefix because AKS node auto-provisioning owns an
// AKSNodeClass called "default" (and EKS Auto Mode a NodeClass of that name).

// classKey is one node-class configuration.
type classKey struct {
	gpu  bool
	disk int // GiB, always explicit
}

// classKeyFor returns the node class a pool uses on a Karpenter cluster.
func classKeyFor(c *model.Cluster, p *model.NodePool) classKey {
	k := classKey{gpu: p.GPU != nil, disk: p.DiskSizeGiB}
	if k.disk == 0 {
		k.disk = defaultDisk(c, k.gpu)
	}
	return k
}

func defaultDisk(c *model.Cluster, gpu bool) int {
	switch {
	case gpu:
		return defaultGPUDiskGiB
	case c.Provider == model.ProviderAzure:
		return defaultDiskGiBAzure
	}
	return defaultDiskGiBAWS
}

// name is the node class's object name: hubfleet-default, hubfleet-gpu,
// hubfleet-disk-<N>gi or hubfleet-gpu-disk-<N>gi.
func (k classKey) name(c *model.Cluster) string {
	var b strings.Builder
	b.WriteString("hubfleet")
	if k.gpu {
		b.WriteString("-gpu")
	}
	if k.disk != defaultDisk(c, k.gpu) {
		b.WriteString("-disk-" + strconv.Itoa(k.disk) + "gi")
	} else if !k.gpu {
		b.WriteString("-default")
	}
	return b.String()
}

// classData builds the template argument for the class.
func (k classKey) data(c *model.Cluster) (*classData, error) {
	d := &classData{
		Name: k.name(c), GPU: k.gpu, DiskSizeGiB: k.disk,
		Annotations: capacityAnnotations(SyncWaveNodeClass, nil),
	}
	switch c.Provider {
	case model.ProviderAWS:
		nc := c.NodeClass.AWS
		if nc == nil || nc.Role == "" {
			return nil, fmt.Errorf("karpenter on aws needs nodeClass.aws.role")
		}
		d.Role = nc.Role
		d.AMIAlias = nc.AMIAlias
		if d.AMIAlias == "" {
			d.AMIAlias = "al2023@latest"
		}
		d.DiscoveryTag = nc.DiscoveryTag
		if d.DiscoveryTag == "" && c.AWS != nil {
			d.DiscoveryTag = c.AWS.ClusterName
		}
		if d.DiscoveryTag == "" {
			return nil, fmt.Errorf("karpenter on aws needs nodeClass.aws.discoveryTag or aws.clusterName")
		}
		// Bottlerocket boots from /dev/xvda and keeps images and pods on
		// its data volume, /dev/xvdb; the other families use one volume.
		d.RootDevice = "/dev/xvda"
		if strings.HasPrefix(d.AMIAlias, "bottlerocket@") {
			d.RootDevice = "/dev/xvdb"
		}
	case model.ProviderAzure:
		d.ImageFamily = "Ubuntu" // the CRD default, written out so Argo CD sees no diff
		if nc := c.NodeClass.Azure; nc != nil && nc.ImageFamily != "" {
			d.ImageFamily = nc.ImageFamily
		}
	}
	return d, nil
}

// classesFor returns the distinct classes of a cluster's pools, by name.
func classesFor(c *model.Cluster, pools []*model.NodePool) []classKey {
	seen := map[classKey]bool{}
	var out []classKey
	for _, p := range pools {
		k := classKeyFor(c, p)
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name(c) < out[j].name(c) })
	return out
}
