// Package smtptest runs a real SMTP server on loopback (emersion/go-smtp) that keeps the
// messages it accepts, so mail is tested over the wire (greeting, STARTTLS, AUTH, DATA and
// their failures) instead of against a fake Mailer.
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is an SMTP server on 127.0.0.1. It is safe for concurrent use. Without
// RequireAuth it accepts mail with or without a login, and any credentials.
type Server struct {
	srv    *smtp.Server
	ln     net.Listener
	addr   string
	scheme string            // smtp, or smtps with WithImplicitTLS
	cert   *x509.Certificate // nil without TLS
	served chan error

	mu          sync.Mutex
	messages    []Message
	arrived     chan struct{} // closed, and replaced, when a message arrives
	requireAuth bool
	user, pass  string
	failNext    int
}

// Option configures a Server at Start.
type Option func(*options)

type options struct {
	startTLS, implicitTLS bool
}

// WithSTARTTLS makes the server offer STARTTLS with a self-signed certificate for
// 127.0.0.1 (see Certificate).
func WithSTARTTLS() Option { return func(o *options) { o.startTLS = true } }

// WithImplicitTLS makes the server speak TLS from the first byte, as on port 465, with a
// self-signed certificate for 127.0.0.1 (see Certificate); URL then gives smtps://.
func WithImplicitTLS() Option { return func(o *options) { o.implicitTLS = true } }

// Start starts a Server for a test and closes it when the test ends; a server that does not
// start fails the test, and so does one that does not stop cleanly.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{
		ln:      ln,
		addr:    ln.Addr().String(),
		scheme:  "smtp",
		served:  make(chan error, 1),
		arrived: make(chan struct{}),
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, conn: c}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = true // AUTH PLAIN over plain loopback, as without TLS
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.MaxRecipients = 100
	// Connection errors (a client hanging up, a failed handshake) are what tests provoke;
	// logging them would only clutter the output, and might outlive the test.
	s.srv.ErrorLog = log.New(io.Discard, "", 0)
	if o.startTLS || o.implicitTLS {
		cert, err := selfSigned()
		if err != nil {
			_ = ln.Close()
			tb.Fatalf("smtptest: %v", err)
		}
		s.cert = cert.Leaf
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if o.implicitTLS {
			s.ln, s.scheme = tls.NewListener(ln, cfg), "smtps"
		} else {
			s.srv.TLSConfig = cfg
		}
	}
	go func() { s.served <- s.srv.Serve(s.ln) }()
	tb.Cleanup(func() {
		if err := s.close(); err != nil {
			tb.Errorf("smtptest: %v", err)
		}
	})
	return s
}

// close stops accepting, drops open connections and waits for the accept loop to end.
func (s *Server) close() error {
	err := s.srv.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	// Serve may not have registered the listener yet, in which case Close did not close it.
	_ = s.ln.Close()
	return errors.Join(err, <-s.served)
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

// URL is the server's URL in the form mail.NewSMTP reads: smtp://user:pass@addr (smtps://
// with WithImplicitTLS), escaped; an empty user gives a URL without user info.
func (s *Server) URL(user, pass string) string {
	u := url.URL{Scheme: s.scheme, Host: s.addr}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u.String()
}

// Certificate is the server's self-signed certificate, for a client to trust; nil without
// WithSTARTTLS or WithImplicitTLS.
func (s *Server) Certificate() *x509.Certificate { return s.cert }

// RequireAuth makes the server accept mail only after AUTH PLAIN with user and pass: other
// credentials are refused (535), and MAIL without a login too (502).
func (s *Server) RequireAuth(user, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requireAuth, s.user, s.pass = true, user, pass
}

// FailNext makes the next n DATA commands answer 451, a temporary failure, after reading
// the message; those messages are not kept. It lets a test see its caller retry.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// Messages returns the messages accepted so far, oldest first. The caller must not modify
// them.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// Wait returns the messages accepted so far once there are at least n, failing the test
// if there are fewer after timeout. It calls tb.Fatalf, so call it from the test's
// goroutine only.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, arrived := len(s.messages), s.arrived
		if got >= n {
			defer s.mu.Unlock()
			return slices.Clone(s.messages)
		}
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			tb.Fatalf("smtptest: %d messages after %v, want at least %d", got, timeout, n)
			return nil
		}
	}
}

// checkAuth reports whether user and pass may log in.
func (s *Server) checkAuth(user, pass string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.requireAuth || (user == s.user && pass == s.pass)
}

// authRequired reports whether MAIL needs a login first.
func (s *Server) authRequired() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requireAuth
}

// takeFailure reports whether this DATA is to fail, counting it.
func (s *Server) takeFailure() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext > 0 {
		s.failNext--
		return true
	}
	return false
}

// add keeps m and wakes the waiters.
func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	close(s.arrived)
	s.arrived = make(chan struct{})
}
