package build

import (
	"io/fs"
	"sort"
	"sync"

	"github.com/hubfleet/hubfleet/compiler/cache"
	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// unit is one cluster as far as the render cache is concerned: every file
// under rendered/<cluster>/ and argocd/<cluster>.yaml.
type unit struct {
	key      string // "" without a cache
	restored bool   // entry's files stay as they are in Options.Previous
	entry    *cache.Entry
}

// inputs are the files a cluster's output is a function of, with the
// compiler itself (which the cache's salt stands for): fleet.yaml, the
// cluster's files and the fleet's node-pool templates. Nothing of one
// cluster's output depends on another cluster (TestCacheMatchesFreshRender
// edits each kind of input and compares with a render without cache).
func inputs(c *model.Cluster, templates []string) []string {
	files := []string{load.FleetFile, c.Src.File}
	var hubs []string
	for _, h := range c.Hubs {
		hubs = append(hubs, h.Src.File)
	}
	sort.Strings(hubs)
	files = append(files, hubs...)
	return append(files, templates...)
}

// templateFiles lists the node-pool template files, in lexical order.
func templateFiles(fsys fs.FS) []string {
	var files []string
	_ = fs.WalkDir(fsys, TemplatesDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	return files
}

// restoreAll looks every cluster up in the cache. A cluster is restored
// only when its entry's files are all in the previous output with exactly
// the recorded contents: a file edited by hand, or left from another
// branch, makes the cluster render again.
func restoreAll(fsys fs.FS, f *model.Fleet, opts Options) map[string]*unit {
	units := make(map[string]*unit, len(f.Clusters))
	for _, c := range f.Clusters {
		units[c.Name] = &unit{}
	}
	if opts.Cache == nil {
		return units
	}
	templates := templateFiles(fsys)
	var wg sync.WaitGroup
	sem := make(chan struct{}, opts.workers())
	for _, c := range f.Clusters {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			restore(fsys, c, templates, opts, units[c.Name])
		}()
	}
	wg.Wait()
	return units
}

func restore(fsys fs.FS, c *model.Cluster, templates []string, opts Options, u *unit) {
	key, err := opts.Cache.Key(fsys, inputs(c, templates))
	if err != nil {
		return // render it
	}
	u.key = key
	e := opts.Cache.Get(key)
	if e == nil || opts.Previous == nil {
		return
	}
	if !e.Unchanged(opts.Previous) {
		// The files' status changed (or was never recorded): read them.
		digest, err := cache.Digest(opts.Previous, e.Files)
		if err != nil || digest != e.Digest {
			return
		}
		// Content checked; the status is recorded afresh (Store.Stamp).
		e = &cache.Entry{Objects: e.Objects, Files: e.Files, Digest: e.Digest}
	}
	u.restored, u.entry = true, e
	opts.Cache.Keep(key, e)
}

// remember records the files of the clusters rendered this time, from
// their sums.
func remember(store *cache.Store, units map[string]*unit, sums map[string]cache.Sum, owner map[string]string, counts map[string]int) {
	byCluster := map[string][]string{}
	for p, c := range owner {
		if u := units[c]; u != nil && !u.restored && u.key != "" {
			byCluster[c] = append(byCluster[c], p)
		}
	}
	for c, paths := range byCluster {
		sort.Strings(paths)
		s := make([]cache.Sum, len(paths))
		for i, p := range paths {
			s[i] = sums[p]
		}
		store.Put(units[c].key, &cache.Entry{Objects: counts[c], Files: paths, Digest: cache.DigestSums(s)})
	}
}
