package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// TestBinary builds the real orgkit binary and walks the README: serve, mint a token,
// create an organization, list it, stop with SIGTERM.
func TestBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "orgkit")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	env := []string{"ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_DATABASE_URL=" + gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_DATA_DIR=" + filepath.Join(dir, "data"), "PATH=/usr/bin:/bin"}
	serve := exec.Command(bin, "serve", "--dev")
	serve.Env = env
	stdout, _ := serve.StdoutPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = serve.Process.Kill() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				lines <- m[1]
			}
		}
	}()
	var base string
	select {
	case base = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatal("binary did not start")
	}

	mintCmd := exec.Command(bin, "token", "--sub", devSubject, "--email", devEmail)
	mintCmd.Env = env
	tok, err := mintCmd.Output()
	if err != nil {
		t.Fatalf("token: %v", err)
	}
	token := strings.TrimSpace(string(tok))
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
