package check

import (
	"slices"
	"strings"

	"github.com/hubfleet/hubfleet/compiler/model"
)

// The component versions the compiler can render. They mirror the image
// table of compiler/render/base (which check must not import); a test keeps
// the two in step.
var (
	supportedJupyterHub  = []string{"4.4.0"}
	supportedDaskGateway = []string{"2026.3.0"}
)

// JupyterHubVersions lists the z2jh versions check accepts.
func JupyterHubVersions() []string { return slices.Clone(supportedJupyterHub) }

// DaskGatewayVersions lists the dask-gateway versions check accepts.
func DaskGatewayVersions() []string { return slices.Clone(supportedDaskGateway) }

// fleetSrc is the fleet file as a source for diagnostics.
func (c *checker) fleetSrc() model.Source {
	return model.Source{File: c.fleet.Source, Positions: c.fleet.Positions}
}

// versions checks the pinned component versions.
func (c *checker) versions() {
	src := c.fleetSrc()
	v := c.fleet.Versions
	if !slices.Contains(supportedJupyterHub, v.JupyterHub) {
		c.list.At(src, "versions.jupyterhub", "jupyterhub version %q is not supported by this hubfleet", v.JupyterHub).
			WithHint("supported versions: %s", strings.Join(supportedJupyterHub, ", "))
	}
	if v.DaskGateway == "" && !c.anyDask() {
		return
	}
	if !slices.Contains(supportedDaskGateway, v.DaskGateway) {
		c.list.At(src, "versions.daskGateway", "dask-gateway version %q is not supported by this hubfleet", v.DaskGateway).
			WithHint("supported versions: %s", strings.Join(supportedDaskGateway, ", "))
	}
}

func (c *checker) anyDask() bool {
	for _, cl := range c.fleet.Clusters {
		if cl == nil {
			continue
		}
		for _, h := range hubs(cl) {
			if h.Dask.Enabled {
				return true
			}
		}
	}
	return false
}
