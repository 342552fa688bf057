package base

import "fmt"

// JupyterHubImages are the images of one z2jh release.
type JupyterHubImages struct {
	Hub           string
	Proxy         string
	NetworkTools  string
	KubeScheduler string
	Pause         string
}

// DaskGatewayImages are the images of one dask-gateway release.
type DaskGatewayImages struct {
	Server  string
	Traefik string
	// Default scheduler/worker image when neither the hub nor the user
	// image applies (hubfleet defaults to the user's image).
	Cluster string
}

// The image table: one place to add a release, keyed by the version pinned
// in fleet.yaml.
var jupyterhubImages = map[string]JupyterHubImages{
	"4.4.0": {
		Hub:           "quay.io/jupyterhub/k8s-hub:4.4.0",
		Proxy:         "quay.io/jupyterhub/configurable-http-proxy:5.2.0",
		NetworkTools:  "quay.io/jupyterhub/k8s-network-tools:4.4.0",
		KubeScheduler: "registry.k8s.io/kube-scheduler:v1.30.14",
		Pause:         "registry.k8s.io/pause:3.10.1",
	},
}

var daskGatewayImages = map[string]DaskGatewayImages{
	"2026.3.0": {
		Server:  "ghcr.io/dask/dask-gateway-server:2026.3.0",
		Traefik: "docker.io/traefik:3.3.5",
		Cluster: "ghcr.io/dask/dask-gateway:2026.3.0",
	},
}

// JupyterHubVersions lists the supported z2jh versions (for the schema and
// error hints).
func JupyterHubVersions() []string { return keys(jupyterhubImages) }

// DaskGatewayVersions lists the supported dask-gateway versions.
func DaskGatewayVersions() []string { return keys(daskGatewayImages) }

// ImagesFor returns the z2jh images of a version.
func ImagesFor(version string) (JupyterHubImages, error) {
	im, ok := jupyterhubImages[version]
	if !ok {
		return im, fmt.Errorf("unsupported jupyterhub version %q (supported: %v)", version, JupyterHubVersions())
	}
	return im, nil
}

// DaskImagesFor returns the dask-gateway images of a version.
func DaskImagesFor(version string) (DaskGatewayImages, error) {
	im, ok := daskGatewayImages[version]
	if !ok {
		return im, fmt.Errorf("unsupported dask-gateway version %q (supported: %v)", version, DaskGatewayVersions())
	}
	return im, nil
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	// Few entries; a simple insertion sort keeps this free of imports.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}
