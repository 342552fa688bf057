package patch

import (
	"strings"

	"sigs.k8s.io/kustomize/api/builtins"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/api/types"
)

// Configuring the transformer parses the patch text twice (as resources
// and as JSON 6902 operations), a sixth of a one-object strategic merge.
// A fleet's hubs share most patches (hubDefaults), so configured
// transformers are kept by configuration. Reuse is safe: after Config the
// transformer only reads its fields; with a target (configOf always sets
// one) it deep-copies its strategic-merge patch for every object it
// merges into (resWrangler.ApplySmPatch) and never modifies its decoded
// JSON 6902 operations. Config errors are kept too (Config is a pure
// function of the configuration). Guarded by runMu, like every use of a
// transformer.
var pluginCache map[string]cachedPlugin

type cachedPlugin struct {
	plugin *builtins.PatchTransformerPlugin
	err    error
}

const pluginCacheSize = 256

// configured returns t configured with cfg, or an equal transformer
// configured before. Callers hold runMu.
func configured(t *builtins.PatchTransformerPlugin, cfg []byte, f *resmap.Factory) (*builtins.PatchTransformerPlugin, error) {
	key := pluginKey(t, cfg)
	if c, ok := pluginCache[key]; ok {
		return c.plugin, c.err
	}
	err := t.Config(resmap.NewPluginHelpers(nil, nil, f, types.DisabledPluginConfig()), cfg)
	if len(pluginCache) >= pluginCacheSize || pluginCache == nil {
		pluginCache = make(map[string]cachedPlugin)
	}
	pluginCache[key] = cachedPlugin{plugin: t, err: err}
	return t, err
}

// pluginKey identifies a configuration: the configuration text and the
// fields configOf may have set beforehand.
func pluginKey(t *builtins.PatchTransformerPlugin, cfg []byte) string {
	parts := []string{string(cfg), t.Patch, t.Path}
	if s := t.Target; s != nil {
		parts = append(parts, "target", s.Group, s.Version, s.Kind, s.Name, s.Namespace, s.LabelSelector, s.AnnotationSelector)
	}
	return strings.Join(parts, "\x00")
}
