package soak

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// replica is one orgkit serve process on a fixed loopback address, kept across restarts so
// the balancer finds it again.
type replica struct {
	n       int
	addr    string
	base    string
	logPath string
	cmd     *exec.Cmd
	exited  chan error
	ready   atomic.Bool // /readyz answered 200 at the last poll
	starts  int
}

// cluster is the replicas and what they share.
type cluster struct {
	bin      string
	env      []string
	replicas []*replica
}

// randomHex is n random bytes in hex, for names no other run uses.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// buildBinary builds cmd/orgkit once into a directory the test removes.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "orgkit")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/orgkit/orgkit/cmd/orgkit").CombinedOutput()
	if err != nil {
		t.Fatalf("build the binary: %v\n%s", err, out)
	}
	return bin
}

// freshDatabase creates orgkit_soak_<random> on the server of dsn and drops it when the test
// ends; it returns the new database's URL.
func freshDatabase(t *testing.T, dsn string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name := "orgkit_soak_" + randomHex(6)
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("ORGKIT_TEST_POSTGRES_DSN: %v", err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// freePort is a loopback address nobody listens on now.
func freePort(t *testing.T) string {
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

// newCluster prepares n replicas (not started) sharing env.
func newCluster(t *testing.T, bin string, env []string, n int) *cluster {
	t.Helper()
	c := &cluster{bin: bin, env: env}
	dir := t.TempDir()
	for i := range n {
		addr := freePort(t)
		c.replicas = append(c.replicas, &replica{n: i + 1, addr: addr, base: "http://" + addr,
			logPath: filepath.Join(dir, fmt.Sprintf("replica-%d.log", i+1))})
	}
	t.Cleanup(func() {
		for _, r := range c.replicas {
			if r.cmd == nil {
				continue
			}
			select {
			case <-r.exited: // it ended
			default:
				_ = r.cmd.Process.Kill()
				<-r.exited
			}
		}
	})
	return c
}

// start runs the replica's process; it does not wait for it to be ready.
func (c *cluster) start(r *replica) error {
	logf, err := os.OpenFile(r.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "--- start %d\n", r.starts+1)
	cmd := exec.Command(c.bin, "serve")
	cmd.Env = append(append([]string{}, c.env...), "ORGKIT_HTTP_ADDR="+r.addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return fmt.Errorf("start replica %d: %w", r.n, err)
	}
	r.cmd, r.exited = cmd, make(chan error, 1)
	r.starts++
	go func() {
		err := cmd.Wait()
		_ = logf.Close()
		r.exited <- err
	}()
	return nil
}

// waitReady waits until the replica's /readyz answers 200.
func (c *cluster) waitReady(r *replica, within time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case err := <-r.exited:
			r.exited <- err
			return fmt.Errorf("replica %d exited while starting: %v\n%s", r.n, err, r.logTail())
		default:
		}
		res, err := client.Get(r.base + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("replica %d not ready within %v\n%s", r.n, within, r.logTail())
}

// stop sends SIGTERM and waits for a clean exit (status 0).
func (c *cluster) stop(r *replica, within time.Duration) error {
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("SIGTERM replica %d: %w", r.n, err)
	}
	select {
	case err := <-r.exited:
		r.exited <- err
		if err != nil {
			return fmt.Errorf("replica %d after SIGTERM: %v\n%s", r.n, err, r.logTail())
		}
		return nil
	case <-time.After(within):
		return fmt.Errorf("replica %d did not exit within %v of SIGTERM", r.n, within)
	}
}

// logTail is the end of the replica's log, for failure messages.
func (r *replica) logTail() string {
	b, err := os.ReadFile(r.logPath)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// errorLines are the replica's log lines at level ERROR, over all its runs.
func (r *replica) errorLines() ([]string, error) {
	f, err := os.Open(r.logPath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if l := sc.Text(); strings.Contains(l, `"level":"ERROR"`) && !strings.Contains(l, "shutting down") { // /readyz while draining is not an error
			out = append(out, l)
		}
	}
	return out, errors.Join(sc.Err())
}
