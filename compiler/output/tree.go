package output

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Tree is a rendered output tree: slash-separated path relative to the
// output directory → file bytes.
type Tree map[string][]byte

// Paths returns the tree's paths, sorted.
func (t Tree) Paths() []string {
	ps := make([]string, 0, len(t))
	for p := range t {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// validate rejects paths that could escape the directory or that collide
// (a file that is also another file's directory).
func (t Tree) validate() error {
	_, err := t.layout()
	return err
}

// layout validates t and returns the directories that hold its files,
// ancestors included ("." excluded). Files share few directories, so
// each directory is checked once, not once per file under it.
func (t Tree) layout() (map[string]bool, error) {
	dirs := map[string]bool{}
	// The errors name the smallest offending path, the same on every
	// run whatever the map's order.
	var unclean []string
	for p := range t {
		if !cleanRelative(p) {
			unclean = append(unclean, p)
			continue
		}
		for d := path.Dir(p); d != "." && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	if len(unclean) > 0 {
		return nil, fmt.Errorf("output path %q is not a clean relative path", slices.Min(unclean))
	}
	var files []string // that are also directories
	for d := range dirs {
		if _, ok := t[d]; ok {
			files = append(files, d)
		}
	}
	if len(files) > 0 {
		d := slices.Min(files)
		var under []string
		for p := range t {
			if strings.HasPrefix(p, d+"/") {
				under = append(under, p)
			}
		}
		return nil, fmt.Errorf("output path %q is both a file and the directory of %q", d, slices.Min(under))
	}
	return dirs, nil
}

// cleanRelative reports whether p is a clean, slash-separated path inside
// the directory: not empty, not absolute, no "." or ".." element, no empty
// element, no NUL or backslash.
func cleanRelative(p string) bool {
	if p == "" || strings.ContainsRune(p, 0) || strings.ContainsRune(p, '\\') {
		return false
	}
	for elem := range strings.SplitSeq(p, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
	}
	return true
}

// ReadTree reads every regular file under dir in fsys. A missing dir reads
// as an empty tree.
func ReadTree(fsys fs.FS, dir string) (Tree, error) {
	t := Tree{}
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		rel := p
		if dir != "." {
			rel = strings.TrimPrefix(p, dir+"/")
		}
		t[rel] = b
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading tree %s: %w", dir, err)
	}
	return t, nil
}

// existing is what a directory holds now.
type existing struct {
	files map[string]bool // slash path → is a regular file
	dirs  []string        // slash paths of subdirectories, excluding the root
}

// scan lists dir. A missing dir is reported by ok=false. The top-level
// directories (one per cluster) are walked in parallel: listing tens of
// thousands of files is system calls.
func scan(dir string) (ex existing, ok bool, err error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return existing{files: map[string]bool{}}, false, nil
	}
	if err != nil {
		return existing{files: map[string]bool{}}, false, err
	}
	if !fi.IsDir() {
		return existing{files: map[string]bool{}}, false, fmt.Errorf("%s is not a directory", dir)
	}
	top, err := os.ReadDir(dir)
	if err != nil {
		return existing{files: map[string]bool{}}, true, err
	}
	subs := make([]listing, len(top))
	err = parallel(len(top), func(i int) error {
		if e := top[i]; e.IsDir() {
			return subs[i].walk(dir, e.Name())
		}
		return nil
	})
	if err != nil {
		return existing{files: map[string]bool{}}, true, err
	}
	// Merged in the order of one walk of the whole tree.
	n := len(top)
	for _, s := range subs {
		n += len(s.files)
	}
	ex.files = make(map[string]bool, n)
	for i, e := range top {
		if !e.IsDir() {
			ex.files[e.Name()] = e.Type().IsRegular()
			continue
		}
		ex.dirs = append(ex.dirs, subs[i].dirs...)
		for _, f := range subs[i].files {
			ex.files[f.path] = f.regular
		}
	}
	return ex, true, nil
}

// listing is what one subdirectory holds: its directories in lexical
// pre-order, and its files.
type listing struct {
	dirs  []string
	files []listed
}

type listed struct {
	path    string
	regular bool
}

// walk adds the subdirectory rel of dir, and everything under it, to l.
// Symbolic links are listed, not followed. Files go into a map in the
// end, so only directories are visited in order.
func (l *listing) walk(dir, rel string) error {
	l.dirs = append(l.dirs, rel)
	f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		return err
	}
	entries, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	var subdirs []string
	for _, e := range entries {
		p := rel + "/" + e.Name()
		if e.IsDir() {
			subdirs = append(subdirs, p)
			continue
		}
		l.files = append(l.files, listed{p, e.Type().IsRegular()})
	}
	slices.Sort(subdirs)
	for _, d := range subdirs {
		if err := l.walk(dir, d); err != nil {
			return err
		}
	}
	return nil
}

// status of one desired file against the existing tree.
type status uint8

const (
	statusMissing status = iota
	statusChanged
	statusSame
)

// compare reads the existing files that t also names and reports which
// hold exactly the desired bytes. Reads run in parallel: with tens of
// thousands of small files the cost is system calls, not bytes.
func compare(dir string, ex existing, t Tree, opts Options) (map[string]status, error) {
	st := make(map[string]status, len(t))
	var todo []string
	for p := range t {
		switch regular, ok := ex.files[p]; {
		case !ok:
			st[p] = statusMissing
		case !regular:
			st[p] = statusChanged
		case opts.Keep[p]:
			st[p] = statusSame
		default:
			todo = append(todo, p)
		}
	}
	same := make([]bool, len(todo))
	err := parallel(len(todo), func(i int) error {
		eq, err := sameBytes(filepath.Join(dir, filepath.FromSlash(todo[i])), t[todo[i]])
		same[i] = eq
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, p := range todo {
		if same[i] {
			st[p] = statusSame
		} else {
			st[p] = statusChanged
		}
	}
	return st, nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

func sameBytes(name string, want []byte) (bool, error) {
	// One byte more than wanted tells a longer file from an equal one.
	bp, buf := readBuffer(len(want) + 1)
	defer bufPool.Put(bp)
	n, err := readPrefix(name, buf)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // gone since it was listed: it is written anew
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", name, err)
	}
	return n == len(want) && string(buf[:n]) == string(want), nil
}

// parallel runs fn(0..n-1) on a few workers and returns the first error.
func parallel(n int, fn func(i int) error) error {
	workers := min(max(4, 2*runtime.GOMAXPROCS(0)), 16, n)
	if workers <= 1 {
		for i := range n {
			if err := fn(i); err != nil {
				return err
			}
		}
		return nil
	}
	var (
		mu    sync.Mutex
		next  int
		first error
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= n || first != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				mu.Unlock()
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// Check compares dir with t without writing anything. Each difference is
// "changed: PATH", "missing: PATH" (in t, not on disk) or "stale: PATH"
// (on disk, not in t), sorted by path. Empty directories are not reported:
// they hold no content and git does not track them.
func Check(dir string, t Tree) ([]string, error) { return CheckWith(dir, t, Options{}) }

// CheckWith is Check with options.
func CheckWith(dir string, t Tree, opts Options) ([]string, error) {
	if err := t.validate(); err != nil {
		return nil, err
	}
	// As Write does: a symbolic link to the directory is followed.
	dir, err := resolveDir(dir)
	if err != nil {
		return nil, err
	}
	ex, _, err := scan(dir)
	if err != nil {
		return nil, fmt.Errorf("checking %s: %w", dir, err)
	}
	st, err := compare(dir, ex, t, opts)
	if err != nil {
		return nil, fmt.Errorf("checking %s: %w", dir, err)
	}
	type diff struct{ path, kind string }
	var ds []diff
	for p, s := range st {
		switch s {
		case statusMissing:
			ds = append(ds, diff{p, "missing"})
		case statusChanged:
			ds = append(ds, diff{p, "changed"})
		}
	}
	for p := range ex.files {
		if _, ok := t[p]; !ok {
			ds = append(ds, diff{p, "stale"})
		}
	}
	slices.SortFunc(ds, func(a, b diff) int { return strings.Compare(a.path, b.path) })
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.kind + ": " + d.path
	}
	return out, nil
}
