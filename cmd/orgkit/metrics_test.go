package main

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// getMetrics GETs url and parses the Prometheus text it answers; a status other than 200
// is returned with no families.
func getMetrics(t *testing.T, url string) (int, map[string]*dto.MetricFamily) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, nil
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, fams
}

// The built binary serves GET /metrics on its main listener by default, and with
// ORGKIT_METRICS_ADDR only on that address: its own build, orgkit's families, the Go
// runtime's and the process's.
func TestBinary_Metrics(t *testing.T) {
	bin := buildBinary(t)
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	version := strings.TrimPrefix(strings.TrimSpace(string(out)), "orgkit ")
	check := func(t *testing.T, fams map[string]*dto.MetricFamily) {
		t.Helper()
		for _, f := range []string{"orgkit_http_requests_total", "orgkit_resolve_cache_total", "orgkit_db_connections",
			"orgkit_webhook_backlog", "go_goroutines", "process_resident_memory_bytes"} {
			if fams[f] == nil {
				t.Errorf("no %s", f)
			}
		}
		info := fams["orgkit_build_info"]
		if info == nil || len(info.GetMetric()) != 1 {
			t.Fatalf("orgkit_build_info: %v", info)
		}
		got := map[string]string{}
		for _, l := range info.GetMetric()[0].GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if got["version"] != version || got["go_version"] != runtime.Version() || info.GetMetric()[0].GetGauge().GetValue() != 1 {
			t.Errorf("orgkit_build_info %v = %v, want version %q", got, info.GetMetric()[0].GetGauge().GetValue(), version)
		}
	}
	env := func(t *testing.T, extra ...string) []string {
		return append([]string{"ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_DATABASE_URL=" + gormtest.URL(t, gormstore.SQLite),
			"ORGKIT_DATA_DIR=" + filepath.Join(t.TempDir(), "data"), "ORGKIT_SHUTDOWN_DELAY=0", "PATH=/usr/bin:/bin"}, extra...)
	}

	t.Run("main_listener", func(t *testing.T) {
		_, base := startBinary(t, bin, env(t), "serve", "--dev")
		if code, _ := call(t, "GET", base+"/healthz", "", nil); code != 200 {
			t.Fatalf("healthz: %d", code)
		}
		code, fams := getMetrics(t, base+"/metrics")
		if code != 200 {
			t.Fatalf("GET /metrics: %d", code)
		}
		check(t, fams)
	})
	t.Run("metrics_addr", func(t *testing.T) {
		addr := freeAddr(t)
		_, base := startBinary(t, bin, env(t, "ORGKIT_METRICS_ADDR="+addr), "serve", "--dev")
		if code, _ := call(t, "GET", base+"/healthz", "", nil); code != 200 {
			t.Fatalf("healthz: %d", code)
		}
		code, fams := getMetrics(t, "http://"+addr+"/metrics")
		if code != 200 {
			t.Fatalf("GET /metrics on ORGKIT_METRICS_ADDR: %d", code)
		}
		check(t, fams)
		if code, _ := getMetrics(t, base+"/metrics"); code != http.StatusNotFound {
			t.Fatalf("the main listener answers /metrics with %d, want 404", code)
		}
	})
}
