//go:build linux || darwin || freebsd || netbsd || openbsd

// The status tests need the inode and change time that stat_unix.go reads;
// elsewhere the cache reads every file and has nothing to stamp.

package cache

import (
	"bytes"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testSalt = Salt([]byte("compiler-1"))

// open opens the cache of outDir in dir and waits for it to be read, so
// that tests can look at the store's fields.
func open(t testing.TB, dir, outDir string) *Store {
	t.Helper()
	s := Open(dir, outDir, testSalt)
	<-s.ready
	return s
}

// dirOf is the cache directory s was opened in.
func dirOf(s *Store) string { return filepath.Dir(filepath.Dir(s.file)) }

func save(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
}

func entry(files ...string) *Entry {
	return &Entry{Objects: len(files) * 2, Files: files, Digest: "digest-of-" + filepath.Join(files...)}
}

// writeFiles writes name → content under root, creating directories.
func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func statOfFile(t *testing.T, p string) Stat {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := statOf(fi)
	if !ok {
		t.Fatalf("no status for %s", p)
	}
	return st
}

// tick waits until the filesystem under dir gives a later timestamp than
// it gave so far, so that a write after tick cannot carry the same
// modification time as a write before it. Without it, a rewrite in the
// same clock tick would be invisible to any status check (the racy case
// Stamp guards against), and the test would test the clock.
func tick(t *testing.T, dir string) {
	t.Helper()
	probe := filepath.Join(dir, ".tick")
	if err := os.WriteFile(probe, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	first := statOfFile(t, probe).Mtime
	deadline := time.Now().Add(5 * time.Second)
	for statOfFile(t, probe).Mtime == first {
		if time.Now().After(deadline) {
			t.Fatal("filesystem timestamps do not advance")
		}
		time.Sleep(2 * time.Millisecond)
		if err := os.WriteFile(probe, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(probe); err != nil {
		t.Fatal(err)
	}
}

func TestSaveThenOpenReturnsEntries(t *testing.T) {
	dir, out := t.TempDir(), "/repo/rendered"
	e1 := entry("c1/a.yaml", "c1/b.yaml")
	e2 := &Entry{Objects: 7, Files: []string{"c2/x.yaml"}, Digest: "d2",
		Stats: []Stat{{Size: 3, Mtime: 11, Ino: 13}}, Stamped: 99}

	s := open(t, dir, out)
	if e := s.Get("k1"); e != nil {
		t.Fatalf("empty cache returned %+v", e)
	}
	s.Put("k1", e1)
	s.Put("k2", e2)
	// Within a run, what was put is found.
	if s.Get("k1") != e1 {
		t.Error("Get after Put in the same run did not return the entry")
	}
	save(t, s)
	if _, err := os.Stat(filepath.Join(dir, "render")); err != nil {
		t.Fatalf("cache not written under dir/render: %v", err)
	}

	s = open(t, dir, out)
	if d := cmp.Diff(e1, s.Get("k1")); d != "" {
		t.Errorf("k1 after reopening (-want +got):\n%s", d)
	}
	if d := cmp.Diff(e2, s.Get("k2")); d != "" {
		t.Errorf("k2 after reopening (-want +got):\n%s", d)
	}
	if e := s.Get("k3"); e != nil {
		t.Errorf("unknown key gave %+v", e)
	}
	// Save leaves no temporary file behind.
	ents, err := os.ReadDir(filepath.Join(dir, "render"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Errorf("cache directory holds %d files, want 1", len(ents))
	}
}

func TestSaveKeepsOnlyEntriesUsedThisRun(t *testing.T) {
	dir, out := t.TempDir(), "/repo/rendered"
	s := open(t, dir, out)
	for _, k := range []string{"k1", "k2", "k3"} {
		s.Put(k, entry(k+".yaml"))
	}
	save(t, s)

	// Run 2 reuses k1, renders k4 afresh; k2 and k3 are gone from the fleet.
	s = open(t, dir, out)
	e1 := s.Get("k1")
	if e1 == nil || s.Get("k2") == nil {
		t.Fatal("entries of the first run missing")
	}
	s.Keep("k1", e1)
	s.Put("k4", entry("k4.yaml"))
	save(t, s)

	s = open(t, dir, out)
	for k, want := range map[string]bool{"k1": true, "k2": false, "k3": false, "k4": true} {
		if got := s.Get(k) != nil; got != want {
			t.Errorf("after run 2: Get(%s) present = %v, want %v", k, got, want)
		}
	}
	if len(s.old) != 2 {
		t.Errorf("cache holds %d entries, want 2", len(s.old))
	}

	// A run that only looks an entry up, without keeping it, drops it.
	s.Get("k1")
	save(t, s)
	s = open(t, dir, out)
	if len(s.old) != 0 {
		t.Errorf("entries looked up but not kept survived: %v", s.old)
	}
}

func TestOpenOtherOutDirIsSeparate(t *testing.T) {
	dir := t.TempDir()
	a, b := "/repo/rendered", "/repo/other"
	s := open(t, dir, a)
	s.Put("k", entry("a.yaml"))
	save(t, s)

	sb := open(t, dir, b)
	if e := sb.Get("k"); e != nil {
		t.Fatalf("outDir %s sees the entry of %s: %+v", b, a, e)
	}
	sb.Put("kb", entry("b.yaml"))
	save(t, sb)

	// Saving b's cache did not disturb a's.
	s = open(t, dir, a)
	if s.Get("k") == nil || s.Get("kb") != nil {
		t.Errorf("outDir %s after saving %s: k=%v kb=%v", a, b, s.Get("k"), s.Get("kb"))
	}

	// Even a's file under b's name is not taken for b's: the file records
	// which directory it describes.
	data, err := os.ReadFile(s.file)
	if err != nil {
		t.Fatal(err)
	}
	if s.file == sb.file {
		t.Fatal("two output directories share a cache file")
	}
	if err := os.WriteFile(sb.file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if e := open(t, dir, b).Get("k"); e != nil {
		t.Errorf("a cache file recorded for %s was used for %s", a, b)
	}
}

// validCache returns the bytes of a cache file for out holding key k.
func validCache(t testing.TB, out, formatName, k string) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := gob.NewEncoder(&buf).Encode(fileFormat{Format: formatName, OutDir: out, Entries: map[string]*Entry{k: entry("x.yaml")}})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestOpenUnusableCacheIsEmpty(t *testing.T) {
	out := "/repo/rendered"
	good := validCache(t, out, format, "k")
	for _, tc := range []struct {
		name string
		data []byte
		want bool // entry k is found
	}{
		{"control", good, true},
		{"garbage", []byte("not a gob stream\x00\xff\xfe"), false},
		{"empty", nil, false},
		{"truncated", good[:len(good)/2], false},
		{"other format", validCache(t, out, format+"-old", "k"), false},
		{"other outDir", validCache(t, "/elsewhere", format, "k"), false},
		{"wrong type", func() []byte {
			var buf bytes.Buffer
			_ = gob.NewEncoder(&buf).Encode(map[string]int{"k": 1})
			return buf.Bytes()
		}(), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			file := open(t, dir, out).file
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			s := open(t, dir, out)
			if got := s.Get("k") != nil; got != tc.want {
				t.Fatalf("Get(k) present = %v, want %v", got, tc.want)
			}
			// The unusable file is replaced by a good one.
			s.Put("fresh", entry("f.yaml"))
			save(t, s)
			if open(t, dir, out).Get("fresh") == nil {
				t.Error("cache saved over an unusable one is not readable")
			}
		})
	}
}

func TestOpenMissingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "no", "such", "dir")
	s := open(t, dir, "/repo/rendered")
	if len(s.old) != 0 {
		t.Fatalf("missing cache has entries: %v", s.old)
	}
	s.Put("k", entry("a.yaml"))
	save(t, s) // creates the directories
	if open(t, dir, "/repo/rendered").Get("k") == nil {
		t.Error("entry not saved into a new cache directory")
	}
}

func TestKey(t *testing.T) {
	base := fstest.MapFS{
		"fleet.yaml":               {Data: []byte("fleet: demo\n")},
		"hubs/c1/cluster.yaml":     {Data: []byte("name: c1\n")},
		"hubs/c1/hub-a.yaml":       {Data: []byte("name: a\n")},
		"hubs/c1/hub-b.yaml":       {Data: []byte("name: b\n")},
		"nodepools/templates.yaml": {Data: []byte("pools: []\n")},
	}
	files := []string{"fleet.yaml", "hubs/c1/cluster.yaml", "hubs/c1/hub-a.yaml", "hubs/c1/hub-b.yaml", "nodepools/templates.yaml"}
	s := open(t, t.TempDir(), "/repo/rendered")

	key := func(s *Store, fsys fs.FS, files []string) string {
		t.Helper()
		k, err := s.Key(fsys, files)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	with := func(name, content string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m[name] = &fstest.MapFile{Data: []byte(content)}
		return m
	}
	without := func(name string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		delete(m, name)
		return m
	}

	ref := key(s, base, files)
	if len(ref) != 2*sha256.Size {
		t.Errorf("key %q is not a hex SHA-256", ref)
	}
	// Stable: same input, again and in another store with the same salt.
	if k := key(s, base, files); k != ref {
		t.Error("Key differs for identical input")
	}
	if k := key(open(t, t.TempDir(), "/other"), base, files); k != ref {
		t.Error("Key depends on the store, not only on salt and input")
	}

	other := Open(t.TempDir(), "/repo/rendered", Salt([]byte("compiler-2")))
	reordered := []string{"fleet.yaml", "hubs/c1/cluster.yaml", "hubs/c1/hub-b.yaml", "hubs/c1/hub-a.yaml", "nodepools/templates.yaml"}
	renamed := fstest.MapFS{}
	for k, v := range base {
		renamed[k] = v
	}
	renamed["hubs/c1/hub-z.yaml"] = base["hubs/c1/hub-b.yaml"]
	delete(renamed, "hubs/c1/hub-b.yaml")
	renamedFiles := []string{"fleet.yaml", "hubs/c1/cluster.yaml", "hubs/c1/hub-a.yaml", "hubs/c1/hub-z.yaml", "nodepools/templates.yaml"}

	for _, tc := range []struct {
		name  string
		store *Store
		fsys  fs.FS
		files []string
	}{
		{"salt", other, base, files},
		{"content same length", s, with("hubs/c1/hub-a.yaml", "name: A\n"), files},
		{"content longer", s, with("hubs/c1/hub-a.yaml", "name: a\n\n"), files},
		{"file removed from disk", s, without("hubs/c1/hub-b.yaml"), files},
		{"file emptied", s, with("hubs/c1/hub-b.yaml", ""), files},
		{"file added to the list", s, with("hubs/c1/hub-c.yaml", "name: c\n"), append(append([]string{}, files...), "hubs/c1/hub-c.yaml")},
		{"absent file added to the list", s, base, append(append([]string{}, files...), "hubs/c1/hub-c.yaml")},
		{"file dropped from the list", s, base, files[:len(files)-1]},
		{"order", s, base, reordered},
		{"path renamed, same content", s, renamed, renamedFiles},
		{"no files", s, base, nil},
	} {
		if k := key(tc.store, tc.fsys, tc.files); k == ref {
			t.Errorf("%s: Key did not change", tc.name)
		}
	}

	// Bytes moved from one file to the next change the key, even when the
	// concatenated names and contents are the same ("a\0" "b\0" "b\0"):
	// each file's length is part of it.
	split1 := fstest.MapFS{"a": {Data: []byte("")}, "b": {Data: []byte("b\x00")}}
	split2 := fstest.MapFS{"a": {Data: []byte("b\x00")}, "b": {Data: []byte("")}}
	if key(s, split1, []string{"a", "b"}) == key(s, split2, []string{"a", "b"}) {
		t.Error("moving bytes between files kept the key")
	}
	// A file that is absent is not the same as one holding "absent".
	if key(s, fstest.MapFS{}, []string{"a"}) == key(s, fstest.MapFS{"a": {Data: []byte("absent")}}, []string{"a"}) {
		t.Error("absent file and file with content \"absent\" give the same key")
	}
	// Absent is stable too.
	if key(s, without("hubs/c1/hub-b.yaml"), files) != key(s, without("hubs/c1/hub-b.yaml"), files) {
		t.Error("Key with an absent file is not stable")
	}
}

func TestKeyUnreadableInputIsAnError(t *testing.T) {
	s := open(t, t.TempDir(), "/repo/rendered")
	// A directory where a file is expected cannot be read; that is not
	// the same as the file being absent.
	fsys := fstest.MapFS{"hubs/c1/cluster.yaml": {Data: []byte("x")}}
	if k, err := s.Key(fsys, []string{"hubs/c1"}); err == nil {
		t.Errorf("Key of a directory = %q, want an error", k)
	}
}

func TestSaltErrorDisablesStore(t *testing.T) {
	dir, out := t.TempDir(), "/repo/rendered"
	// A cache saved by a working compiler.
	s := open(t, dir, out)
	s.Put("k", entry("a.yaml"))
	save(t, s)
	before, err := os.ReadFile(s.file)
	if err != nil {
		t.Fatal(err)
	}

	boom := errors.New("no executable")
	var calls atomic.Int32
	bad := Open(dir, out, func() ([]byte, error) { calls.Add(1); return nil, boom })
	for range 3 {
		k, err := bad.Key(fstest.MapFS{"a": {Data: []byte("a")}}, []string{"a"})
		if !errors.Is(err, boom) || k != "" {
			t.Fatalf("Key = %q, %v; want the salt error", k, err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("salt called %d times, want once", n)
	}
	if e := bad.Get("k"); e != nil {
		t.Errorf("disabled store read the cache: %+v", e)
	}
	bad.Put("k2", entry("b.yaml"))
	if err := bad.Save(); err != nil {
		t.Errorf("Save of a disabled store = %v, want nil", err)
	}
	after, err := os.ReadFile(s.file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("disabled store rewrote the cache file")
	}

	// In an empty cache directory it writes nothing at all.
	empty := t.TempDir()
	bad = Open(empty, out, func() ([]byte, error) { return nil, boom })
	bad.Put("k", entry("a.yaml"))
	if err := bad.Save(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("disabled store wrote %v", ents)
	}
}

func TestOpenWaitsForSalt(t *testing.T) {
	release := make(chan struct{})
	s := Open(t.TempDir(), "/repo/rendered", func() ([]byte, error) {
		<-release
		return []byte("x"), nil
	})
	got := make(chan string)
	go func() {
		k, _ := s.Key(fstest.MapFS{}, nil)
		got <- k
	}()
	select {
	case k := <-got:
		t.Fatalf("Key returned %q before the salt was known", k)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if k := <-got; k == "" {
		t.Error("Key failed once the salt was known")
	}
}

func TestDigest(t *testing.T) {
	root := t.TempDir()
	contents := map[string]string{"c1/a.yaml": "kind: A\n", "c1/b.yaml": "", "c2/c.yaml": "kind: C\n"}
	writeFiles(t, root, contents)
	files := []string{"c1/a.yaml", "c1/b.yaml", "c2/c.yaml"}
	data := make([][]byte, len(files))
	for i, f := range files {
		data[i] = []byte(contents[f])
	}
	fsys := os.DirFS(root)

	d, err := Digest(fsys, files)
	if err != nil {
		t.Fatal(err)
	}
	if b := DigestBytes(files, data); b != d {
		t.Errorf("Digest = %s, DigestBytes = %s", d, b)
	}
	if len(d) != 2*sha256.Size {
		t.Errorf("digest %q is not a hex SHA-256", d)
	}
	e, err := Digest(nil, nil)
	if err != nil || e != DigestBytes(nil, nil) || e == d {
		t.Errorf("Digest of no files = %q, %v", e, err)
	}
	// Order and content count.
	if DigestBytes([]string{files[1], files[0], files[2]}, [][]byte{data[1], data[0], data[2]}) == d {
		t.Error("digest ignores the order of files")
	}
	changed := append([][]byte{}, data...)
	changed[0] = []byte("kind: B\n")
	if DigestBytes(files, changed) == d {
		t.Error("digest ignores content")
	}
	if DigestBytes([]string{"c1/a.yaml", "c1/b.yaml"}, [][]byte{[]byte("kind: A\n"), nil}) ==
		DigestBytes([]string{"c1/a.yaml"}, [][]byte{[]byte("kind: A\n")}) {
		t.Error("digest ignores an empty file")
	}

	_, err = Digest(fsys, append(append([]string{}, files...), "c3/missing.yaml"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Digest with a missing file: err = %v, want not-exist", err)
	}
}

// stamped writes files under a new output directory, keeps an entry for
// them in a new store and stamps it as of two seconds from now, when the
// files are safely older than the racy window.
// entryOn is an entry for files of root with their real digest (Stamp
// checks it); a digest that cannot be computed (a missing file) is left
// fake.
func entryOn(t *testing.T, root string, files ...string) *Entry {
	t.Helper()
	e := entry(files...)
	if d, err := Digest(os.DirFS(root), files); err == nil {
		e.Digest = d
	}
	return e
}

func stamped(t *testing.T) (out string, s *Store, e *Entry) {
	t.Helper()
	out = t.TempDir()
	writeFiles(t, out, map[string]string{"c1/a.yaml": "kind: A\n", "c1/sub/b.yaml": "kind: B\n"})
	s = open(t, t.TempDir(), out)
	e = entryOn(t, out, "c1/a.yaml", "c1/sub/b.yaml")
	s.Put("k", e)
	now := time.Now().Add(2 * time.Second)
	s.Stamp(os.DirFS(out), now)
	if len(e.Stats) != 2 || e.Stamped != now.UnixNano() {
		t.Fatalf("entry not stamped: %+v", e)
	}
	for i, f := range e.Files {
		if want := statOfFile(t, filepath.Join(out, f)); e.Stats[i] != want {
			t.Fatalf("Stats[%d] = %+v, want %+v", i, e.Stats[i], want)
		}
	}
	if !e.Unchanged(os.DirFS(out)) {
		t.Fatal("Unchanged is false right after stamping")
	}
	return out, s, e
}

func TestUnchangedAfterStamp(t *testing.T) {
	out, s, e := stamped(t)
	save(t, s)
	// The status survives the cache file.
	re := open(t, dirOf(s), out).Get("k")
	if re == nil {
		t.Fatal("stamped entry not saved")
	}
	if d := cmp.Diff(e, re); d != "" {
		t.Errorf("entry after reopening (-want +got):\n%s", d)
	}
	if !re.Unchanged(os.DirFS(out)) {
		t.Error("reopened entry is not unchanged")
	}
	// Reading a file changes nothing.
	if _, err := os.ReadFile(filepath.Join(out, "c1/a.yaml")); err != nil {
		t.Fatal(err)
	}
	if !e.Unchanged(os.DirFS(out)) {
		t.Error("reading a file made it changed")
	}
}

func TestUnchangedDetectsChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, file string)
	}{
		{"rewritten with the same bytes", func(t *testing.T, file string) {
			if err := os.WriteFile(file, []byte("kind: A\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"rewritten, same size", func(t *testing.T, file string) {
			if err := os.WriteFile(file, []byte("kind: Z\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by rename", func(t *testing.T, file string) {
			tmp := file + ".new"
			if err := os.WriteFile(tmp, []byte("kind: A\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// Give the copy the original's modification time: only the
			// inode (and change time) can tell them apart.
			fi, err := os.Stat(file)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, file); err != nil {
				t.Fatal(err)
			}
		}},
		{"removed", func(t *testing.T, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
		}},
		{"replaced by a directory", func(t *testing.T, file string) {
			if err := os.Remove(file); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(file, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, e := stamped(t)
			file := filepath.Join(out, "c1/sub/b.yaml")
			before := e.Stats[1]
			tick(t, out)
			tc.change(t, file)
			if e.Unchanged(os.DirFS(out)) {
				t.Errorf("Unchanged is true after the file was %s", tc.name)
			}
			if tc.name == "replaced by rename" && statOfFile(t, file).Ino == before.Ino {
				t.Error("rename kept the inode: the case is not exercised")
			}
		})
	}
}

// TestUnchangedIgnoresChangeTime: a hard link (what writing the output tree
// makes of every unchanged file) or a mode change moves only the change
// time; the content is the same and the entry stays trusted.
func TestUnchangedIgnoresChangeTime(t *testing.T) {
	out, _, e := stamped(t)
	file := filepath.Join(out, "c1/sub/b.yaml")
	tick(t, out)
	if err := os.Link(file, filepath.Join(out, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	if !e.Unchanged(os.DirFS(out)) {
		t.Error("Unchanged is false after a link and a mode change, which leave the content alone")
	}
}

func TestUnchangedNeedsStats(t *testing.T) {
	out, _, e := stamped(t)
	fsys := os.DirFS(out)
	for name, bad := range map[string]*Entry{
		"never stamped":   {Files: e.Files, Digest: e.Digest},
		"stats too short": {Files: e.Files, Digest: e.Digest, Stats: e.Stats[:1]},
		"stats too long":  {Files: e.Files[:1], Digest: e.Digest, Stats: e.Stats},
		"no files":        {Stats: []Stat{}},
		"other file":      {Files: []string{e.Files[1], e.Files[0]}, Stats: e.Stats},
		"invalid path":    {Files: []string{"../c1/a.yaml", e.Files[1]}, Stats: e.Stats},
	} {
		if bad.Unchanged(fsys) {
			t.Errorf("%s: Unchanged is true", name)
		}
	}
	if (&Entry{Files: e.Files, Stats: e.Stats}).Unchanged(fstest.MapFS{}) {
		t.Error("Unchanged is true on a filesystem without the files")
	}
}

// statFS serves one real file's status with some fields altered, to show
// that each field on its own tells a change.
type statFS struct {
	fs.FS
	alter func(*syscall.Stat_t)
}

type alteredInfo struct {
	fs.FileInfo
	sys *syscall.Stat_t
}

func (a alteredInfo) Sys() any { return a.sys }

// Size reports the altered size, as os.FileInfo reports st_size.
func (a alteredInfo) Size() int64 { return a.sys.Size }

func (f statFS) Stat(name string) (fs.FileInfo, error) {
	fi, err := fs.Stat(f.FS, name)
	if err != nil {
		return nil, err
	}
	st := *fi.Sys().(*syscall.Stat_t)
	f.alter(&st)
	return alteredInfo{fi, &st}, nil
}

func TestUnchangedComparesEveryStatusField(t *testing.T) {
	out, _, e := stamped(t)
	disk := os.DirFS(out)
	if !e.Unchanged(statFS{disk, func(*syscall.Stat_t) {}}) {
		t.Fatal("unaltered status through statFS is not unchanged")
	}
	for name, alter := range map[string]func(*syscall.Stat_t){
		"inode":       func(st *syscall.Stat_t) { st.Ino++ },
		"size":        func(st *syscall.Stat_t) { st.Size++ },
		"mtime":       func(st *syscall.Stat_t) { bumpTime(t, st, "M") },
		"not regular": func(st *syscall.Stat_t) {},
	} {
		fsys := statFS{disk, alter}
		if name == "not regular" {
			// A directory's status, under the file's name.
			fsys = statFS{renamedFS{disk, "c1/sub/b.yaml", "c1/sub"}, alter}
		}
		if e.Unchanged(fsys) {
			t.Errorf("a different %s went unnoticed", name)
		}
	}
}

// bumpTime adds a nanosecond to the modification ("M") or change ("C")
// time of st, whichever name the platform gives the field (Mtim on Linux,
// Mtimespec on the BSDs).
func bumpTime(t *testing.T, st *syscall.Stat_t, which string) {
	v := reflect.ValueOf(st).Elem()
	for _, name := range []string{which + "tim", which + "timespec"} {
		if f := v.FieldByName(name); f.IsValid() {
			nsec := f.FieldByName("Nsec")
			nsec.SetInt(nsec.Int() + 1)
			return
		}
	}
	t.Fatalf("no %stime field in syscall.Stat_t", which)
}

// renamedFS answers for name with the status of other.
type renamedFS struct {
	fs.FS
	name, other string
}

func (r renamedFS) Stat(name string) (fs.FileInfo, error) {
	if name == r.name {
		name = r.other
	}
	return fs.Stat(r.FS, name)
}

func TestStampSkipsRacyFiles(t *testing.T) {
	out := t.TempDir()
	writeFiles(t, out, map[string]string{"a.yaml": "a\n", "b.yaml": "b\n"})
	s := open(t, t.TempDir(), out)
	e := entryOn(t, out, "a.yaml", "b.yaml")
	s.Put("k", e)
	// Written just now: within the racy window, so not trusted.
	s.Stamp(os.DirFS(out), time.Now())
	if e.Stats != nil || e.Stamped != 0 {
		t.Fatalf("files written in the racy window were stamped: %+v", e)
	}
	if e.Unchanged(os.DirFS(out)) {
		t.Error("unstamped entry is unchanged")
	}
	// Stamped later, they are.
	s.Stamp(os.DirFS(out), time.Now().Add(2*time.Second))
	if len(e.Stats) != 2 {
		t.Fatalf("entry not stamped once out of the racy window: %+v", e)
	}
}

// TestStampRacyBoundary pins the window: a file whose latest time is
// exactly one second before now is still racy; a nanosecond later it is
// not. One racy file leaves the whole entry unstamped.
func TestStampRacyBoundary(t *testing.T) {
	out := t.TempDir()
	writeFiles(t, out, map[string]string{"old.yaml": "old\n"})
	tick(t, out)
	writeFiles(t, out, map[string]string{"new.yaml": "new\n"})
	oldSt := statOfFile(t, filepath.Join(out, "old.yaml"))
	latest := oldSt.Mtime

	try := func(now time.Time, files ...string) bool {
		s := open(t, t.TempDir(), out)
		e := entryOn(t, out, files...)
		s.Keep("k", e)
		s.Stamp(os.DirFS(out), now)
		return e.Stats != nil
	}
	if try(time.Unix(0, latest+int64(racy)), "old.yaml") {
		t.Error("file exactly one racy window old was stamped")
	}
	if !try(time.Unix(0, latest+int64(racy)+1), "old.yaml") {
		t.Error("file just out of the racy window was not stamped")
	}
	if try(time.Unix(0, latest+int64(racy)+1), "old.yaml", "new.yaml") {
		t.Error("entry with one racy file was stamped")
	}
	if try(time.Now().Add(time.Hour), "old.yaml", "missing.yaml") {
		t.Error("entry with a missing file was stamped")
	}
}

func TestStampOnlyTouchesKeptUnstampedEntries(t *testing.T) {
	out := t.TempDir()
	writeFiles(t, out, map[string]string{"a.yaml": "a\n", "b.yaml": "b\n", "c.yaml": "c\n"})
	dir := t.TempDir()
	s := open(t, dir, out)
	s.Put("unused", entry("c.yaml"))
	save(t, s)

	s = open(t, dir, out)
	preset := &Entry{Files: []string{"a.yaml"}, Stats: []Stat{{Size: 1, Mtime: 2, Ino: 4}}, Stamped: 42}
	fresh := entryOn(t, out, "b.yaml")
	s.Keep("preset", preset)
	s.Put("fresh", fresh)
	unused := s.Get("unused") // looked up, not kept
	s.Stamp(os.DirFS(out), time.Now().Add(2*time.Second))

	want := []Stat{{Size: 1, Mtime: 2, Ino: 4}}
	if !cmp.Equal(preset.Stats, want) || preset.Stamped != 42 {
		t.Errorf("entry with stats was stamped again: %+v", preset)
	}
	if len(fresh.Stats) != 1 {
		t.Errorf("kept entry without stats not stamped: %+v", fresh)
	}
	if unused.Stats != nil {
		t.Errorf("entry not kept this run was stamped: %+v", unused)
	}
}

// TestStampChecksContent: Stamp vouches only for files that hold what the
// entry says. A file replaced after the content was verified, but long
// enough before the stamp to be out of the racy window, must not have its
// new status recorded as trusted.
func TestStampChecksContent(t *testing.T) {
	out := t.TempDir()
	writeFiles(t, out, map[string]string{"a.yaml": "good\n"})
	s := open(t, t.TempDir(), out)
	e := entryOn(t, out, "a.yaml")
	s.Put("k", e)
	// Replaced by other bytes of the same size, with an old modification
	// time: only the content tells.
	writeFiles(t, out, map[string]string{"a.yaml": "evil\n"})
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(out, "a.yaml"), old, old); err != nil {
		t.Fatal(err)
	}
	s.Stamp(os.DirFS(out), time.Now())
	if e.Stats != nil {
		t.Fatalf("a file whose content differs from the digest was stamped: %+v", e)
	}
	writeFiles(t, out, map[string]string{"a.yaml": "good\n"})
	if err := os.Chtimes(filepath.Join(out, "a.yaml"), old, old); err != nil {
		t.Fatal(err)
	}
	s.Stamp(os.DirFS(out), time.Now())
	if len(e.Stats) != 1 {
		t.Fatalf("the right content was not stamped: %+v", e)
	}
}

// TestSymlinksAreNotTrusted: the output writer does not follow symbolic
// links, so neither does the cache: a file that is a link, or sits in a
// linked directory, is neither digested nor unchanged, even with the
// right bytes.
func TestSymlinksAreNotTrusted(t *testing.T) {
	out := t.TempDir()
	writeFiles(t, out, map[string]string{"real/c/a.yaml": "a\n", "c2/b.yaml": "b\n", "elsewhere.yaml": "b\n"})
	if err := os.Symlink("real/c", filepath.Join(out, "c")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(out, "c2/b.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../elsewhere.yaml", filepath.Join(out, "c2/b.yaml")); err != nil {
		t.Fatal(err)
	}
	fsys := os.DirFS(out)
	for _, f := range []string{"c/a.yaml", "c2/b.yaml"} {
		if _, err := Digest(fsys, []string{f}); err == nil {
			t.Errorf("Digest of %s (behind or as a link) succeeded", f)
		}
		e := &Entry{Files: []string{f}, Stats: []Stat{{}}}
		if e.Unchanged(fsys) {
			t.Errorf("%s (behind or as a link) is unchanged", f)
		}
	}
	if _, err := Digest(fsys, []string{"real/c/a.yaml"}); err != nil {
		t.Errorf("Digest of a regular file: %v", err)
	}
}

func TestStoreConcurrentUse(t *testing.T) {
	out := t.TempDir()
	writeFiles(t, out, map[string]string{"a.yaml": "a\n"})
	s := Open(t.TempDir(), out, testSalt)
	fsys := fstest.MapFS{"in.yaml": {Data: []byte("x")}}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			k, err := s.Key(fsys, []string{"in.yaml"})
			if err != nil {
				t.Error(err)
				return
			}
			k += string(rune('a' + i))
			s.Put(k, entry("a.yaml"))
			if s.Get(k) == nil {
				t.Error("Get after Put returned nil")
			}
		})
	}
	wg.Wait()
	s.Stamp(os.DirFS(out), time.Now().Add(2*time.Second))
	save(t, s)
	if n := len(open(t, dirOf(s), out).old); n != 8 {
		t.Errorf("saved %d entries, want 8", n)
	}
}

func TestDir(t *testing.T) {
	want := t.TempDir()
	t.Setenv(EnvDir, want)
	if d, ok := Dir(); d != want || !ok {
		t.Errorf("Dir() = %q, %v; want %q, true", d, ok, want)
	}
	t.Setenv(EnvDir, "off")
	if _, ok := Dir(); ok {
		t.Error("caching not off with HUBFLEET_CACHE_DIR=off")
	}
	if runtime.GOOS != "linux" {
		return // os.UserCacheDir reads other variables elsewhere
	}
	t.Setenv(EnvDir, "")
	t.Setenv("XDG_CACHE_HOME", "/xdg/cache")
	if d, ok := Dir(); d != "/xdg/cache/hubfleet" || !ok {
		t.Errorf("default Dir() = %q, %v", d, ok)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	t.Setenv("HOME", "")
	if d, ok := Dir(); ok {
		t.Errorf("Dir() without any cache directory = %q, true", d)
	}
}

func TestExecutableSalt(t *testing.T) {
	a, err := ExecutableSalt()
	if err != nil {
		t.Fatal(err)
	}
	b, err := ExecutableSalt()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != sha256.Size || !bytes.Equal(a, b) {
		t.Errorf("ExecutableSalt = %x then %x", a, b)
	}
	// It is the digest of the test binary's file.
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); !bytes.Equal(sum[:], a) {
		t.Error("ExecutableSalt is not the digest of the executable")
	}
}

// FuzzOpen feeds arbitrary bytes as the cache file: opening, using,
// stamping and saving the cache must never panic, and what Save wrote
// must read back.
func FuzzOpen(f *testing.F) {
	out := "/repo/rendered"
	f.Add([]byte{})
	f.Add([]byte("garbage"))
	f.Add(validCache(f, out, format, "k"))
	f.Add(validCache(f, out, "other", "k"))
	var stampedBuf bytes.Buffer
	_ = gob.NewEncoder(&stampedBuf).Encode(fileFormat{Format: format, OutDir: out, Entries: map[string]*Entry{
		"k": {Files: []string{"a", "../b"}, Stats: []Stat{{Size: 1}}, Digest: "d"},
	}})
	f.Add(stampedBuf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		file := open(t, dir, out).file
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s := open(t, dir, out)
		fsys := os.DirFS(t.TempDir())
		n := 0
		for k, e := range s.old {
			if e == nil {
				t.Fatalf("nil entry for %q", k)
			}
			if got := s.Get(k); got != e {
				t.Fatalf("Get(%q) did not return the stored entry", k)
			}
			_ = e.Unchanged(fsys)
			s.Keep(k, e)
			n++
		}
		s.Get("no such key")
		s.Stamp(fsys, time.Now())
		if err := s.Save(); err != nil {
			return // an error is fine, a panic is not
		}
		if got := len(open(t, dir, out).old); got != n {
			t.Fatalf("saved %d entries, read back %d", n, got)
		}
	})
}

// TestGetPrefersThisRun: after a fresh Put for a key the saved cache also
// holds, Get returns what Save will write, not the stale entry.
func TestGetPrefersThisRun(t *testing.T) {
	dir, out := t.TempDir(), "/repo/rendered"
	s := open(t, dir, out)
	s.Put("k", entry("old.yaml"))
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir, out)
	fresh := entry("new.yaml")
	s.Put("k", fresh)
	if got := s.Get("k"); got != fresh {
		t.Errorf("Get = %+v, want this run's entry", got)
	}
}

// TestKeepNil: a nil entry is not recorded (it would break Stamp and Save).
func TestKeepNil(t *testing.T) {
	dir, out := t.TempDir(), "/repo/rendered"
	s := open(t, dir, out)
	s.Keep("k", nil)
	s.Put("j", nil)
	s.Stamp(os.DirFS(t.TempDir()), time.Now())
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if e := open(t, dir, out).Get("k"); e != nil {
		t.Errorf("Get = %+v after Keep(nil)", e)
	}
}

// TestSaveSkipsUnchangedCache: a run that reused every entry as it was
// does not rewrite the file; one that changed anything does.
func TestSaveSkipsUnchangedCache(t *testing.T) {
	dir, out := t.TempDir(), "/repo/rendered"
	s := open(t, dir, out)
	s.Put("a", entry("a.yaml"))
	s.Put("b", entry("b.yaml"))
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	file := s.file
	ino := func() uint64 {
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	before := ino()

	s = open(t, dir, out)
	s.Keep("a", s.Get("a"))
	s.Keep("b", s.Get("b"))
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if ino() != before {
		t.Error("the cache file was rewritten although nothing changed")
	}

	s = open(t, dir, out)
	s.Keep("a", s.Get("a")) // b is no longer used
	if err := s.Save(); err != nil {
		t.Fatal(err)
	}
	if ino() == before {
		t.Error("the cache file was not rewritten although an entry was dropped")
	}
	if e := open(t, dir, out).Get("b"); e != nil {
		t.Error("the dropped entry is still there")
	}
}

// A digest from the files' sums is the digest of the files.
func TestDigestSums(t *testing.T) {
	files := []string{"c1/a.yaml", "c1/b.yaml"}
	data := [][]byte{[]byte("kind: A\n"), []byte("kind: B\n")}
	sums := []Sum{FileSum(files[0], data[0]), FileSum(files[1], data[1])}
	if DigestSums(sums) != DigestBytes(files, data) {
		t.Error("DigestSums differs from DigestBytes")
	}
	if FileSum("c1/a.yaml", data[0]) == FileSum("c1/b.yaml", data[0]) {
		t.Error("the name is not in a file's sum")
	}
}
