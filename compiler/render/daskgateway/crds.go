package daskgateway

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"

	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/manifest"
)

// crdFiles are upstream CRDs kept byte-for-byte as data: the DaskCluster
// CRD of dask-gateway and the ten Traefik CRDs its chart ships.
//
//go:embed crds/*.yaml
var crdFiles embed.FS

// Annotations on every CRD: Argo CD applies them before anything else in
// the cluster Application, and server-side (the largest is too big for the
// last-applied annotation of client-side apply).
const (
	syncOptionsAnnot = "argocd.argoproj.io/sync-options"
	syncWaveAnnot    = "argocd.argoproj.io/sync-wave"
	crdSyncWave      = "-10"
)

// CRDs returns the CustomResourceDefinitions a cluster with dask hubs needs,
// once per cluster, sorted by name. Cluster, Hub and Source are left to the
// caller.
func CRDs() ([]*manifest.Object, error) {
	names, err := fs.Glob(crdFiles, "crds/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("listing embedded CRDs: %w", err)
	}
	sort.Strings(names)
	out := make([]*manifest.Object, 0, len(names))
	for _, n := range names {
		o, err := loadCRD(n)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	manifest.Sort(out)
	return out, nil
}

func loadCRD(name string) (*manifest.Object, error) {
	raw, err := crdFiles.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	js, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	var body map[string]any
	// utiljson keeps integers as int64, as manifest.Object expects.
	if err := utiljson.Unmarshal(js, &body); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	if body["kind"] != "CustomResourceDefinition" {
		return nil, fmt.Errorf("%s: kind %v, want CustomResourceDefinition", name, body["kind"])
	}
	// Null fields (creationTimestamp: null) mean "unset"; empty maps stay,
	// because `subresources: {status: {}}` is meaningful.
	dropNulls(body)
	o := &manifest.Object{Body: body}
	o.SetAnnotation(syncOptionsAnnot, "ServerSideApply=true")
	o.SetAnnotation(syncWaveAnnot, crdSyncWave)
	return o, nil
}

func dropNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
				continue
			}
			dropNulls(e)
		}
	case []any:
		for _, e := range t {
			dropNulls(e)
		}
	}
}
