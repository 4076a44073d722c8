# suno-exporter: `make demo` runs it with the built-in gateway simulator, `make test` runs every test.
SWIFT     ?= swift
SUDO      := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
REVISION  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# The revision reaches the binary through a C define (Sources/CBuildInfo); only release builds carry it,
# so debug builds for tests never rebuild because a commit changed.
RELEASE_FLAGS := -c release -Xcc -DSUNO_REVISION=\"$(REVISION)\"
APT_PACKAGES  := libsqlite3-dev libmicrohttpd-dev zlib1g-dev libcurl4-openssl-dev pkg-config prometheus chromium wrk \
                 prometheus-alertmanager
PIP_PACKAGES  := prometheus-client pyyaml
DEMO_ARGS     ?=
# Reliability runs (README, Reliability): seconds per fuzz target and of the soak's load phase, for the
# make targets and for the short versions make test runs.
FUZZ_SECONDS      ?= 60
FUZZ_TEST_SECONDS ?= 10
SOAK_SECONDS      ?= 600
SOAK_TEST_SECONDS ?= 60

.PHONY: all deps build release demo test test-swift test-deploy bench lint format clean
.PHONY: fuzz test-fuzz soak test-soak test-sanitize

all: build

## deps: install what is missing (Debian packages, PyPI packages); safe to run again.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@python3 -c "import prometheus_client, yaml" 2>/dev/null || \
		python3 -m pip install -q --root-user-action=ignore $(PIP_PACKAGES) || \
		python3 -m pip install -q --root-user-action=ignore --break-system-packages $(PIP_PACKAGES)

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

## demo: the exporter with an in-process gateway simulator on :9877 (Ctrl-C to stop).
demo: release
	$(SWIFT) build $(RELEASE_FLAGS) --show-bin-path >/dev/null
	"$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/suno-exporter" serve --demo --storage.path ./suno-exporter-demo.db $(DEMO_ARGS)

## test: style (swift-format lint, import check), deploy/dashboard/Kubernetes checks and the alert path, every
## Swift test (unit, store, upstream, HTTP, simulator, app, end-to-end with Prometheus), a short fuzz of every
## parser and the 60-second load and soak check.
test: deps lint test-deploy test-swift test-fuzz test-soak

# The alert path (Tests/deploy/alert_path.py) runs the exporter binary: build it first. Kubernetes
# manifests render with kubectl's kustomize where one is installed, else with the Python renderer.
test-deploy:
	$(SWIFT) build --product suno-exporter
	SUNO_EXPORTER_BIN="$$($(SWIFT) build --show-bin-path)/suno-exporter" \
		no_proxy=localhost,127.0.0.1,::1 NO_PROXY=localhost,127.0.0.1,::1 \
		bash Tests/deploy/run.sh Tests/SunoExporterAppTests/Fixtures/catalogue.prom

# Every test server is on loopback: a proxy set in the environment must never see those requests
# (the exporter's own client already bypasses one for loopback; the tests' URLSession clients do not).
test-swift:
	$(SWIFT) build --build-tests --explicit-target-dependency-import-check error
	no_proxy=localhost,127.0.0.1,::1 NO_PROXY=localhost,127.0.0.1,::1 $(SWIFT) test --skip-build --disable-xctest

## fuzz: libFuzzer on every parser for FUZZ_SECONDS each (build in .build-fuzz); test-fuzz: the short run.
fuzz: deps
	bash Tests/fuzz/run.sh $(FUZZ_SECONDS)

test-fuzz:
	bash Tests/fuzz/run.sh $(FUZZ_TEST_SECONDS)

## soak: release build under load for SOAK_SECONDS (10k polled tasks, wrk on /metrics, API client, tasks CLI);
## fails on any error or on memory/descriptor growth. test-soak: SOAK_TEST_SECONDS on the debug build that
## test-swift already made (no second full build in make test).
soak: release
	no_proxy=localhost,127.0.0.1,::1 NO_PROXY=localhost,127.0.0.1,::1 python3 Tests/soak/soak.py \
		--binary "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/suno-exporter" --seconds $(SOAK_SECONDS)

test-soak:
	$(SWIFT) build --product suno-exporter
	no_proxy=localhost,127.0.0.1,::1 NO_PROXY=localhost,127.0.0.1,::1 python3 Tests/soak/soak.py \
		--binary "$$($(SWIFT) build --show-bin-path)/suno-exporter" --seconds $(SOAK_TEST_SECONDS)

## test-sanitize: every Swift test under AddressSanitizer, then ThreadSanitizer (.build-asan, .build-tsan;
## reports of the test processes and of the exporters they start fail the run; see README, Sanitizers).
test-sanitize: deps
	bash Tests/sanitize/run.sh address
	bash Tests/sanitize/run.sh thread

## bench: release-built benchmarks (see README).
bench: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product suno-bench
	"$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/suno-bench"

## lint / format: swift-format with the project's .swift-format (4 spaces, 120 columns); lint also checks that
## every import of a package target is a declared dependency (Tests/scripts/check_imports.py).
lint:
	$(SWIFT) format lint --strict -r Sources Tests
	python3 Tests/scripts/check_imports.py

format:
	$(SWIFT) format format -i -r Sources Tests

clean:
	rm -rf .build .build-fuzz .build-asan .build-tsan
