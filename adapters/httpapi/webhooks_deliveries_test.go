package httpapi_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/webhook"
	"github.com/orgkit/orgkit/app"
)

// withSender builds the service with the real HTTP sender, allowed to reach loopback: the
// test's own receiver. Nothing is sent until the test calls DeliverWebhooks.
func withSender(d *app.Deps) {
	d.Webhooks = webhook.New(webhook.Config{AllowPrivate: true, Timeout: 2 * time.Second})
}

// receiver answers each delivery with the next of its answers (the last one repeats) and
// keeps the webhook-id headers it saw.
type receiver struct {
	mu      sync.Mutex
	answers []int
	ids     []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	status := rc.answers[min(len(rc.ids), len(rc.answers)-1)]
	rc.ids = append(rc.ids, r.Header.Get("webhook-id"))
	rc.mu.Unlock()
	w.WriteHeader(status)
	fmt.Fprintf(w, "answer %d <b>", status)
}

func (rc *receiver) seen() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.ids...)
}

// closedURL is a loopback URL where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr + "/hook"
}

func (h *harness) deliverWebhooks(want int) {
	h.t.Helper()
	n, err := h.svc.DeliverWebhooks(context.Background())
	if err != nil || n != want {
		h.t.Fatalf("DeliverWebhooks: %d delivered, %v; want %d", n, err, want)
	}
}

func deliveryItems(t testing.TB, r response, want int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range r.items(t, want) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestWebhookDeliveries_AttemptsAndRetry(t *testing.T) {
	for _, dialect := range gormtest.Dialects(t) {
		t.Run(string(dialect), func(t *testing.T) { testAttemptsAndRetry(t, newHarness(t, dialect, withSender)) })
	}
}

func testAttemptsAndRetry(t *testing.T, h *harness) {
	rc := &receiver{answers: []int{500, 204}}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	r := h.orgWithRoles("delivered")
	up, _ := h.addEndpoint(r.orgID, r.admin, map[string]any{"url": srv.URL + "/in", "event_types": []string{"member.added"}})
	down, _ := h.addEndpoint(r.orgID, r.admin, map[string]any{"url": closedURL(t), "event_types": []string{"member.added"}})
	h.mtConnect(r.orgID, "new@example.com", "member")
	h.deliverWebhooks(0) // the receiver answers 500, the other URL not at all

	first := h.do("GET", epPath(r.orgID, up)+"/deliveries", r.admin, nil)
	expect(t, first, 200, "")
	d := deliveryItems(t, first, 1)[0]
	log := d["attempt_log"].([]any)
	next, err := time.Parse(time.RFC3339, fmt.Sprint(d["next_attempt_at"]))
	if keys(d) != deliveryKeys || d["event_type"] != "member.added" || d["status"] != "pending" || d["attempts"] != 1.0 ||
		err != nil || time.Until(next) < 3*time.Second || time.Until(next) > 7*time.Second || len(log) != 1 {
		t.Fatalf("after a 500: %s", first.Raw)
	}
	a := log[0].(map[string]any)
	if keys(a) != "created_at error latency_ms response status_code" || a["status_code"] != 500.0 || a["response"] != "answer 500 <b>" ||
		a["error"] != "the receiver answered 500" || a["latency_ms"].(float64) < 0 || !mtRecent(a["created_at"]) {
		t.Fatalf("attempt: %v", a)
	}
	if ids := rc.seen(); len(ids) != 1 || ids[0] != d["event_id"] {
		t.Errorf("webhook-id %v, event_id %v", ids, d["event_id"])
	}

	failed := deliveryItems(t, h.do("GET", epPath(r.orgID, down)+"/deliveries", r.admin, nil), 1)[0]
	fa := failed["attempt_log"].([]any)[0].(map[string]any)
	if failed["event_id"] != d["event_id"] || failed["attempts"] != 1.0 || fa["status_code"] != nil || fa["response"] != "" ||
		fa["error"] == nil || fa["error"] == "" {
		t.Fatalf("no answer: %v", failed)
	}

	retried := h.do("POST", retryPath(r.orgID, up, id(d["id"])), r.admin, nil)
	expect(t, retried, 202, "")
	if rd := retried.data(); rd["status"] != "pending" || rd["attempts"] != 1.0 || !mtRecent(rd["next_attempt_at"]) || len(rd["attempt_log"].([]any)) != 1 {
		t.Fatalf("retry: %s", retried.Raw)
	}
	h.deliverWebhooks(1)
	done := h.do("GET", epPath(r.orgID, up)+"/deliveries?status=delivered", r.admin, nil)
	expect(t, done, 200, "")
	dd := deliveryItems(t, done, 1)[0]
	attempts := dd["attempt_log"].([]any)
	if dd["status"] != "delivered" || dd["attempts"] != 2.0 || dd["next_attempt_at"] != nil || len(attempts) != 2 ||
		attempts[0].(map[string]any)["status_code"] != 500.0 || attempts[1].(map[string]any)["status_code"] != 204.0 ||
		attempts[1].(map[string]any)["error"] != nil {
		t.Fatalf("delivered: %s", done.Raw)
	}
	if ids := rc.seen(); len(ids) != 2 || ids[1] != ids[0] {
		t.Errorf("a retry keeps the webhook-id: %v", ids)
	}

	// Filters and pages: two tests queued after the delivered event, newest first.
	h.testDelivery(r.orgID, up)
	h.testDelivery(r.orgID, up)
	for q, want := range map[string]string{
		"":                            "map[page:1 page_size:25 total:3 total_pages:1] [webhook.test webhook.test member.added]",
		"?status=pending":             "map[page:1 page_size:25 total:2 total_pages:1] [webhook.test webhook.test]",
		"?status=delivered":           "map[page:1 page_size:25 total:1 total_pages:1] [member.added]",
		"?status=failed":              "map[page:1 page_size:25 total:0 total_pages:0] []",
		"?page_size=2":                "map[page:1 page_size:2 total:3 total_pages:2] [webhook.test webhook.test]",
		"?page_size=2&page=2":         "map[page:2 page_size:2 total:3 total_pages:2] [member.added]",
		"?page_size=1&status=pending": "map[page:1 page_size:1 total:2 total_pages:2] [webhook.test]",
	} {
		res := h.do("GET", epPath(r.orgID, up)+"/deliveries"+q, r.owner, nil)
		expect(t, res, 200, "")
		var types []string
		for _, it := range res.Body["data"].([]any) {
			types = append(types, it.(map[string]any)["event_type"].(string))
		}
		if got := fmt.Sprint(res.Body["meta"]) + " " + fmt.Sprint(types); got != want {
			t.Errorf("%q: %s, want %s", q, got, want)
		}
	}
	// A delivery of another endpoint is not found through this one.
	expect(t, h.do("POST", retryPath(r.orgID, up, id(failed["id"])), r.admin, nil), 404, "webhook_delivery_not_found")
}
