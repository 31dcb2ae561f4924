package faulttest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/mail/smtptest"
	"github.com/orgkit/orgkit/internal/testproc"
)

// waitLog waits until the orgkit log holds msg.
func waitLog(t *testing.T, k *orgkit, msg string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, "log "+msg, func() error {
		if !strings.Contains(k.logs.String(), msg) {
			return fmt.Errorf("not logged yet")
		}
		return nil
	})
}

// TestFaults_SMTPDownThenUp: an invitation made while the SMTP server is down is mailed once
// it is back (the outbox's retry), exactly once.
func TestFaults_SMTPDownThenUp(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t)
	relay := testproc.StartRelay(t, smtp.Addr())
	relay.Down()
	k := startOrgkit(t, "ORGKIT_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "orgkit.db"),
		"ORGKIT_SMTP_URL=smtp://"+relay.Addr, "ORGKIT_MAIL_FROM=Acme <no-reply@example.com>")
	tok := k.token("root", superadmin)
	org := k.call("POST", "/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"})
	expect(t, org, http.StatusCreated, "")
	expect(t, k.call("POST", fmt.Sprintf("/v1/organizations/%d/invitations", org.id()), tok,
		map[string]any{"email": "colleague@example.com", "role": "member"}), http.StatusCreated, "")
	waitLog(t, k, "outbox delivery failed", 20*time.Second)
	if n := len(smtp.Messages()); n != 0 {
		t.Fatalf("%d messages through a relay that is down", n)
	}

	relay.Up(t)
	m := smtp.Wait(t, 1, 60*time.Second) // the retry comes 30s after the failure
	if len(m[0].To) != 1 || m[0].To[0] != "colleague@example.com" || !strings.Contains(m[0].Text, "/v1/invitations/") {
		t.Errorf("mail: %+v", m[0])
	}
	time.Sleep(2 * time.Second)
	if n := len(smtp.Messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

// TestFaults_WebhookReceiverDownThenUp: an event raised while its receiver is down is
// delivered once the receiver is back (the next retry), once, with the same webhook-id.
func TestFaults_WebhookReceiverDownThenUp(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	got := map[string]int{} // webhook-id -> deliveries
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got[r.Header.Get("webhook-id")]++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer receiver.Close()
	relay := testproc.StartRelay(t, strings.TrimPrefix(receiver.URL, "http://"))
	k := startOrgkit(t, "ORGKIT_DATABASE_URL=sqlite:"+filepath.Join(t.TempDir(), "orgkit.db"),
		"ORGKIT_WEBHOOK_ALLOW_PRIVATE=true")
	tok := k.token("root", superadmin)
	expect(t, k.call("POST", "/v1/webhook-endpoints", tok, map[string]any{"url": "http://" + relay.Addr + "/hooks",
		"event_types": []string{"organization.created"}}), http.StatusCreated, "")

	relay.Down()
	expect(t, k.call("POST", "/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"}), http.StatusCreated, "")
	waitLog(t, k, "webhook delivery failed", 20*time.Second)
	relay.Up(t)
	count := func() (ids, deliveries int) {
		mu.Lock()
		defer mu.Unlock()
		for _, n := range got {
			ids, deliveries = ids+1, deliveries+n
		}
		return ids, deliveries
	}
	eventually(t, 30*time.Second, "delivery after the receiver is back", func() error {
		if _, n := count(); n == 0 {
			return fmt.Errorf("nothing delivered")
		}
		return nil
	})
	time.Sleep(6 * time.Second) // longer than the delivery poll: a second delivery would show
	if ids, n := count(); ids != 1 || n != 1 {
		t.Errorf("%d events in %d deliveries, want 1 in 1: %v", ids, n, got)
	}
}
