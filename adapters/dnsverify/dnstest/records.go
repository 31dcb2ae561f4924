package dnstest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// maxStringLen is the longest DNS character-string: its length is one byte.
const maxStringLen = 255

// behaviour is how the server answers for one name. The zero value answers NOERROR with no
// records.
type behaviour struct {
	txt       [][]string // per record, its character-strings in miekg's escaped form
	cname     string     // fully qualified target, or empty
	bare      bool       // answer the CNAME alone, without chasing its target
	rcode     int
	silent    bool // never answer
	truncated bool // UDP answers carry TC and no records
}

// SetTXT makes name hold one TXT record per value. A value longer than 255 bytes is split
// into several character-strings, as DNS providers do. Values are raw bytes: quotes,
// backslashes and non-ASCII go on the wire as they are.
func (s *Server) SetTXT(name string, values ...string) {
	records := make([][]string, 0, len(values))
	for _, v := range values {
		records = append(records, split(v))
	}
	s.setTXT(name, records)
}

// SetTXTStrings makes name hold one TXT record per element, each made of the given
// character-strings, to stage exactly how a record is split. It panics on a string longer
// than 255 bytes, which DNS cannot carry.
func (s *Server) SetTXTStrings(name string, records ...[]string) {
	for _, r := range records {
		for _, str := range r {
			if len(str) > maxStringLen {
				panic(fmt.Sprintf("dnstest: a TXT character-string holds at most %d bytes, got %d", maxStringLen, len(str)))
			}
		}
	}
	s.setTXT(name, records)
}

func (s *Server) setTXT(name string, records [][]string) {
	b := behaviour{txt: make([][]string, 0, len(records))}
	for _, r := range records {
		escaped := make([]string, 0, len(r))
		for _, str := range r {
			escaped = append(escaped, escape(str))
		}
		b.txt = append(b.txt, escaped)
	}
	s.replace(name, b)
}

// SetCNAME makes name an alias of target. Answers chase the chain as a recursive resolver
// does: they carry the CNAMEs and the records of the final target when this server holds
// them (NXDOMAIN when it does not know the target).
func (s *Server) SetCNAME(name, target string) {
	s.replace(name, behaviour{cname: dns.Fqdn(target)})
}

// SetBareCNAME makes name an alias of target whose answers carry the CNAME alone, as an
// authoritative server answers for a target outside its zone: the client must query target.
func (s *Server) SetBareCNAME(name, target string) {
	s.replace(name, behaviour{cname: dns.Fqdn(target), bare: true})
}

// SetRcode makes name answer rcode with no records: dns.RcodeServerFailure,
// dns.RcodeRefused, dns.RcodeNameError (NXDOMAIN), or dns.RcodeSuccess for a name that
// exists without TXT records.
func (s *Server) SetRcode(name string, rcode int) {
	s.replace(name, behaviour{rcode: rcode})
}

// SetTimeout makes the server never answer queries for name, over either transport, like a
// resolver whose upstream is unreachable.
func (s *Server) SetTimeout(name string) {
	s.replace(name, behaviour{silent: true})
}

// Truncate makes UDP answers for name carry the TC bit and no records, so a client must
// retry over TCP, where answers are whole. It holds until Delete, whatever is set later; set
// the records before or after. Answers larger than the client's UDP buffer are truncated
// anyway, as a real server does.
func (s *Server) Truncate(name string) {
	key := dns.CanonicalName(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.names[key]
	if b == nil {
		b = &behaviour{}
		s.names[key] = b
	}
	b.truncated = true
}

// Delete forgets everything set for name, which answers NXDOMAIN again. Query counts stay.
func (s *Server) Delete(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.names, dns.CanonicalName(name))
}

// replace sets name's answer, keeping a truncation set by Truncate.
func (s *Server) replace(name string, b behaviour) {
	key := dns.CanonicalName(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.names[key]; old != nil {
		b.truncated = old.truncated
	}
	s.names[key] = &b
}

// Queries is how many queries for name the server received, over UDP and TCP, whatever
// their type and whether or not they were answered.
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := dns.CanonicalName(name)
	return s.udpQueries[key] + s.tcpQueries[key]
}

// UDPQueries is how many queries for name arrived over UDP.
func (s *Server) UDPQueries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.udpQueries[dns.CanonicalName(name)]
}

// TCPQueries is how many queries for name arrived over TCP, for asserting a TCP retry.
func (s *Server) TCPQueries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tcpQueries[dns.CanonicalName(name)]
}

// split cuts a raw value into character-strings of at most 255 bytes; an empty value is one
// empty string.
func split(v string) []string {
	if len(v) <= maxStringLen {
		return []string{v}
	}
	var out []string
	for len(v) > maxStringLen {
		out = append(out, v[:maxStringLen])
		v = v[maxStringLen:]
	}
	if v != "" {
		out = append(out, v)
	}
	return out
}

// escape turns raw bytes into the escaped form miekg/dns packs: it reads `\"`, `\\` and
// `\DDD`, so a raw backslash or unprintable byte must be escaped to reach the wire intact.
func escape(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' || c > '~':
			b.WriteByte('\\')
			d := strconv.Itoa(int(c))
			b.WriteString(strings.Repeat("0", 3-len(d)) + d)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
