package webhook_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/webhook"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// request is a signed delivery of a small event to url.
func request(t *testing.T, url string) ports.WebhookRequest {
	t.Helper()
	return ports.WebhookRequest{URL: url, MsgID: "evt_1", Timestamp: time.Now(), Body: []byte(`{"type":"webhook.test"}`), Secrets: []string{newSecret(t)}}
}

func TestSend_userAgent(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, nil)
	s := webhook.New(webhook.Config{AllowPrivate: true, UserAgent: "acme-hooks/2"})
	if _, err := s.Send(context.Background(), request(t, rc.URL)); err != nil {
		t.Fatal(err)
	}
	if ua := rc.only(t).header.Get("User-Agent"); ua != "acme-hooks/2" {
		t.Fatalf("User-Agent %q, want acme-hooks/2", ua)
	}
}

func TestSend_serverErrorIsAnAnswer(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "database down", http.StatusInternalServerError)
	})
	resp, err := webhook.New(webhook.Config{AllowPrivate: true}).Send(context.Background(), request(t, rc.URL))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if resp.StatusCode != http.StatusInternalServerError || string(resp.Body) != "database down\n" {
		t.Fatalf("answer %d %q, want 500 \"database down\\n\"", resp.StatusCode, resp.Body)
	}
	if resp.Latency <= 0 {
		t.Fatalf("latency %v, want > 0", resp.Latency)
	}
}

func TestSend_redirectIsTheAnswer(t *testing.T) {
	t.Parallel()
	elsewhere := startReceiver(t, nil)
	rc := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/moved", http.StatusTemporaryRedirect)
	})
	resp, err := webhook.New(webhook.Config{AllowPrivate: true}).Send(context.Background(), request(t, rc.URL))
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if resp.StatusCode != http.StatusTemporaryRedirect {
		t.Fatalf("status %d, want 307", resp.StatusCode)
	}
	rc.only(t)
	elsewhere.assertUntouched(t)
}

// TestSend_boundedBody: a receiver that streams 10 MiB and then holds the connection open
// gets 64 KiB read and the connection dropped; a sender reading on would wait for the timeout.
func TestSend_boundedBody(t *testing.T) {
	t.Parallel()
	chunk := bytes.Repeat([]byte("x"), 32<<10)
	rc := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		for range (10 << 20) / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the sender hung up, as it should
			}
		}
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	s := webhook.New(webhook.Config{AllowPrivate: true, Timeout: 5 * time.Second})
	start := time.Now()
	resp, err := s.Send(context.Background(), request(t, rc.URL))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(resp.Body) != domain.WebhookResponseMax || !bytes.Equal(resp.Body, bytes.Repeat([]byte("x"), domain.WebhookResponseMax)) {
		t.Fatalf("body of %d bytes, want %d", len(resp.Body), domain.WebhookResponseMax)
	}
	if elapsed > 2*time.Second {
		t.Fatalf("Send took %v: it read on past the bound", elapsed)
	}
}

func TestSend_timeout(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	rc := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	s := webhook.New(webhook.Config{AllowPrivate: true, Timeout: timeout})
	start := time.Now()
	resp, err := s.Send(context.Background(), request(t, rc.URL))
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("Send answered %d, want a timeout error", resp.StatusCode)
	}
	if elapsed < timeout || elapsed > timeout+time.Second {
		t.Errorf("Send returned after %v, want about %v", elapsed, timeout)
	}
	if resp.Latency < timeout || resp.Latency > elapsed {
		t.Errorf("latency %v, want between %v and %v", resp.Latency, timeout, elapsed)
	}
	if resp.StatusCode != 0 {
		t.Errorf("status %d with the error, want 0", resp.StatusCode)
	}
}

// TestSend_timeoutWhileReading: a receiver that answers and then stalls mid-body has
// answered; the attempt ends at the timeout with the part of the body that came.
func TestSend_timeoutWhileReading(t *testing.T) {
	t.Parallel()
	const timeout = 200 * time.Millisecond
	rc := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("accepted, details follow")) // a failed write shows in the body
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	start := time.Now()
	resp, err := webhook.New(webhook.Config{AllowPrivate: true, Timeout: timeout}).Send(context.Background(), request(t, rc.URL))
	elapsed := time.Since(start)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if resp.StatusCode != http.StatusOK || string(resp.Body) != "accepted, details follow" {
		t.Fatalf("answer %d %q, want 200 and the part sent", resp.StatusCode, resp.Body)
	}
	if elapsed < timeout || elapsed > timeout+time.Second {
		t.Errorf("Send returned after %v, want about %v", elapsed, timeout)
	}
}

func TestSend_callerContext(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := webhook.New(webhook.Config{AllowPrivate: true}).Send(ctx, request(t, rc.URL)); err == nil {
		t.Fatal("Send succeeded past the caller's deadline")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("Send returned after %v, not at the caller's deadline", elapsed)
	}
}

func TestSend_https(t *testing.T) {
	t.Parallel()
	rc := startReceiverTLS(t, nil, true)
	s := webhook.New(webhook.Config{AllowPrivate: true})
	pool := x509.NewCertPool()
	pool.AddCert(rc.Certificate())
	webhook.SetRootCAs(s, pool)
	for range 2 {
		resp, err := s.Send(context.Background(), request(t, rc.URL))
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200", resp.StatusCode)
		}
	}
	if n := rc.conns.Load(); n != 1 {
		t.Fatalf("two deliveries took %d connections, want 1 reused", n)
	}
}
