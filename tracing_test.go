package orgkit_test

import (
	"context"
	"encoding/json"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/internal/syncbuf"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

const (
	incomingTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	incomingSpan  = "00f067aa0ba902b7"
)

// logBuffer is a JSON log that handlers write to concurrently.
type logBuffer struct{ syncbuf.Buffer }

// lines are the JSON records whose msg is msg.
func (b *logBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// tracedKit is orgkit on a fresh database, its routes on an engine of the test's, logging
// JSON at debug level (so the store's SQL lines show) to the returned buffer.
func tracedKit(t *testing.T, d gormstore.Dialect, tracing orgkit.TracingConfig) (*orgkit.Kit, *httptest.Server, *logBuffer, *gorm.DB) {
	t.Helper()
	logs := &logBuffer{}
	db := hostDB(t, d)
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret},
		SuperadminEmails: []string{"root@example.com"}, Tracing: tracing,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	k.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return k, srv, logs, db
}

// tracedCall makes a request that carries a W3C traceparent and an X-Request-ID.
func tracedCall(t *testing.T, srv *httptest.Server, method, path, requestID, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+mint(t, "root", "root@example.com"))
	req.Header.Set("Traceparent", "00-"+incomingTrace+"-"+incomingSpan+"-01")
	req.Header.Set("X-Request-ID", requestID)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode
}

func dbStatement(s sdktrace.ReadOnlySpan) (string, bool) {
	for _, a := range s.Attributes() {
		if a.Key == "db.query.text" {
			return a.Value.AsString(), true
		}
	}
	return "", false
}

func TestTracing_ARequestsSpansAndLogs(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			spans := tracetest.NewSpanRecorder()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
			_, srv, logs, host := tracedKit(t, d, orgkit.TracingConfig{Provider: tp})
			migrated := len(spans.Ended())

			if code := tracedCall(t, srv, "POST", "/v1/organizations", "req-trace-1", `{"name": "Secretive Acme", "slug": "secretive-acme"}`); code != 201 {
				t.Fatalf("create: %d", code)
			}
			ended := spans.Ended()[migrated:]
			var server sdktrace.ReadOnlySpan
			for _, s := range ended {
				if s.SpanKind() == trace.SpanKindServer {
					if server != nil {
						t.Fatalf("two server spans: %q and %q", server.Name(), s.Name())
					}
					server = s
				}
			}
			if server == nil || server.Name() != "POST /v1/organizations" {
				t.Fatalf("server span %v, want one named POST /v1/organizations among %d", server, len(ended))
			}
			if got := server.SpanContext().TraceID().String(); got != incomingTrace {
				t.Errorf("server span's trace %s, want the incoming %s", got, incomingTrace)
			}
			if got := server.Parent().SpanID().String(); got != incomingSpan || !server.Parent().IsRemote() {
				t.Errorf("server span's parent %s, want the remote %s", got, incomingSpan)
			}
			var inserts, statements int
			for _, s := range ended {
				sql, ok := dbStatement(s)
				if !ok {
					continue
				}
				statements++
				if s.Parent().SpanID() != server.SpanContext().SpanID() || s.SpanContext().TraceID() != server.SpanContext().TraceID() {
					t.Errorf("SQL span %q is not the server span's child", sql)
				}
				if strings.Contains(strings.ToLower(sql), "secretive") || strings.Contains(sql, "root@example.com") {
					t.Errorf("SQL span carries a parameter value: %s", sql)
				}
				if strings.HasPrefix(strings.ToUpper(sql), "INSERT INTO") && strings.Contains(sql, "orgkit_organizations") {
					inserts++
				}
			}
			if statements < 3 || inserts != 1 {
				t.Errorf("%d SQL spans with %d inserts into orgkit_organizations, want several and one", statements, inserts)
			}

			// The route template names a span, never the path with its id.
			if code := tracedCall(t, srv, "GET", "/v1/organizations/1", "req-trace-2", ""); code != 200 {
				t.Fatalf("get: %d", code)
			}
			if last := spans.Ended()[len(spans.Ended())-1]; last.Name() != "GET /v1/organizations/:id" {
				t.Errorf("last span %q, want GET /v1/organizations/:id", last.Name())
			}

			// The host's own statements stay untraced, even inside a span of the host's.
			before := len(spans.Ended())
			ctx, span := tp.Tracer("host").Start(context.Background(), "host work")
			var n int64
			if err := host.WithContext(ctx).Raw("SELECT COUNT(*) FROM orgkit_organizations").Scan(&n).Error; err != nil || n != 1 {
				t.Fatalf("host query: %d %v", n, err)
			}
			span.End()
			if got := spans.Ended()[before:]; len(got) != 1 || got[0].Name() != "host work" {
				t.Errorf("the host's query made spans: %d", len(got))
			}

			// The access log and the store's lines of one request carry its request and trace ids.
			access := logs.lines(t, "request")
			if len(access) != 2 {
				t.Fatalf("%d access log lines, want 2", len(access))
			}
			if access[0]["request_id"] != "req-trace-1" || access[0]["trace_id"] != incomingTrace || access[0]["span_id"] != server.SpanContext().SpanID().String() {
				t.Errorf("access log line %v: want request_id req-trace-1, trace_id %s and the server span's id", access[0], incomingTrace)
			}
			var sqlOfRequest int
			for _, rec := range logs.lines(t, "sql") {
				if rec["request_id"] == "req-trace-1" {
					sqlOfRequest++
					if rec["trace_id"] != incomingTrace {
						t.Errorf("SQL log line of the request without its trace id: %v", rec)
					}
				}
			}
			if sqlOfRequest < 3 {
				t.Errorf("%d SQL log lines carry request_id req-trace-1, want every statement's", sqlOfRequest)
			}
		})
	}
}

// TestTracing_Off: with no Config.Tracing, orgkit makes no span, not even through a global
// provider a host set, and logs carry the request id but no trace id.
func TestTracing_Off(t *testing.T) {
	global := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(global)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	_, srv, logs, _ := tracedKit(t, gormstore.SQLite, orgkit.TracingConfig{})
	if code := tracedCall(t, srv, "POST", "/v1/organizations", "req-plain-1", `{"name": "Acme", "slug": "acme"}`); code != 201 {
		t.Fatalf("create: %d", code)
	}
	if n := len(global.Started()); n != 0 {
		t.Errorf("%d spans with tracing off", n)
	}
	access := logs.lines(t, "request")
	if len(access) != 1 || access[0]["request_id"] != "req-plain-1" {
		t.Fatalf("access log %v, want one line of req-plain-1", access)
	}
	var sqlOfRequest int
	for _, rec := range append(access, logs.lines(t, "sql")...) {
		if _, ok := rec["trace_id"]; ok {
			t.Errorf("trace_id logged with tracing off: %v", rec)
		}
		if rec["msg"] == "sql" && rec["request_id"] == "req-plain-1" {
			sqlOfRequest++
		}
	}
	if sqlOfRequest < 3 {
		t.Errorf("%d SQL log lines carry the request id, want every statement's", sqlOfRequest)
	}
}

// TestTracing_RunRounds: each round of Run's background work is a span, with its SQL inside.
func TestTracing_RunRounds(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	k, _, _, _ := tracedKit(t, gormstore.SQLite, orgkit.TracingConfig{Provider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = k.Run(ctx)
	}()
	want := []string{"domain re-checks", "outbox delivery", "webhook delivery"}
	rounds := map[string]sdktrace.ReadOnlySpan{}
	for deadline := time.Now().Add(10 * time.Second); len(rounds) < len(want) && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for _, s := range spans.Ended() {
			for _, w := range want {
				if s.Name() == w {
					rounds[w] = s
				}
			}
		}
	}
	cancel()
	<-done
	if len(rounds) != len(want) {
		t.Fatalf("round spans %v, want %v", rounds, want)
	}
	var children int
	for _, s := range spans.Ended() {
		if _, ok := dbStatement(s); ok && s.Parent().SpanID() == rounds["outbox delivery"].SpanContext().SpanID() {
			children++
		}
	}
	if children == 0 {
		t.Error("the outbox round's SQL is not inside its span")
	}
}

// A host that already traces hands orgkit its provider: orgkit's request, SQL and background
// spans join the host's traces, and its logs carry their ids.
func ExampleTracingConfig() {
	ctx := context.Background()
	tp := sdktrace.NewTracerProvider() // the host's, with its exporter
	defer func() { _ = tp.Shutdown(ctx) }()
	k, err := orgkit.New(ctx, orgkit.Config{
		DB:      hostPool(),
		Auth:    orgkit.AuthConfig{JWKSURL: "https://clerk.example.com/.well-known/jwks.json"},
		Tracing: orgkit.TracingConfig{Provider: tp},
	})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	k.Register(r)
}

// TestTracing_WebhookSend: a webhook delivery is a client span inside Run's delivery round,
// naming no URL (a receiver's may carry a token).
func TestTracing_WebhookSend(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	k, p, org := acmeKit(t, orgkit.Config{DB: poolAt(t, gormtest.URL(t, gormstore.SQLite)), Auth: orgkit.AuthConfig{HS256Secret: secret},
		VaultKeys: vaultKeys, Webhooks: orgkit.WebhooksConfig{AllowPrivate: true},
		Domains: orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{Disabled: true}},
		Tracing: orgkit.TracingConfig{Provider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))}})
	hook := newReceiver(t)
	endpoint(t, k, p, org.ID, hook.srv.URL+"/hooks?token=abc")
	run(t, k)
	hook.waitFor(t, 1)
	var sends []sdktrace.ReadOnlySpan
	rounds := map[trace.SpanID]bool{}
	for deadline := time.Now().Add(5 * time.Second); len(sends) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		sends = sends[:0]
		for _, s := range spans.Ended() {
			switch s.Name() {
			case "webhook send":
				sends = append(sends, s)
			case "webhook delivery":
				rounds[s.SpanContext().SpanID()] = true
			}
		}
	}
	if len(sends) != 1 {
		t.Fatalf("%d webhook send spans, want 1", len(sends))
	}
	s := sends[0]
	if s.SpanKind() != trace.SpanKindClient || !rounds[s.Parent().SpanID()] {
		t.Errorf("webhook send span of kind %v, parent in a delivery round: %v", s.SpanKind(), rounds[s.Parent().SpanID()])
	}
	for _, a := range s.Attributes() {
		if strings.Contains(a.Value.String(), "token") || strings.Contains(a.Value.String(), "127.0.0.1") {
			t.Errorf("span attribute %s names the URL: %s", a.Key, a.Value.String())
		}
		if a.Key == "http.response.status_code" && a.Value.AsInt64() != 200 && a.Value.AsInt64() != 204 {
			t.Errorf("status %d", a.Value.AsInt64())
		}
	}
}
