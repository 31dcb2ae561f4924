// Package webhook delivers orgkit's webhooks over HTTP, signed as Standard Webhooks
// (https://www.standardwebhooks.com) prescribe, and keeps them away from private networks:
// a receiver URL is user input, so without the guard it would let a tenant reach the
// service's own network (cloud metadata, databases, admin ports).
package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// DefaultUserAgent is the User-Agent of every delivery unless Config sets another.
const DefaultUserAgent = "orgkit-webhooks/1"

// Config sets up a Sender.
type Config struct {
	// AllowPrivate admits plain http and private, loopback and link-local addresses: for
	// tests and serve --dev, never for a service that tenants can point at any URL.
	AllowPrivate bool
	// Timeout bounds one attempt, from dialing to the end of the answer read; 0 (or less):
	// domain.WebhookAttemptTimeout.
	Timeout time.Duration
	// UserAgent is sent with every delivery; empty: DefaultUserAgent.
	UserAgent string
	// Resolver looks up receivers' names; nil: net.DefaultResolver.
	Resolver *net.Resolver
}

// Sender is the ports.WebhookSender over HTTP. It is safe for concurrent use and reuses
// connections across deliveries.
type Sender struct {
	client       *http.Client
	guard        *publicDialer // nil when private targets are allowed
	timeout      time.Duration
	userAgent    string
	allowPrivate bool
}

var _ ports.WebhookSender = (*Sender)(nil)

// New returns a Sender configured by cfg.
func New(cfg Config) *Sender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = domain.WebhookAttemptTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	var guard *publicDialer
	if !cfg.AllowPrivate {
		guard = newPublicDialer(cfg.Resolver)
	}
	return &Sender{
		client:       newClient(cfg, guard),
		guard:        guard,
		timeout:      cfg.Timeout,
		userAgent:    cfg.UserAgent,
		allowPrivate: cfg.AllowPrivate,
	}
}

// Send POSTs req.Body signed with every secret of req.Secrets and returns the answer
// whatever its status, a redirect included (never followed), with at most
// domain.WebhookResponseMax bytes of its body. An answer whose body breaks off keeps the
// part read: the receiver has answered. Errors mean no answer (see ports.WebhookSender):
// ErrRefused for a URL or address the sender may not reach (no request is sent), otherwise
// a failed or timed-out connection; the response then carries the Latency until the
// failure. Error texts never hold the URL's query or credentials.
func (s *Sender) Send(ctx context.Context, req ports.WebhookRequest) (ports.WebhookResponse, error) {
	start := time.Now() // the deadline counts from here, so does the latency
	where := RedactURL(req.URL)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, req.URL, bytes.NewReader(req.Body))
	if err != nil || httpReq.URL.Host == "" {
		// url.Parse's error quotes the URL: say only that it is not one.
		return ports.WebhookResponse{}, fmt.Errorf("webhook: %s: not an absolute URL", where)
	}
	if err := s.checkScheme(httpReq.URL.Scheme); err != nil {
		return ports.WebhookResponse{}, fmt.Errorf("webhook: %s: %w", where, err)
	}
	signature, err := signatureHeader(req)
	if err != nil {
		return ports.WebhookResponse{}, fmt.Errorf("webhook: %s: %w", where, err)
	}
	httpReq.Header.Set("Content-Type", "application/json")
	httpReq.Header.Set("User-Agent", s.userAgent)
	httpReq.Header.Set(headerID, req.MsgID)
	httpReq.Header.Set(headerTimestamp, strconv.FormatInt(req.Timestamp.Unix(), 10))
	httpReq.Header.Set(headerSignature, signature)
	// The same id on every attempt: net/http then treats the POST as idempotent and resends
	// it on a fresh connection when a kept-alive one turns out closed, instead of failing the
	// attempt (and waiting out a backoff) for nothing the receiver did.
	httpReq.Header.Set("Idempotency-Key", req.MsgID)

	resp, err := s.client.Do(httpReq)
	if err != nil {
		return ports.WebhookResponse{Latency: time.Since(start)}, s.describe(where, err)
	}
	defer resp.Body.Close() // before EOF: the transport drops the connection, it never drains
	body := readBounded(resp.Body)
	return ports.WebhookResponse{StatusCode: resp.StatusCode, Body: body, Latency: time.Since(start)}, nil
}

// readBounded reads at most domain.WebhookResponseMax bytes of r and stops there: a
// receiver may stream without end. A read error ends the body early.
func readBounded(r io.Reader) []byte {
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(io.LimitReader(r, domain.WebhookResponseMax)) // what arrived is the answer
	return buf.Bytes()
}

// describe turns a failed request into an error naming the redacted URL: net/http's
// url.Error quotes the whole URL, query and all.
func (s *Sender) describe(where string, err error) error {
	err = unwrapURLError(err)
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("webhook: %s: no answer within %v: %w", where, s.timeout, err)
	}
	return fmt.Errorf("webhook: %s: %w", where, err)
}
