// Package cli is the hubfleet command line: flag parsing, exit codes and
// printing. Every command is a thin layer over compiler/build.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/hubfleet/hubfleet/compiler/build"
	"github.com/hubfleet/hubfleet/compiler/diag"
)

// Exit codes (SPEC §3).
const (
	ExitOK       = 0
	ExitInvalid  = 1
	ExitUsage    = 2
	ExitStale    = 3
	ExitInternal = 4
)

// version is set at link time (-X); "dev" in plain builds.
var version = "dev"

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func exitf(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// silent exits with a code after the command printed what it had to say.
func silent(code int) error { return &exitError{code: code} }

type globals struct {
	root   string
	stdout io.Writer
	stderr io.Writer
}

// Main runs the CLI and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	stopProfile := func() {}
	g := &globals{stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "hubfleet",
		Short:         "Compile a fleet of JupyterHub + dask-gateway hubs into Kubernetes manifests",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.PersistentFlags().StringVar(&g.root, "root", "", "repository root that holds hubs/ (default: found from the working directory)")
	var cpuProfile string
	root.PersistentFlags().StringVar(&cpuProfile, "cpuprofile", "", "write a pprof CPU profile of the command to this file")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpuProfile == "" {
			return nil
		}
		f, err := os.Create(cpuProfile)
		if err != nil {
			return exitf(ExitUsage, "--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return exitf(ExitInternal, "--cpuprofile: %v", err)
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	defer func() { stopProfile() }()
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: ExitUsage, err: err}
	})
	root.AddCommand(
		newValidateCmd(g),
		newRenderCmd(g),
		newListCmd(g),
		newSchemaCmd(g),
		newVersionCmd(g),
		newNewCmd(g),
		newDiffCmd(g),
		newCommentCmd(g),
	)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "hubfleet:", ee.err)
			if ee.code == ExitUsage {
				fmt.Fprintln(stderr, "Run 'hubfleet --help' for usage.")
			}
		}
		return ee.code
	}
	var ie *build.InternalError
	if errors.As(err, &ie) {
		fmt.Fprintln(stderr, "hubfleet:", err)
		return ExitInternal
	}
	// Anything else from cobra itself (unknown command, bad args) is usage.
	fmt.Fprintln(stderr, "hubfleet:", err)
	fmt.Fprintln(stderr, "Run 'hubfleet --help' for usage.")
	return ExitUsage
}

// findRoot returns --root, or the nearest directory upwards from the
// working directory that holds hubs/.
func (g *globals) findRoot() (string, error) {
	if g.root != "" {
		st, err := os.Stat(filepath.Join(g.root, "hubs"))
		if err != nil || !st.IsDir() {
			return "", exitf(ExitUsage, "--root %s: no hubs/ directory there", g.root)
		}
		return g.root, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", exitf(ExitInternal, "working directory: %v", err)
	}
	for {
		if st, err := os.Stat(filepath.Join(dir, "hubs")); err == nil && st.IsDir() {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", exitf(ExitUsage, "no hubs/ directory in the working directory or above; use --root")
		}
		dir = parent
	}
}

// printDiags prints diagnostics (warnings too) and returns the exit error
// for them, or nil when there are no errors.
func (g *globals) printDiags(ds diag.List, format string) error {
	if len(ds) > 0 {
		w := g.stderr
		if format == diag.FormatJSON {
			w = g.stdout
		}
		if err := diag.Write(w, ds, format); err != nil {
			return exitf(ExitInternal, "writing diagnostics: %v", err)
		}
	} else if format == diag.FormatJSON {
		_ = diag.Write(g.stdout, ds, format)
	}
	if ds.HasErrors() {
		return silent(ExitInvalid)
	}
	return nil
}

func checkDiagFormat(f string) error {
	if !diag.ValidFormat(f) {
		return exitf(ExitUsage, "--format %q: want text, json or github", f)
	}
	return nil
}
