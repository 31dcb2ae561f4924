package testproc

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

// tool finds a program by name: in PATH, else in the first of dirs globs that holds it.
// Missing, it fails the test under CI=true and skips it elsewhere.
func tool(t testing.TB, name, install string, dirs ...string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, pattern := range dirs {
		matches, _ := filepath.Glob(filepath.Join(pattern, name)) // only ErrBadPattern, and the patterns are constant
		sort.Sort(sort.Reverse(sort.StringSlice(matches)))        // the newest version first
		if len(matches) > 0 {
			return matches[0]
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s is not installed (%s)", name, install)
	}
	t.Skipf("%s is not installed (%s); CI installs it", name, install)
	return ""
}

// freePort is a loopback TCP port nothing listens on right now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testproc: free port: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatalf("testproc: free port: %v", err)
	}
	return port
}

// waitDial waits until addr accepts TCP connections, or fails the test after timeout.
func waitDial(t testing.TB, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close() // a probe: nothing was sent
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("testproc: %s does not accept connections after %v: %v", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
