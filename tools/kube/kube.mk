# tools/kube/kube.mk — the real-API-server suite; included by the main Makefile.
#
#   make kube-bin    build kube-apiserver, kubectl and etcd once per machine
#                    (cached outside the clone, keyed by version; ~6-8 min cold)
#   make test-kube   server-side dry-run (strict) of every rendered object

GO ?= go
KUBE_BUILD := tools/kube/build.sh

.PHONY: kube-bin test-kube

## kube-bin: build (if missing) and print the directory of the kube binaries
kube-bin:
	@bash $(KUBE_BUILD)

## test-kube: start etcd + kube-apiserver on loopback, install ../shared/crds, dry-run everything
test-kube: kube-bin
	HUBFLEET_REQUIRE_KUBE=1 HUBFLEET_KUBE_BIN="$$(bash $(KUBE_BUILD) --dir)" \
		$(GO) test ./test/kube/ -count=1 -v -run .
