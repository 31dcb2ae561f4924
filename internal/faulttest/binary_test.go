package faulttest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/internal/syncbuf"
)

// secret signs the tests' HS256 tokens; superadmin is the platform superadmin's email.
const (
	secret     = "fault-secret-0123456789abcdef0123456789"
	superadmin = "root@example.com"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	listening = regexp.MustCompile(`listening on (http://\S+)`)
)

// binary builds cmd/orgkit once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "orgkit-faulttest-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "orgkit")
		if out, err := exec.Command("go", "build", "-o", builtBin, "github.com/orgkit/orgkit/cmd/orgkit").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// orgkit is one running binary and what a test needs to talk to it.
type orgkit struct {
	t    *testing.T
	bin  string
	env  []string
	base string
	logs *syncbuf.Buffer
}

// startOrgkit runs `orgkit serve` with the tests' defaults plus env (KEY=VALUE) until the
// test ends; its log is printed when the test fails.
func startOrgkit(t *testing.T, env ...string) *orgkit {
	t.Helper()
	k := &orgkit{t: t, bin: binary(t), logs: &syncbuf.Buffer{}}
	k.env = append([]string{"PATH=/usr/bin:/bin", "ORGKIT_HTTP_ADDR=127.0.0.1:0", "ORGKIT_AUTH_HS256_SECRET=" + secret,
		"ORGKIT_SUPERADMIN_EMAILS=" + superadmin, "ORGKIT_SHUTDOWN_DELAY=0s", "ORGKIT_DATA_DIR=" + t.TempDir(),
		"ORGKIT_LOG_LEVEL=warn", "ORGKIT_VAULT_KEYS=" + vaultKeys(t)}, env...)
	cmd := exec.Command(k.bin, "serve")
	cmd.Env = k.env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = k.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill() // the test is over; Wait reports the kill
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("orgkit log:\n%s", k.logs.String())
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case k.base = <-found:
	case <-time.After(60 * time.Second):
		t.Fatalf("orgkit did not start:\n%s", k.logs.String())
	}
	return k
}

// vaultKeys is an ORGKIT_VAULT_KEYS value with one fresh key.
func vaultKeys(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return "k1:" + base64.StdEncoding.EncodeToString(key)
}

// command runs another orgkit command with the server's environment and returns its
// standard output; a failure fails the test.
func (k *orgkit) command(args ...string) string {
	k.t.Helper()
	out, err := k.commandErr(args...)
	if err != nil {
		k.t.Fatalf("orgkit %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (k *orgkit) commandErr(args ...string) (string, error) {
	cmd := exec.Command(k.bin, args...)
	cmd.Env = k.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

// token mints a token for the user sub with email through `orgkit token`.
func (k *orgkit) token(sub, email string) string {
	k.t.Helper()
	return strings.TrimSpace(k.command("token", "--sub", sub, "--email", email, "--ttl", "1h"))
}

// reply is an answer of the service: its status, JSON body and headers.
type reply struct {
	status int
	body   map[string]any
	header http.Header
}

// code is the error code of an error envelope, "" otherwise.
func (r reply) code() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// id is data.id of an answer.
func (r reply) id() int64 {
	d, _ := r.body["data"].(map[string]any)
	f, _ := d["id"].(float64)
	return int64(f)
}

var client = &http.Client{Timeout: 20 * time.Second}

// do sends a request, from any goroutine: a transport failure is returned, not fatal.
func (k *orgkit) do(method, path, token string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, k.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer res.Body.Close()
	r := reply{status: res.StatusCode, header: res.Header}
	if err := json.NewDecoder(res.Body).Decode(&r.body); err != nil && err != io.EOF {
		return r, fmt.Errorf("%s %s: %d, not JSON: %w", method, path, res.StatusCode, err)
	}
	return r, nil
}

// call is do from the test's goroutine, failing the test on a transport error.
func (k *orgkit) call(method, path, token string, body any) reply {
	k.t.Helper()
	r, err := k.do(method, path, token, body)
	if err != nil {
		k.t.Fatal(err)
	}
	return r
}

// expect fails the test unless r has status (and, when code is not "", that error code).
func expect(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.status != status || (code != "" && r.code() != code) {
		t.Fatalf("got %d %v, want %d %s", r.status, r.body, status, code)
	}
}

// expectUnavailable fails the test unless r is seed 000's error envelope with 503
// service_unavailable and a Retry-After.
func expectUnavailable(t *testing.T, r reply) {
	t.Helper()
	expect(t, r, http.StatusServiceUnavailable, "service_unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Errorf("503 without Retry-After: %v", r.header)
	}
}

// eventually retries f every 100ms until it returns nil or timeout passes, then fails the
// test with f's last error.
func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %v", what, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
