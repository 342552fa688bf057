// Package cache remembers, per output directory, what each cluster rendered
// to, keyed by a digest of everything that output is a function of: the
// hubfleet binary itself and the input files (fleet.yaml, the cluster's
// cluster.yaml and hub files, the fleet's node-pool templates). A later
// render whose inputs have the same digest, and whose output files still
// hash to what was recorded, reuses those files instead of rendering,
// patching and verifying the cluster again.
//
// The cache lives in the user's cache directory, never in the repository:
// it is trusted because only hubfleet on this machine wrote it. (A digest
// committed next to rendered/ could be edited together with rendered/ by a
// pull request, and `render --check` would then vouch for files no
// compiler produced.)
package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"
	"time"
)

// format changes whenever Entry or the key recipe changes meaning.
const format = "hubfleet-render-cache-2"

// EnvDir overrides the cache directory; "off" disables the cache.
const EnvDir = "HUBFLEET_CACHE_DIR"

// Entry is what one cluster rendered to.
type Entry struct {
	// Objects counts the cluster's objects.
	Objects int
	// Files are the cluster's output files, relative to the output
	// directory, sorted; Digest is Digest(Files) over their contents.
	Files  []string
	Digest string
	// Stats, when set, are the files' status (one per file) at Stamped,
	// when they were known to hold exactly the Digest contents. Files
	// whose status has not changed since are trusted without being read,
	// as git trusts its index.
	Stats   []Stat
	Stamped int64 // Unix nanoseconds
}

// Stat is what identifies a file's content without reading it: a write
// changes the modification time (and usually the size), a file replaced by
// another (git checkout, an editor's save-by-rename) has a new inode. The
// change time is left out, as with git's core.trustctime=false: writing
// the output tree hard-links unchanged files into the new tree, which
// changes their ctime, and every cluster would be read again after any
// render that changed something. (A deliberate edit that restores size and
// mtime goes unseen by the cache; the workflows that gate merging run
// render --check --no-cache.)
type Stat struct {
	Size, Mtime int64
	Ino         uint64
}

// racy is how close to Stamped a file's times may be and still be
// trusted: a file written in the same clock tick as it was stamped could
// change again without its times changing (git's "racily clean" entries).
// Such entries are read and stamped again on the next run.
const racy = time.Second

// Unchanged reports whether every file in fsys has the recorded status,
// so that its content is still the recorded one.
func (e *Entry) Unchanged(fsys fs.FS) bool {
	if len(e.Stats) != len(e.Files) || len(e.Files) == 0 {
		return false
	}
	files := newFileChecker(fsys)
	for i, name := range e.Files {
		fi, err := files.lstat(name)
		if err != nil {
			return false
		}
		st, ok := statOf(fi)
		if !ok || st != e.Stats[i] {
			return false
		}
	}
	return true
}

// stamp records the status of e's files, if they hold what e says: each
// file's status is taken before its content is read and checked against
// Digest, so a file replaced at any point after its status was taken has
// a status other than the recorded one, and is read again next time. A
// file changed too recently to be told apart from a later change in the
// same clock tick leaves the entry unstamped.
func (e *Entry) stamp(fsys fs.FS, now time.Time) {
	stats := make([]Stat, len(e.Files))
	limit := now.Add(-racy).UnixNano()
	files := newFileChecker(fsys)
	for i, name := range e.Files {
		fi, err := files.lstat(name)
		if err != nil {
			return
		}
		st, ok := statOf(fi)
		if !ok || st.Mtime >= limit {
			return
		}
		stats[i] = st
	}
	if d, err := Digest(fsys, e.Files); err != nil || d != e.Digest {
		return
	}
	e.Stats, e.Stamped = stats, now.UnixNano()
}

// fileChecker tells regular files reached through real directories from
// anything else, as the output writer sees the tree (it does not follow
// symbolic links): a file the writer would not find must not be vouched
// for.
type fileChecker struct {
	fsys fs.FS
	dirs map[string]error // nil: a real directory
}

func newFileChecker(fsys fs.FS) *fileChecker {
	return &fileChecker{fsys: fsys, dirs: map[string]error{}}
}

// lstat is name's status if it is a regular file reached through real
// directories; otherwise an error (fs.ErrNotExist when it is missing).
func (c *fileChecker) lstat(name string) (fs.FileInfo, error) {
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		err, seen := c.dirs[d]
		if !seen {
			var fi fs.FileInfo
			if fi, err = fs.Lstat(c.fsys, d); err == nil && !fi.IsDir() {
				err = &fs.PathError{Op: "lstat", Path: d, Err: errNotRegular}
			}
			c.dirs[d] = err
		}
		if err != nil {
			return nil, err
		}
	}
	fi, err := fs.Lstat(c.fsys, name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "lstat", Path: name, Err: errNotRegular}
	}
	return fi, nil
}

var errNotRegular = errors.New("not a regular file, or behind a symbolic link")

// Store is the cache of one output directory. Its methods are safe for
// concurrent use.
type Store struct {
	file   string
	outDir string

	ready   chan struct{} // closed once salt and old are set
	salt    []byte
	saltErr error

	mu    sync.Mutex
	old   map[string]*Entry
	kept  map[string]*Entry // entries read or written by this run
	dirty bool              // kept differs from old
}

// Dir is the cache directory: $HUBFLEET_CACHE_DIR, or hubfleet under the
// user's cache directory. ok is false when caching is off or there is no
// such directory.
func Dir() (dir string, ok bool) {
	if d := os.Getenv(EnvDir); d != "" {
		return d, d != "off"
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", false
	}
	return filepath.Join(d, "hubfleet"), true
}

// Open opens the cache of outDir (an absolute path) in dir; salt
// identifies the compiler and is called once. The cache is read, and salt
// computed, in the background while the caller goes on (loading the fleet,
// say); the first method call waits for it. A missing or unreadable cache
// is an empty one, and a salt error disables the store: the cache only
// ever saves work.
func Open(dir, outDir string, salt func() ([]byte, error)) *Store {
	sum := sha256.Sum256([]byte(outDir))
	s := &Store{
		file:   filepath.Join(dir, "render", hex.EncodeToString(sum[:12])+".gob"),
		outDir: outDir,
		old:    map[string]*Entry{},
		kept:   map[string]*Entry{},
		ready:  make(chan struct{}),
	}
	go func() {
		defer close(s.ready)
		if s.salt, s.saltErr = salt(); s.saltErr != nil {
			return
		}
		data, err := os.ReadFile(s.file)
		if err != nil {
			return
		}
		var f fileFormat
		if gob.NewDecoder(bytes.NewReader(data)).Decode(&f) == nil && f.Format == format && f.OutDir == outDir {
			s.old = f.Entries
		}
	}()
	return s
}

// Salt returns a salt function for Open that always gives b.
func Salt(b []byte) func() ([]byte, error) {
	return func() ([]byte, error) { return b, nil }
}

// fileFormat is the cache file (gob: it holds a status per output file,
// tens of thousands for a large fleet, and gob reads them several times
// faster than JSON).
type fileFormat struct {
	Format  string
	OutDir  string
	Entries map[string]*Entry
}

// Key is the digest of a cluster's inputs: the compiler, then each input
// file's path and content, in the order given.
func (s *Store) Key(fsys fs.FS, files []string) (string, error) {
	<-s.ready
	if s.saltErr != nil {
		return "", fmt.Errorf("identifying the compiler: %w", s.saltErr)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%x\x00", format, s.salt)
	for _, name := range files {
		data, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(h, "%s\x00absent\x00", name)
			continue
		}
		if err != nil {
			return "", err
		}
		hashFile(h, name, data)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Get returns the entry for key, or nil.
func (s *Store) Get(key string) *Entry {
	<-s.ready
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.kept[key]; e != nil {
		return e
	}
	return s.old[key]
}

// Keep marks the entry for key as still in use, so Save keeps it.
func (s *Store) Keep(key string, e *Entry) {
	if e == nil {
		return
	}
	<-s.ready
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.old[key] != e {
		s.dirty = true
	}
	s.kept[key] = e
}

// Put records a fresh entry.
func (s *Store) Put(key string, e *Entry) { s.Keep(key, e) }

// Stamp records the file status of the entries in use that have none (or
// whose files were read because their status changed). Call it only when
// fsys holds exactly what the entries describe: after writing the output,
// or after a check found it up to date; now is the time that was true.
func (s *Store) Stamp(fsys fs.FS, now time.Time) {
	<-s.ready
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.kept {
		if e.Stats == nil {
			e.stamp(fsys, now)
			s.dirty = s.dirty || e.Stats != nil
		}
	}
}

// Save writes the entries this run used or made, and only those, so the
// cache stays the size of the fleet. It replaces the file atomically;
// readers see the old or the new cache.
func (s *Store) Save() error {
	<-s.ready
	if s.saltErr != nil {
		return nil // nothing was cached
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.dirty && len(s.kept) == len(s.old) {
		// Every entry was reused as it was: the file already says this.
		return nil
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(fileFormat{Format: format, OutDir: s.outDir, Entries: s.kept}); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.file), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.file), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), s.file); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}

// Digest hashes files (paths relative to fsys) and their contents. A
// missing file, or one that is not a regular file reached through real
// directories (see fileChecker), is an error.
func Digest(fsys fs.FS, files []string) (string, error) {
	sums := make([]Sum, len(files))
	check := newFileChecker(fsys)
	for i, name := range files {
		if _, err := check.lstat(name); err != nil {
			return "", err
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return "", err
		}
		sums[i] = FileSum(name, b)
	}
	return DigestSums(sums), nil
}

// DigestBytes is Digest of contents already in memory.
func DigestBytes(files []string, data [][]byte) string {
	sums := make([]Sum, len(files))
	for i, name := range files {
		sums[i] = FileSum(name, data[i])
	}
	return DigestSums(sums)
}

// Sum is the digest of one named file (FileSum).
type Sum [sha256.Size]byte

// FileSum digests one named file: its name and length frame its bytes, so
// no two files hash alike. A render sums each file as it encodes it, so
// that it need not keep the bytes of a file it does not rewrite.
func FileSum(name string, data []byte) Sum {
	h := sha256.New()
	hashFile(h, name, data)
	var s Sum
	h.Sum(s[:0])
	return s
}

// hashFile adds one named file to a digest: its name and length frame its
// bytes, so no two lists of files hash alike.
func hashFile(h io.Writer, name string, data []byte) {
	fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
	h.Write(data)
}

// DigestSums is the digest of a list of files from their FileSums, in
// order: Digest and DigestBytes are DigestSums of their files' sums.
func DigestSums(sums []Sum) string {
	h := sha256.New()
	for _, s := range sums {
		h.Write(s[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ExecutableSalt identifies the running hubfleet binary by the digest of
// its file, so that any change to the compiler (code, schemas, templates,
// images table) invalidates every entry. On Linux it reads the running
// file itself (/proc/self/exe), even if a new build has replaced it at its
// path since the process started.
func ExecutableSalt() ([]byte, error) {
	f, err := os.Open("/proc/self/exe")
	if err != nil {
		exe, err := os.Executable()
		if err != nil {
			return nil, err
		}
		if f, err = os.Open(exe); err != nil {
			return nil, err
		}
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
