package soak

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// dnsServer answers TXT queries on loopback UDP from records set per name (NXDOMAIN for the
// rest) and remembers when each name was asked: every domain check is one query, so the
// times show how often each domain was checked, by any replica.
type dnsServer struct {
	addr string
	srv  *dns.Server

	mu      sync.Mutex
	txt     map[string]string
	queries map[string][]time.Time
}

func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{addr: pc.LocalAddr().String(), txt: map[string]string{}, queries: map[string][]time.Time{}}
	started := make(chan struct{})
	s.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(s.serve), NotifyStartedFunc: func() { close(started) }}
	served := make(chan error, 1)
	go func() { served <- s.srv.ActivateAndServe() }()
	select {
	case <-started:
	case err := <-served:
		t.Fatalf("dns server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.srv.Shutdown(); err != nil {
			t.Errorf("dns server shutdown: %v", err)
		}
		<-served
	})
	return s
}

func (s *dnsServer) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) == 1 {
		q := req.Question[0]
		name := strings.ToLower(q.Name)
		s.mu.Lock()
		s.queries[name] = append(s.queries[name], time.Now())
		value, ok := s.txt[name]
		s.mu.Unlock()
		switch {
		case ok && q.Qtype == dns.TypeTXT:
			m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 1}, Txt: []string{value}})
		case !ok:
			m.Rcode = dns.RcodeNameError
		}
	}
	_ = w.WriteMsg(m) // a lost answer is the resolver's timeout, which the checks would show
}

// setTXT puts a TXT record at host.
func (s *dnsServer) setTXT(host, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txt[dns.Fqdn(strings.ToLower(host))] = value
}

// asked is when host was queried, oldest first.
func (s *dnsServer) asked(host string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.queries[dns.Fqdn(strings.ToLower(host))]...)
}
