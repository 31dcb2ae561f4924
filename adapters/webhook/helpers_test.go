package webhook_test

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// captured is one request a receiver got.
type captured struct {
	header http.Header
	body   []byte
}

// receiver is an HTTP server on loopback that records every connection and request.
type receiver struct {
	*httptest.Server
	conns atomic.Int64

	mu   sync.Mutex
	got  []captured
	errs []error
}

// startReceiver serves h (nil: 200 "ok") after recording the request and its whole body.
func startReceiver(t *testing.T, h http.HandlerFunc) *receiver {
	t.Helper()
	return startReceiverTLS(t, h, false)
}

func startReceiverTLS(t *testing.T, h http.HandlerFunc, useTLS bool) *receiver {
	t.Helper()
	rc := &receiver{}
	rc.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, captured{header: r.Header.Clone(), body: body})
		if err != nil {
			rc.errs = append(rc.errs, err)
		}
		rc.mu.Unlock()
		if h == nil {
			_, _ = io.WriteString(w, "ok") // a failed write shows in the sender's result
			return
		}
		h(w, r)
	}))
	rc.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			rc.conns.Add(1)
		}
	}
	if useTLS {
		rc.StartTLS()
	} else {
		rc.Start()
	}
	t.Cleanup(func() {
		rc.Close()
		rc.mu.Lock()
		defer rc.mu.Unlock()
		for _, err := range rc.errs {
			t.Errorf("receiver: reading a request: %v", err)
		}
	})
	return rc
}

// requests returns what the receiver got so far.
func (rc *receiver) requests() []captured {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]captured(nil), rc.got...)
}

// only returns the one request the receiver got, failing the test on any other count.
func (rc *receiver) only(t *testing.T) captured {
	t.Helper()
	got := rc.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	return got[0]
}

// assertUntouched fails the test when anything connected to the receiver.
func (rc *receiver) assertUntouched(t *testing.T) {
	t.Helper()
	if n := rc.conns.Load(); n != 0 {
		t.Errorf("receiver saw %d connections, want none", n)
	}
	if n := len(rc.requests()); n != 0 {
		t.Errorf("receiver got %d requests, want none", n)
	}
}

// newSecret returns a fresh signing secret in the Standard Webhooks form.
func newSecret(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
