package main

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/hubfleet/hubfleet/internal/golden"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/hubfleet/hubfleet/cmd/hubfleet/cli"
)

// TestMain lets scripts run the real CLI as the command "hubfleet", plus
// "treehash", which prints a digest of a directory tree (to prove that a
// failed run wrote nothing).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"hubfleet": func() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) },
		"treehash": func() { os.Exit(treehash(os.Args[1:])) },
	})
}

// TestScripts runs the end-to-end suite in testdata/script. Scripts whose
// names start with "shipped-" get a copy of the repository's hubs/ fleet.
func TestScripts(t *testing.T) {
	fleet, err := filepath.Abs("../../hubs")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       golden.Update(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			env.Setenv("SHIPPED_FLEET", fleet)
			// Each script gets its own render cache, so scripts never see
			// each other's (or the developer's) entries.
			env.Setenv("HUBFLEET_CACHE_DIR", filepath.Join(env.WorkDir, ".cache"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":     cmdStatus,
			"copy-fleet": cmdCopyFleet,
		},
	})
}

// cmdStatus runs a command and asserts its exact exit code:
//
//	status 1 hubfleet validate
//
// stdout and stderr stay available to the following stdout/stderr/cmp.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: status CODE COMMAND [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("status: %v", err)
	}
	if got != want {
		ts.Logf("stdout:\n%s\nstderr:\n%s", ts.ReadFile("stdout"), ts.ReadFile("stderr"))
		ts.Fatalf("exit code %d, want %d", got, want)
	}
}

// cmdCopyFleet copies the shipped hubs/ fleet into the work directory.
func cmdCopyFleet(ts *testscript.TestScript, neg bool, args []string) {
	src := ts.Getenv("SHIPPED_FLEET")
	dst := ts.MkAbs("hubs")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		ts.Fatalf("copy-fleet: %v", err)
	}
}

// treehash prints one digest of every file path and content below a
// directory, or "absent" when it does not exist.
func treehash(args []string) int {
	if len(args) != 1 {
		fmt.Fprintln(os.Stderr, "usage: treehash DIR")
		return 2
	}
	if _, err := os.Stat(args[0]); errors.Is(err, fs.ErrNotExist) {
		fmt.Println("absent")
		return 0
	}
	var files []string
	err := filepath.WalkDir(args[0], func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(h, "%s\x00%d\x00", f, len(data))
		h.Write(data)
	}
	fmt.Printf("%x %d files\n", h.Sum(nil), len(files))
	return 0
}
