package cli

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// completeTargets completes CLUSTER and CLUSTER/HUB arguments from the hubs/
// tree on disk, without loading the fleet (completion must be instant).
func (g *globals) completeTargets(cmd *cobra.Command, args []string, prefix string) ([]string, cobra.ShellCompDirective) {
	root, err := g.findRoot()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	hubs := filepath.Join(root, "hubs")
	clusters, err := os.ReadDir(hubs)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, c := range clusters {
		if !c.IsDir() || strings.HasPrefix(c.Name(), "_") || strings.HasPrefix(c.Name(), ".") {
			continue
		}
		out = append(out, c.Name())
		files, _ := os.ReadDir(filepath.Join(hubs, c.Name()))
		for _, f := range files {
			name := f.Name()
			if f.IsDir() || name == "cluster.yaml" || strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
				continue
			}
			if ext := filepath.Ext(name); ext == ".yaml" || ext == ".cue" {
				out = append(out, c.Name()+"/"+strings.TrimSuffix(name, ext))
			}
		}
	}
	sort.Strings(out)
	var matching []string
	for _, t := range out {
		if strings.HasPrefix(t, prefix) {
			matching = append(matching, t)
		}
	}
	return matching, cobra.ShellCompDirectiveNoFileComp
}
