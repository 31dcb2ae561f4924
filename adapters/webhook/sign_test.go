package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/orgkit/orgkit/adapters/webhook"
	"github.com/orgkit/orgkit/ports"
)

func TestSend_signature(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		secrets int
	}{
		{"one_secret", 1},
		{"two_secrets_during_rotation", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := startReceiver(t, nil)
			var secrets []string
			for range tc.secrets {
				secrets = append(secrets, newSecret(t))
			}
			body := []byte("{\"type\":\"organization.updated\",\"data\":{\"name\":\"Zürich Ölwerke \\u0000\"}}\n")
			ts := time.Now().Truncate(time.Second)
			resp, err := webhook.New(webhook.Config{AllowPrivate: true}).Send(context.Background(), ports.WebhookRequest{
				URL: rc.URL + "/hooks/in", MsgID: "evt_2x8Jq", Timestamp: ts, Body: body, Secrets: secrets,
			})
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if resp.StatusCode != http.StatusOK || string(resp.Body) != "ok" {
				t.Fatalf("answer %d %q, want 200 ok", resp.StatusCode, resp.Body)
			}
			got := rc.only(t)
			if !bytes.Equal(got.body, body) {
				t.Fatalf("body %q, want %q", got.body, body)
			}
			for header, want := range map[string]string{
				"Content-Type":      "application/json",
				"User-Agent":        webhook.DefaultUserAgent,
				"Webhook-Id":        "evt_2x8Jq",
				"Webhook-Timestamp": strconv.FormatInt(ts.Unix(), 10),
			} {
				if v := got.header.Get(header); v != want {
					t.Errorf("%s: %q, want %q", header, v, want)
				}
			}
			if sigs := strings.Fields(got.header.Get("webhook-signature")); len(sigs) != tc.secrets {
				t.Errorf("webhook-signature holds %d signatures, want %d", len(sigs), tc.secrets)
			}
			for i, secret := range secrets {
				if err := verifier(t, secret).Verify(got.body, got.header); err != nil {
					t.Errorf("secret %d alone does not verify: %v", i+1, err)
				}
			}
			if err := verifier(t, newSecret(t)).Verify(got.body, got.header); !errors.Is(err, standardwebhooks.ErrNoMatchingSignature) {
				t.Errorf("an unrelated secret verifies (err %v)", err)
			}
		})
	}
}

// TestSend_specVector sends the Standard Webhooks library's own test vector
// (libraries/go/webhook_test.go, TestWebhookSign): a signature that drifts from the spec
// fails here.
func TestSend_specVector(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, nil)
	_, err := webhook.New(webhook.Config{AllowPrivate: true}).Send(context.Background(), ports.WebhookRequest{
		URL:       rc.URL,
		MsgID:     "msg_p5jXN8AQM9LWM0D4loKWxJek",
		Timestamp: time.Unix(1614265330, 0),
		Body:      []byte(`{"test": 2432232314}`),
		Secrets:   []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
	})
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := rc.only(t)
	if sig := got.header.Get("webhook-signature"); sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Errorf("webhook-signature %q, want the spec's v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", sig)
	}
	if ts := got.header.Get("webhook-timestamp"); ts != "1614265330" {
		t.Errorf("webhook-timestamp %q, want 1614265330", ts)
	}
}

func TestSend_unusableSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		secrets []string
	}{
		{"none", nil},
		{"not_base64", []string{"whsec_not*base64"}},
		{"empty_key", []string{"whsec_"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rc := startReceiver(t, nil)
			_, err := webhook.New(webhook.Config{AllowPrivate: true}).Send(context.Background(), ports.WebhookRequest{
				URL: rc.URL, MsgID: "evt_1", Timestamp: time.Now(), Body: []byte(`{}`), Secrets: tc.secrets,
			})
			if err == nil {
				t.Fatal("Send succeeded without a usable secret")
			}
			rc.assertUntouched(t)
		})
	}
}

func verifier(t *testing.T, secret string) *standardwebhooks.Webhook {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh
}
