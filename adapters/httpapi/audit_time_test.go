package httpapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
)

// nanoClock returns times with nanoseconds, finer than either database keeps, starting just
// below a second so Postgres's rounding would carry into the next second.
type nanoClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *nanoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(1_234_567_891 * time.Nanosecond)
	return c.now
}

// TestAuditVerify_NanosecondClock: whatever precision the injected clock has, the records
// written through the API verify, on both databases: the hash covers created_at as stored.
func TestAuditVerify_NanosecondClock(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			clock := &nanoClock{now: time.Date(2025, 1, 1, 0, 0, 0, 999_999_999, time.UTC)}
			h := newHarness(t, d, func(deps *app.Deps) { deps.Clock = clock })
			org := h.createOrg("acme")
			for i := range 3 {
				expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", org), rootEmail, map[string]any{"tagline": fmt.Sprint(i)}), 200, "")
			}
			v, err := h.svc.VerifyAudit(context.Background(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.BrokenID != 0 || v.Checked != 4 { // organization.created and three organization.updated
				t.Fatalf("%d record(s) checked (want 4), broken at %d: %s", v.Checked, v.BrokenID, v.Reason)
			}
		})
	}
}
