package check

import (
	"github.com/hubfleet/hubfleet/compiler/model"
)

// gcpServiceAccountIDMax is GCP's limit on service-account IDs; the Workload
// Identity account of a hub is named <cluster>-<hub>.
const gcpServiceAccountIDMax = 30

// storage checks what the home and shared volumes need.
func (c *checker) storage(cl *model.Cluster, h *model.Hub) {
	home := h.Storage.Home
	if h.Storage.Shared.Enabled && home.Type != model.HomeNFS {
		c.list.At(h.Src, "storage.shared.enabled",
			"the shared directory needs NFS homes (storage.home.type is %q)", home.Type).
			WithHint("the shared directory is a read-only subPath of the NFS home volume; set storage.home.type: nfs with server and path, or disable storage.shared")
	}
	switch home.Type {
	case model.HomeNFS:
		if home.Server == "" {
			c.list.At(h.Src, "storage.home", "NFS homes need a server")
		}
		if home.Path == "" {
			c.list.At(h.Src, "storage.home", "NFS homes need a path")
		}
	case model.HomeDynamic:
		if home.Server != "" || home.Path != "" {
			c.list.At(h.Src, "storage.home.type", "server and path only apply to NFS homes (storage.home.type is dynamic)")
		}
	}
}

// identity checks the cloud identity a hub's users get.
func (c *checker) identity(cl *model.Cluster, h *model.Hub) {
	if !h.CloudIdentity {
		return
	}
	name := cl.Name + "-" + h.Name
	switch cl.Provider {
	case model.ProviderGCP:
		if len(name) > gcpServiceAccountIDMax {
			c.list.At(h.Src, "cloudIdentity",
				"the Workload Identity service account %q is %d characters; GCP allows at most %d",
				name, len(name), gcpServiceAccountIDMax).
				WithHint("shorten the cluster or hub name, or turn cloudIdentity off for this hub")
		}
	case model.ProviderAWS:
		if cl.AWS == nil || cl.AWS.Account == "" {
			c.list.At(cl.Src, "aws.account", "hubs with cloudIdentity need the cluster's AWS account for their IRSA role")
		}
	}
}
