package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// Result says what Write did. Paths are slash-separated, relative to the
// output directory, and sorted.
type Result struct {
	Written   int // files created, or whose bytes changed
	Unchanged int // files that already held the desired bytes
	Removed   int // files present but not desired (pruned)

	WrittenPaths []string
	RemovedPaths []string
}

// Changed reports whether Write replaced the tree.
func (r Result) Changed() bool { return r.Written > 0 || r.Removed > 0 }

// testHook, when set by tests, is called at named points of Write so that a
// test can stop or kill the process there, or make the run fail: "file"
// after each file of the new tree, "built" before the swap, "aside" between
// the two renames of the fallback swap, "swapped" after the swap and before
// the old tree is removed. Only errors at "file" and "built" are used.
var testHook func(stage string) error

// noExchange forces the fallback swap (tests).
var noExchange bool

func hook(stage string) error {
	if testHook != nil {
		return testHook(stage)
	}
	return nil
}

// Write makes dir hold exactly the files of t: new and changed files are
// written, files not in t are removed, and directories left empty go too.
//
// The replacement is atomic. The new tree is built in a sibling directory
// ".<base>.tmp-*" (unchanged files are hard-linked from the old tree, so
// they keep their inode and mtime and cost no data copy), synced, and then
// exchanged with dir in one renameat2(RENAME_EXCHANGE). A run that fails or
// is killed before the exchange leaves dir as it was; the next Write removes
// its leftovers. Where RENAME_EXCHANGE is unsupported, dir is renamed aside
// to ".<base>.old-*" and the new tree renamed into place: if the process dies
// between those two renames dir is briefly absent, and the next Write puts
// the old tree back before doing anything else.
//
// When every change falls under one directory of dir (one hub's files,
// say), only that directory is rebuilt and exchanged, the same way: the
// cost follows the change, not the size of the tree.
//
// When every file already matches, nothing is touched (except that empty
// directories are removed). Concurrent Writes to the same dir are not
// supported.
func Write(dir string, t Tree) (Result, error) { return WriteWith(dir, t, Options{}) }

// Options tune Write and Check.
type Options struct {
	// Keep lists paths of the tree whose content is what dir holds now:
	// the caller checked them there (the render cache does), so their
	// tree value may be nil. They are never read or rewritten, never
	// pruned, and must exist: a missing one is an error for Write and a
	// difference for Check.
	Keep map[string]bool
}

// KeptFileError says that a file of Options.Keep is no longer what the
// caller saw (removed, or replaced by something that is not a regular
// file): the tree holds no bytes for it, so Write wrote nothing. A render
// that kept it (build.Options.Unchanged) renders again with the bytes.
type KeptFileError struct{ Path string }

func (e *KeptFileError) Error() string {
	return e.Path + " changed while the tree was rendered and is not in it; render again"
}

// WriteWith is Write with options. On an error the Result is only what
// was worked out before it, not a record of what was written.
func WriteWith(dir string, t Tree, opts Options) (Result, error) {
	var res Result
	treeDirs, err := t.layout()
	if err != nil {
		return res, err
	}
	dir, err = resolveDir(dir)
	if err != nil {
		return res, err
	}
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := recoverLeftovers(parent, base, dir); err != nil {
		return res, err
	}
	ex, exists, err := scan(dir)
	if err != nil {
		return res, fmt.Errorf("writing %s: %w", dir, err)
	}
	st, err := compare(dir, ex, t, opts)
	if err != nil {
		return res, fmt.Errorf("writing %s: %w", dir, err)
	}
	present := 0 // paths of t that ex holds
	for p := range t {
		s := st[p]
		if s != statusMissing {
			present++
		}
		if s == statusSame {
			res.Unchanged++
			continue
		}
		if opts.Keep[p] {
			// Its bytes are not in the tree: nothing can be written.
			return res, &KeptFileError{Path: p}
		}
		res.WrittenPaths = append(res.WrittenPaths, p)
	}
	slices.Sort(res.WrittenPaths)
	if len(ex.files) > present { // otherwise nothing is stale
		for p := range ex.files {
			if _, ok := t[p]; !ok {
				res.RemovedPaths = append(res.RemovedPaths, p)
			}
		}
	}
	slices.Sort(res.RemovedPaths)
	res.Written, res.Removed = len(res.WrittenPaths), len(res.RemovedPaths)

	if exists && !res.Changed() {
		// Removing an empty directory changes no content, so it need not
		// go through the swap.
		return res, removeEmptyDirs(dir, ex.dirs, treeDirs)
	}

	if exists {
		// Changes confined to one directory swap only that directory.
		if sub := changedSubtree(ex, t, res); sub != "." {
			err := writeSubtree(dir, sub, t, treeDirs, st, opts, ex, parent, base)
			if !errors.Is(err, errNoSubtreeSwap) {
				return res, err
			}
		}
	}
	if !exists {
		// Creating the parent changes no output content.
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return res, fmt.Errorf("writing %s: %w", dir, err)
		}
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return res, fmt.Errorf("writing %s: %w", dir, err)
	}
	if err := build(tmp, dir, t, st, opts, "."); err != nil {
		_ = os.RemoveAll(tmp)
		return res, fmt.Errorf("writing %s: %w", dir, err)
	}
	if err := hook("built"); err != nil {
		_ = os.RemoveAll(tmp)
		return res, fmt.Errorf("writing %s: %w", dir, err)
	}
	if err := swap(tmp, dir, exists, parent, base); err != nil {
		_ = os.RemoveAll(tmp)
		return res, fmt.Errorf("writing %s: %w", dir, err)
	}
	return res, nil
}

// resolveDir makes dir absolute and follows a symlink to the directory, so
// that the swap replaces the real directory and not the link.
func resolveDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("output directory %s: %w", dir, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	if filepath.Dir(abs) == abs {
		return "", fmt.Errorf("output directory %s: cannot replace a filesystem root", dir)
	}
	return abs, nil
}

// recoverLeftovers undoes what an interrupted Write left behind: temp trees
// are removed, and an old tree renamed aside is put back if dir is missing.
func recoverLeftovers(parent, base, dir string) error {
	entries, err := os.ReadDir(parent)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	tmpPrefix, oldPrefix := "."+base+".tmp-", "."+base+".old-"
	for _, e := range entries {
		name := e.Name()
		full := filepath.Join(parent, name)
		switch {
		case strings.HasPrefix(name, tmpPrefix):
			if err := os.RemoveAll(full); err != nil {
				return fmt.Errorf("removing stale %s: %w", full, err)
			}
		case strings.HasPrefix(name, oldPrefix):
			if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
				if err := os.Rename(full, dir); err != nil {
					return fmt.Errorf("restoring %s from %s: %w", dir, full, err)
				}
				continue
			}
			if err := os.RemoveAll(full); err != nil {
				return fmt.Errorf("removing stale %s: %w", full, err)
			}
		}
	}
	return nil
}

// build fills tmp with the files of t under sub ("." for all of t, paths
// relative to sub): hard links to unchanged files of old, fresh files for
// the rest; then syncs it.
func build(tmp, old string, t Tree, st map[string]status, opts Options, sub string) error {
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	var paths []string
	for _, p := range t.Paths() {
		if under(p, sub) {
			paths = append(paths, p)
		}
	}
	rel := func(p string) string {
		if sub == "." {
			return p
		}
		return p[len(sub)+1:]
	}
	dirSet := map[string]bool{".": true}
	for _, p := range paths {
		for d := path.Dir(rel(p)); !dirSet[d]; d = path.Dir(d) {
			dirSet[d] = true
		}
	}
	dirs := make([]string, 0, len(dirSet))
	for d := range dirSet {
		dirs = append(dirs, d)
	}
	slices.Sort(dirs) // parents sort before their children
	for _, d := range dirs[1:] {
		if err := os.Mkdir(filepath.Join(tmp, filepath.FromSlash(d)), 0o755); err != nil {
			return err
		}
	}
	err := parallel(len(paths), func(i int) error {
		p := paths[i]
		dst := filepath.Join(tmp, filepath.FromSlash(rel(p)))
		data := t[p]
		if st[p] == statusSame {
			src := filepath.Join(old, filepath.FromSlash(p))
			if err := os.Link(src, dst); err == nil {
				return hook("file")
			}
			// No hard links here (another filesystem, a restrictive
			// mount): copy instead.
			if opts.Keep[p] {
				var err error
				if data, err = os.ReadFile(src); err != nil {
					return err
				}
			}
		} else if opts.Keep[p] {
			return fmt.Errorf("%s was to be kept as it is but is not there", p)
		}
		if err := writeFile(dst, data); err != nil {
			return err
		}
		return hook("file")
	})
	if err != nil {
		return err
	}
	return syncTree(tmp)
}

// syncTree makes the new tree durable before it is swapped in. One
// syncfs(2) flushes every file, link and directory of the filesystem in a
// single journal commit; fsyncing tens of thousands of files and thousands
// of directories one by one costs milliseconds each on real disks.
func syncTree(root string) error {
	f, err := os.Open(root)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("syncing %s: %w", root, err)
	}
	return nil
}

func writeFile(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	// The umask may have narrowed the mode. Data reaches the disk with
	// the syncfs in syncTree.
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncPath(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("syncing %s: %w", name, err)
	}
	return nil
}

// errNoSubtreeSwap says the subtree could not be exchanged in place here;
// the whole tree is swapped instead.
var errNoSubtreeSwap = errors.New("no subtree exchange")

// changedSubtree is the deepest directory of dir, "." for dir itself, that
// holds every path written or removed, exists now and keeps at least one
// file. Replacing just that directory is the same change as replacing the
// whole tree, at the cost of the files under it instead of the whole
// fleet's (a hub edit touches one hub's directory of a tree of 40,000
// files).
func changedSubtree(ex existing, t Tree, res Result) string {
	changed := append(slices.Clone(res.WrittenPaths), res.RemovedPaths...)
	if len(changed) == 0 {
		return "."
	}
	sub := path.Dir(changed[0])
	for _, p := range changed[1:] {
		sub = commonDir(sub, path.Dir(p))
	}
	dirs := make(map[string]bool, len(ex.dirs))
	for _, d := range ex.dirs {
		dirs[d] = true
	}
	for sub != "." && (!dirs[sub] || !hasFileUnder(t, sub)) {
		sub = path.Dir(sub)
	}
	return sub
}

// commonDir is the longest directory that holds both a and b.
func commonDir(a, b string) string {
	for a != "." && !under(b, a) && a != b {
		a = path.Dir(a)
	}
	return a
}

// under reports whether p is dir or inside it ("." holds everything).
func under(p, dir string) bool {
	return dir == "." || p == dir || strings.HasPrefix(p, dir+"/")
}

func hasFileUnder(t Tree, dir string) bool {
	for p := range t {
		if under(p, dir) && p != dir {
			return true
		}
	}
	return false
}

// writeSubtree replaces the directory sub of dir, atomically, by its new
// contents: they are built in a ".<base>.tmp-*" sibling of dir (as for the
// whole tree; the next Write removes it if this run dies) and exchanged
// with dir/sub in one renameat2(RENAME_EXCHANGE). Where that is not
// possible (no exchange, another filesystem) it returns errNoSubtreeSwap
// having changed nothing.
func writeSubtree(dir, sub string, t Tree, treeDirs map[string]bool, st map[string]status, opts Options, ex existing, parent, base string) error {
	if noExchange {
		return errNoSubtreeSwap
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp-")
	if err != nil {
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	fail := func(err error) error {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("writing %s: %w", dir, err)
	}
	if err := build(tmp, dir, t, st, opts, sub); err != nil {
		return fail(err)
	}
	// Directories outside sub that were already empty go too, as a whole
	// swap would drop them. They hold no content, so this comes first:
	// nothing may fail once the new content is in place.
	var outside []string
	for _, d := range ex.dirs {
		if !under(d, sub) {
			outside = append(outside, d)
		}
	}
	if err := removeEmptyDirs(dir, outside, treeDirs); err != nil {
		return fail(err)
	}
	if err := hook("built"); err != nil {
		return fail(err)
	}
	target := filepath.Join(dir, filepath.FromSlash(sub))
	if err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, target, unix.RENAME_EXCHANGE); err != nil {
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP) ||
			errors.Is(err, unix.EXDEV) || errors.Is(err, errors.ErrUnsupported) {
			_ = os.RemoveAll(tmp)
			return errNoSubtreeSwap
		}
		return fail(fmt.Errorf("exchanging %s with %s: %w", tmp, target, err))
	}
	// tmp now holds the old subtree. The exchange is done and durable
	// once the directory holding target is synced.
	if err := syncPath(filepath.Dir(target)); err != nil {
		return err
	}
	_ = hook("swapped")
	// A failure to delete the old subtree is harmless (the next Write
	// removes it).
	_ = os.RemoveAll(tmp)
	return nil
}

// swap puts the tree at tmp in place of dir and removes the old tree.
func swap(tmp, dir string, exists bool, parent, base string) error {
	if !exists {
		if err := os.Rename(tmp, dir); err != nil {
			return err
		}
		_ = hook("swapped")
		return syncPath(parent)
	}
	err := errors.ErrUnsupported
	if !noExchange {
		err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, dir, unix.RENAME_EXCHANGE)
	}
	oldTree := tmp // after the exchange, tmp's name holds the old tree
	if err != nil {
		if !errors.Is(err, errors.ErrUnsupported) && !errors.Is(err, unix.ENOSYS) &&
			!errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("exchanging %s with %s: %w", tmp, dir, err)
		}
		aside, err := os.MkdirTemp(parent, "."+base+".old-")
		if err != nil {
			return err
		}
		// Rename over the empty placeholder, which reserved a unique name:
		// rename(2) replaces an empty directory (os.Rename refuses to).
		if err := unix.Rename(dir, aside); err != nil {
			_ = os.Remove(aside)
			return err
		}
		_ = hook("aside")
		if err := os.Rename(tmp, dir); err != nil {
			if rerr := os.Rename(aside, dir); rerr != nil {
				return fmt.Errorf("%w (and restoring %s failed: %v)", err, dir, rerr)
			}
			return err
		}
		oldTree = aside
	}
	if err := syncPath(parent); err != nil {
		return err
	}
	_ = hook("swapped")
	// The new tree is in place; a failure to delete the old one is
	// harmless (the next Write removes it).
	_ = os.RemoveAll(oldTree)
	return nil
}

// removeEmptyDirs removes the directories of dir that are not in keep
// (Tree.layout: those holding files of the tree), deepest first.
func removeEmptyDirs(dir string, dirs []string, keep map[string]bool) error {
	slices.SortFunc(dirs, func(a, b string) int { return strings.Compare(b, a) })
	for _, d := range dirs {
		if keep[d] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(d))); err != nil {
			return fmt.Errorf("removing empty directory %s: %w", d, err)
		}
	}
	return nil
}
