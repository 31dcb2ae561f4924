# orgkit: `make run` serves on the embedded defaults; `make test` runs every test.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PG_DSN  ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
REDIS   ?= redis://127.0.0.1:6379/0
FUZZTIME ?= 1m

.PHONY: run test test-integration generate lint build bench bench-http bench-scale browser-deps soak fuzz

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

fuzz: ## every Go fuzz target (found by go test -list '^Fuzz' ./...) for FUZZTIME each (default 1m), one at a time; stops at the first failure, whose input go test wrote under the package's testdata/fuzz/<target>/ (commit it: it then runs in every go test)
	@list=$$($(GO) test -list '^Fuzz' ./...) || { echo "$$list"; exit 1; }; \
	targets=$$(echo "$$list" | awk '/^Fuzz/ { names = names " " $$1; next } /^ok/ { n = split(names, a, " "); for (i = 1; i <= n; i++) print $$2 " " a[i]; names = "" }'); \
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
