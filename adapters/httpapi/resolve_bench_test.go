package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/app"
)

// BenchmarkResolve measures the public resolve path in-process, answered from the resolve
// cache as nearly every page load is, against Gin handlers that write the same bytes with
// no work at all: "bare" on an engine of its own, "bare-prelude" behind orgkit's prelude
// (request id, access log, recovery, body limit), both writing the same headers and body.
// ns/op of bare over resolve's is the share of a bare handler's throughput resolve keeps.
// Metrics are recorded, as the binary does.
func BenchmarkResolve(b *testing.B) {
	m := withMetrics(b)
	var deps app.Deps
	m(&deps)
	h := newHarness(b, gormstore.SQLite, m)
	orgID := h.createOrg("bench")
	h.verifiedDomain(orgID, "bench.example.com")
	quiet := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	verifier, err := newVerifier(b.Context(), h)
	if err != nil {
		b.Fatal(err)
	}
	r, err := httpapi.New(h.svc, verifier, httpapi.Options{Logger: quiet, Metrics: deps.Metrics})
	if err != nil {
		b.Fatal(err)
	}
	warm := httptest.NewRecorder()
	r.ServeHTTP(warm, httptest.NewRequest("GET", resolvePath+"?slug=bench", nil))
	body := warm.Body.Bytes()
	if warm.Code != http.StatusOK || len(body) == 0 {
		b.Fatalf("resolve: %d %s", warm.Code, body)
	}
	etag := warm.Header().Get("ETag")
	constant := func(c *gin.Context) { // the same response: headers and body
		c.Header("Cache-Control", "public, max-age=60")
		c.Header("ETag", etag)
		c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	}
	r.GET("/bare", constant)
	bare := gin.New()
	bare.GET("/bare", constant)

	run := func(name string, handler http.Handler, target string, headers ...string) {
		b.Run(name, func(b *testing.B) {
			req := httptest.NewRequest("GET", target, nil)
			for i := 0; i+1 < len(headers); i += 2 {
				req.Header.Set(headers[i], headers[i+1])
			}
			want := http.StatusOK
			if len(headers) > 0 {
				want = http.StatusNotModified
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				handler.ServeHTTP(w, req)
				if w.Code != want {
					b.Fatalf("status %d %s", w.Code, w.Body)
				}
			}
		})
	}
	// ratio interleaves batches of bare and resolve requests, so that load on the machine
	// weighs on both alike, and reports bare's time as a percentage of resolve's.
	for _, base := range []struct {
		name    string
		handler http.Handler
	}{{"bare", bare}, {"bare-prelude", r}} {
		b.Run("ratio-vs-"+base.name, func(b *testing.B) {
			bareReq := httptest.NewRequest("GET", "/bare", nil)
			resolveReq := httptest.NewRequest("GET", resolvePath+"?slug=bench", nil)
			var bareTime, resolveTime time.Duration
			batch := func(h http.Handler, req *http.Request) time.Duration {
				start := time.Now()
				for range 32 {
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d %s", w.Code, w.Body)
					}
				}
				return time.Since(start)
			}
			for b.Loop() {
				bareTime += batch(base.handler, bareReq)
				resolveTime += batch(r, resolveReq)
			}
			b.ReportMetric(100*bareTime.Seconds()/resolveTime.Seconds(), "%of-bare")
		})
	}
	// Over loopback HTTP with keep-alive, as a server sees it: the same comparison with the
	// network stack's cost in both.
	b.Run("ratio-over-http", func(b *testing.B) {
		bareSrv, resolveSrv := httptest.NewServer(bare), httptest.NewServer(r)
		defer bareSrv.Close()
		defer resolveSrv.Close()
		get := func(client *http.Client, url string) {
			res, err := client.Get(url)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				b.Fatal(err)
			}
			if err := res.Body.Close(); err != nil {
				b.Fatal(err)
			}
			if res.StatusCode != http.StatusOK {
				b.Fatalf("%s: status %d", url, res.StatusCode)
			}
		}
		var bareTime, resolveTime time.Duration
		for b.Loop() {
			start := time.Now()
			for range 16 {
				get(bareSrv.Client(), bareSrv.URL+"/bare")
			}
			bareTime += time.Since(start)
			start = time.Now()
			for range 16 {
				get(resolveSrv.Client(), resolveSrv.URL+resolvePath+"?slug=bench")
			}
			resolveTime += time.Since(start)
		}
		b.ReportMetric(100*bareTime.Seconds()/resolveTime.Seconds(), "%of-bare")
	})
	run("bare", bare, "/bare")
	run("bare-prelude", r, "/bare")
	run("slug", r, resolvePath+"?slug=bench")
	run("domain", r, resolvePath+"?domain=bench.example.com")
	run("host", r, resolvePath+"?host=bench.orgkit.test:443")
	run("not-modified", r, resolvePath+"?slug=bench", "If-None-Match", etag)
}
