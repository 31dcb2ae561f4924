package mail_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/mail"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
	"github.com/orgkit/orgkit/domain"
)

const (
	from     = "Orgkit <noreply@example.com>"
	password = "s3cret/p@ss:word%"
	token    = "tok_7f3a9c2e1b"
)

// invitation is a mail like the ones the service sends: non-ASCII subject, a long line,
// an equals sign (which quoted-printable escapes) and a link with a token.
var invitation = domain.Mail{
	To:      "ada@example.org",
	Subject: "Einladung zu Ünïcode GmbH",
	Text: "Hello Ada,\n\nyou are invited to join Ünïcode GmbH as admin. " +
		strings.Repeat("This line is long on purpose. ", 6) +
		"\n\nAccept: https://orgkit.example/v1/invitations/" + token + "?a=b\n",
}

func newSMTP(t *testing.T, rawURL string) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(rawURL, from)
	if err != nil {
		t.Fatalf("NewSMTP: %v", err)
	}
	return s
}

func trust(s *mail.SMTP, srv *smtptest.Server) {
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	mail.SetRootCAs(s, pool)
}

func send(t *testing.T, s *mail.SMTP, m domain.Mail) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

func TestSMTP_Send(t *testing.T) {
	t.Parallel()

	t.Run("delivers", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		if err := send(t, newSMTP(t, srv.URL("", "")), invitation); err != nil {
			t.Fatal(err)
		}
		m := srv.Wait(t, 1, 5*time.Second)[0]
		if m.From != "noreply@example.com" || len(m.To) != 1 || m.To[0] != invitation.To {
			t.Fatalf("envelope %q -> %q", m.From, m.To)
		}
		if got := m.Header.Get("From"); !strings.Contains(got, "Orgkit") || !strings.Contains(got, "<noreply@example.com>") {
			t.Fatalf("From header %q", got)
		}
		if got := m.Header.Get("To"); !strings.Contains(got, invitation.To) {
			t.Fatalf("To header %q", got)
		}
		if m.Subject != invitation.Subject {
			t.Fatalf("subject %q, want %q", m.Subject, invitation.Subject)
		}
		if m.Text != invitation.Text {
			t.Fatalf("text %q, want %q", m.Text, invitation.Text)
		}
		if _, err := m.Header.Date(); err != nil {
			t.Fatalf("Date header: %v", err)
		}
		if id := m.Header.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.com>") {
			t.Fatalf("Message-ID %q", id)
		}
		if m.User != "" {
			t.Fatalf("logged in as %q with no user in the URL", m.User)
		}
	})

	t.Run("every_send_dials_anew", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		s := newSMTP(t, srv.URL("", ""))
		for range 3 {
			if err := send(t, s, invitation); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(srv.Wait(t, 3, 5*time.Second)); n != 3 {
			t.Fatalf("%d messages", n)
		}
	})

	t.Run("auth_accepted", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.RequireAuth("mailer@example.com", password)
		if err := send(t, newSMTP(t, srv.URL("mailer@example.com", password)), invitation); err != nil {
			t.Fatal(err)
		}
		if m := srv.Wait(t, 1, 5*time.Second)[0]; m.User != "mailer@example.com" {
			t.Fatalf("user %q", m.User)
		}
	})

	t.Run("wrong_password_refused", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.RequireAuth("mailer@example.com", "the-right-one")
		err := send(t, newSMTP(t, srv.URL("mailer@example.com", password)), invitation)
		if err == nil {
			t.Fatal("sent with a wrong password")
		}
		if strings.Contains(err.Error(), password) {
			t.Fatalf("the error quotes the password: %v", err)
		}
		if !strings.Contains(err.Error(), "535") {
			t.Fatalf("error %v, want the server's 535", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("%d messages", n)
		}
	})

	t.Run("no_credentials_refused", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.RequireAuth("mailer@example.com", password)
		if err := send(t, newSMTP(t, srv.URL("", "")), invitation); err == nil {
			t.Fatal("sent without logging in to a server that requires it")
		}
	})

	t.Run("temporary_failure_then_retry", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.FailNext(1)
		s := newSMTP(t, srv.URL("", ""))
		err := send(t, s, invitation)
		if err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("error %v, want the server's 451", err)
		}
		if err := send(t, s, invitation); err != nil {
			t.Fatalf("retry: %v", err)
		}
		if n := len(srv.Wait(t, 1, 5*time.Second)); n != 1 {
			t.Fatalf("%d messages", n)
		}
	})

	t.Run("bad_recipient", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		err := send(t, newSMTP(t, srv.URL("", "")), domain.Mail{To: "not an address", Subject: "s", Text: "t"})
		if err == nil || !strings.Contains(err.Error(), "recipient") {
			t.Fatalf("error %v, want a recipient error", err)
		}
	})
}

func TestSMTP_Send_TLS(t *testing.T) {
	t.Parallel()

	t.Run("opportunistic_starttls", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t, smtptest.WithSTARTTLS())
		srv.RequireAuth("u", password)
		s := newSMTP(t, srv.URL("u", password))
		trust(s, srv)
		if err := send(t, s, invitation); err != nil {
			t.Fatal(err)
		}
		if m := srv.Wait(t, 1, 5*time.Second)[0]; !m.TLS || m.User != "u" {
			t.Fatalf("TLS %v, user %q: want a login over STARTTLS", m.TLS, m.User)
		}
	})

	t.Run("required_starttls", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t, smtptest.WithSTARTTLS())
		s := newSMTP(t, srv.URL("", "")+"?starttls=required")
		trust(s, srv)
		if err := send(t, s, invitation); err != nil {
			t.Fatal(err)
		}
		if m := srv.Wait(t, 1, 5*time.Second)[0]; !m.TLS {
			t.Fatal("not over TLS")
		}
	})

	t.Run("required_starttls_not_offered", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		err := send(t, newSMTP(t, srv.URL("u", password)+"?starttls=required"), invitation)
		if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("error %v, want a STARTTLS error", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Fatalf("the error quotes the password: %v", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("%d messages sent in clear", n)
		}
	})

	t.Run("untrusted_certificate", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t, smtptest.WithSTARTTLS())
		if err := send(t, newSMTP(t, srv.URL("", "")), invitation); err == nil {
			t.Fatal("sent to a server whose certificate nobody trusts")
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("%d messages", n)
		}
	})

	t.Run("implicit_tls", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t, smtptest.WithImplicitTLS())
		srv.RequireAuth("u", password)
		s := newSMTP(t, srv.URL("u", password))
		trust(s, srv)
		if err := send(t, s, invitation); err != nil {
			t.Fatal(err)
		}
		if m := srv.Wait(t, 1, 5*time.Second)[0]; !m.TLS || m.User != "u" || m.Subject != invitation.Subject {
			t.Fatalf("TLS %v, user %q, subject %q", m.TLS, m.User, m.Subject)
		}
	})

	t.Run("implicit_tls_to_a_plain_server", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		start := time.Now()
		err := send(t, newSMTP(t, "smtps://"+srv.Addr()), invitation)
		if err == nil {
			t.Fatal("sent over smtps to a server without TLS")
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Fatalf("failed after %v", elapsed)
		}
	})
}

// closedPort returns a loopback address nothing listens on: a dial there is refused at once.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// silentServer accepts connections and never greets, as a wedged server would.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
	})
	return ln.Addr().String()
}

func TestSMTP_Send_bounded(t *testing.T) {
	t.Parallel()
	const bound = 5 * time.Second // well under Timeout's 10 s, and the brief's 15 s

	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		err := send(t, newSMTP(t, "smtp://"+closedPort(t)), invitation)
		if err == nil {
			t.Fatal("sent to a closed port")
		}
		if elapsed := time.Since(start); elapsed > bound {
			t.Fatalf("failed after %v", elapsed)
		}
	})

	t.Run("cancelled_while_waiting_for_the_greeting", func(t *testing.T) {
		t.Parallel()
		s := newSMTP(t, (&url.URL{Scheme: "smtp", User: url.UserPassword("u", password), Host: silentServer(t)}).String())
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		err := s.Send(ctx, invitation)
		if elapsed := time.Since(start); elapsed > bound {
			t.Fatalf("returned %v after cancellation", elapsed)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Fatalf("the error quotes the password: %v", err)
		}
	})

	t.Run("deadline_while_waiting_for_the_greeting", func(t *testing.T) {
		t.Parallel()
		s := newSMTP(t, "smtp://"+silentServer(t))
		ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := s.Send(ctx, invitation)
		if elapsed := time.Since(start); elapsed > bound {
			t.Fatalf("returned after %v", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want context.DeadlineExceeded", err)
		}
	})

	t.Run("already_cancelled", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := newSMTP(t, srv.URL("", "")).Send(ctx, invitation); !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("%d messages", n)
		}
	})
}
