package dnstest

import (
	"github.com/miekg/dns"
)

const (
	// maxUDPSize is the UDP buffer the server advertises and reads with: the DNS flag day
	// 2020 size, small enough never to fragment.
	maxUDPSize = 1232
	// maxChase bounds how many CNAMEs one answer carries, so a loop ends.
	maxChase = 16
	ttl      = 60
)

// answer is what the server sends for one query, decided under the lock.
type answer struct {
	silent    bool
	truncated bool
	rcode     int
	records   []dns.RR
}

// serveDNS answers every query from the names set on the server.
func (s *Server) serveDNS(w dns.ResponseWriter, req *dns.Msg) {
	resp := new(dns.Msg)
	if len(req.Question) != 1 {
		s.write(w, resp.SetRcode(req, dns.RcodeFormatError))
		return
	}
	overTCP := w.LocalAddr().Network() == "tcp"
	a := s.answer(req.Question[0], overTCP)
	if a.silent {
		return
	}
	resp.SetRcode(req, a.rcode)
	resp.RecursionAvailable = true
	resp.Answer = a.records
	udpLimit := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(maxUDPSize, false)
		udpLimit = int(min(opt.UDPSize(), maxUDPSize))
	}
	if !overTCP {
		if a.truncated {
			resp.Answer = nil
			resp.Truncated = true
		} else {
			resp.Truncate(udpLimit)
		}
	}
	s.write(w, resp)
}

// answer counts the query and decides the reply: the name's records, or its CNAME chain as
// far as this server can follow it.
func (s *Server) answer(q dns.Question, overTCP bool) answer {
	key := dns.CanonicalName(q.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if overTCP {
		s.tcpQueries[key]++
	} else {
		s.udpQueries[key]++
	}
	b := s.names[key]
	if b == nil {
		return answer{rcode: dns.RcodeNameError}
	}
	a := answer{silent: b.silent, truncated: b.truncated, rcode: b.rcode}
	owner := q.Name
	seen := map[string]bool{key: true}
	for range maxChase {
		if b.cname == "" {
			if q.Qtype == dns.TypeTXT || q.Qtype == dns.TypeANY {
				a.records = append(a.records, txtRecords(owner, b.txt)...)
			}
			return a
		}
		a.records = append(a.records, &dns.CNAME{
			Hdr:    dns.RR_Header{Name: owner, Rrtype: dns.TypeCNAME, Class: dns.ClassINET, Ttl: ttl},
			Target: b.cname,
		})
		target := dns.CanonicalName(b.cname)
		if b.bare || seen[target] {
			return a
		}
		seen[target] = true
		next := s.names[target]
		if next == nil {
			a.rcode = dns.RcodeNameError
			return a
		}
		if next.silent || next.rcode != dns.RcodeSuccess {
			return a // the client meets the target's failure when it queries the target
		}
		owner, b = b.cname, next
	}
	return a
}

func txtRecords(owner string, txt [][]string) []dns.RR {
	rrs := make([]dns.RR, 0, len(txt))
	for _, strs := range txt {
		rrs = append(rrs, &dns.TXT{
			Hdr: dns.RR_Header{Name: owner, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: ttl},
			Txt: strs,
		})
	}
	return rrs
}

// write sends resp, keeping the first failure for Close to report: an answer that cannot be
// packed is a bug in what the test set up.
func (s *Server) write(w dns.ResponseWriter, resp *dns.Msg) {
	err := w.WriteMsg(resp)
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeFails++
	if s.firstFail == nil {
		s.firstFail = err
	}
}
