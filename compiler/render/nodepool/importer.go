package nodepool

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	jsonnet "github.com/google/go-jsonnet"
)

//go:embed templates/*.libsonnet
var embedded embed.FS

// OverrideDir is where a fleet keeps its own templates, relative to the
// repository root. It names override files in error messages.
const OverrideDir = "hubs/_templates"

// EmbeddedPrefix is the import prefix that always reaches the templates
// built into the binary, so an override can extend the one it replaces:
// import 'hubfleet/aws-karpenter.libsonnet'.
const EmbeddedPrefix = "hubfleet/"

// importer resolves jsonnet imports against the fleet's override folder
// first, then the embedded templates:
//
//   - "hubfleet/<p>": the embedded template <p>, never an override;
//   - any other path, imported from an override file: first relative to
//     that file's folder in the override folder, then as below;
//   - any other path: <p> in the override folder, else the embedded <p>.
//
// It honours the go-jsonnet Importer contract: the same (importedFrom,
// importedPath) always yields the same (contents, foundAt), foundAt names
// the contents uniquely, every probe (hits and misses) is cached, and a
// file's Contents buffer is created once and then shared.
type importer struct {
	overrides fs.FS // may be nil
	results   map[importKey]importResult
	files     map[string]*fileEntry // by foundAt
}

type importKey struct{ from, path string }

type importResult struct {
	contents jsonnet.Contents
	foundAt  string
	err      error
}

type fileEntry struct {
	contents jsonnet.Contents
	found    bool
	err      error
}

func newImporter(overrides fs.FS) *importer {
	return &importer{
		overrides: overrides,
		results:   map[importKey]importResult{},
		files:     map[string]*fileEntry{},
	}
}

// Import implements jsonnet.Importer.
func (im *importer) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	key := importKey{importedFrom, importedPath}
	if r, ok := im.results[key]; ok {
		return r.contents, r.foundAt, r.err
	}
	r := im.resolve(importedFrom, importedPath)
	im.results[key] = r
	return r.contents, r.foundAt, r.err
}

func (im *importer) resolve(from, p string) importResult {
	if path.IsAbs(p) {
		return importResult{err: fmt.Errorf("import %q: absolute paths are not allowed", p)}
	}
	clean := path.Clean(p)
	if rest, ok := strings.CutPrefix(clean, EmbeddedPrefix); ok {
		if e, _ := im.load(EmbeddedPrefix + rest); e.found {
			return importResult{contents: e.contents, foundAt: EmbeddedPrefix + rest}
		}
		return importResult{err: fmt.Errorf("import %q: no embedded template %s (have: %s)", p, rest, embeddedNames())}
	}
	var candidates []string
	if rel, ok := strings.CutPrefix(from, OverrideDir+"/"); ok {
		if dir := path.Dir(rel); dir != "." {
			if j := path.Join(dir, p); inside(j) {
				candidates = append(candidates, OverrideDir+"/"+j)
			}
		}
	}
	if inside(clean) {
		candidates = append(candidates, OverrideDir+"/"+clean, EmbeddedPrefix+clean)
	}
	if len(candidates) == 0 {
		return importResult{err: fmt.Errorf("import %q: leaves the template folders", p)}
	}
	for _, at := range candidates {
		e, err := im.load(at)
		if err != nil {
			return importResult{err: fmt.Errorf("import %q: %w", p, err)}
		}
		if e.found {
			return importResult{contents: e.contents, foundAt: at}
		}
	}
	return importResult{err: fmt.Errorf("import %q: not found in %s/ nor among the embedded templates (%s)", p, OverrideDir, embeddedNames())}
}

// inside reports whether a cleaned relative path stays in its folder.
func inside(p string) bool {
	return p != "." && p != ".." && !strings.HasPrefix(p, "../")
}

// load reads a file by its foundAt name once and caches it, found or not.
// A file that exists but cannot be read is an error, not a miss: falling
// back to the embedded template would hide the fleet's override.
func (im *importer) load(at string) (*fileEntry, error) {
	if e, ok := im.files[at]; ok {
		return e, e.err
	}
	var (
		data []byte
		err  error
	)
	switch {
	case strings.HasPrefix(at, EmbeddedPrefix):
		data, err = embedded.ReadFile("templates/" + strings.TrimPrefix(at, EmbeddedPrefix))
	case strings.HasPrefix(at, OverrideDir+"/") && im.overrides != nil:
		data, err = fs.ReadFile(im.overrides, strings.TrimPrefix(at, OverrideDir+"/"))
	default:
		err = fs.ErrNotExist
	}
	e := &fileEntry{}
	switch {
	case err == nil:
		e.found = true
		e.contents = jsonnet.MakeContentsRaw(data)
	case !errors.Is(err, fs.ErrNotExist):
		e.err = fmt.Errorf("reading %s: %w", at, err)
	}
	im.files[at] = e
	return e, e.err
}

func embeddedNames() string {
	ents, err := embedded.ReadDir("templates")
	if err != nil {
		return ""
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return strings.Join(names, ", ")
}
