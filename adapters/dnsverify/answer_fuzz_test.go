package dnsverify

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/domain"
)

// FuzzTXTValue: a TXT value, however a DNS server splits it into character-strings, reads
// back as exactly its bytes, and a record holding a verification token proves the domain.
func FuzzTXTValue(f *testing.F) {
	for _, s := range []string{"tok-1", "0f8fad5b-d9cb-469f-a165-70867728950e", ` "quoted" \back\slash `, "\x00\x01\xff",
		`\065\`, strings.Repeat("v", 300), "", "é ü", "a;b"} {
		f.Add([]byte(s), uint8(255), "_orgkit-verification.Example.COM")
	}
	f.Fuzz(func(t *testing.T, value []byte, chunk uint8, owner string) {
		if chunk == 0 || len(value) > 4000 {
			return
		}
		// Owners are what LookupTXT is asked for: <prefix>.<domain>, a host name the domain
		// validated (miekg/dns gives other characters back escaped, as `\ `).
		owner = dns.Fqdn(owner)
		if _, ok := dns.IsDomainName(owner); !ok || strings.Trim(owner, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != "" {
			return
		}
		strs := split(value, int(chunk))
		for name, rr := range map[string]dns.RR{"raw wire": rawTXT(owner, strs), "miekg": escapedTXT(owner, strs)} {
			answer, ok := throughWire(t, rr)
			if !ok {
				continue // a name or record the wire cannot carry
			}
			records, next, err := newCNAMEChain(strings.ToUpper(owner)).follow(answer, strings.ToUpper(owner))
			if err != nil || next != "" || len(records) != 1 || records[0] != string(value) {
				t.Fatalf("%s: %q split in %d reads back as %q, next %q, %v", name, value, chunk, records, next, err)
			}
			if tok := strings.TrimSpace(string(value)); tok != "" && domain.MatchTXT(records, tok) != "" {
				t.Fatalf("%s: a record holding %q does not match it", name, tok)
			}
		}
	})
}

// FuzzFollowAnswer: any answer a resolver sends is read without a panic, and a CNAME chain
// ends within its bound or with ErrCNAMEChain.
func FuzzFollowAnswer(f *testing.F) {
	q := "_orgkit-verification.example.com."
	for _, rrs := range [][]dns.RR{
		{escapedTXT(q, []string{"tok-1"})},
		{cname(q, "a.example."), cname("a.example.", "b.example."), escapedTXT("b.example.", []string{"x", "y"})},
		{cname(q, "a.example."), cname("a.example.", q)},
		{cname(q, "a.example.")},
	} {
		m := new(dns.Msg)
		m.SetQuestion(q, dns.TypeTXT)
		m.Answer = rrs
		wire, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(wire, q)
	}
	f.Fuzz(func(t *testing.T, wire []byte, qname string) {
		m := new(dns.Msg)
		if m.Unpack(wire) != nil {
			return
		}
		chain := newCNAMEChain(qname)
		records, next, err := chain.follow(m.Answer, qname)
		switch {
		case err != nil:
			if !errors.Is(err, ErrCNAMEChain) || records != nil || next != "" {
				t.Fatalf("follow: %q, %q, %v", records, next, err)
			}
		case len(records) > 0 && next != "":
			t.Fatalf("follow gave records %q and a next name %q", records, next)
		case strings.EqualFold(next, qname) && next != "":
			t.Fatalf("follow leads back to %q", next)
		}
		if chain.hops > maxCNAMEHops {
			t.Fatalf("%d CNAME links followed, bound %d", chain.hops, maxCNAMEHops)
		}
	})
}

// split cuts v into character-strings of at most n bytes (a DNS string holds 255).
func split(v []byte, n int) []string {
	out := []string{}
	for len(v) > n {
		out = append(out, string(v[:n]))
		v = v[n:]
	}
	return append(out, string(v))
}

// rawTXT is a TXT record built byte by byte: each string its length and its bytes, with no
// escaping library in between.
func rawTXT(owner string, strs []string) dns.RR {
	var rdata []byte
	for _, s := range strs {
		rdata = append(append(rdata, byte(len(s))), s...)
	}
	return &dns.RFC3597{Hdr: hdr(owner, dns.TypeTXT), Rdata: hex.EncodeToString(rdata)}
}

// escapedTXT is a TXT record as a server built on miekg/dns publishes it: strings in its
// escaped presentation form (`\"`, `\\`, `\DDD`).
func escapedTXT(owner string, strs []string) dns.RR {
	esc := make([]string, len(strs))
	for i, s := range strs {
		var b strings.Builder
		for j := 0; j < len(s); j++ {
			switch c := s[j]; {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c < ' ' || c > '~':
				b.WriteString(`\` + string(rune('0'+c/100)) + string(rune('0'+c/10%10)) + string(rune('0'+c%10)))
			default:
				b.WriteByte(c)
			}
		}
		esc[i] = b.String()
	}
	return &dns.TXT{Hdr: hdr(owner, dns.TypeTXT), Txt: esc}
}

func cname(owner, target string) dns.RR {
	return &dns.CNAME{Hdr: hdr(owner, dns.TypeCNAME), Target: target}
}

func hdr(owner string, typ uint16) dns.RR_Header {
	return dns.RR_Header{Name: owner, Rrtype: typ, Class: dns.ClassINET, Ttl: 60}
}

// throughWire packs rr into an answer and unpacks it, as a resolver's reply arrives.
func throughWire(t *testing.T, rr dns.RR) ([]dns.RR, bool) {
	m := new(dns.Msg)
	m.SetQuestion(rr.Header().Name, dns.TypeTXT)
	m.Answer = []dns.RR{rr}
	wire, err := m.Pack()
	if err != nil {
		return nil, false
	}
	back := new(dns.Msg)
	if err := back.Unpack(wire); err != nil {
		t.Fatalf("packed answer does not unpack: %v", err)
	}
	return back.Answer, true
}
