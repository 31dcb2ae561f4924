package main

import (
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// otlpReceiver is an OTLP/HTTP trace receiver on loopback: what a collector's port 4318 does
// with POST /v1/traces, keeping every span with its resource's service.name.
type otlpReceiver struct {
	mu       sync.Mutex
	spans    []*tracepb.Span
	services []string
	bad      []string // requests it could not decode
}

func startOTLPReceiver(t *testing.T) (*otlpReceiver, string) {
	t.Helper()
	rcv := &otlpReceiver{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(rcv.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return rcv, "http://" + ln.Addr().String()
}

func (r *otlpReceiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	var msg coltracepb.ExportTraceServiceRequest
	if err == nil && (req.Method != "POST" || req.URL.Path != "/v1/traces" || req.Header.Get("Content-Type") != "application/x-protobuf") {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		err = proto.Unmarshal(body, &msg)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.bad = append(r.bad, req.Method+" "+req.URL.Path+": "+err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	for _, rs := range msg.ResourceSpans {
		for _, a := range rs.GetResource().GetAttributes() {
			if a.Key == "service.name" {
				r.services = append(r.services, a.GetValue().GetStringValue())
			}
		}
		for _, ss := range rs.ScopeSpans {
			r.spans = append(r.spans, ss.Spans...)
		}
	}
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func attr(s *tracepb.Span, key string) (string, bool) {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.GetValue().GetStringValue(), true
		}
	}
	return "", false
}

// TestBinary_Traces runs the built binary with OTEL_EXPORTER_OTLP_ENDPOINT set: an
// authenticated write that carries a traceparent reaches the receiver, flushed at SIGTERM, as
// a server span named by its route in the caller's trace, with the SQL statements as its
// children (text without values), from service "orgkit"; and the binary's JSON log lines of
// that request carry its request id and trace id.
func TestBinary_Traces(t *testing.T) {
	rcv, endpoint := startOTLPReceiver(t)
	dir := t.TempDir()
	bin := buildBinary(t)
	env := []string{"ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_DATABASE_URL=" + gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_DATA_DIR=" + filepath.Join(dir, "data"), "ORGKIT_SHUTDOWN_DELAY=100ms", "PATH=/usr/bin:/bin",
		"ORGKIT_LOG_FORMAT=json", "ORGKIT_LOG_LEVEL=debug", "OTEL_EXPORTER_OTLP_ENDPOINT=" + endpoint}
	serve, base, logs := startBinaryLogged(t, bin, env, "serve", "--dev")
	token := binaryToken(t, bin, env)

	const trace, parent = "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"
	req, err := http.NewRequest("POST", base+"/v1/organizations", strings.NewReader(`{"name": "Hidden Name", "slug": "hidden-slug"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Traceparent", "00-"+trace+"-"+parent+"-01")
	req.Header.Set("X-Request-ID", "req-binary-trace")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 201 {
		t.Fatalf("create: %d", res.StatusCode)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
	}

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.bad) > 0 {
		t.Fatalf("undecodable exports: %v", rcv.bad)
	}
	for _, s := range rcv.services {
		if s != "orgkit" {
			t.Errorf("service.name %q, want orgkit", s)
		}
	}
	var server *tracepb.Span
	for _, s := range rcv.spans {
		if s.Kind == tracepb.Span_SPAN_KIND_SERVER && hex.EncodeToString(s.TraceId) == trace {
			if server != nil {
				t.Fatalf("two server spans in the trace: %q, %q", server.Name, s.Name)
			}
			server = s
		}
	}
	if server == nil || len(rcv.services) == 0 {
		t.Fatalf("no server span in trace %s among %d spans of services %v", trace, len(rcv.spans), rcv.services)
	}
	if server.Name != "POST /v1/organizations" || hex.EncodeToString(server.ParentSpanId) != parent {
		t.Errorf("server span %q with parent %x, want POST /v1/organizations under %s", server.Name, server.ParentSpanId, parent)
	}
	var statements, inserts int
	for _, s := range rcv.spans {
		sql, ok := attr(s, "db.query.text")
		if !ok || string(s.ParentSpanId) != string(server.SpanId) {
			continue
		}
		statements++
		if strings.Contains(sql, "Hidden") || strings.Contains(sql, "hidden-slug") || strings.Contains(sql, devEmail) {
			t.Errorf("SQL span carries a value: %s", sql)
		}
		if strings.HasPrefix(strings.ToUpper(sql), "INSERT INTO") && strings.Contains(sql, "orgkit_organizations") {
			inserts++
		}
	}
	if statements < 3 || inserts != 1 {
		t.Errorf("%d SQL spans under the server span, %d inserting the organization; want several and one", statements, inserts)
	}

	var access, store int
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil || rec["request_id"] != "req-binary-trace" {
			continue
		}
		if rec["trace_id"] != trace {
			t.Errorf("log line of the request without its trace id: %s", line)
		}
		switch rec["msg"] {
		case "request":
			access++
		case "sql":
			store++
		}
	}
	if access != 1 || store < 3 {
		t.Errorf("%d access and %d SQL log lines carry the request id, want 1 and several:\n%s", access, store, logs.String())
	}
}

// TestTracerProvider_FromEnv: no endpoint, no provider; a protocol other than http/protobuf
// is refused by name rather than silently sent over HTTP.
func TestTracerProvider_FromEnv(t *testing.T) {
	ctx := t.Context()
	env := func(kv ...string) func(string) string {
		return func(name string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == name {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	if tp, err := tracerProvider(ctx, env()); tp != nil || err != nil {
		t.Errorf("no endpoint: %v, %v; want no provider", tp, err)
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"} {
		_, err := tracerProvider(ctx, env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317", name, "grpc"))
		if err == nil || !strings.HasPrefix(err.Error(), name+" ") {
			t.Errorf("%s=grpc: %v, want an error naming the variable", name, err)
		}
	}
	tp, err := tracerProvider(ctx, env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://127.0.0.1:4318/v1/traces", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"))
	if err != nil || tp == nil {
		t.Fatalf("traces endpoint: %v, %v; want a provider", tp, err)
	}
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
