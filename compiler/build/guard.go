package build

import (
	"errors"
	"fmt"
	"io/fs"

	"sigs.k8s.io/yaml"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/render/nodepool"
)

// capacityKinds are the node-pool objects whose fields the provider may not
// be able to change in place.
var capacityKinds = map[string]bool{
	"NodePool": true, "ContainerNodePool": true, "ManagedClustersAgentPool": true,
}

// guardImmutable compares each node pool with the committed file of the
// same name: a field the provider cannot update in place, changed without a
// new generation (which renames the pool), is an error naming the field.
func guardImmutable(f *model.Fleet, objs []*manifest.Object, previous fs.FS) (diag.List, error) {
	if previous == nil {
		return nil, nil
	}
	var diags diag.List
	for _, o := range objs {
		if !capacityKinds[o.Kind()] {
			continue
		}
		data, err := fs.ReadFile(previous, OutputPath(o))
		if errors.Is(err, fs.ErrNotExist) {
			continue // a new pool
		}
		if err != nil {
			return nil, fmt.Errorf("reading the committed %s: %w", OutputPath(o), err)
		}
		var body map[string]any
		if err := yaml.Unmarshal(data, &body); err != nil || body == nil {
			continue // not ours to judge: render will overwrite it
		}
		changed := nodepool.ImmutableChanges(&manifest.Object{Body: body}, o)
		if len(changed) == 0 {
			continue
		}
		pool := findPool(f, o)
		for _, field := range changed {
			if pool == nil {
				diags.Errorf(model.Pos{File: o.Source, Line: 1, Col: 1}, "", "node pool %s: %s cannot change in place", o.Name(), field)
				continue
			}
			diags.At(pool.Src, pool.Path, "node pool %q: %s cannot change in place (%s)", pool.Name, field, o.Kind()).
				WithHint("bump the pool's generation (e.g. generation: %s) to create a replacement next to it; drain and delete the old pool afterwards", nextGeneration(pool.Generation))
		}
	}
	return diags, nil
}

func findPool(f *model.Fleet, o *manifest.Object) *model.NodePool {
	c := f.Cluster(o.Cluster)
	if c == nil {
		return nil
	}
	for _, p := range c.AllPools() {
		if p.FullName() == o.Name() {
			return p
		}
	}
	return nil
}

// nextGeneration suggests a generation after g: "" → "b", "b" → "c", "9" → "10".
func nextGeneration(g string) string {
	switch {
	case g == "":
		return "b"
	case len(g) == 1 && g[0] >= 'a' && g[0] < 'z':
		return string(g[0] + 1)
	}
	return g + "2"
}
