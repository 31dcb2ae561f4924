package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/internal/syncbuf"
)

// TestBinary builds the real orgkit binary and walks the README: serve, mint a token,
// create an organization, list it, stop with SIGTERM.
func TestBinary(t *testing.T) {
	dir := t.TempDir()
	bin := buildBinary(t)
	env := []string{"ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_DATABASE_URL=" + gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_DATA_DIR=" + filepath.Join(dir, "data"), "ORGKIT_SHUTDOWN_DELAY=100ms", "PATH=/usr/bin:/bin"}
	serve, base := startBinary(t, bin, env, "serve", "--dev")

	token := binaryToken(t, bin, env)
	if code, body := call(t, "POST", base+"/v1/organizations", token, map[string]any{"name": "Acme", "slug": "acme"}); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	if code, body := call(t, "GET", base+"/v1/organizations", token, nil); code != 200 || len(body["data"].([]any)) != 1 {
		t.Fatalf("list: %d %v", code, body)
	}
	if code, body := call(t, "GET", base+"/v1/organizations", "", nil); code != 401 || body["error"].(map[string]any)["code"] != "unauthorized" {
		t.Fatalf("anonymous: %d %v", code, body)
	}

	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("did not stop on SIGTERM")
	}
}

// binaryToken mints the dev superadmin's token with the binary's own `token` command.
func binaryToken(t *testing.T, bin string, env []string) string {
	t.Helper()
	mintCmd := exec.Command(bin, "token", "--email", devEmail)
	mintCmd.Env = env
	tok, err := mintCmd.Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	return strings.TrimSpace(string(tok))
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary builds cmd/orgkit once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "orgkit-bin")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "orgkit")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// startBinary runs the binary until the test ends and returns it with its base URL.
func startBinary(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd, base, _ := startBinaryLogged(t, bin, env, args...)
	return cmd, base
}

// startBinaryLogged is startBinary that also returns what the binary writes to stderr (its log).
func startBinaryLogged(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, string, *syncbuf.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncbuf.Buffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				lines <- m[1]
			}
		}
	}()
	select {
	case base := <-lines:
		return cmd, base, stderr
	case <-time.After(30 * time.Second):
		t.Fatalf("binary did not start:\n%s", stderr.String())
		return nil, "", nil
	}
}
