package diff

import (
	"fmt"
	"io/fs"
	"os"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/diag"
	"github.com/hubfleet/hubfleet/compiler/output"
)

// Run renders the fleet at the git revision base and in the work tree at
// root, and compares them. Head diagnostics come back for printing; a head
// that does not validate yields no report. A base that does not validate
// is compared as empty, with a warning.
func Run(root, base string, opts build.Options) (*Report, diag.List, error) {
	headRes, diags, err := build.Render(os.DirFS(root), opts)
	if err != nil || diags.HasErrors() {
		return nil, diags, err
	}
	baseFS, err := GitFS(root, base)
	if err != nil {
		return nil, diags, err
	}
	baseSide, warn, err := renderSide(baseFS, base, opts)
	if err != nil {
		return nil, diags, err
	}
	r, err := Compare(baseSide, Side{Ref: "work tree", Fleet: headRes.Fleet, Tree: headRes.Tree})
	if err != nil {
		return nil, diags, err
	}
	if warn != "" {
		r.Warnings = append([]Note{{Message: warn}}, r.Warnings...)
	}
	return r, diags, nil
}

func renderSide(fsys fs.FS, ref string, opts build.Options) (Side, string, error) {
	if _, err := fs.Stat(fsys, "hubs"); err != nil {
		return Side{Ref: ref, Tree: output.Tree{}}, "", nil
	}
	res, ds, err := build.Render(fsys, opts)
	if err != nil {
		return Side{}, "", fmt.Errorf("rendering %s: %w", ref, err)
	}
	if ds.HasErrors() {
		return Side{Ref: ref, Tree: output.Tree{}},
			fmt.Sprintf("the fleet at %s does not validate (%d errors): everything is shown as added", ref, ds.Errors()), nil
	}
	return Side{Ref: ref, Fleet: res.Fleet, Tree: res.Tree}, "", nil
}
