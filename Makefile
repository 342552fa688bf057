# hubfleet — the two commands of the quick start are `make render` and `make test`.
GO      ?= go
BIN     := bin/hubfleet
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/hubfleet/hubfleet/cmd/hubfleet/cli.version=$(VERSION)

.PHONY: all build render validate check test test-unit test-race vet fmt bench fuzz clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/hubfleet

## render: validate and render the fleet in hubs/ into rendered/ (the main job)
render: build
	$(BIN) render

validate: build
	$(BIN) validate

## check: fail if rendered/ is out of date
check: build
	$(BIN) render --check

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

## test: everything CI runs — vet, unit, golden, testscript and the real API-server suite
test: vet test-unit test-race test-kube

# Everything but the API-server suite, which test-kube runs once the binaries exist.
test-unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v '/test/kube$$')

# Hubs render in parallel and kustomize keeps global state: the race
# detector watches the parallel pipeline with patches (and the patch stage).
test-race:
	$(GO) test -race -count=1 -run 'Concurrent|Deterministic' ./compiler/patch/ ./compiler/build/

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./compiler/...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 60s ./compiler/load

clean:
	rm -rf bin

include tools/kube/kube.mk
