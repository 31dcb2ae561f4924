package webhook_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/webhook"
)

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"https://hooks.acme.test/in?token=secret", "https://hooks.acme.test/in"},
		{"https://user:pw@hooks.acme.test:8443/a/b?token=secret#frag", "https://hooks.acme.test:8443/a/b"},
		{"https://hooks.acme.test/a%2Fb?x=1", "https://hooks.acme.test/a%2Fb"},
		{"https://[2001:db8::1]:443/in", "https://[2001:db8::1]:443/in"},
		// Unparsable: cut by hand.
		{"https://us er:pw@hooks acme.test/in?token=secret", "https://hooks acme.test/in"},
		{"http://exa mple.com/hook#token=secret", "http://exa mple.com/hook"},
		{"not a url?token=secret", "not%20a%20url"},
	} {
		if got := webhook.RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSend_errorsHideQuery: whatever fails, the error names the URL without its query or
// credentials.
func TestSend_errorsHideQuery(t *testing.T) {
	t.Parallel()
	sleepy := startReceiver(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	closed := "http://" + closedPort(t)
	open := webhook.New(webhook.Config{AllowPrivate: true, Timeout: 200 * time.Millisecond})
	guarded := webhook.New(webhook.Config{})
	for _, tc := range []struct {
		name string
		s    *webhook.Sender
		url  string
	}{
		{"refused_scheme", guarded, "http://hooks.acme.test/hook?token=secret"},
		{"refused_address", guarded, "https://127.0.0.1:1/hook?token=secret"},
		{"connection_refused", open, closed + "/hook?token=secret"},
		{"credentials", open, strings.Replace(closed, "//", "//user:secret@", 1) + "/hook?token=secret"},
		{"timeout", open, sleepy.URL + "/hook?token=secret"},
		{"invalid_url", open, "http://exa mple.com/hook?token=secret"},
		{"bad_escape", open, "http://127.0.0.1:1/hook?token=secret%zz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := tc.s.Send(context.Background(), request(t, tc.url))
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("error %q shows the query or credentials", err)
			}
			if !strings.Contains(err.Error(), "/hook") {
				t.Errorf("error %q does not name the URL", err)
			}
		})
	}
}
