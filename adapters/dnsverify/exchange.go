package dnsverify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// udpBufferSize is the EDNS0 buffer advertised: the DNS flag day 2020 size, which avoids IP
// fragmentation; larger answers come truncated and are fetched over TCP.
const udpBufferSize = 1232

// query asks each resolver in turn for the TXT records at qname and returns the first
// answer, NOERROR or NXDOMAIN. Errors: the context's, or the last resolver's failure.
func (r *Resolver) query(ctx context.Context, qname string) (*dns.Msg, error) {
	var last error
	for _, server := range r.servers {
		resp, err := r.ask(ctx, server, qname)
		if err == nil {
			return resp, nil
		}
		last = fmt.Errorf("resolver %s: %w", server, err)
		if ctx.Err() != nil {
			return nil, last // the caller gave up: asking the next resolver is pointless
		}
	}
	return nil, fmt.Errorf("no resolver answered (%d asked); last: %w", len(r.servers), last)
}

// ask queries one resolver over UDP, and again over TCP when the answer is truncated.
// Errors: the exchange's, or an rcode other than NOERROR and NXDOMAIN.
func (r *Resolver) ask(ctx context.Context, server, qname string) (*dns.Msg, error) {
	resp, err := r.exchange(ctx, "udp", server, qname)
	if err == nil && resp.Truncated {
		resp, err = r.exchange(ctx, "tcp", server, qname)
	}
	if err != nil {
		return nil, err
	}
	if resp.Rcode != dns.RcodeSuccess && resp.Rcode != dns.RcodeNameError {
		return nil, fmt.Errorf("answered %s", dns.RcodeToString[resp.Rcode])
	}
	return resp, nil
}

// exchange sends one query over network and waits at most r.timeout for its answer. miekg's
// client checks the answer's ID; exchange also checks its question. Errors: the parent
// context's when it ended, context.DeadlineExceeded when the attempt timed out, otherwise
// the network's or a mismatched answer.
func (r *Resolver) exchange(parent context.Context, network, server, qname string) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(parent, r.timeout)
	defer cancel()
	q := new(dns.Msg)
	q.SetQuestion(qname, dns.TypeTXT) // a fresh ID per attempt; recursion desired
	q.SetEdns0(udpBufferSize, false)
	client := dns.Client{Net: network, Timeout: r.timeout}
	conn, err := client.DialContext(ctx, server)
	if err != nil {
		return nil, r.attemptError(parent, ctx, network, err)
	}
	// The exchange obeys the context's deadline but not its cancellation: closing the
	// connection when the caller cancels ends the wait.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer func() {
		if stop() {
			// A close error after the exchange is over changes nothing.
			_ = conn.Close()
		}
	}()
	resp, _, err := client.ExchangeWithConnContext(ctx, q, conn)
	if err != nil {
		return nil, r.attemptError(parent, ctx, network, err)
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, qname) ||
		resp.Question[0].Qtype != dns.TypeTXT {
		return nil, fmt.Errorf("%s: the answer is for another question", network)
	}
	return resp, nil
}

// attemptError says why an attempt failed, in the terms callers check with errors.Is.
func (r *Resolver) attemptError(parent, attempt context.Context, network string, err error) error {
	if perr := parent.Err(); perr != nil {
		return fmt.Errorf("%s: %w", network, perr)
	}
	var netErr net.Error
	if attempt.Err() != nil || (errors.As(err, &netErr) && netErr.Timeout()) {
		return fmt.Errorf("%s: no answer within %v: %w", network, r.timeout, context.DeadlineExceeded)
	}
	return fmt.Errorf("%s: %w", network, err)
}
