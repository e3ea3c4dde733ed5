# The contracts of DESIGN.md §9: `make build`, `make run`, `make test` from a fresh clone.
SHELL := /bin/bash
# Go builds the Kubernetes test binaries; Debian-style installs put it here even when a login shell would not.
export PATH := $(PATH):/usr/local/go/bin
.DEFAULT_GOAL := build
NPM_STAMP := node_modules/.install-stamp
MOCHA := npx --no-install mocha

.PHONY: build run test deps npm lint format test-unit test-integration test-operator k8s-tools bench clean

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

npm: $(NPM_STAMP)

## build: compile the TypeScript tree into dist/
build: $(NPM_STAMP)
	npx --no-install tsc -p tsconfig.json
	@chmod +x dist/recorder/src/main.js $(wildcard dist/operator/src/main.js)

## run: a standalone recorder, in-memory store, SIP on 0.0.0.0:5060 UDP+TCP, HTTP on 8080
run: build
	node dist/recorder/src/main.js

## deps: the Debian packages the tests use as real peers (sipp, baresip, ffmpeg, redis…)
deps:
	hack/install-deps.sh

lint: build
	npx --no-install eslint .
	npx --no-install prettier --check .

format: $(NPM_STAMP)
	npx --no-install prettier --write .

test-unit: build
	$(MOCHA) --config .mocharc.unit.json

test-integration: build deps
	$(MOCHA) --config .mocharc.integration.json

## k8s-tools: kube-apiserver, kube-controller-manager, kubectl, etcd and helm built from their Go modules (cached)
k8s-tools:
	hack/control-plane.sh build
	hack/control-plane.sh build-helm

## test-operator: the operator against a real control plane started by the tests
test-operator: build deps k8s-tools
	$(MOCHA) --config .mocharc.operator.json

## test: install everything, then lint and run every test tier
test: deps build lint test-unit test-integration test-operator

## bench: every benchmark, each printing one JSON document (DESIGN.md §8); `make bench-<name>` runs one
BENCHES := srtp-unprotect call-setup invite-path media-load session-memory store-ops failover operator-500
bench: $(addprefix bench-,$(BENCHES))

bench-%: build
	node dist/bench/$*.js

clean:
	rm -rf dist
