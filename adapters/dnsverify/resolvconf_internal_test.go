package dnsverify

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writeResolvConf(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNew_resolvConf(t *testing.T) {
	t.Parallel()

	t.Run("nameservers_on_port_53", func(t *testing.T) {
		t.Parallel()
		path := writeResolvConf(t, "# generated\nsearch corp.example\nnameserver 10.0.0.1\nnameserver ::1\noptions ndots:2\n")
		r, err := newResolver(Config{}, path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Resolvers(), []string{"10.0.0.1:53", "[::1]:53"}; !slices.Equal(got, want) {
			t.Fatalf("Resolvers() = %q, want %q", got, want)
		}
		if r.timeout != DefaultTimeout {
			t.Fatalf("timeout %v, want %v", r.timeout, DefaultTimeout)
		}
	})

	t.Run("no_nameserver", func(t *testing.T) {
		t.Parallel()
		path := writeResolvConf(t, "search corp.example\n")
		if _, err := newResolver(Config{}, path); err == nil || !strings.Contains(err.Error(), "names no nameserver") {
			t.Fatalf("error %v, want no nameserver", err)
		}
	})

	t.Run("unreadable", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "missing")
		if _, err := newResolver(Config{}, path); err == nil || !strings.Contains(err.Error(), "cannot be read") {
			t.Fatalf("error %v, want unreadable", err)
		}
	})

	t.Run("configured_resolvers_skip_the_file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "missing")
		r, err := newResolver(Config{Resolvers: []string{"10.0.0.9"}}, path)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Resolvers(); !slices.Equal(got, []string{"10.0.0.9:53"}) {
			t.Fatalf("Resolvers() = %q", got)
		}
	})
}
