package httpapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
)

// BenchmarkGetOrganization is the authenticated hot path in-process: JWT check, user lookup,
// organization and role reads, JSON encoding, on SQLite.
func BenchmarkGetOrganization(b *testing.B) {
	h := newHarness(b, gormstore.SQLite)
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
