package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/internal/testenv"
)

// BenchmarkGetOrganization is the authenticated hot path in-process: JWT check, user lookup,
// organization and role reads, JSON encoding, on SQLite, with metrics recorded.
func BenchmarkGetOrganization(b *testing.B) {
	h := newHarness(b, gormstore.SQLite, withMetrics(b))
	orgID := h.createOrg("bench")
	req := httptest.NewRequest("GET", fmt.Sprintf("/v1/organizations/%d", orgID), nil)
	req.Header.Set("Authorization", "Bearer "+h.token(rootEmail))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.router.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// BenchmarkListOrganizations is a superadmin's page of 100 of 150 organizations, and a
// member's list of their one organization, in-process on SQLite (on Postgres with
// BENCH_POSTGRES=1 and ORGKIT_TEST_POSTGRES_DSN).
func BenchmarkListOrganizations(b *testing.B) {
	d := gormstore.SQLite
	if _, ok := testenv.Optional(b, "ORGKIT_TEST_POSTGRES_DSN"); ok && os.Getenv("BENCH_POSTGRES") != "" {
		d = gormstore.Postgres
	}
	h := newHarness(b, d)
	var last int64
	for i := range 150 {
		last = h.createOrg(fmt.Sprintf("org-%03d", i))
	}
	h.do("GET", "/v1/me", "member@example.com", nil)
	h.connect(last, "member@example.com", "member")
	for _, c := range []struct{ name, email, query string }{
		{"superadmin_100", rootEmail, "?page_size=100"},
		{"member_1", "member@example.com", "?page_size=100"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/v1/organizations"+c.query, nil)
			req.Header.Set("Authorization", "Bearer "+h.token(c.email))
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.router.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
