// Package diff explains what a change to the fleet does: the objects added,
// changed and removed per cluster and hub, a YAML diff of each changed
// object, a plain-language summary of notable changes and loud warnings for
// risky ones. It compares two rendered trees and the two fleets behind them.
package diff

import (
	"bytes"
	"fmt"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/hubfleet/hubfleet/compiler/output"
)

// Op is what happens to an object.
type Op string

const (
	Added   Op = "added"
	Changed Op = "changed"
	Removed Op = "removed"
)

// ObjectRef names one object of the output.
type ObjectRef struct {
	Cluster   string `json:"cluster,omitempty"` // "" for the root Argo CD objects
	Hub       string `json:"hub,omitempty"`     // "" for cluster-wide objects
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	File      string `json:"file"` // path under rendered/
}

func (r ObjectRef) String() string {
	if r.Namespace != "" {
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	return r.Kind + "/" + r.Name
}

func (r ObjectRef) key() string {
	return r.Cluster + "\x00" + r.Hub + "\x00" + r.Kind + "\x00" + r.Namespace + "\x00" + r.Name
}

// ObjectChange is one object added, changed or removed.
type ObjectChange struct {
	ObjectRef
	Op Op `json:"op"`
	// Diff is a unified diff of the object's YAML (changed objects only).
	Diff string `json:"diff,omitempty"`

	old, new map[string]any
}

// object is one YAML document of the output with its identity.
type object struct {
	ref  ObjectRef
	text string
	body map[string]any
}

// objectsOf splits a tree into objects, keyed by identity, skipping the
// files for which skip returns true. The location of a file says which
// cluster and hub it belongs to (see build.OutputPath).
func objectsOf(t output.Tree, skip func(file string) bool) (map[string]object, error) {
	out := map[string]object{}
	for file, data := range t {
		if !strings.HasSuffix(file, ".yaml") || skip(file) {
			continue
		}
		cluster, hub := owner(file)
		docs, err := splitDocs(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		for _, d := range docs {
			var body map[string]any
			if err := yaml.Unmarshal([]byte(d), &body); err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			if body == nil {
				continue
			}
			meta, _ := body["metadata"].(map[string]any)
			ref := ObjectRef{Cluster: cluster, Hub: hub, File: file}
			ref.Kind, _ = body["kind"].(string)
			ref.Name, _ = meta["name"].(string)
			ref.Namespace, _ = meta["namespace"].(string)
			out[ref.key()] = object{ref: ref, text: d, body: body}
		}
	}
	return out, nil
}

// owner derives cluster and hub from an output path:
// argocd/root.yaml, argocd/<cluster>.yaml, <cluster>/cluster/..., <cluster>/hubs/<hub>/...
func owner(file string) (cluster, hub string) {
	parts := strings.Split(file, "/")
	switch {
	case parts[0] == "argocd" && len(parts) == 2:
		if parts[1] == "root.yaml" {
			return "", ""
		}
		return strings.TrimSuffix(parts[1], ".yaml"), ""
	case len(parts) >= 4 && parts[1] == "hubs":
		return parts[0], parts[2]
	case len(parts) >= 2:
		return parts[0], ""
	}
	return "", ""
}

// splitDocs splits a multi-document YAML file, dropping comment-only
// preambles so the diff shows only object content.
func splitDocs(data []byte) ([]string, error) {
	var docs []string
	for _, chunk := range bytes.Split(data, []byte("\n---\n")) {
		var lines []string
		for _, l := range strings.Split(string(chunk), "\n") {
			if strings.HasPrefix(l, "#") || l == "---" {
				continue
			}
			lines = append(lines, l)
		}
		doc := strings.TrimSpace(strings.Join(lines, "\n"))
		if doc != "" {
			docs = append(docs, doc+"\n")
		}
	}
	return docs, nil
}

// compareTrees lists object changes in a stable order: by cluster, hub,
// kind, namespace, name.
func compareTrees(base, head output.Tree) ([]ObjectChange, error) {
	// A file with the same bytes on both sides holds the same objects:
	// only files that differ are parsed (most of a fleet is untouched by a
	// typical change).
	same := func(file string) bool {
		b, ok := base[file]
		h, ok2 := head[file]
		return ok && ok2 && bytes.Equal(b, h)
	}
	bo, err := objectsOf(base, same)
	if err != nil {
		return nil, fmt.Errorf("base: %w", err)
	}
	ho, err := objectsOf(head, same)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	var out []ObjectChange
	for k, h := range ho {
		b, ok := bo[k]
		switch {
		case !ok:
			out = append(out, ObjectChange{ObjectRef: h.ref, Op: Added, new: h.body})
		case b.text != h.text:
			out = append(out, ObjectChange{ObjectRef: h.ref, Op: Changed, Diff: unified(b.text, h.text, h.ref.File),
				old: b.body, new: h.body})
		}
	}
	for k, b := range bo {
		if _, ok := ho[k]; !ok {
			out = append(out, ObjectChange{ObjectRef: b.ref, Op: Removed, old: b.body})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].ObjectRef, out[j].ObjectRef
		if a.Cluster != b.Cluster {
			return a.Cluster < b.Cluster
		}
		if a.Hub != b.Hub {
			return a.Hub < b.Hub
		}
		return a.key() < b.key()
	})
	return out, nil
}

// fileLabel names the two sides of a unified diff.
func fileLabel(side, file string) string { return path.Join(side, "rendered", file) }
