package webhook_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/webhook"
)

// TestSend_refusesPrivate: without AllowPrivate nothing reaches a loopback receiver, by any
// URL that leads there.
func TestSend_refusesPrivate(t *testing.T) {
	t.Parallel()
	resolver, dns := startDNS(t, map[string][]string{
		"hook.private.test": {"127.0.0.1"},
		// One public address does not excuse a private one: the dialer could pick either.
		"mixed.private.test": {"93.184.216.34", "127.0.0.1"},
		"v6.private.test":    {"::ffff:127.0.0.1"},
	})
	rc := startReceiver(t, nil)
	port := mustPort(t, rc.URL)
	for _, tc := range []struct{ name, url, why string }{
		{"plain_http", rc.URL + "/hook", "https"},
		{"literal_loopback", "https://127.0.0.1:" + port + "/hook", "127.0.0.1"},
		// Names are refused by their lookup, before any dial.
		{"name_to_loopback", "https://hook.private.test:" + port + "/hook", "resolves to 127.0.0.1"},
		{"name_with_one_private_address", "https://mixed.private.test:" + port + "/hook", "resolves to 127.0.0.1"},
		{"name_to_mapped_loopback", "https://v6.private.test:" + port + "/hook", "resolves to 127.0.0.1"},
		{"localhost", "https://localhost:" + port + "/hook", "resolves to"},
		{"metadata", "https://169.254.169.254/latest/meta-data", "169.254.169.254"},
		{"ipv6_loopback", "https://[::1]:" + port + "/hook", "::1"},
		{"not_http", "ftp://127.0.0.1:" + port + "/hook", "https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := webhook.New(webhook.Config{Resolver: resolver})
			if tc.name == "localhost" {
				s = webhook.New(webhook.Config{}) // the system's resolver and hosts file
			}
			resp, err := s.Send(context.Background(), request(t, tc.url))
			if !errors.Is(err, webhook.ErrRefused) {
				t.Fatalf("Send: %v (status %d), want ErrRefused", err, resp.StatusCode)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not say %q", err, tc.why)
			}
		})
	}
	t.Cleanup(func() {
		rc.assertUntouched(t)
		if dns.queries.Load() == 0 {
			t.Error("the DNS server was never asked: the names were not resolved through the Resolver")
		}
	})
}

// TestRefuseNonPublic checks the dialer's last word, the address of each socket, without
// network.
func TestRefuseNonPublic(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		address string
		allowed bool
	}{
		{"10.0.0.1:443", false},
		{"169.254.169.254:80", false},
		{"127.0.0.1:443", false},
		{"100.64.0.1:443", false},
		{"[::1]:443", false},
		{"[::ffff:127.0.0.1]:443", false},
		{"[fd00:ec2::254]:80", false},
		{"[fe80::1%eth0]:443", false},
		{"not-an-address", false},
		{"93.184.216.34:443", true},
		{"[2606:2800:220:1:248:1893:25c8:1946]:443", true},
	} {
		err := webhook.RefuseNonPublic("tcp", tc.address, nil)
		if tc.allowed && err != nil {
			t.Errorf("%s refused: %v", tc.address, err)
		}
		if !tc.allowed && !errors.Is(err, webhook.ErrRefused) {
			t.Errorf("%s: %v, want ErrRefused", tc.address, err)
		}
	}
}

// TestGuardDialer_control: the guard's dialer refuses a loopback address on its own, so an
// address that slipped past the lookup check (a rebinding the check missed) is still
// never connected to.
func TestGuardDialer_control(t *testing.T) {
	t.Parallel()
	rc := startReceiver(t, nil)
	d := webhook.GuardDialer(webhook.New(webhook.Config{}))
	if d == nil {
		t.Fatal("a sender refusing private targets has no guard dialer")
	}
	conn, err := d.DialContext(context.Background(), "tcp", rc.Listener.Addr().String())
	if err == nil {
		_ = conn.Close()
		t.Fatal("the guard dialer connected to loopback")
	}
	if !errors.Is(err, webhook.ErrRefused) {
		t.Fatalf("dial: %v, want ErrRefused", err)
	}
	rc.assertUntouched(t)
	if webhook.GuardDialer(webhook.New(webhook.Config{AllowPrivate: true})) != nil {
		t.Fatal("a sender allowing private targets has a guard dialer")
	}
}

// TestNew_noProxy: a proxy from the environment would connect to addresses the guard never
// checked, so the transport has none (the environment is read once per process, so setting
// HTTPS_PROXY in a test proves nothing).
func TestNew_noProxy(t *testing.T) {
	t.Parallel()
	for _, allow := range []bool{false, true} {
		if webhook.UsesProxy(webhook.New(webhook.Config{AllowPrivate: allow})) {
			t.Errorf("AllowPrivate %v: the transport uses a proxy", allow)
		}
	}
}

func mustPort(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}
