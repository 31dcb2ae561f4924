package testproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// Redis is a private redis-server on 127.0.0.1 without persistence, which a test stops and
// starts again on the same port (empty, as a restarted cache is).
type Redis struct {
	// URL reaches database 0: redis://127.0.0.1:port/0.
	URL string
	// Addr is the server's 127.0.0.1:port.
	Addr string

	bin  string
	port int
	cmd  *exec.Cmd
	done chan error
}

// StartRedis starts a redis-server on a free loopback port and stops it when the test
// ends. A missing redis-server fails under CI=true, else skips.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	r := &Redis{bin: tool(t, "redis-server", "apt-get install redis-server"), port: freePort(t)}
	r.Addr = fmt.Sprintf("127.0.0.1:%d", r.port)
	r.URL = "redis://" + r.Addr + "/0"
	r.Start(t)
	t.Cleanup(func() { r.Stop(t) })
	return r
}

// Start starts the stopped server on its port and waits until it accepts connections.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	if r.cmd != nil {
		t.Fatal("testproc: redis is already running")
	}
	r.cmd = exec.Command(r.bin, "--port", fmt.Sprint(r.port), "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "no", "--daemonize", "no", "--logfile", "")
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("testproc: redis-server: %v", err)
	}
	r.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan<- error) { done <- cmd.Wait() }(r.cmd, r.done)
	waitDial(t, r.Addr, 10*time.Second)
}

// Stop terminates the server (SIGTERM) and waits for it to exit; stopping a stopped server
// does nothing.
func (r *Redis) Stop(t testing.TB) {
	t.Helper()
	if r.cmd == nil {
		return
	}
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("testproc: stop redis: %v", err)
	}
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill() // it ignored SIGTERM; Kill's error would only say it is gone
		<-r.done
	}
	r.cmd = nil
}
