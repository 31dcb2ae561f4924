# orgkit: `make run` serves on the embedded defaults; `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PG_DSN  ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
REDIS   ?= redis://127.0.0.1:6379/0
FUZZTIME ?= 1m
IMAGE   ?= orgkit:$(VERSION)
# The Dockerfile's builder base: by default made from the local Go toolchain (no registry);
# GO_IMAGE=golang:1.26-bookworm pulls the official one instead.
GO_IMAGE ?= localhost/orgkit-go:$(shell $(GO) env GOVERSION)
BUILDAH_FLAGS ?=

.PHONY: run test test-integration generate lint build bench bench-http bench-scale browser-deps soak fuzz image image-check

run: ## serve on SQLite with a generated development secret (see the printed token command)
	$(GO) run ./cmd/orgkit serve --dev

test: browser-deps ## unit, contract (SQLite, plus Postgres/Redis when ORGKIT_TEST_* are set), HTTP and browser tests, with the race detector
	$(GO) test -race -count=1 -timeout 30m ./...

browser-deps: ## axe-core for the browser tests (npm ci in internal/browsertest) when Chromium is installed and it is missing
	@if [ -x /usr/bin/chromium ] && [ ! -f internal/browsertest/node_modules/axe-core/axe.min.js ]; then \
		npm ci --prefix internal/browsertest --ignore-scripts --no-audit --no-fund; fi

test-integration: ## the same against the local Postgres and Redis
	ORGKIT_TEST_POSTGRES_DSN='$(PG_DSN)' ORGKIT_TEST_REDIS_URL='$(REDIS)' $(MAKE) test

soak: ## 3 replicas of the binary on a fresh database of PG_DSN and on REDIS under load for 3 minutes (ORGKIT_SOAK_DURATION): shared rate limits, cache invalidation, domain re-checks, webhook delivery, rolling restarts
	ORGKIT_TEST_POSTGRES_DSN='$(PG_DSN)' ORGKIT_TEST_REDIS_URL='$(REDIS)' ORGKIT_SOAK_DURATION="$${ORGKIT_SOAK_DURATION:-3m}" \
		$(GO) test -count=1 -timeout 20m -run '^TestSoak$$' -v ./internal/soak

fuzz: ## every Go fuzz target (each `func FuzzX(f *testing.F)` in a _test.go file) for FUZZTIME each (default 1m), one at a time; stops at the first failure, whose input go test wrote under the package's testdata/fuzz/<target>/ (commit it: it then runs in every go test)
	@targets=$$(git ls-files '*_test.go' | xargs grep -HoE '^func Fuzz[A-Za-z0-9_]+\(f \*testing\.F\)' | sed -E 's#^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]+).*#./\1 \2#; s#^[^.][^ ]*_test\.go:func (Fuzz[A-Za-z0-9_]+).*#. \1#' | sort -u); \
	[ -n "$$targets" ] || { echo "fuzz: no fuzz targets found"; exit 1; }; \
	echo "$$targets" | while read -r pkg target; do \
		echo "fuzz: $$target ($$pkg) for $(FUZZTIME)"; \
		if $(GO) test -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME) "$$pkg"; then \
			echo "fuzz: $$target ok"; \
		else \
			echo "fuzz: $$target FAILED (the input is under $$pkg's testdata/fuzz/$$target/)"; exit 1; \
		fi; \
	done

generate: ## regenerate the gomock doubles (committed)
	$(GO) generate ./...

lint: ## gofmt, go vet, staticcheck (a Go tool dependency) and a tidy go.mod
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff

build: ## bin/orgkit
	$(GO) build -ldflags "-X main.buildVersion=$(VERSION)" -o bin/orgkit ./cmd/orgkit

# buildah runs the Dockerfile without a Docker engine: chroot isolation (no OCI runtime, no
# cgroups; works as root inside a container or VM), overlay storage, and the host's module
# and build caches mounted into the build, so an image after `make build` or the tests links
# what is already compiled.
image: ## the container image $(IMAGE) from the Dockerfile with buildah (installed with busybox-static when missing); BUILDAH_FLAGS adds flags, e.g. --layers
	@command -v buildah >/dev/null && dpkg -s busybox-static >/dev/null 2>&1 || (apt-get update && apt-get install -y buildah busybox-static)
	@case '$(GO_IMAGE)' in localhost/orgkit-go:*) PATH="$$(dirname "$$(command -v $(GO))"):$$PATH" internal/imagecheck/gobase.sh '$(GO_IMAGE)';; esac
	buildah bud --isolation chroot --build-arg GO_IMAGE='$(GO_IMAGE)' --build-arg VERSION='$(VERSION)' \
		-v "$$($(GO) env GOMODCACHE)":/go/pkg/mod -v "$$($(GO) env GOCACHE)":/root/.cache/go-build \
		$(BUILDAH_FLAGS) -t '$(IMAGE)' .

image-check: ## check $(IMAGE) (make image first): no shell, user 65532, static binary, version, and serve answering /healthz and /readyz on a read-only root with a writable /data
	$(GO) run ./internal/imagecheck -image '$(IMAGE)' -version '$(VERSION)'

bench: ## speed and memory targets
	$(GO) test -run '^$$' -bench . -benchmem ./...

bench-http: ## issue 10's targets over HTTP under wrk vs a bare-Gin floor, on SQLite and on a fresh database of the Postgres at ORGKIT_BENCH_POSTGRES_DSN or PG_DSN (installs wrk when missing; flags: BENCH_HTTP_FLAGS, e.g. -pg=off)
	@command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	@dir=$$(mktemp -d) && trap 'rm -rf "$$dir"' EXIT && trap 'exit 130' INT TERM && \
	$(GO) build -ldflags "-X main.buildVersion=$(VERSION)" -o "$$dir/orgkit" ./cmd/orgkit && \
	$(GO) run ./internal/benchhttp -bin "$$dir/orgkit" -pg "$${ORGKIT_BENCH_POSTGRES_DSN:-$(PG_DSN)}" $(BENCH_HTTP_FLAGS)

bench-scale: ## cost over HTTP under wrk at 10k, 100k and 1M seeded organizations, each on a fresh database of the Postgres at ORGKIT_BENCH_POSTGRES_DSN or PG_DSN (installs wrk when missing; SCALES="10000 …" to choose; ORGKIT_BIN, else bin/orgkit, built when missing)
	@command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	PG_DSN="$${ORGKIT_BENCH_POSTGRES_DSN:-$(PG_DSN)}" bash internal/benchscale/run.sh
