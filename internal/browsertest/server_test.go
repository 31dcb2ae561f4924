package browsertest

import (
	"bufio"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/orgkit/orgkit/internal/syncbuf"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
)

// server is `orgkit serve --dev` on SQLite in a temporary directory, mailing through a
// loopback SMTP server and verifying domains against a loopback DNS server the test sets.
type server struct {
	base string // http://127.0.0.1:port, also the binary's public URL
	smtp *smtptest.Server
	dns  *dnstest.Server
	logs *syncbuf.Buffer // the binary's stderr
}

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs the binary until the test ends. The port is chosen before the start so
// the public URL and the invitation links name it.
func startServer(t *testing.T) *server {
	t.Helper()
	bin := orgkitBinary(t)
	s := &server{smtp: smtptest.Start(t), dns: dnstest.Start(t)}
	var lastErr error
	for range 3 { // another process may take the chosen port before the binary binds it
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if lastErr = s.start(t, bin, port); lastErr == nil {
			return s
		}
	}
	t.Fatal(lastErr)
	return nil
}

// start runs the binary on port and waits until it listens.
func (s *server) start(t *testing.T, bin string, port int) error {
	dir := t.TempDir()
	s.base = fmt.Sprintf("http://127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--dev")
	cmd.Env = []string{
		"PATH=/usr/bin:/bin",
		"ORGKIT_HTTP_ADDR=" + s.base[len("http://"):],
		"ORGKIT_PUBLIC_URL=" + s.base,
		"ORGKIT_DATABASE_URL=sqlite:" + filepath.Join(dir, "orgkit.db"),
		"ORGKIT_DATA_DIR=" + filepath.Join(dir, "data"),
		"ORGKIT_SMTP_URL=" + s.smtp.URL("", ""),
		"ORGKIT_MAIL_FROM=orgkit@orgkit.test",
		"ORGKIT_INVITE_URL=" + s.base + "/portal/invitations/{token}",
		"ORGKIT_DNS_RESOLVERS=" + s.dns.Addr(),
		"ORGKIT_DOMAIN_RECHECK=false",
		"ORGKIT_SHUTDOWN_DELAY=0s",
		"ORGKIT_LOG_FORMAT=text",
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	s.logs = &syncbuf.Buffer{}
	cmd.Stderr = s.logs
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	found := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if listening.MatchString(sc.Text()) {
				close(found)
				break
			}
		}
		for sc.Scan() { // keep draining so the binary never blocks on a full pipe
		}
		exited <- cmd.Wait()
	}()
	select {
	case <-found:
		t.Cleanup(func() { s.stop(t, cmd, exited) })
		return nil
	case err := <-exited:
		return fmt.Errorf("orgkit exited before listening (%v):\n%s", err, s.logs.String())
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("orgkit did not listen within 60s:\n%s", s.logs.String())
	}
}

// stop ends the binary with SIGTERM, as an operator would, and fails the test if it does
// not exit cleanly.
func (s *server) stop(t *testing.T, cmd *exec.Cmd, exited chan error) {
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Errorf("stop orgkit: %v", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("orgkit exit: %v\n%s", err, s.logs.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		t.Errorf("orgkit did not stop on SIGTERM")
	}
}

// freePort is a loopback TCP port free at the time of the call.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	return port, ln.Close()
}
