package dnsverify_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/dnsverify"
)

func TestParseResolvers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"10.0.0.1", []string{"10.0.0.1:53"}},
		{"10.0.0.1:5353", []string{"10.0.0.1:5353"}},
		{" 1.1.1.1 , 8.8.8.8:53 ", []string{"1.1.1.1:53", "8.8.8.8:53"}},
		{"[::1]:53", []string{"[::1]:53"}},
		{"[2001:db8::1]", []string{"[2001:db8::1]:53"}},
		{"2001:db8::1", []string{"[2001:db8::1]:53"}},
		{"[fe80::1%eth0]:53", []string{"[fe80::1%eth0]:53"}},
		{"dns.internal:8053,coredns", []string{"dns.internal:8053", "coredns:53"}},
		{"10.0.0.1:053", []string{"10.0.0.1:53"}},
	} {
		got, err := dnsverify.ParseResolvers(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseResolvers(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseResolvers_errors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, wantInError string
	}{
		{"1.1.1.1,,8.8.8.8", "resolver 2"},
		{"1.1.1.1,", "empty address"},
		{"10.0.0.1:0", "port"},
		{"10.0.0.1:65536", "port"},
		{"10.0.0.1:dns", "port"},
		{"10.0.0.1:", "port"},
		{":53", "host"},
		{"[::1", "not host:port"},
		{"[dns.internal]", "not host:port"},
		{"10.0.0.1:53:53", "not host:port"},
		{"10.0.0.256", "neither an IP address nor a host name"},
		{"bad_host!:53", "neither an IP address nor a host name"},
		{"-dns.example:53", "neither an IP address nor a host name"},
	} {
		_, err := dnsverify.ParseResolvers(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.wantInError) {
			t.Errorf("ParseResolvers(%q): error %v, want one mentioning %q", tc.in, err, tc.wantInError)
		}
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	t.Run("normalizes_resolvers", func(t *testing.T) {
		r, err := dnsverify.New(dnsverify.Config{Resolvers: []string{"10.0.0.1", "[::1]:5353"}})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Resolvers(), []string{"10.0.0.1:53", "[::1]:5353"}; !slices.Equal(got, want) {
			t.Fatalf("Resolvers() = %q, want %q", got, want)
		}
	})
	t.Run("invalid_resolver", func(t *testing.T) {
		_, err := dnsverify.New(dnsverify.Config{Resolvers: []string{"10.0.0.1", "10.0.0.1:99999"}})
		if err == nil || !strings.Contains(err.Error(), "resolver 2") {
			t.Fatalf("error %v, want one naming resolver 2", err)
		}
	})
	t.Run("negative_timeout", func(t *testing.T) {
		_, err := dnsverify.New(dnsverify.Config{Resolvers: []string{"10.0.0.1"}, Timeout: -time.Second})
		if err == nil {
			t.Fatal("New accepted a negative timeout")
		}
	})
}
