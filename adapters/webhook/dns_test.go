package webhook_test

import (
	"context"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// fakeDNS is a DNS server on loopback (UDP) answering A and AAAA queries from a fixed table.
type fakeDNS struct {
	addr    string
	names   map[string][]netip.Addr // by dns.CanonicalName
	queries atomic.Int64
}

// startDNS serves names (host -> addresses) and returns a resolver that asks only it.
func startDNS(t *testing.T, names map[string][]string) (*net.Resolver, *fakeDNS) {
	t.Helper()
	f := &fakeDNS{names: map[string][]netip.Addr{}}
	for name, addrs := range names {
		for _, a := range addrs {
			f.names[dns.CanonicalName(name)] = append(f.names[dns.CanonicalName(name)], netip.MustParseAddr(a))
		}
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = pc.LocalAddr().String()
	started := make(chan struct{})
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(f.serve), NotifyStartedFunc: func() { close(started) }}
	served := make(chan error, 1)
	go func() { served <- srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-served:
		t.Fatalf("dns server: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(); err != nil {
			t.Errorf("dns shutdown: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("dns serve: %v", err)
		}
	})
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", f.addr)
	}}
	return resolver, f
}

func (f *fakeDNS) serve(w dns.ResponseWriter, req *dns.Msg) {
	f.queries.Add(1)
	resp := new(dns.Msg)
	if len(req.Question) != 1 {
		_ = w.WriteMsg(resp.SetRcode(req, dns.RcodeFormatError)) // the client times out and the test fails
		return
	}
	q := req.Question[0]
	addrs, ok := f.names[dns.CanonicalName(q.Name)]
	if !ok {
		_ = w.WriteMsg(resp.SetRcode(req, dns.RcodeNameError))
		return
	}
	resp.SetReply(req)
	hdr := func(t uint16) dns.RR_Header {
		return dns.RR_Header{Name: q.Name, Rrtype: t, Class: dns.ClassINET, Ttl: 60}
	}
	for _, a := range addrs {
		switch {
		case a.Is4() && q.Qtype == dns.TypeA:
			resp.Answer = append(resp.Answer, &dns.A{Hdr: hdr(dns.TypeA), A: a.AsSlice()})
		case a.Is6() && q.Qtype == dns.TypeAAAA:
			resp.Answer = append(resp.Answer, &dns.AAAA{Hdr: hdr(dns.TypeAAAA), AAAA: a.AsSlice()})
		}
	}
	_ = w.WriteMsg(resp)
}
