// Package build is the pipeline that every command runs: load -> check ->
// render -> patch -> verify -> encode. It is the only package that knows all
// stages; each stage stays ignorant of the others.
package build

import (
	"fmt"
	"io/fs"
	"runtime"

	"github.com/hubfleet/hubfleet/compiler/cache"
	"github.com/hubfleet/hubfleet/compiler/check"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/load"
	"github.com/hubfleet/hubfleet/compiler/model"
	"github.com/hubfleet/hubfleet/compiler/output"
	"github.com/hubfleet/hubfleet/compiler/render/addons"
	"github.com/hubfleet/hubfleet/compiler/render/argocd"
)

// Options tune a build.
type Options struct {
	// Select restricts validation to "CLUSTER" or "CLUSTER/HUB" entries.
	// Rendering always covers the whole fleet, so that pruning is exact.
	Select []string
	// Workers bounds parallelism; 0 means GOMAXPROCS.
	Workers int
	// Previous is the currently committed output tree (rendered/), used by
	// the node-pool immutability guard and by the cache. Nil skips the
	// guard.
	Previous fs.FS
	// Cache, when set, lets clusters whose inputs have not changed reuse
	// their hubs' files from Previous instead of rendering them again.
	Cache *cache.Store
	// Unchanged, when set, tells whether the output directory already
	// holds exactly data at path (output.Prior.Same). Files it confirms
	// are not kept in memory: they go to Result.Keep, with no contents in
	// the tree.
	Unchanged func(path string, data []byte) bool
}

func (o Options) workers() int {
	if o.Workers > 0 {
		return o.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// Validate loads the fleet under fsys (the repository root, holding hubs/)
// and runs the semantic checks. Diagnostics come back sorted.
func Validate(fsys fs.FS, opts Options) (*model.Fleet, diag.List) {
	fleet, diags := load.Load(fsys, load.Options{Select: opts.Select, Workers: opts.workers()})
	// The loader leaves out the clusters and hubs that failed their
	// schema, so the semantic rules can still run on the rest: every
	// error is reported in one go.
	if fleet != nil {
		diags.Merge(check.Check(fleet))
		// Argo CD names derive from cluster and hub names; collisions
		// are reported at the files that cause them.
		diags.Merge(argocd.Check(fleet))
		diags.Merge(addons.Check(fleet))
	}
	diags.Sort()
	return fleet, diags
}

// Result is a rendered fleet.
type Result struct {
	Fleet *model.Fleet
	// Tree maps paths relative to the output directory to file contents.
	Tree output.Tree
	// Objects counts rendered objects.
	Objects int
	// Reused counts the clusters whose files came from the cache.
	Reused int
	// Keep lists the files of the clusters reused from the cache and those
	// Options.Unchanged confirmed: their Tree value is nil, and their
	// content is what the output directory holds (see output.Options.Keep).
	Keep map[string]bool
}

// InternalError marks failures that are the compiler's fault or the
// machine's (exit code 4), as opposed to bad input (exit code 1).
type InternalError struct{ Err error }

func (e *InternalError) Error() string { return "internal error: " + e.Err.Error() }
func (e *InternalError) Unwrap() error { return e.Err }

func internalf(format string, args ...any) error {
	return &InternalError{Err: fmt.Errorf(format, args...)}
}
