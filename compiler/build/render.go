package build

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/hubfleet/hubfleet/compiler/cache"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/manifest"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/output"
	"github.com/hubfleet/hubfleet/compiler/overview"
	"github.com/hubfleet/hubfleet/compiler/patch"
	"github.com/hubfleet/hubfleet/compiler/render/addons"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
	"github.com/hubfleet/hubfleet/compiler/render/daskgateway"
	"github.com/hubfleet/hubfleet/compiler/render/jupyterhub"
	"github.com/hubfleet/hubfleet/compiler/render/nodepool"
	"github.com/hubfleet/hubfleet/compiler/render/secrets"
)

// OverviewFile is the generated fleet overview in the output directory.
const OverviewFile = "README.md"

// TemplatesDir is where a fleet keeps its own node-pool templates, which
// override or extend the embedded ones.
const TemplatesDir = "hubs/_templates"

// Render runs the whole pipeline and returns the output tree. A non-nil
// error is an internal failure (exit 4); input problems come back as
// diagnostics (exit 1). Nothing is written.
//
// Each hub goes through render -> patch -> verify -> encode in one task,
// and only its files' bytes outlive the task: the fleet's objects are
// never all in memory at once. The cluster-wide objects (node pools, the
// hubs' namespaces and PriorityClasses, CRDs, Argo CD) are assembled and
// checked together once every hub is done; those known earlier are checked
// one by one alongside the hubs. With a cache (Options.Cache), clusters whose inputs have
// not changed since a render that left their files in place reuse those
// files and skip every stage after validation.
func Render(fsys fs.FS, opts Options) (*Result, diag.List, error) {
	// The dask-gateway CRDs, the same in every cluster that runs it, are
	// decoded and encoded once, while the fleet loads: the node-pool tasks
	// that need them do not wait for one another.
	crdsOnce := sync.OnceValues(daskCRDs)
	go crdsOnce()
	// Every input is read once, through rec: the cache keys clusters by
	// the very bytes that are rendered.
	rec := newRecordingFS(fsys)
	fleet, diags := Validate(rec, Options{Workers: opts.Workers})
	if diags.HasErrors() {
		return nil, diags, nil
	}
	if err := readAll(rec, TemplatesDir); err != nil {
		diags.Errorf(model.Pos{File: TemplatesDir}, "", "node-pool templates: %v", err)
		return nil, diags, nil
	}
	inputs := rec.snapshot()
	var overrides fs.FS
	if st, err := fs.Stat(inputs, TemplatesDir); err == nil && st.IsDir() {
		overrides, _ = fs.Sub(inputs, TemplatesDir)
	}
	units := restoreAll(inputs, fleet, opts)

	hubs := fleet.Hubs()
	for _, h := range hubs {
		if len(h.Patches) > 0 && !units[h.Cluster.Name].restored {
			// The first patch needs kustomize's schema: parsed here,
			// beside the workers, none of them waits for another to.
			go patch.Warm()
			break
		}
	}
	hubOut := make([]hubResult, len(hubs))
	clusterObjs := make([][]*manifest.Object, len(fleet.Clusters))
	clusterDiags := make([]diag.List, len(fleet.Clusters))
	// The immutability guard of each cluster's node pools runs in its
	// node-pool task, reading the committed files while hubs render.
	guards := make([]diag.List, len(fleet.Clusters))
	guardErrs := make([]error, len(fleet.Clusters))

	rc := newChecks(fleet)
	daskIn := map[string]bool{}
	for _, h := range hubs {
		daskIn[h.Cluster.Name] = daskIn[h.Cluster.Name] || h.Dask.Enabled
	}
	shared := &sharedChecks{}
	early := &earlyFiles{files: map[string]earlyFile{}}
	g := new(errgroup.Group)
	g.SetLimit(opts.workers())
	// The Argo CD objects and the add-ons follow from the fleet alone:
	// rendered while the first hubs are, each is checked on its own and
	// encoded alongside the hubs (a schema check per Application is a
	// fifth of all verification), and verifyAll finds the passes in
	// shared. Their tasks join the group from here, so the group is
	// waited for only once they have all been started.
	var apps []*manifest.Object
	var appsErr error
	appsStarted := make(chan struct{})
	go func() {
		defer close(appsStarted)
		if apps, appsErr = fleetApps(fleet, units); appsErr != nil {
			return
		}
		for _, objs := range byCluster(apps) {
			g.Go(func() error {
				shared.precheck(fleet.Cluster(objs[0].Cluster), objs, rc)
				return early.encode(objs, opts)
			})
		}
	}()
	for i, h := range hubs {
		if units[h.Cluster.Name].restored {
			continue
		}
		g.Go(func() error {
			var err error
			hubOut[i], err = buildHub(fleet, h, rc, opts, early)
			return err
		})
	}
	// Node pools: one jsonnet VM per worker, handed out through a channel.
	vms := make(chan *nodepool.Renderer, opts.workers())
	for i, c := range fleet.Clusters {
		if units[c.Name].restored {
			continue
		}
		g.Go(func() error {
			var r *nodepool.Renderer
			select {
			case r = <-vms:
			default:
				var err error
				if r, err = nodepool.New(overrides); err != nil {
					if overrides != nil {
						// The embedded templates are tested; a failure here
						// comes from the fleet's own templates.
						clusterDiags[i].Errorf(model.Pos{File: TemplatesDir}, "", "node-pool templates: %v", err)
						return nil
					}
					return fmt.Errorf("node-pool templates: %w", err)
				}
			}
			defer func() {
				select {
				case vms <- r:
				default:
				}
			}()
			objs, err := r.Render(c)
			var te *nodepool.TemplateError
			if errors.As(err, &te) && strings.HasPrefix(te.Template, TemplatesDir+"/") {
				clusterDiags[i].Errorf(model.Pos{File: te.Template}, "", "%v", err)
				return nil
			}
			if err != nil {
				return fmt.Errorf("cluster %s: node pools: %w", c.Name, err)
			}
			for _, o := range objs {
				o.Cluster, o.Hub = c.Name, ""
			}
			clusterObjs[i] = objs
			guards[i], guardErrs[i] = guardImmutable(fleet, objs, opts.Previous)
			shared.precheck(c, objs, rc)
			if daskIn[c.Name] {
				set, err := crdsOnce()
				if err != nil {
					return err
				}
				early.crds(c, set, opts)
			}
			return early.encode(objs, opts)
		})
	}
	<-appsStarted
	if err := g.Wait(); err != nil {
		return nil, diags, classify(err)
	}
	if appsErr != nil {
		return nil, diags, appsErr
	}
	var internal []string
	var hubWide []*manifest.Object
	for _, r := range hubOut {
		diags.Merge(r.diags)
		internal = append(internal, r.internal...)
		hubWide = append(hubWide, r.clusterWide...)
	}
	diags.Merge(clusterDiags...)
	if diags.HasErrors() || len(internal) > 0 {
		diags.Sort()
		return nil, diags, verificationError(internal)
	}

	set, err := crdsOnce()
	if err != nil {
		return nil, diags, err
	}
	objs, err := assemble(fleet, hubWide, clusterObjs, apps, set.objs, daskIn, units)
	if err != nil {
		return nil, diags, classify(err)
	}
	// Node pools come from the node-pool tasks, which guarded them; the
	// other objects get the same guard, should any be of a capacity kind.
	guard, guardErr := guardImmutable(fleet, slices.Concat(hubWide, apps), opts.Previous)
	guards, guardErrs = append(guards, guard), append(guardErrs, guardErr)
	if err := cmp.Or(guardErrs...); err != nil {
		return nil, diags, &InternalError{Err: err}
	}
	vdiags, err := verifyAll(fleet, objs, opts.workers(), shared, rc)
	diags.Merge(guards...)
	diags.Merge(vdiags)
	diags.Sort()
	if err != nil {
		return nil, diags, err
	}
	if diags.HasErrors() {
		return nil, diags, nil
	}
	files, err := encode(objs, opts, early)
	if err != nil {
		return nil, diags, &InternalError{Err: err}
	}

	// Who owns which file, for the object count and the cache.
	n := len(files)
	for _, r := range hubOut {
		n += len(r.files)
	}
	res := &Result{Fleet: fleet, Tree: make(output.Tree, n), Keep: make(map[string]bool, n)}
	tree := res.Tree
	owner := map[string]string{}
	counts := map[string]int{}
	sums := map[string]cache.Sum{}
	add := func(f file, c string) error {
		if _, dup := tree[f.path]; dup {
			return internalf("two objects would be written to %s", f.path)
		}
		tree[f.path] = f.data
		if f.keep {
			res.Keep[f.path] = true
		}
		if opts.Cache != nil {
			owner[f.path], sums[f.path] = c, f.sum
		}
		return nil
	}
	for _, f := range files {
		if err := add(f, f.cluster); err != nil {
			return nil, diags, err
		}
	}
	for _, o := range objs {
		counts[o.Cluster]++
	}
	for i, r := range hubOut {
		c := hubs[i].Cluster.Name
		for _, f := range r.files {
			if err := add(f, c); err != nil {
				return nil, diags, err
			}
		}
		counts[c] += len(r.files)
	}
	if opts.Cache != nil {
		remember(opts.Cache, units, sums, owner, counts)
	}
	for _, c := range fleet.Clusters {
		u := units[c.Name]
		if !u.restored {
			continue
		}
		res.Reused++
		counts[c.Name] += u.entry.Objects
		for _, p := range u.entry.Files {
			if _, dup := tree[p]; dup {
				return nil, diags, internalf("two objects would be written to %s", p)
			}
			tree[p], res.Keep[p] = nil, true
		}
	}
	for _, n := range counts {
		res.Objects += n
	}
	tree[OverviewFile] = overview.Markdown(fleet)
	return res, diags, nil
}

// hubResult is what a hub leaves behind: its encoded files, the objects
// that belong to the cluster-wide Application (its namespace and
// PriorityClasses, whose files are made with the hub's) and what went
// wrong.
type hubResult struct {
	files       []file
	clusterWide []*manifest.Object
	diags       diag.List
	internal    []string // verification failures that are hubfleet's bugs
}

// file is one output file: its bytes, or keep when the output directory
// already holds them (Options.Unchanged), and its cache.FileSum when the
// render has a cache.
type file struct {
	path    string
	data    []byte
	keep    bool
	sum     cache.Sum
	cluster string // the owner of a cluster-wide file
}

// newFile makes the file for path from data, an encoder's scratch buffer
// whose bytes are copied only if they must be written.
func newFile(path string, data []byte, opts Options) file {
	f := file{path: path}
	if opts.Cache != nil {
		f.sum = cache.FileSum(path, data)
	}
	if opts.Unchanged != nil && opts.Unchanged(path, data) {
		f.keep = true
	} else {
		f.data = bytes.Clone(data)
	}
	return f
}

// buildHub renders, patches, verifies and encodes one hub.
func buildHub(f *model.Fleet, h *model.Hub, rc *checks, opts Options, early *earlyFiles) (hubResult, error) {
	var r hubResult
	objs, ds, err := renderHub(f, h)
	if err != nil || ds.HasErrors() {
		r.diags = ds
		return r, err
	}
	own := objs[:0:0]
	for _, o := range objs {
		if o.Kind() == "PriorityClass" {
			// Cluster-scoped and shared by the cluster's nodes: it goes
			// with the namespaces to the cluster-wide Application.
			o.Hub = ""
			r.clusterWide = append(r.clusterWide, o)
			continue
		}
		own = append(own, o)
	}
	manifest.Sort(own)
	r.diags, r.internal = verifyGroup(f, h.Cluster, h, own, nil, rc)
	if r.diags.HasErrors() || len(r.internal) > 0 {
		return r, nil
	}
	// The hub's cluster-wide objects (its namespace, its PriorityClasses)
	// are checked with their cluster's, but their files are made now.
	r.clusterWide = append(r.clusterWide, namespace(h))
	if err := early.encode(r.clusterWide, opts); err != nil {
		return r, &InternalError{Err: err}
	}
	seen := make(map[string]*manifest.Object, len(own))
	var scratch []byte
	for _, o := range own {
		p := OutputPath(o)
		if prev := seen[p]; prev != nil {
			return r, internalf("two objects would be written to %s: %s and %s", p, prev, o)
		}
		seen[p] = o
		var err error
		if scratch, err = output.AppendEncode(scratch[:0], o); err != nil {
			return r, internalf("encoding %s: %w", p, err)
		}
		r.files = append(r.files, newFile(p, scratch, opts))
	}
	return r, nil
}

// renderHub renders one hub's objects and applies its patches. Render
// errors are internal (the input was validated); patch problems are input
// errors reported as diagnostics.
func renderHub(f *model.Fleet, h *model.Hub) ([]*manifest.Object, diag.List, error) {
	var objs []*manifest.Object
	for _, r := range []struct {
		area   string
		render func(*model.Hub, *model.Fleet) ([]*manifest.Object, error)
	}{
		{"jupyterhub", jupyterhub.Render},
		{"secrets", secrets.Render},
		{"dask-gateway", daskgateway.Render},
	} {
		o, err := r.render(h, f)
		if err != nil {
			return nil, nil, internalf("hub %s: %s: %w", h.ID(), r.area, err)
		}
		objs = append(objs, o...)
	}
	for _, o := range objs {
		o.Cluster, o.Hub, o.Source = h.Cluster.Name, h.Name, h.Src.File
	}
	if len(h.Patches) == 0 {
		return objs, nil, nil
	}
	patched, ds := patch.Apply(h, objs)
	return patched, ds, nil
}

func classify(err error) error {
	var ie *InternalError
	if errors.As(err, &ie) {
		return err
	}
	return &InternalError{Err: err}
}

// assemble gathers the cluster-wide objects: each cluster's node pools,
// its hubs' namespaces and PriorityClasses (hubWide, from buildHub), the
// CRDs of the clusters that run dask-gateway (daskIn), and the Argo CD
// objects with the add-ons (fleetApps). Restored clusters have none: their
// files come from the cache; the root Argo CD objects are always built.
func assemble(f *model.Fleet, hubWide []*manifest.Object, clusterObjs [][]*manifest.Object, apps, crds []*manifest.Object, daskIn map[string]bool, units map[string]*unit) ([]*manifest.Object, error) {
	all := hubWide
	for i, c := range f.Clusters {
		if units[c.Name].restored {
			continue
		}
		all = append(all, clusterObjs[i]...)
		if daskIn[c.Name] {
			for _, crd := range crds {
				all = append(all, crdObject(c, crd))
			}
		}
	}
	all = append(all, apps...)
	manifest.Sort(all)
	return all, nil
}

// crdObject is the dask-gateway CRD crd in cluster c.
func crdObject(c *model.Cluster, crd *manifest.Object) *manifest.Object {
	return &manifest.Object{Cluster: c.Name, Source: c.Src.File, Body: crd.Map()}
}

// fleetApps renders the Argo CD objects, with the add-ons the hubs rely on
// (ingress, cert-manager, External Secrets, the node provisioner) in each
// cluster's Argo CD file, leaving out those of restored clusters.
func fleetApps(f *model.Fleet, units map[string]*unit) ([]*manifest.Object, error) {
	apps, err := argocd.Render(f)
	if err != nil {
		return nil, internalf("argo cd: %w", err)
	}
	extra, err := addons.Render(f)
	if err != nil {
		return nil, internalf("add-ons: %w", err)
	}
	var out []*manifest.Object
	for _, o := range append(apps, extra...) {
		if o.Cluster != "" && units[o.Cluster].restored {
			continue
		}
		o.Hub = ""
		out = append(out, o)
	}
	return out, nil
}

// byCluster splits objs by cluster, in order of first appearance.
func byCluster(objs []*manifest.Object) [][]*manifest.Object {
	idx := map[string]int{}
	var out [][]*manifest.Object
	for _, o := range objs {
		i, ok := idx[o.Cluster]
		if !ok {
			i = len(out)
			idx[o.Cluster] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], o)
	}
	return out
}

// namespace renders a hub's Namespace. It is never pruned or deleted by
// Argo CD: deleting a namespace deletes the users' home volumes with it.
func namespace(h *model.Hub) *manifest.Object {
	o := manifest.MustNew(h.Src.File, &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{
			Name:   h.Namespace,
			Labels: map[string]string{"hubfleet.dev/hub": h.Name},
			Annotations: map[string]string{
				"argocd.argoproj.io/sync-options": "Prune=false,Delete=false",
				"argocd.argoproj.io/sync-wave":    "-20",
			},
		},
	})
	o.Cluster = h.Cluster.Name
	return o
}

// OutputPath is where an object is written, relative to the output dir.
func OutputPath(o *manifest.Object) string {
	switch {
	case o.Cluster == "":
		return "argocd/root.yaml"
	case isArgoCD(o):
		return "argocd/" + o.Cluster + ".yaml"
	case o.Hub == "":
		return path.Join(o.Cluster, "cluster", o.FileName())
	default:
		return path.Join(o.Cluster, "hubs", o.Hub, o.FileName())
	}
}

func isArgoCD(o *manifest.Object) bool {
	return o.Group() == "argoproj.io"
}

// encode turns objects into files: one object per file, except the Argo CD
// files, which hold a cluster's AppProject and Applications together. The
// files were made while the hubs were built (earlyFiles); encode checks
// that no two objects share a path and makes any file left.
func encode(objs []*manifest.Object, opts Options, early *earlyFiles) ([]file, error) {
	files := map[string][]*manifest.Object{}
	var paths []string
	for _, o := range objs {
		p := OutputPath(o)
		if _, seen := files[p]; !seen {
			paths = append(paths, p)
		} else if !isArgoCD(o) {
			return nil, fmt.Errorf("two objects would be written to %s: %s and %s", p, files[p][0], o)
		}
		files[p] = append(files[p], o)
	}
	sort.Strings(paths)
	out := make([]file, len(paths))
	g := new(errgroup.Group)
	g.SetLimit(opts.workers())
	for i, p := range paths {
		g.Go(func() error {
			objs := files[p]
			if f, ok := early.get(p, len(objs)); ok {
				out[i] = f
				return nil
			}
			data, err := encodeFile(objs)
			if err != nil {
				return fmt.Errorf("encoding %s: %w", p, err)
			}
			out[i] = newFile(p, data, opts)
			out[i].cluster = objs[0].Cluster
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// encodeFile encodes the objects of one file, in order.
func encodeFile(objs []*manifest.Object) ([]byte, error) {
	if len(objs) > 1 || isArgoCD(objs[0]) {
		return output.EncodeMulti(objs)
	}
	return output.AppendEncode(nil, objs[0])
}

// earlyFiles are the files encoded while the hubs are built: those of the
// Argo CD objects, the node pools, the hubs' namespaces and
// PriorityClasses and the dask-gateway CRDs, all known before the
// cluster-wide objects are assembled. encode takes one only if it holds as
// many objects as the assembled file would: every object of such a file is
// known early.
type earlyFiles struct {
	mu    sync.Mutex
	files map[string]earlyFile
}

type earlyFile struct {
	f    file
	objs int
}

// encode encodes objs (all of one cluster, or the root Argo CD objects)
// into their files, in the order the assembled objects will have.
func (e *earlyFiles) encode(objs []*manifest.Object, opts Options) error {
	sorted := slices.Clone(objs)
	manifest.Sort(sorted)
	groups := map[string][]*manifest.Object{}
	for _, o := range sorted {
		p := OutputPath(o)
		groups[p] = append(groups[p], o)
	}
	for p, g := range groups {
		data, err := encodeFile(g)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", p, err)
		}
		e.put(newFile(p, data, opts), g[0].Cluster, len(g))
	}
	return nil
}

func (e *earlyFiles) put(f file, cluster string, objs int) {
	f.cluster = cluster
	e.mu.Lock()
	e.files[f.path] = earlyFile{f, objs}
	e.mu.Unlock()
}

// crds makes the files of the dask-gateway CRDs of cluster c from their
// bodies, encoded once for every cluster (daskCRDs).
func (e *earlyFiles) crds(c *model.Cluster, set daskCRDSet, opts Options) {
	for i, crd := range set.objs {
		p := OutputPath(crdObject(c, crd))
		e.put(newFile(p, append(output.Header(c.Src.File), set.bodies[i]...), opts), c.Name, 1)
	}
}

// daskCRDSet is the dask-gateway CRDs and their encoded bodies: the same
// in every cluster that runs dask-gateway.
type daskCRDSet struct {
	objs   []*manifest.Object
	bodies [][]byte
}

func daskCRDs() (daskCRDSet, error) {
	crds, err := daskgateway.CRDs()
	if err != nil {
		return daskCRDSet{}, internalf("dask-gateway CRDs: %w", err)
	}
	bodies := make([][]byte, len(crds))
	for i, crd := range crds {
		if bodies[i], err = output.EncodeBody(crd); err != nil {
			return daskCRDSet{}, internalf("encoding %s: %w", crd, err)
		}
	}
	return daskCRDSet{crds, bodies}, nil
}

func (e *earlyFiles) get(path string, objs int) (file, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	ef, ok := e.files[path]
	return ef.f, ok && ef.objs == objs
}
