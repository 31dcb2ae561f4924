package dnsverify_test

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/adapters/dnsverify"
	"github.com/orgkit/orgkit/ports"
)

// referralServer answers every query as a non-recursive server does: no records, RA unset, a
// delegation in the authority section; with soa, an authoritative "no data" instead.
func referralServer(t *testing.T, soa bool) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if soa {
			m.Authoritative = true
			m.Ns = []dns.RR{&dns.SOA{Hdr: dns.RR_Header{Name: "example.com.", Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: 60},
				Ns: "ns.example.com.", Mbox: "host.example.com.", Serial: 1, Refresh: 1, Retry: 1, Expire: 1, Minttl: 1}}
		} else {
			m.Ns = []dns.RR{&dns.NS{Hdr: dns.RR_Header{Name: "com.", Rrtype: dns.TypeNS, Class: dns.ClassINET, Ttl: 60}, Ns: "a.gtld-servers.net."}}
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// A referral proves nothing about the record: it is a resolver error (which never lapses a
// verified domain), not "no record"; an authoritative answer without data is "no record".
func TestResolver_LookupTXT_referralIsAResolverError(t *testing.T) {
	for _, soa := range []bool{false, true} {
		r, err := dnsverify.New(dnsverify.Config{Resolvers: []string{referralServer(t, soa)}, Timeout: shortTimeout})
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.LookupTXT(context.Background(), "_orgkit-verification.example.com")
		if noRecords := errors.Is(err, ports.ErrNoTXTRecords); err == nil || noRecords != soa {
			t.Errorf("soa=%t: %v", soa, err)
		}
	}
}
