package daskgateway

import (
	"fmt"

	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/base"
)

// Components: the app.kubernetes.io/component values of the gateway's own
// pods, and of the pods the controller creates for each dask cluster.
const (
	componentAPI        = "gateway"
	componentController = "controller"
	componentTraefik    = "traefik"
	componentScheduler  = "dask-scheduler"
	componentWorker     = "dask-worker"
)

// Fixed settings shared by the manifests and the gateway configuration.
const (
	// Prefix is the path the gateway is served under: the JupyterHub proxy
	// routes /services/dask-gateway to traefik.
	Prefix = "/services/" + base.DaskServiceName

	// ConfigDir is where the ConfigMaps are mounted; ConfigFile is what
	// dask-gateway-server --config reads, SettingsFile the per-hub JSON.
	ConfigDir    = "/etc/dask-gateway"
	ConfigFile   = "dask_gateway_config.py"
	SettingsFile = "settings.json"

	// TokenEnv is the api container's variable holding the hub service token.
	TokenEnv = "JUPYTERHUB_API_TOKEN"

	// InstanceLabel is the label traefik selects its routes on.
	InstanceLabel = "gateway.dask.org/instance"

	// Scheduler ports (fixed by the dask-gateway controller) and traefik's
	// ping entrypoint.
	schedulerPort = 8786
	dashboardPort = 8787
	schedulerAPI  = 8788
	traefikPing   = 9000
	webEntrypoint = "web"
	configVolume  = "config"
	checksumAnnot = "checksum/configmap"
)

// Object names: cluster-scoped ones (ClusterRole/Binding) reuse the
// component names, which carry the hub name and so are unique per cluster.
func apiName(h *model.Hub) string        { return base.DaskAPIService(h) }
func controllerName(h *model.Hub) string { return "controller-" + base.DaskFullName(h) }
func traefikName(h *model.Hub) string    { return base.DaskTraefikService(h) }

// ClustersMiddleware strips /services/dask-gateway/clusters/<name> from
// dashboard requests; the controller attaches it to every cluster route.
func ClustersMiddleware(h *model.Hub) string { return "clusters-prefix-" + base.DaskFullName(h) }

// APIMiddleware strips the prefix from api requests.
func APIMiddleware(h *model.Hub) string { return "api-prefix-" + base.DaskFullName(h) }

// Render returns every dask-gateway object of a hub, or nil when the hub has
// dask disabled.
func Render(h *model.Hub, f *model.Fleet) ([]*manifest.Object, error) {
	if h == nil || !h.Dask.Enabled {
		return nil, nil
	}
	if f == nil {
		return nil, fmt.Errorf("hub %s: rendering dask-gateway: no fleet given", h.ID())
	}
	r, err := newRenderer(h, f)
	if err != nil {
		return nil, fmt.Errorf("hub %s: rendering dask-gateway: %w", h.ID(), err)
	}
	objs, err := r.objects()
	if err != nil {
		return nil, fmt.Errorf("hub %s: rendering dask-gateway: %w", h.ID(), err)
	}
	manifest.Sort(objs)
	return objs, nil
}

// renderer holds what every object of one hub needs.
type renderer struct {
	h       *model.Hub
	version string
	images  base.DaskGatewayImages
	ns      string
	cluster string
}

func newRenderer(h *model.Hub, f *model.Fleet) (*renderer, error) {
	im, err := base.DaskImagesFor(f.Versions.DaskGateway)
	if err != nil {
		return nil, err
	}
	if h.Cluster == nil {
		return nil, fmt.Errorf("hub has no cluster")
	}
	ns := h.Namespace
	if ns == "" {
		ns = h.Name
	}
	return &renderer{h: h, version: f.Versions.DaskGateway, images: im, ns: ns, cluster: h.Cluster.Name}, nil
}

func (r *renderer) objects() ([]*manifest.Object, error) {
	var out []*manifest.Object
	add := func(v any) error {
		o, err := manifest.New(r.h.Src.File, v)
		if err != nil {
			return err
		}
		o.Cluster, o.Hub = r.cluster, r.h.Name
		out = append(out, o)
		return nil
	}

	gwCM, err := r.gatewayConfigMap()
	if err != nil {
		return nil, err
	}
	ctlCM, err := r.controllerConfigMap()
	if err != nil {
		return nil, err
	}
	typed := []any{
		gwCM, ctlCM,
		r.apiDeployment(gwCM), r.controllerDeployment(ctlCM), r.traefikDeployment(),
		r.apiService(), r.traefikService(),
	}
	typed = append(typed, r.rbac()...)
	typed = append(typed, r.networkPolicies()...)
	for _, v := range typed {
		if err := add(v); err != nil {
			return nil, err
		}
	}
	for _, m := range r.traefikObjects() {
		if err := add(m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// labels is the full label set of an object of a component.
func (r *renderer) labels(component string) map[string]string {
	return base.DaskLabels(r.h, component, r.version)
}

// instanceSelector selects the dask pods of one component of this gateway
// instance (dask pods carry only the instance and component labels that
// the controller sets, so these are the labels to select them by).
func (r *renderer) instanceSelector(component string) map[string]string {
	return map[string]string{
		InstanceLabel:                 base.DaskFullName(r.h),
		"app.kubernetes.io/component": component,
	}
}
