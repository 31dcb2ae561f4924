package dnsverify

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// cnameChain follows CNAMEs across the answers of one lookup, so a loop or an overlong chain
// ends with ErrCNAMEChain however the resolvers split it into answers.
type cnameChain struct {
	seen map[string]bool // canonical names met, the queried one included
	hops int
}

func newCNAMEChain(qname string) *cnameChain {
	return &cnameChain{seen: map[string]bool{dns.CanonicalName(qname): true}}
}

// follow reads an answer to a TXT query for qname. It returns the TXT records of the name
// the chain leads to; or, when the answer stops at a CNAME without that name's records, the
// name to query next; or neither, when qname holds no TXT record. Errors: ErrCNAMEChain.
func (c *cnameChain) follow(answer []dns.RR, qname string) (records []string, next string, err error) {
	owner := qname
	for {
		if records := txtAt(answer, owner); len(records) > 0 {
			return records, "", nil
		}
		target, ok := cnameAt(answer, owner)
		if !ok {
			break
		}
		if err := c.hop(target); err != nil {
			return nil, "", err
		}
		owner = target
	}
	if owner == qname {
		return nil, "", nil
	}
	return nil, owner, nil
}

// hop records one CNAME link to target. Errors: ErrCNAMEChain.
func (c *cnameChain) hop(target string) error {
	key := dns.CanonicalName(target)
	if c.seen[key] {
		return fmt.Errorf("%w: %s is met twice", ErrCNAMEChain, target)
	}
	c.hops++
	if c.hops > maxCNAMEHops {
		return fmt.Errorf("%w: more than %d links", ErrCNAMEChain, maxCNAMEHops)
	}
	c.seen[key] = true
	return nil
}

// txtAt returns the TXT records owned by name, each one's character-strings joined: a value
// longer than 255 bytes is split into several strings on the wire but is one value.
func txtAt(answer []dns.RR, name string) []string {
	var records []string
	for _, rr := range answer {
		if txt, ok := rr.(*dns.TXT); ok && txt.Hdr.Class == dns.ClassINET && strings.EqualFold(txt.Hdr.Name, name) {
			var b strings.Builder
			for _, s := range txt.Txt {
				b.WriteString(unescape(s))
			}
			records = append(records, b.String())
		}
	}
	return records
}

// cnameAt returns the target of the CNAME owned by name, if the answer holds one.
func cnameAt(answer []dns.RR, name string) (string, bool) {
	for _, rr := range answer {
		if cname, ok := rr.(*dns.CNAME); ok && cname.Hdr.Class == dns.ClassINET && strings.EqualFold(cname.Hdr.Name, name) {
			return cname.Target, true
		}
	}
	return "", false
}

// unescape turns a character-string as miekg/dns unpacks it (`\"`, `\\` and `\DDD` for
// quotes, backslashes and unprintable bytes) back into the bytes on the wire, which are what
// a verification token is compared with.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		i++
		if rest := s[i:]; len(rest) >= 3 && isDigit(rest[0]) && isDigit(rest[1]) && isDigit(rest[2]) {
			b = append(b, (rest[0]-'0')*100+(rest[1]-'0')*10+(rest[2]-'0'))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
