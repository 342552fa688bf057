package base

import (
	"github.com/hubfleet/hubfleet/compiler/model"
)

// ManagedBy replaces helm's "Helm" in managed-by labels.
const ManagedBy = "hubfleet"

// Labels returns the full z2jh label set for an object of a hub's
// JupyterHub component: legacy and modern names, chart and manager.
func Labels(h *model.Hub, component, chartVersion string) map[string]string {
	return map[string]string{
		"component":                    component,
		"app":                          "jupyterhub",
		"release":                      Release(h),
		"chart":                        "jupyterhub-" + chartVersion,
		"heritage":                     ManagedBy,
		"app.kubernetes.io/component":  component,
		"app.kubernetes.io/name":       "jupyterhub",
		"app.kubernetes.io/instance":   Release(h),
		"app.kubernetes.io/managed-by": ManagedBy,
		"helm.sh/chart":                "jupyterhub-" + chartVersion,
	}
}

// SelectorLabels are the only labels selectors may use (component, app,
// release): selectors of live Deployments are immutable.
func SelectorLabels(h *model.Hub, component string) map[string]string {
	return map[string]string{
		"component": component,
		"app":       "jupyterhub",
		"release":   Release(h),
	}
}

// PodLabels are the pod-template labels of a component: the selector labels
// plus their modern twins, plus any extra (network access) labels.
func PodLabels(h *model.Hub, component string, extra map[string]string) map[string]string {
	l := SelectorLabels(h, component)
	l["app.kubernetes.io/component"] = component
	l["app.kubernetes.io/name"] = "jupyterhub"
	l["app.kubernetes.io/instance"] = Release(h)
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// Network access labels: a pod holding one may reach that target.
const (
	AccessHub        = "hub.jupyter.org/network-access-hub"
	AccessProxyAPI   = "hub.jupyter.org/network-access-proxy-api"
	AccessProxyHTTP  = "hub.jupyter.org/network-access-proxy-http"
	AccessSingleuser = "hub.jupyter.org/network-access-singleuser"
)

// UserComponent is the component label KubeSpawner gives user pods.
const UserComponent = "singleuser-server"

// DaskLabels is the dask-gateway label set for a component (gateway,
// controller, traefik); gateway.dask.org/instance is what traefik selects
// its routes on.
func DaskLabels(h *model.Hub, component, version string) map[string]string {
	l := DaskSelectorLabels(h, component)
	l["app.kubernetes.io/version"] = version
	l["app.kubernetes.io/managed-by"] = ManagedBy
	l["helm.sh/chart"] = "dask-gateway-" + version
	l["gateway.dask.org/instance"] = DaskFullName(h)
	return l
}

// DaskSelectorLabels select one dask-gateway component's pods.
func DaskSelectorLabels(h *model.Hub, component string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":      "dask-gateway",
		"app.kubernetes.io/instance":  Release(h),
		"app.kubernetes.io/component": component,
	}
}

// RuntimePodLabels are the label sets of the pods a hub creates at run
// time, which no rendered object declares: KubeSpawner's user pods and,
// with dask-gateway, its schedulers and workers. Checks that selectors
// select something count them as pods.
func RuntimePodLabels(h *model.Hub) []map[string]string {
	pods := []map[string]string{{
		"component": UserComponent, "app": "jupyterhub", "release": Release(h),
		"app.kubernetes.io/component": UserComponent,
		AccessHub:                     "true",
	}}
	if h.Dask.Enabled {
		for _, c := range []string{"dask-scheduler", "dask-worker"} {
			pods = append(pods, map[string]string{
				"gateway.dask.org/instance":   DaskFullName(h),
				"app.kubernetes.io/component": c,
			})
		}
	}
	return pods
}
