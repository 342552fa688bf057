package kube

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Versions of the binaries; they name the cache directory that
// tools/kube/build.sh fills, and must match it.
const (
	KubeVersion = "v1.37.2"
	EtcdVersion = "v3.6.16"
)

// Environment variables the harness reads.
const (
	EnvBin     = "HUBFLEET_KUBE_BIN"     // directory holding etcd and kube-apiserver
	EnvCache   = "HUBFLEET_KUBE_CACHE"   // cache root used by build.sh
	EnvRequire = "HUBFLEET_REQUIRE_KUBE" // "1": missing binaries fail instead of skip
	EnvShared  = "HUBFLEET_SHARED"       // the shared/ directory (holds crds/)
)

// stampFile marks a complete build in the cache directory; build.sh writes it last.
const stampFile = ".complete"

// CacheDir is where build.sh puts the binaries:
// ${HUBFLEET_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hubfleet}/kube-<v>-etcd-<v>.
func CacheDir() (string, error) {
	root := os.Getenv(EnvCache)
	if root == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("locating the cache directory: %w", err)
		}
		root = filepath.Join(c, "hubfleet")
	}
	return filepath.Join(root, "kube-"+KubeVersion+"-etcd-"+EtcdVersion), nil
}

// BinDir returns the directory holding the etcd and kube-apiserver binaries:
// $HUBFLEET_KUBE_BIN if set, else the build cache if its build completed.
func BinDir() (string, error) {
	dir := os.Getenv(EnvBin)
	if dir == "" {
		c, err := CacheDir()
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(filepath.Join(c, stampFile)); err != nil {
			return "", fmt.Errorf("no complete build of kube-apiserver %s and etcd %s in %s", KubeVersion, EtcdVersion, c)
		}
		dir = c
	}
	for _, name := range []string{"etcd", "kube-apiserver"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return "", fmt.Errorf("no executable %s in %s", name, dir)
		}
	}
	return dir, nil
}

// Require returns BinDir, or skips the test when the binaries are missing —
// fails it instead when HUBFLEET_REQUIRE_KUBE=1, as CI sets.
func Require(t testing.TB) string {
	t.Helper()
	dir, err := BinDir()
	if err == nil {
		return dir
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("%v; %s=1 requires the API server (run `make kube-bin`)", err, EnvRequire)
	}
	t.Skipf("%v; run `make kube-bin` (or set %s=1 to fail instead of skip)", err, EnvRequire)
	return ""
}

// RepoRoot is the nearest directory above the working directory whose go.mod
// declares the hubfleet module; tests run in their package directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the repository root: %w", err)
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module github.com/hubfleet/hubfleet\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the repository root: no go.mod of github.com/hubfleet/hubfleet above the working directory")
		}
		dir = parent
	}
}

// SharedDir is $HUBFLEET_SHARED, else the shared/ directory next to the
// repository (../../../shared from this package).
func SharedDir() (string, error) {
	if d := os.Getenv(EnvShared); d != "" {
		return d, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(root), "shared"), nil
}

// CRDDir is SharedDir()/crds.
func CRDDir() (string, error) {
	d, err := SharedDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "crds"), nil
}
