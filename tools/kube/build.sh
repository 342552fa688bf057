#!/usr/bin/env bash
# build.sh — build kube-apiserver, kubectl and etcd from the Go module proxy,
# once per machine, into a cache directory keyed by their versions, and print
# that directory on stdout (progress goes to stderr).
#
#   tools/kube/build.sh            # build if missing, print the directory
#   tools/kube/build.sh --dir      # print the directory only, build nothing
#
# Environment:
#   HUBFLEET_KUBE_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/hubfleet)
#   HUBFLEET_KUBE_JOBS   go build -p (default 2: the kube-apiserver link alone
#                        peaks at ~2.4 GB, and CI machines have 2 cores)
#
# The directory is complete only when its stamp file exists; the stamp is
# written last, so an interrupted build is redone from scratch next time.
set -euo pipefail

KUBE_VERSION=v1.37.2
ETCD_VERSION=v3.6.16

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${HUBFLEET_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hubfleet}
dir=$root/kube-$KUBE_VERSION-etcd-$ETCD_VERSION
stamp=$dir/.complete

if [[ ${1:-} == --dir ]]; then
	echo "$dir"
	exit 0
fi

# The versions above name the cache; the go.mod files decide what is built.
# Refuse to cache a build under the wrong name.
grep -q "^	k8s.io/kubernetes $KUBE_VERSION" "$here/k8s/go.mod" ||
	{ echo "build.sh: tools/kube/k8s/go.mod does not pin k8s.io/kubernetes $KUBE_VERSION" >&2; exit 1; }
grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "$here/etcd/go.mod" ||
	{ echo "build.sh: tools/kube/etcd/go.mod does not pin etcd server $ETCD_VERSION" >&2; exit 1; }

if [[ -f $stamp ]]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$root"
# One build per machine at a time: a second caller waits, then finds the stamp.
exec 9>"$root/.kube-build.lock"
flock 9
if [[ -f $stamp ]]; then
	echo "$dir"
	exit 0
fi

rm -rf "$dir"
mkdir -p "$dir"

export CGO_ENABLED=0 GOWORK=off GOFLAGS="-mod=mod -buildvcs=false"
jobs=${HUBFLEET_KUBE_JOBS:-2}
major=${KUBE_VERSION#v}; major=${major%%.*}
minor=${KUBE_VERSION#v*.}; minor=${minor%%.*}
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
	ld+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
	ld+=" -X $pkg.gitTreeState=clean"
done

# build NAME MODULE-DIR TARGET LDFLAGS: build one binary, report its time.
build() {
	local name=$1 mod=$2 target=$3 flags=$4 start=$SECONDS
	echo "build.sh: building $name ..." >&2
	(cd "$here/$mod" && go build -p "$jobs" -trimpath -ldflags "$flags" -o "$dir/$name.tmp" "$target")
	mv "$dir/$name.tmp" "$dir/$name"
	echo "build.sh: $name built in $((SECONDS - start))s" >&2
}

build etcd etcd . "-s -w"
build kube-apiserver k8s k8s.io/kubernetes/cmd/kube-apiserver "$ld"
build kubectl k8s k8s.io/kubernetes/cmd/kubectl "$ld"

printf 'kube %s\netcd %s\n%s\n' "$KUBE_VERSION" "$ETCD_VERSION" "$(go version)" >"$stamp"
echo "$dir"
