// Package base holds what every renderer shares: object names, labels, the
// image table, the secret contract and pod placement derived from node
// pools. Node pools and the pods that land on them are computed from the
// same functions here, so the two sides cannot disagree.
package base

import (
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Domain prefixes hubfleet's own labels and annotations.
const Domain = "hubfleet.dev"

// Labels hubfleet puts on nodes and selects pods with.
const (
	LabelNodePool = Domain + "/node-pool" // the pool's full name: one exact pool
	LabelHub      = Domain + "/hub"       // pools declared by a hub
	LabelGPU      = Domain + "/gpu"       // the GPU type of GPU pools
	LabelCluster  = Domain + "/cluster"
)

// Release is the per-hub value z2jh calls the helm release name: it names
// cluster-scoped objects and labels every object, so it must be unique per
// cluster. The hub name is.
func Release(h *model.Hub) string { return h.Name }

// DaskFullName is dask-gateway's fullname for the hub ("<hub>-dask-gateway").
func DaskFullName(h *model.Hub) string { return h.Name + "-dask-gateway" }

// DaskTraefikService is the Service users and the proxy reach the gateway at.
func DaskTraefikService(h *model.Hub) string { return "traefik-" + DaskFullName(h) }

// DaskAPIService is the dask-gateway api Service.
func DaskAPIService(h *model.Hub) string { return "api-" + DaskFullName(h) }

// DaskServiceName is the name of the gateway's JupyterHub service, and so
// the URL prefix /services/dask-gateway.
const DaskServiceName = "dask-gateway"

// UserSchedulerName is the schedulerName user pods use when the user
// scheduler is on.
func UserSchedulerName(h *model.Hub) string { return Release(h) + "-user-scheduler" }

// PriorityClass names are cluster-scoped, so they carry the release.
func DefaultPriorityClass(h *model.Hub) string     { return Release(h) + "-default-priority" }
func PlaceholderPriorityClass(h *model.Hub) string { return Release(h) + "-user-placeholder-priority" }

// Ports of the JupyterHub pods and Services.
const (
	HubPort      = 8081
	ProxyPort    = 8000
	ProxyAPIPort = 8001
	NotebookPort = 8888
	DaskAPIPort  = 8000
	TraefikPort  = 8000
)

// Paths inside the hub container.
const (
	HubConfigDir  = "/usr/local/etc/jupyterhub"
	HubConfigFile = HubConfigDir + "/jupyterhub_config.py"
	HubSecretDir  = HubConfigDir + "/secret"
)
