// Package mail delivers the service's mail (invitations) through an SMTP server, or, when
// none is configured, logs that it did not. Both implement ports.Mailer.
package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Timeout bounds dialling (the TLS handshake included) and each phase of the exchange with
// the server: long enough for a distant relay, short enough that a dead one does not hold
// the outbox; the caller's context can end a Send sooner.
const Timeout = 10 * time.Second

// SMTP delivers mail through one SMTP server. It is safe for concurrent use.
//
// Every Send dials anew: mail volume is low (invitations), and a pooled connection would go
// stale between messages (servers drop idle sessions) and need a reconnect path of its own.
type SMTP struct {
	endpoint
	from    *netmail.Address
	timeout time.Duration
	rootCAs *x509.CertPool // nil: the system's roots; tests trust their server's certificate
}

var _ ports.Mailer = (*SMTP)(nil)

// NewSMTP reads rawURL and checks from. The URL is smtp://[user:pass@]host[:port] (port 587,
// STARTTLS when the server offers it, required with ?starttls=required) or
// smtps://[user:pass@]host[:port] (port 465, implicit TLS); user and password are
// URL-escaped, and with them Send logs in with AUTH PLAIN, which is never sent in clear to a
// host other than loopback. from is the From address, optionally with a display name
// ("Orgkit <noreply@example.com>"). Errors: a malformed URL (scheme, host, port, path,
// option) or from address; no error quotes the password.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	e, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(from) == "" {
		return nil, errors.New("mail: the from address is empty")
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: from address %q: %w", from, err)
	}
	return &SMTP{endpoint: e, from: addr, timeout: Timeout}, nil
}

// String is the server's URL with the password masked, so printing an SMTP never leaks it.
func (s *SMTP) String() string { return s.redacted() }

// GoString masks the password under %#v too.
func (s *SMTP) GoString() string { return "mail.SMTP(" + s.redacted() + ")" }

// Send delivers m as a plain-text message. It returns when the server has accepted the
// message, or with why not: m.To is not an address, the server cannot be reached, refuses
// TLS, the login or the message (a 4xx answer is temporary, a 5xx permanent; the outbox
// retries either), or ctx ended (the error then wraps ctx.Err()).
func (s *SMTP) Send(ctx context.Context, m domain.Mail) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	// The connection is closed when ctx ends, so a cancelled Send returns at once instead
	// of after Timeout, and after Send in any case: go-mail leaves it open when the
	// exchange fails before the message (a refused login, say).
	var conn net.Conn
	var stop func() bool
	defer func() {
		if conn != nil {
			stop()
			_ = conn.Close() // after QUIT the server has closed it: nothing to report
		}
	}()
	dial := func(dialCtx context.Context, network, addr string) (net.Conn, error) {
		c, err := s.dial(dialCtx, network, addr)
		if err != nil {
			return nil, err
		}
		conn = c
		stop = context.AfterFunc(ctx, func() { _ = c.Close() })
		return c, nil
	}
	client, err := gomail.NewClient(s.host, s.options(dial)...)
	if err != nil {
		return fmt.Errorf("mail: %s: %w", s.redacted(), err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("mail: %s: %w (%v)", s.redacted(), cerr, err)
		}
		return fmt.Errorf("mail: %s: %w", s.redacted(), err)
	}
	return nil
}

// message builds m with the headers a receiving server expects: From, To, Subject, Date and
// a Message-ID under the sender's domain (not the host's name, which in a container says
// nothing). The text goes quoted-printable in UTF-8, so long lines and non-ASCII survive.
func (s *SMTP) message(m domain.Mail) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageIDWithValue(rand.Text() + "@" + domainOf(s.from.Address))
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	return msg, nil
}

// domainOf is the part of an address after its last @.
func domainOf(address string) string {
	return address[strings.LastIndexByte(address, '@')+1:]
}

// options configure a go-mail client for one Send: dial connects (TLS included for smtps,
// which is why go-mail's own TLS dialer is not used) and ties the connection to the Send.
func (s *SMTP) options(dial gomail.DialContextFunc) []gomail.Option {
	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(s.timeout),
		gomail.WithTLSConfig(s.tlsConfig()),
		gomail.WithDialContextFunc(dial),
	}
	switch {
	case s.implicitTLS:
		opts = append(opts, gomail.WithSSL()) // no STARTTLS on a connection that is TLS already
	case s.requireSTARTTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.auth {
		// PLAIN, not a mechanism picked from the server's list: every submission server
		// offers it, and go-mail refuses to send it over an unencrypted connection to
		// anything but loopback.
		opts = append(opts,
			gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(s.user),
			gomail.WithPassword(s.password),
		)
	}
	return opts
}

// dial connects to addr within ctx and, for smtps, completes the TLS handshake. go-mail
// recognizes the *tls.Conn it returns as encrypted.
func (s *SMTP) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: s.timeout}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil || !s.implicitTLS {
		return conn, err
	}
	tc := tls.Client(conn, s.tlsConfig())
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close() // the handshake's error says what went wrong
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// tlsConfig verifies the server's certificate for the URL's host, with TLS 1.2 at least.
func (s *SMTP) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, RootCAs: s.rootCAs, MinVersion: tls.VersionTLS12}
}
