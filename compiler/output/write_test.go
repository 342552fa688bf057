package output

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// bigTree is a tree of n files spread over nested directories; variant
// changes every third file, drops every fifth and adds a few.
func bigTree(n, variant int) Tree {
	t := Tree{}
	for i := range n {
		if variant > 0 && i%5 == 0 {
			continue
		}
		p := fmt.Sprintf("c%d/hubs/h%d/configmap-%d.yaml", i%7, i%53, i)
		body := fmt.Sprintf("# Source: hubs/c%d/h%d.yaml\nkind: ConfigMap\nmetadata:\n  name: x%d\n", i%7, i%53, i)
		if variant > 0 && i%3 == 0 {
			body += fmt.Sprintf("data:\n  v: %q\n", fmt.Sprint(variant))
		}
		t[p] = []byte(body)
	}
	for i := range variant * 3 {
		t[fmt.Sprintf("new%d/added-%d.yaml", variant, i)] = []byte("kind: Added\n")
	}
	return t
}

func readDir(t *testing.T, dir string) Tree {
	t.Helper()
	got, err := ReadTree(os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func mustWrite(t *testing.T, dir string, tr Tree) Result {
	t.Helper()
	res, err := Write(dir, tr)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// leftovers lists the temp and aside directories next to dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(filepath.Dir(dir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "."+filepath.Base(dir)+".") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFreshAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	want := bigTree(200, 0)
	res := mustWrite(t, dir, want)
	if res.Written != 200 || len(res.WrittenPaths) != 200 || res.Unchanged != 0 || res.Removed != 0 {
		t.Errorf("result: %d written, %d unchanged, %d removed", res.Written, res.Unchanged, res.Removed)
	}
	if d := cmp.Diff(want, readDir(t, dir)); d != "" {
		t.Fatalf("tree (-want +got):\n%s", d)
	}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if want := os.FileMode(0o644); !fi.IsDir() && fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
		if want := os.ModeDir | 0o755; fi.IsDir() && fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("leftovers: %v", l)
	}
}

type stamp struct {
	ino   uint64
	mtime time.Time
}

func stampOf(t *testing.T, p string) stamp {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return stamp{fi.Sys().(*syscall.Stat_t).Ino, fi.ModTime()}
}

func TestWriteNothingChangedTouchesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	tr := bigTree(100, 0)
	mustWrite(t, dir, tr)
	// An empty directory left by hand is pruned even when no file changed.
	if err := os.MkdirAll(filepath.Join(dir, "empty/deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	before := map[string]stamp{".": stampOf(t, dir)}
	for p := range tr {
		before[p] = stampOf(t, filepath.Join(dir, p))
	}
	time.Sleep(10 * time.Millisecond)
	res := mustWrite(t, dir, tr)
	if res.Changed() || res.Unchanged != len(tr) {
		t.Errorf("result: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(dir, "empty")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty directory not removed: %v", err)
	}
	for p, s := range before {
		if got := stampOf(t, filepath.Join(dir, p)); got.ino != s.ino || (p != "." && got.mtime != s.mtime) {
			t.Errorf("%s was touched: %+v → %+v", p, s, got)
		}
	}
}

func TestWritePrunesAndKeepsUnchangedInodes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	old := Tree{
		"argocd/root.yaml":                  []byte("root\n"),
		"c1/hubs/a/deployment-hub.yaml":     []byte("a\n"),
		"c1/hubs/b/deployment-hub.yaml":     []byte("b\n"),
		"c2/cluster/nodepool-users.yaml":    []byte("np\n"),
		"c1/hubs/a/configmap-hub.yaml":      []byte("cm\n"),
		"c1/hubs/a/service-proxy-api.yaml":  []byte("svc\n"),
		"c1/hubs/a/service-proxy-long.yaml": []byte(strings.Repeat("x", 100000)),
	}
	mustWrite(t, dir, old)
	keep := stampOf(t, filepath.Join(dir, "c1/hubs/a/deployment-hub.yaml"))
	time.Sleep(10 * time.Millisecond)

	next := Tree{
		"argocd/root.yaml":                  []byte("root\n"),
		"c1/hubs/a/deployment-hub.yaml":     []byte("a\n"),
		"c1/hubs/a/configmap-hub.yaml":      []byte("cm changed\n"),
		"c1/hubs/a/service-proxy-api.yaml":  []byte("sv\n"),                      // shorter
		"c1/hubs/a/service-proxy-long.yaml": []byte(strings.Repeat("x", 100001)), // longer
		"c1/hubs/c/deployment-hub.yaml":     []byte("c\n"),
	}
	res := mustWrite(t, dir, next)
	wantRes := Result{
		Written: 4, Unchanged: 2, Removed: 2,
		WrittenPaths: []string{"c1/hubs/a/configmap-hub.yaml", "c1/hubs/a/service-proxy-api.yaml", "c1/hubs/a/service-proxy-long.yaml", "c1/hubs/c/deployment-hub.yaml"},
		RemovedPaths: []string{"c1/hubs/b/deployment-hub.yaml", "c2/cluster/nodepool-users.yaml"},
	}
	if d := cmp.Diff(wantRes, res); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	if d := cmp.Diff(next, readDir(t, dir)); d != "" {
		t.Errorf("tree (-want +got):\n%s", d)
	}
	for _, gone := range []string{"c1/hubs/b", "c2"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still present (%v)", gone, err)
		}
	}
	if got := stampOf(t, filepath.Join(dir, "c1/hubs/a/deployment-hub.yaml")); got != keep {
		t.Errorf("unchanged file was rewritten: %+v → %+v", keep, got)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("leftovers: %v", l)
	}
}

func TestWriteFallbackSwap(t *testing.T) {
	noExchange = true
	defer func() { noExchange = false }()
	dir := filepath.Join(t.TempDir(), "rendered")
	mustWrite(t, dir, bigTree(50, 0))
	mustWrite(t, dir, bigTree(50, 1))
	if d := cmp.Diff(bigTree(50, 1), readDir(t, dir)); d != "" {
		t.Errorf("tree (-want +got):\n%s", d)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("leftovers: %v", l)
	}
}

func TestWriteRejectsBadPaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	for _, p := range []string{"", "/abs.yaml", "../up.yaml", "a/../b.yaml", "a//b.yaml", "./a.yaml", "a\\b"} {
		if _, err := Write(dir, Tree{p: nil}); err == nil {
			t.Errorf("path %q accepted", p)
		}
	}
	if _, err := Write(dir, Tree{"a": nil, "a/b": nil}); err == nil {
		t.Error("file that is also a directory accepted")
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("rejected write created %s", dir)
	}
}

// TestWriteFailureLeavesTreeUntouched fails a Write part-way, once through a
// real error (a name longer than the filesystem allows) and once through
// the test hook, and expects the old tree byte for byte.
func TestWriteFailureLeavesTreeUntouched(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	old := bigTree(300, 0)
	mustWrite(t, dir, old)

	bad := bigTree(300, 1)
	bad["c9/"+strings.Repeat("n", 300)+".yaml"] = []byte("too long\n")
	if _, err := Write(dir, bad); err == nil {
		t.Fatal("Write with an overlong name succeeded")
	}
	if d := cmp.Diff(old, readDir(t, dir)); d != "" {
		t.Fatalf("tree changed after a failed Write (-old +now):\n%s", d)
	}

	var n atomic.Int64
	testHook = func(stage string) error {
		if stage == "file" && n.Add(1) > 100 {
			return errors.New("injected")
		}
		return nil
	}
	_, err := Write(dir, bigTree(300, 1))
	testHook = nil
	if err == nil || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("err = %v", err)
	}
	if d := cmp.Diff(old, readDir(t, dir)); d != "" {
		t.Fatalf("tree changed after a failed Write (-old +now):\n%s", d)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("failed Write left %v", l)
	}
}

func TestCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	diffs, err := Check(dir, Tree{"a.yaml": []byte("a")})
	if err != nil || !cmp.Equal(diffs, []string{"missing: a.yaml"}) {
		t.Errorf("missing dir: %v, %v", diffs, err)
	}
	mustWrite(t, dir, Tree{"a.yaml": []byte("a"), "b/c.yaml": []byte("c"), "b/d.yaml": []byte("d")})
	diffs, err = Check(dir, Tree{"a.yaml": []byte("a"), "b/c.yaml": []byte("C"), "b/e.yaml": []byte("e")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"changed: b/c.yaml", "stale: b/d.yaml", "missing: b/e.yaml"}
	if !cmp.Equal(diffs, want) {
		t.Errorf("Check = %q, want %q", diffs, want)
	}
	diffs, err = Check(dir, Tree{"a.yaml": []byte("a"), "b/c.yaml": []byte("c"), "b/d.yaml": []byte("d")})
	if err != nil || len(diffs) != 0 {
		t.Errorf("Check of an up-to-date tree = %v, %v", diffs, err)
	}
	// Check writes nothing.
	if d := cmp.Diff(Tree{"a.yaml": []byte("a"), "b/c.yaml": []byte("c"), "b/d.yaml": []byte("d")}, readDir(t, dir)); d != "" {
		t.Errorf("Check changed the tree:\n%s", d)
	}
}

func TestReadTreeMissing(t *testing.T) {
	tr, err := ReadTree(os.DirFS(t.TempDir()), "nope")
	if err != nil || len(tr) != 0 {
		t.Errorf("ReadTree of a missing dir = %v, %v", tr, err)
	}
	dir := t.TempDir()
	mustWrite(t, filepath.Join(dir, "r"), Tree{"x/y.yaml": []byte("y")})
	tr, err = ReadTree(os.DirFS(dir), "r")
	if err != nil || !cmp.Equal(tr, Tree{"x/y.yaml": []byte("y")}) {
		t.Errorf("ReadTree = %v, %v", tr, err)
	}
}

const helperEnv = "HUBFLEET_OUTPUT_HELPER_DIR"

// TestHelperWriter is not a test: it is the child process of the kill
// tests. It writes bigTree(n, 1) over the directory in $HUBFLEET_OUTPUT_HELPER_DIR,
// prints "stopped" when it reaches the stage named in
// $HUBFLEET_OUTPUT_HELPER_STAGE and then waits to be killed.
func TestHelperWriter(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		t.Skip("child process of the kill tests")
	}
	stage := os.Getenv("HUBFLEET_OUTPUT_HELPER_STAGE")
	noExchange = os.Getenv("HUBFLEET_OUTPUT_HELPER_NOEXCHANGE") == "1"
	next, stopAt := bigTree(killTreeSize, 1), int64(200)
	if os.Getenv("HUBFLEET_OUTPUT_HELPER_SUBTREE") == "1" {
		next, stopAt = subtreeNext(), 2
	}
	var files atomic.Int64
	testHook = func(s string) error {
		n := int64(0)
		if s == "file" {
			n = files.Add(1)
		}
		if s == stage && (s != "file" || n == stopAt) {
			fmt.Println("stopped")
			time.Sleep(time.Hour)
		}
		return nil
	}
	_, err := Write(dir, next)
	fmt.Println("finished", err)
}

// subtreeDir is the one directory subtreeNext changes.
const subtreeDir = "c3/hubs/h10"

// subtreeNext is bigTree(killTreeSize, 0) with the files of subtreeDir
// changed and three added there: a change one directory holds.
func subtreeNext() Tree {
	t := bigTree(killTreeSize, 0)
	for p, b := range t {
		if strings.HasPrefix(p, subtreeDir+"/") {
			t[p] = append(slices.Clone(b), "data: {changed: \"yes\"}\n"...)
		}
	}
	for i := range 3 {
		t[fmt.Sprintf("%s/added-%d.yaml", subtreeDir, i)] = []byte("kind: Added\n")
	}
	return t
}

const killTreeSize = 1000

// killWriter runs TestHelperWriter against dir and SIGKILLs it at stage.
func killWriter(t *testing.T, dir, stage string, noExch, subtree bool) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"="+dir, "HUBFLEET_OUTPUT_HELPER_STAGE="+stage)
	if noExch {
		cmd.Env = append(cmd.Env, "HUBFLEET_OUTPUT_HELPER_NOEXCHANGE=1")
	}
	if subtree {
		cmd.Env = append(cmd.Env, "HUBFLEET_OUTPUT_HELPER_SUBTREE=1")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	stopped := false
	for sc.Scan() {
		if sc.Text() == "stopped" {
			stopped = true
			break
		}
	}
	_ = cmd.Process.Kill() // SIGKILL: no deferred cleanup runs
	_ = cmd.Wait()
	if !stopped {
		t.Fatalf("child never reached stage %q", stage)
	}
}

func TestWriteKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns child processes")
	}
	old, next, sub := bigTree(killTreeSize, 0), bigTree(killTreeSize, 1), subtreeNext()
	for _, tc := range []struct {
		stage    string
		noExch   bool
		subtree  bool // the change is confined to subtreeDir
		wantTree Tree // what dir must hold right after the kill
	}{
		{"file", false, false, old},     // mid-build
		{"built", false, false, old},    // built, not swapped
		{"file", true, false, old},      // mid-build, fallback swap
		{"aside", true, false, nil},     // between the fallback's renames: dir absent
		{"swapped", false, false, next}, // swapped, old tree not yet removed
		{"swapped", true, false, next},
		{"file", false, true, old}, // one directory: mid-build
		{"built", false, true, old},
		{"swapped", false, true, sub}, // exchanged, old directory not yet removed
	} {
		next := next
		if tc.subtree {
			next = sub
		}
		t.Run(fmt.Sprintf("%s-noexchange=%v-subtree=%v", tc.stage, tc.noExch, tc.subtree), func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rendered")
			mustWrite(t, dir, old)
			killWriter(t, dir, tc.stage, tc.noExch, tc.subtree)
			if len(leftovers(t, dir)) == 0 {
				t.Fatal("the killed writer left no temp directory: it was not interrupted")
			}
			if tc.wantTree == nil {
				if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("expected dir to be absent in the window, got %v", err)
				}
				// The next Write must first put the old tree back: then
				// writing the old tree again changes nothing.
				res := mustWrite(t, dir, old)
				if res.Changed() {
					t.Errorf("old tree was not restored: %d written", res.Written)
				}
			} else if !treeEqual(tc.wantTree, readDir(t, dir)) {
				t.Fatal("tree after the kill is neither untouched nor complete")
			}
			// A later Write succeeds and cleans up.
			mustWrite(t, dir, next)
			if !treeEqual(next, readDir(t, dir)) {
				t.Error("tree after the recovery Write differs")
			}
			if l := leftovers(t, dir); len(l) != 0 {
				t.Errorf("leftovers after recovery: %v", l)
			}
		})
	}
}

func treeEqual(a, b Tree) bool {
	if len(a) != len(b) {
		return false
	}
	for p, x := range a {
		if y, ok := b[p]; !ok || !bytes.Equal(x, y) {
			return false
		}
	}
	return true
}

func TestWriteCreatesParent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "rendered")
	mustWrite(t, dir, Tree{"x.yaml": []byte("x\n")})
	if d := cmp.Diff(Tree{"x.yaml": []byte("x\n")}, readDir(t, dir)); d != "" {
		t.Error(d)
	}
}

// TestWriteSubtreeSwap: a change confined to one directory replaces only
// that directory; the rest of the tree, directories included, is not
// touched. Removing every file of a directory swaps its parent and leaves
// no empty directory behind.
func TestWriteSubtreeSwap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	old := bigTree(killTreeSize, 0)
	mustWrite(t, dir, old)
	before := map[string]stamp{}
	for _, p := range []string{".", "c1", "c3/hubs", subtreeDir, "c1/hubs/h1/configmap-1.yaml"} {
		before[p] = stampOf(t, filepath.Join(dir, p))
	}

	next := subtreeNext()
	inSub := 0 // every file of subtreeDir is changed or new
	for p := range next {
		if strings.HasPrefix(p, subtreeDir+"/") {
			inSub++
		}
	}
	res := mustWrite(t, dir, next)
	if res.Written != inSub || res.Removed != 0 || inSub < 4 {
		t.Errorf("written %d, removed %d; want %d, 0", res.Written, res.Removed, inSub)
	}
	if !treeEqual(next, readDir(t, dir)) {
		t.Fatal("tree differs from the one written")
	}
	for _, p := range []string{".", "c1", "c3/hubs", "c1/hubs/h1/configmap-1.yaml"} {
		if got := stampOf(t, filepath.Join(dir, p)); got.ino != before[p].ino {
			t.Errorf("%s was replaced (inode %d -> %d): the swap was not confined", p, before[p].ino, got.ino)
		}
	}
	if got := stampOf(t, filepath.Join(dir, subtreeDir)); got.ino == before[subtreeDir].ino {
		t.Errorf("%s kept its inode: it was not swapped", subtreeDir)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("leftovers: %v", l)
	}

	// Remove the whole directory.
	gone := Tree{}
	for p, b := range next {
		if !strings.HasPrefix(p, subtreeDir+"/") {
			gone[p] = b
		}
	}
	res = mustWrite(t, dir, gone)
	if res.Removed != len(next)-len(gone) || res.Written != 0 {
		t.Errorf("written %d, removed %d", res.Written, res.Removed)
	}
	if !treeEqual(gone, readDir(t, dir)) {
		t.Fatal("tree differs after removing a directory")
	}
	if _, err := os.Stat(filepath.Join(dir, subtreeDir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists: %v", subtreeDir, err)
	}
	if got := stampOf(t, filepath.Join(dir, "c1")); got.ino != before["c1"].ino {
		t.Error("c1 was replaced by a change under c3")
	}
}

// TestChangedSubtree pins which directory a change swaps.
func TestChangedSubtree(t *testing.T) {
	ex := existing{dirs: []string{"a", "a/hubs", "a/hubs/x", "a/hubs/y", "a/cluster", "b", "b/hubs", "b/hubs/z"}}
	tree := Tree{"a/hubs/x/1": nil, "a/hubs/x/2": nil, "a/hubs/y/1": nil, "a/cluster/1": nil, "b/hubs/z/1": nil, "README.md": nil}
	for _, tc := range []struct {
		written, removed []string
		want             string
	}{
		{[]string{"a/hubs/x/1"}, nil, "a/hubs/x"},
		{[]string{"a/hubs/x/1", "a/hubs/x/2"}, nil, "a/hubs/x"},
		{[]string{"a/hubs/x/1", "a/hubs/y/1"}, nil, "a/hubs"},
		{[]string{"a/hubs/x/1", "a/cluster/1"}, nil, "a"},
		{[]string{"a/hubs/x/1", "b/hubs/z/1"}, nil, "."},
		{[]string{"README.md"}, nil, "."},
		{[]string{"a/hubs/new/1"}, nil, "a/hubs"}, // a new directory: its existing parent
		{nil, []string{"a/hubs/w/1"}, "a/hubs"},   // the last file of a directory: its parent
		{nil, []string{"b/hubs/gone/1", "b/hubs/gone/2"}, "b/hubs"},
		{nil, []string{"c/only/1"}, "."}, // a directory that no longer holds files
	} {
		got := changedSubtree(ex, tree, Result{WrittenPaths: tc.written, RemovedPaths: tc.removed})
		if got != tc.want {
			t.Errorf("written %v removed %v: subtree %q, want %q", tc.written, tc.removed, got, tc.want)
		}
	}
}

// TestCheckFollowsSymlinkedDir: Check sees the tree behind a symbolic link
// to the output directory, as Write writes it.
func TestCheckFollowsSymlinkedDir(t *testing.T) {
	base := t.TempDir()
	real, link := filepath.Join(base, "real"), filepath.Join(base, "rendered")
	tree := Tree{"a/b.yaml": []byte("b\n"), "c.yaml": []byte("c\n")}
	mustWrite(t, real, tree)
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	diffs, err := Check(link, tree)
	if err != nil || len(diffs) != 0 {
		t.Fatalf("Check through a link = %v, %v; want no differences", diffs, err)
	}
	diffs, err = Check(link, Tree{"a/b.yaml": []byte("b\n")})
	if err != nil || len(diffs) != 1 || diffs[0] != "stale: c.yaml" {
		t.Errorf("Check through a link = %v, %v; want the stale file", diffs, err)
	}
}

// TestWriteSubtreeRemovesStrayEmptyDirs: an empty directory elsewhere in
// the tree goes with a subtree swap too, as with a whole-tree swap.
func TestWriteSubtreeRemovesStrayEmptyDirs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rendered")
	old := bigTree(killTreeSize, 0)
	mustWrite(t, dir, old)
	stray := filepath.Join(dir, "c1", "stray", "empty")
	if err := os.MkdirAll(stray, 0o755); err != nil {
		t.Fatal(err)
	}
	root := stampOf(t, dir)
	next := subtreeNext()
	mustWrite(t, dir, next)
	if got := stampOf(t, dir); got.ino != root.ino {
		t.Fatal("the whole tree was swapped: the case is not exercised")
	}
	if _, err := os.Stat(filepath.Join(dir, "c1", "stray")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stray empty directory still there: %v", err)
	}
	if !treeEqual(next, readDir(t, dir)) {
		t.Error("tree differs")
	}
}
