package soak

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// receiverDelay is how long the receiver takes to answer: long enough that a replica told
// to stop is likely to be in the middle of a delivery.
const receiverDelay = 15 * time.Millisecond

// receiver is a webhook endpoint on loopback that verifies every delivery's signature and
// counts deliveries per webhook-id.
type receiver struct {
	url string

	mu     sync.Mutex
	secret string
	wh     *standardwebhooks.Webhook
	got    map[string]int
	bad    []string
	signed chan struct{} // closed once the secret is known
}

func startReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{got: map[string]int{}, signed: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.url = srv.URL + "/hooks/platform"
	return r
}

// setSecret is the endpoint's signing secret, shown once when it was created.
func (r *receiver) setSecret(secret string) error {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret, r.wh = secret, wh
	close(r.signed)
	return nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		r.fail("read body: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	select {
	case <-r.signed:
	case <-time.After(10 * time.Second):
		r.fail("a delivery arrived and the endpoint's secret never did")
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.mu.Lock()
	wh := r.wh
	r.mu.Unlock()
	id := req.Header.Get("webhook-id")
	if err := wh.Verify(body, req.Header); err != nil {
		r.fail("delivery %s: signature: %v", id, err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var ev struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || ev.ID != id {
		r.fail("delivery %s: body id %q (%v)", id, ev.ID, err)
	}
	time.Sleep(receiverDelay)
	r.mu.Lock()
	r.got[id]++
	r.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bad = append(r.bad, fmt.Sprintf(format, args...))
}

// counts is a copy of the deliveries per webhook-id, and the deliveries refused.
func (r *receiver) counts() (map[string]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := make(map[string]int, len(r.got))
	for k, v := range r.got {
		got[k] = v
	}
	return got, append([]string(nil), r.bad...)
}
