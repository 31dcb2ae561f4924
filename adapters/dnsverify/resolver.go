// Package dnsverify looks up the DNS TXT records that prove an organization controls a
// domain. It asks configured resolvers directly with miekg/dns, so verification sees what
// DNS answers now: not the host's stub resolver, its search domains or its caches.
package dnsverify

import (
	"context"
	"fmt"
	"time"

	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/ports"
)

// DefaultTimeout bounds one attempt when Config.Timeout is zero: long enough for a distant
// resolver, short enough that a dead one does not stall verification.
const DefaultTimeout = 2 * time.Second

// Config chooses the resolvers LookupTXT asks.
type Config struct {
	// Resolvers are asked in order, each as host:port (a missing port means 53; IPv6 as
	// [::1]:53). Empty: the nameservers of /etc/resolv.conf.
	Resolvers []string
	// Timeout bounds each attempt: one query to one resolver over one transport. Zero means
	// DefaultTimeout.
	Timeout time.Duration
}

// Resolver implements ports.TXTResolver. It is safe for concurrent use.
type Resolver struct {
	servers []string
	timeout time.Duration
}

var _ ports.TXTResolver = (*Resolver)(nil)

// ErrCNAMEChain is LookupTXT's error for a CNAME chain that loops or has more than 8 links:
// DNS is misconfigured, and no TXT record can be reached.
var ErrCNAMEChain = fmt.Errorf("dnsverify: CNAME chain loops or has more than %d links", maxCNAMEHops)

// maxCNAMEHops bounds the CNAMEs LookupTXT follows for one name, across all its queries.
const maxCNAMEHops = 8

// defaultResolvConf is where New finds resolvers when none are configured.
const defaultResolvConf = "/etc/resolv.conf"

// New checks cfg and returns a Resolver. Errors: a negative timeout, a resolver that is not
// host:port, or, with no resolvers configured, a resolv.conf that cannot be read or names no
// nameserver.
func New(cfg Config) (*Resolver, error) {
	return newResolver(cfg, defaultResolvConf)
}

// newResolver is New with the resolv.conf path injectable, for tests.
func newResolver(cfg Config, resolvConf string) (*Resolver, error) {
	timeout := cfg.Timeout
	switch {
	case timeout < 0:
		return nil, fmt.Errorf("dnsverify: timeout %v is negative", timeout)
	case timeout == 0:
		timeout = DefaultTimeout
	}
	servers := cfg.Resolvers
	if len(servers) == 0 {
		var err error
		if servers, err = resolvConfServers(resolvConf); err != nil {
			return nil, err
		}
	}
	r := &Resolver{servers: make([]string, 0, len(servers)), timeout: timeout}
	for i, s := range servers {
		addr, err := normalizeResolver(s)
		if err != nil {
			return nil, fmt.Errorf("dnsverify: resolver %d: %w", i+1, err)
		}
		r.servers = append(r.servers, addr)
	}
	return r, nil
}

// Resolvers returns the host:port of every resolver asked, in order, so the service can log
// what it verifies against.
func (r *Resolver) Resolvers() []string {
	return append([]string(nil), r.servers...)
}

// LookupTXT returns the TXT records at name (given without the trailing dot), each record's
// character-strings joined into one value, following CNAMEs. Errors:
// ports.ErrNoTXTRecords when a resolver answers NXDOMAIN or no TXT record (other resolvers
// are not asked: that is an answer); ErrCNAMEChain; the context's error when ctx ends;
// otherwise an error wrapping the last resolver's failure, once every resolver failed
// (network error, timeout, SERVFAIL, REFUSED or another rcode).
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	qname := dns.Fqdn(name)
	if _, ok := dns.IsDomainName(qname); !ok || name == "" || name == "." {
		return nil, fmt.Errorf("dnsverify: %q is not a domain name", name)
	}
	chain := newCNAMEChain(qname)
	for {
		resp, err := r.query(ctx, qname)
		if err != nil {
			return nil, fmt.Errorf("dnsverify: TXT %s: %w", name, err)
		}
		records, next, err := chain.follow(resp.Answer, qname)
		switch {
		case err != nil:
			return nil, fmt.Errorf("dnsverify: TXT %s: %w", name, err)
		case len(records) > 0:
			return records, nil
		case resp.Rcode == dns.RcodeNameError:
			return nil, fmt.Errorf("dnsverify: TXT %s: %s does not exist: %w", name, qname, ports.ErrNoTXTRecords)
		case next == "" && isReferral(resp):
			// A server that does not recurse points elsewhere: that proves nothing about the
			// record, and must not count towards a verified domain's lapse.
			return nil, fmt.Errorf("dnsverify: TXT %s: the resolver answered with a referral, not recursively", name)
		case next == "":
			return nil, fmt.Errorf("dnsverify: TXT %s: %w", name, ports.ErrNoTXTRecords)
		}
		qname = next
	}
}

// isReferral reports an answer without records that delegates (NS records and no SOA in the
// authority section): what a non-recursive server says, unlike an authoritative "no data",
// which carries the zone's SOA.
func isReferral(resp *dns.Msg) bool {
	if resp.RecursionAvailable {
		return false
	}
	ns := false
	for _, rr := range resp.Ns {
		switch rr.(type) {
		case *dns.SOA:
			return false
		case *dns.NS:
			ns = true
		}
	}
	return ns
}
