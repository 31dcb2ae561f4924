package smtptest_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/smtp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/mail/smtptest"
)

// qpMessage has an RFC 2047 subject and a quoted-printable body with a soft line break.
const qpMessage = "From: a@example.com\r\n" +
	"To: b@example.com\r\n" +
	"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Hello =C3=BC, a long li=\r\n" +
	"ne and a=3Db\r\n" +
	"second line\r\n"

// multipartMessage has its text in a base64 part after an HTML part.
const multipartMessage = "From: a@example.com\r\n" +
	"Subject: plain\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=XX\r\n" +
	"\r\n" +
	"--XX\r\n" +
	"Content-Type: text/html\r\n" +
	"\r\n" +
	"<p>html</p>\r\n" +
	"--XX\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"dGV4dCBp\r\n" +
	"biBiYXNlNjQ=\r\n" +
	"--XX--\r\n"

// send delivers body with the standard library's client; it logs in when user is set
// (net/smtp allows PLAIN over plain connections to 127.0.0.1 only, which is what this is).
func send(srv *smtptest.Server, user, pass, body string) error {
	var auth smtp.Auth
	if user != "" {
		auth = smtp.PlainAuth("", user, pass, "127.0.0.1")
	}
	return smtp.SendMail(srv.Addr(), auth, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(body))
}

func TestServer(t *testing.T) {
	t.Parallel()

	t.Run("decodes_quoted_printable", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		if err := send(srv, "", "", qpMessage); err != nil {
			t.Fatal(err)
		}
		m := srv.Wait(t, 1, 5*time.Second)[0]
		if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" {
			t.Fatalf("envelope %q -> %q", m.From, m.To)
		}
		if m.Subject != "Grüße" {
			t.Fatalf("subject %q", m.Subject)
		}
		if want := "Hello ü, a long line and a=b\nsecond line\n"; m.Text != want {
			t.Fatalf("text %q, want %q", m.Text, want)
		}
		if m.User != "" || m.TLS || m.Header.Get("To") != "b@example.com" || !strings.Contains(string(m.Raw), "=3Db") {
			t.Fatalf("user %q, TLS %v, To %q, raw %q", m.User, m.TLS, m.Header.Get("To"), m.Raw)
		}
	})

	t.Run("finds_text_in_multipart_base64", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		if err := send(srv, "", "", multipartMessage); err != nil {
			t.Fatal(err)
		}
		if m := srv.Wait(t, 1, 5*time.Second)[0]; m.Text != "text in base64" {
			t.Fatalf("text %q", m.Text)
		}
	})

	t.Run("unparsable_message_refused", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		err := send(srv, "", "", "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-unknown\r\n\r\nbody\r\n")
		if err == nil || !strings.Contains(err.Error(), "554") {
			t.Fatalf("error %v, want 554", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Fatalf("%d messages kept", n)
		}
	})

	t.Run("any_login_accepted_by_default", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		if err := send(srv, "anyone", "anything", qpMessage); err != nil {
			t.Fatal(err)
		}
		if m := srv.Wait(t, 1, 5*time.Second)[0]; m.User != "anyone" {
			t.Fatalf("user %q", m.User)
		}
	})

	t.Run("require_auth", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.RequireAuth("user", "secret")
		if err := send(srv, "user", "wrong", qpMessage); err == nil || !strings.Contains(err.Error(), "535") {
			t.Fatalf("wrong password: error %v, want 535", err)
		}
		if err := send(srv, "", "", qpMessage); err == nil {
			t.Fatal("accepted mail without a login")
		}
		if err := send(srv, "user", "secret", qpMessage); err != nil {
			t.Fatal(err)
		}
		msgs := srv.Wait(t, 1, 5*time.Second)
		if len(msgs) != 1 || msgs[0].User != "user" {
			t.Fatalf("%d messages, user %q", len(msgs), msgs[0].User)
		}
	})

	t.Run("fail_next", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		srv.FailNext(2)
		for i := range 2 {
			if err := send(srv, "", "", qpMessage); err == nil || !strings.Contains(err.Error(), "451") {
				t.Fatalf("send %d: error %v, want 451", i, err)
			}
		}
		if err := send(srv, "", "", qpMessage); err != nil {
			t.Fatal(err)
		}
		if n := len(srv.Messages()); n != 1 {
			t.Fatalf("%d messages, want the one that succeeded", n)
		}
	})

	t.Run("wait_for_concurrent_senders", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if err := send(srv, "", "", qpMessage); err != nil {
					t.Error(err)
				}
			})
		}
		if n := len(srv.Wait(t, 5, 10*time.Second)); n < 5 {
			t.Fatalf("%d messages", n)
		}
		wg.Wait()
	})

	t.Run("url", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t)
		if got, want := srv.URL("u@x", "p:/@w"), "smtp://u%40x:p%3A%2F%40w@"+srv.Addr(); got != want {
			t.Fatalf("URL %q, want %q", got, want)
		}
		if got, want := srv.URL("", ""), "smtp://"+srv.Addr(); got != want {
			t.Fatalf("URL %q, want %q", got, want)
		}
	})
}

// fatalTB records Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestServer_Wait_timeout(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	tb := &fatalTB{TB: t}
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		srv.Wait(tb, 1, 100*time.Millisecond)
	}()
	<-done
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond || elapsed > 5*time.Second {
		t.Fatalf("Wait returned after %v", elapsed)
	}
	if !strings.Contains(tb.msg, "0 messages") {
		t.Fatalf("Fatalf %q", tb.msg)
	}
}

func TestServer_TLS(t *testing.T) {
	t.Parallel()

	trusting := func(srv *smtptest.Server) *tls.Config {
		pool := x509.NewCertPool()
		pool.AddCert(srv.Certificate())
		return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	}
	deliver := func(t *testing.T, c *smtp.Client) {
		t.Helper()
		if err := c.Auth(smtp.PlainAuth("", "user", "pw", "127.0.0.1")); err != nil {
			t.Fatal(err)
		}
		if err := c.Mail("a@example.com"); err != nil {
			t.Fatal(err)
		}
		if err := c.Rcpt("b@example.com"); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(qpMessage)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Quit(); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("starttls", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t, smtptest.WithSTARTTLS())
		c, err := smtp.Dial(srv.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if ok, _ := c.Extension("STARTTLS"); !ok {
			t.Fatal("STARTTLS not offered")
		}
		if err := c.StartTLS(trusting(srv)); err != nil {
			t.Fatal(err)
		}
		deliver(t, c)
		if m := srv.Wait(t, 1, 5*time.Second)[0]; !m.TLS || m.User != "user" {
			t.Fatalf("TLS %v, user %q", m.TLS, m.User)
		}
	})

	t.Run("implicit", func(t *testing.T) {
		t.Parallel()
		srv := smtptest.Start(t, smtptest.WithImplicitTLS())
		if !strings.HasPrefix(srv.URL("u", "p"), "smtps://") {
			t.Fatalf("URL %q", srv.URL("u", "p"))
		}
		conn, err := tls.Dial("tcp", srv.Addr(), trusting(srv))
		if err != nil {
			t.Fatal(err)
		}
		c, err := smtp.NewClient(conn, "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		deliver(t, c)
		if m := srv.Wait(t, 1, 5*time.Second)[0]; !m.TLS {
			t.Fatal("not over TLS")
		}
	})

	t.Run("no_certificate_without_tls", func(t *testing.T) {
		t.Parallel()
		if smtptest.Start(t).Certificate() != nil {
			t.Fatal("a plain server has a certificate")
		}
	})
}

func TestStart_closesOnCleanup(t *testing.T) {
	t.Parallel()
	var addr string
	t.Run("server", func(t *testing.T) {
		srv := smtptest.Start(t)
		addr = srv.Addr()
		c, err := smtp.Dial(addr) // an open session is dropped by Close
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
	})
	if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		_ = conn.Close()
		t.Fatal("the server still accepts connections after its test ended")
	}
}
