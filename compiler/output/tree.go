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
	for p := range t {
		if p == "" || p == "." || strings.HasPrefix(p, "/") || path.Clean(p) != p ||
			p == ".." || strings.HasPrefix(p, "../") || strings.ContainsRune(p, 0) || strings.ContainsRune(p, '\\') {
			return fmt.Errorf("output path %q is not a clean relative path", p)
		}
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := t[d]; ok {
				return fmt.Errorf("output path %q is both a file and the directory of %q", d, p)
			}
		}
	}
	return nil
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
	ex.files = map[string]bool{}
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return ex, false, nil
	}
	if err != nil {
		return ex, false, err
	}
	if !fi.IsDir() {
		return ex, false, fmt.Errorf("%s is not a directory", dir)
	}
	top, err := os.ReadDir(dir)
	if err != nil {
		return ex, true, err
	}
	subs := make([]existing, len(top))
	err = parallel(len(top), func(i int) error {
		e := top[i]
		if !e.IsDir() {
			return nil
		}
		subs[i].files = map[string]bool{}
		return walkInto(&subs[i], dir, e.Name())
	})
	if err != nil {
		return ex, true, err
	}
	// Merged in the order of one walk of the whole tree.
	for i, e := range top {
		if !e.IsDir() {
			ex.files[e.Name()] = e.Type().IsRegular()
			continue
		}
		ex.dirs = append(ex.dirs, subs[i].dirs...)
		for p, regular := range subs[i].files {
			ex.files[p] = regular
		}
	}
	return ex, true, nil
}

// walkInto adds the subdirectory rel of dir, and everything under it, to
// ex, in lexical pre-order.
func walkInto(ex *existing, dir, rel string) error {
	root := filepath.Join(dir, rel)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		r = filepath.ToSlash(r)
		if d.IsDir() {
			ex.dirs = append(ex.dirs, r)
			return nil
		}
		ex.files[r] = d.Type().IsRegular()
		return nil
	})
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
