package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/cache"
	"github.com/hubfleet/hubfleet/compiler/output"
)

func newRenderCmd(g *globals) *cobra.Command {
	var (
		format  string
		out     string
		check   bool
		noCache bool
	)
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Validate and render the fleet into rendered/",
		Long: "Validate the fleet, render every hub and cluster, check every object, and write\n" +
			"rendered/ atomically (files of removed hubs and clusters are pruned). With --check,\n" +
			"write nothing and exit 3 if rendered/ differs from what would be written.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDiagFormat(format); err != nil {
				return err
			}
			root, err := g.findRoot()
			if err != nil {
				return err
			}
			if !filepath.IsAbs(out) {
				out = filepath.Join(root, out)
			}
			var previous fs.FS
			if st, err := os.Stat(out); err == nil && st.IsDir() {
				previous = os.DirFS(out)
			}
			opts := build.Options{Previous: previous}
			if !noCache {
				opts.Cache = openCache(out)
			}
			// Files found unchanged as they are encoded are not kept in
			// memory, nor compared again when writing.
			if prior, err := output.OpenPrior(out); err == nil && prior != nil {
				defer prior.Close()
				opts.Unchanged = prior.Same
			}
			res, diags, err := build.Render(os.DirFS(root), opts)
			if err != nil {
				_ = g.printDiags(diags, format)
				return err
			}
			if err := g.printDiags(diags, format); err != nil {
				return err
			}
			rel := relTo(root, out)
			// The files of clusters the cache reused stay as they are.
			wopts := output.Options{Keep: res.Keep}
			if check {
				diffs, err := output.CheckWith(out, res.Tree, wopts)
				if err != nil {
					return exitf(ExitInternal, "checking %s: %v", rel, err)
				}
				if len(diffs) == 0 {
					saveCache(opts.Cache, out, true)
					fmt.Fprintf(g.stdout, "%s is up to date (%d files, %d objects)%s\n", rel, len(res.Tree), res.Objects, reused(res))
					return nil
				}
				saveCache(opts.Cache, out, false)
				fmt.Fprintf(g.stderr, "%s is out of date; run `hubfleet render` (or `make render`) and commit it:\n", rel)
				for _, d := range diffs {
					fmt.Fprintln(g.stderr, "  "+d)
				}
				return silent(ExitStale)
			}
			st, err := output.WriteWith(out, res.Tree, wopts)
			var kept *output.KeptFileError
			if errors.As(err, &kept) {
				// A file kept from the output directory (unchanged, or from
				// the cache) changed while rendering, and its bytes are not
				// in the tree: render again, keeping every file's bytes.
				opts.Unchanged = nil
				again, diags, rerr := build.Render(os.DirFS(root), opts)
				if rerr != nil || diags.HasErrors() {
					// The inputs changed too; report as the first render does.
					_ = g.printDiags(diags, format)
					if rerr != nil {
						return rerr
					}
					return silent(ExitInvalid)
				}
				res = again
				st, err = output.WriteWith(out, res.Tree, output.Options{Keep: res.Keep})
			}
			if err != nil {
				return exitf(ExitInternal, "writing %s: %v", rel, err)
			}
			saveCache(opts.Cache, out, true)
			fmt.Fprintf(g.stdout, "rendered %d objects into %s: %d files written, %d unchanged, %d removed%s\n",
				res.Objects, rel, st.Written, st.Unchanged, st.Removed, reused(res))
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "diagnostics format: text, json or github")
	cmd.Flags().StringVar(&out, "out", "rendered", "output directory (relative to the root)")
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; exit 3 if the output directory is out of date")
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "render every hub, even those whose inputs have not changed since the last render\n(the cache is in $"+cache.EnvDir+", default: the user cache directory; \"off\" disables it)")
	return cmd
}

// openCache opens the render cache of the output directory out, or returns
// nil when caching is off.
func openCache(out string) *cache.Store {
	dir, ok := cache.Dir()
	if !ok {
		return nil
	}
	// One cache per output directory, whatever the working directory.
	abs, err := filepath.Abs(out)
	if err != nil {
		return nil
	}
	return cache.Open(dir, abs, cache.ExecutableSalt)
}

// saveCache saves what this run learnt; current says out holds exactly
// what was rendered, so the files' status can be recorded. A cache that
// cannot be saved only costs the next run time.
func saveCache(c *cache.Store, out string, current bool) {
	if c == nil {
		return
	}
	if current {
		c.Stamp(os.DirFS(out), time.Now())
	}
	_ = c.Save()
}

// reused says how many clusters the cache spared, if any.
func reused(res *build.Result) string {
	if res.Reused == 0 {
		return ""
	}
	return fmt.Sprintf("; %d of %d clusters unchanged since the last render, reused", res.Reused, len(res.Fleet.Clusters))
}

func relTo(root, p string) string {
	if r, err := filepath.Rel(root, p); err == nil {
		return r
	}
	return p
}
