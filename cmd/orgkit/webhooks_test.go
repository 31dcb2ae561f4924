package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// The built binary under serve --dev delivers a signed event to a receiver on loopback
// (serve --dev allows private targets), and the event is in the stream.
func TestBinary_DeliversSignedWebhooks(t *testing.T) {
	got := make(chan *http.Request, 10)
	bodies := make(chan []byte, 10)
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rc.Close()
	dir := t.TempDir()
	bin := buildBinary(t)
	env := []string{"ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_DATABASE_URL=" + gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_DATA_DIR=" + filepath.Join(dir, "data"), "ORGKIT_SHUTDOWN_DELAY=0s", "PATH=/usr/bin:/bin"}
	_, base := startBinary(t, bin, env, "serve", "--dev")
	token := binaryToken(t, bin, env)

	code, body := call(t, "POST", base+"/v1/webhook-endpoints", token, map[string]any{"url": rc.URL + "/hooks", "event_types": []string{"organization.created"}})
	if code != 201 {
		t.Fatalf("create endpoint: %d %v", code, body)
	}
	secret, _ := body["data"].(map[string]any)["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	if code, body := call(t, "POST", base+"/v1/organizations", token, map[string]any{"name": "Acme", "slug": "acme"}); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	select {
	case r := <-got:
		b := <-bodies
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(b, r.Header); err != nil {
			t.Errorf("signature: %v", err)
		}
		if !strings.Contains(string(b), `"type":"organization.created"`) || !strings.Contains(string(b), `"slug":"acme"`) {
			t.Errorf("body %s", b)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no delivery")
	}
	code, body = call(t, "GET", base+"/v1/events?type=organization.created", token, nil)
	if items, _ := body["data"].([]any); code != 200 || len(items) != 1 {
		t.Fatalf("events: %d %v", code, body)
	}
}
