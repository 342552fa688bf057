// Package kube runs a real kube-apiserver (with etcd) on loopback for tests and
// checks rendered objects against it: server-side dry-run with strict field
// validation, with the CRDs of ../shared/crds installed.
//
// The binaries come from tools/kube/build.sh (`make kube-bin`), which builds
// them from the Go module proxy once per machine into a versioned cache
// directory. Without them the tests skip, unless HUBFLEET_REQUIRE_KUBE=1 (CI),
// in which case they fail.
package kube
