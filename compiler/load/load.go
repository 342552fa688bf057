// Package load reads the hubs/ tree: it discovers the fleet, cluster and
// hub files, layers hub defaults under each hub, validates every file
// against the CUE schema and decodes the result into the model, keeping the
// file, line and column where every value was written.
//
// Layout (SPEC §2): hubs/fleet.yaml (optional), hubs/<cluster>/cluster.yaml
// (required), hubs/<cluster>/<hub>.yaml or <hub>.cue. Files and folders
// whose names start with "_" or "." are ignored, at any level: they are
// reserved for tooling such as hubs/_templates/ (jsonnet overrides of the
// provider templates). Markdown files (*.md) are ignored too.
package load

import (
	"fmt"
	"io"
	"io/fs"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/model"
)

// Options select what to load and how.
type Options struct {
	// Select limits loading to clusters ("CLUSTER") and hubs
	// ("CLUSTER/HUB"); empty loads everything. fleet.yaml and the cluster
	// files of selected hubs are always read.
	Select []string
	// Workers is the number of clusters loaded at once; 0 means GOMAXPROCS.
	Workers int
}

// Root-relative names of the tree.
const (
	HubsDir     = "hubs"
	FleetFile   = "hubs/fleet.yaml"
	ClusterFile = "cluster.yaml"
)

// recycleAfter is how many values a worker validates before it drops its
// CUE context: a context only grows.
const recycleAfter = 1000

// Load reads and validates the fleet under fsys, which is rooted at the
// repository root (it contains hubs/). It returns every diagnostic found,
// sorted; the fleet holds what could be loaded and is only complete when
// the list has no errors.
func Load(fsys fs.FS, opts Options) (fleet *model.Fleet, errs diag.List) {
	defer func() {
		if r := recover(); r != nil {
			errs.Errorf(model.Pos{File: HubsDir}, "", "internal error while loading: %v", r)
			errs.Sort()
		}
	}()
	lay, errs := discover(fsys, opts.Select)
	fleet = &model.Fleet{}

	// fleet.yaml is parsed once; its tree is shared, read-only, by the
	// workers (nodes are never mutated).
	var fleetTree *node
	if lay.hasFleet {
		data, err := readFile(fsys, FleetFile)
		if err != nil {
			errs.Add(*err)
		} else {
			fleet.Source = FleetFile
			t, perrs := parseYAML(newSource(FleetFile, data))
			errs.Merge(perrs)
			if len(perrs) == 0 {
				fleetTree = t
			}
		}
	}
	fleetD := fleetTree.get("hubDefaults")

	cache := newPieceCache()
	w, err := newWorker(fleetD, cache)
	if err != nil {
		errs.Errorf(model.Pos{File: "schema"}, "", "%v", err)
		return fleet, errs
	}
	errs.Merge(w.loadFleet(fleet, fleetTree, fleet.Source != "" && fleetTree == nil))

	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(1, len(lay.clusters)))
	results := make([]clusterResult, len(lay.clusters))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(first bool) {
			defer wg.Done()
			ww := w
			if !first {
				// Each worker has its own CUE context: values are never
				// shared between goroutines.
				var err error
				if ww, err = newWorker(fleetD, cache); err != nil {
					for idx := range jobs {
						results[idx].errs.Errorf(model.Pos{File: "schema"}, "", "%v", err)
					}
					return
				}
			}
			for idx := range jobs {
				results[idx] = ww.safeLoadCluster(fsys, lay.clusters[idx])
			}
		}(i == 0)
	}
	for i := range lay.clusters {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	for _, r := range results {
		errs.Merge(r.errs)
		if r.cluster != nil {
			fleet.Clusters = append(fleet.Clusters, r.cluster)
		}
	}
	errs.Sort()
	return fleet, errs
}

// layout is the discovered tree.
type layout struct {
	hasFleet bool
	clusters []clusterFiles // sorted by name
}

type clusterFiles struct {
	name string
	hubs []hubFile // sorted by name
}

type hubFile struct {
	name string
	path string // root-relative
	cue  bool
}

func ignored(name string) bool {
	return strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".md")
}

// discover lists the fleet's files and applies the selection.
func discover(fsys fs.FS, sel []string) (layout, diag.List) {
	var lay layout
	var errs diag.List
	entries, err := fs.ReadDir(fsys, HubsDir)
	if err != nil {
		errs.Errorf(model.Pos{File: HubsDir}, "", "cannot read the fleet: %v", err)
		return lay, errs
	}
	for _, e := range entries {
		name := e.Name()
		p := path.Join(HubsDir, name)
		switch {
		case ignored(name):
		case e.IsDir():
			c, cerrs := discoverCluster(fsys, name)
			errs.Merge(cerrs)
			if c != nil {
				lay.clusters = append(lay.clusters, *c)
			}
		case name == "fleet.yaml":
			lay.hasFleet = true
		case name == "fleet.yml":
			errs.Errorf(model.Pos{File: p}, "", "unexpected file").WithHint("rename it to fleet.yaml")
		default:
			errs.Errorf(model.Pos{File: p}, "", "unexpected file in %s/", HubsDir).
				WithHint("%s/ holds fleet.yaml and one folder per cluster", HubsDir)
		}
	}
	sort.Slice(lay.clusters, func(i, j int) bool { return lay.clusters[i].name < lay.clusters[j].name })
	if len(sel) > 0 {
		lay.clusters = selectClusters(lay.clusters, sel, &errs)
	}
	return lay, errs
}

func discoverCluster(fsys fs.FS, name string) (*clusterFiles, diag.List) {
	var errs diag.List
	dir := path.Join(HubsDir, name)
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		errs.Errorf(model.Pos{File: dir}, "", "cannot read the cluster folder: %v", err)
		return nil, errs
	}
	c := &clusterFiles{name: name}
	hasCluster := false
	kinds := map[string]string{}
	twice := map[string]bool{}
	for _, e := range entries {
		n := e.Name()
		p := path.Join(dir, n)
		ext := path.Ext(n)
		stem := strings.TrimSuffix(n, ext)
		switch {
		case ignored(n):
		case e.IsDir():
			errs.Errorf(model.Pos{File: p}, "", "unexpected folder in a cluster folder").
				WithHint("a cluster folder holds cluster.yaml and one <hub>.yaml or <hub>.cue per hub")
		case n == ClusterFile:
			hasCluster = true
		case n == "cluster.yml" || n == "cluster.cue":
			errs.Errorf(model.Pos{File: p}, "", "unexpected file").WithHint("the cluster file is cluster.yaml")
		case ext == ".yaml" || ext == ".cue":
			if prev, dup := kinds[stem]; dup {
				errs.Errorf(model.Pos{File: p}, "", "hub %q is defined twice, in %s and %s", stem, path.Base(prev), n).
					WithHint("keep either the .yaml or the .cue file")
				twice[stem] = true
				continue
			}
			kinds[stem] = p
			c.hubs = append(c.hubs, hubFile{name: stem, path: p, cue: ext == ".cue"})
		case ext == ".yml":
			errs.Errorf(model.Pos{File: p}, "", "unexpected file").WithHint("rename it to %s.yaml", stem)
		default:
			errs.Errorf(model.Pos{File: p}, "", "unexpected file in a cluster folder").
				WithHint("a cluster folder holds cluster.yaml and one <hub>.yaml or <hub>.cue per hub")
		}
	}
	if !hasCluster {
		errs.Errorf(model.Pos{File: dir}, "", "cluster folder %q has no cluster.yaml", name).
			WithHint("every folder under %s/ is a cluster; prefix the name with _ to keep other files there", HubsDir)
		return nil, errs
	}
	// A hub defined twice is dropped entirely: which one wins is unclear.
	out := c.hubs[:0]
	for _, h := range c.hubs {
		if !twice[h.name] {
			out = append(out, h)
		}
	}
	c.hubs = out
	sort.Slice(c.hubs, func(i, j int) bool { return c.hubs[i].name < c.hubs[j].name })
	return c, errs
}

// selectClusters keeps the selected clusters and hubs, reporting
// selections that name nothing.
func selectClusters(all []clusterFiles, sel []string, errs *diag.List) []clusterFiles {
	whole := map[string]bool{}
	hubs := map[string]map[string]bool{}
	for _, s := range sel {
		c, h, isHub := strings.Cut(s, "/")
		var cf *clusterFiles
		for i := range all {
			if all[i].name == c {
				cf = &all[i]
			}
		}
		if cf == nil {
			errs.Errorf(model.Pos{File: HubsDir}, "", "no cluster %q in %s/", c, HubsDir)
			continue
		}
		if !isHub {
			whole[c] = true
			continue
		}
		found := false
		for _, hf := range cf.hubs {
			found = found || hf.name == h
		}
		if !found {
			errs.Errorf(model.Pos{File: path.Join(HubsDir, c)}, "", "no hub %q in cluster %q", h, c)
			continue
		}
		if hubs[c] == nil {
			hubs[c] = map[string]bool{}
		}
		hubs[c][h] = true
	}
	var out []clusterFiles
	for _, c := range all {
		switch {
		case whole[c.name]:
			out = append(out, c)
		case hubs[c.name] != nil:
			cc := c
			cc.hubs = nil
			for _, h := range c.hubs {
				if hubs[c.name][h.name] {
					cc.hubs = append(cc.hubs, h)
				}
			}
			out = append(out, cc)
		}
	}
	return out
}

// readFile reads a file of at most maxFileSize bytes.
func readFile(fsys fs.FS, p string) ([]byte, *diag.Diagnostic) {
	f, err := fsys.Open(p)
	if err != nil {
		return nil, &diag.Diagnostic{Pos: model.Pos{File: p}, Message: fmt.Sprintf("cannot read: %v", err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, &diag.Diagnostic{Pos: model.Pos{File: p}, Message: fmt.Sprintf("cannot read: %v", err)}
	}
	if len(data) > maxFileSize {
		return nil, &diag.Diagnostic{Pos: model.Pos{File: p}, Message: fmt.Sprintf("file is larger than %d KiB", maxFileSize>>10)}
	}
	return data, nil
}
