package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// get sends one request on a client of its own and reports whether the server asked to
// close the connection.
func get(client *http.Client, url, token string) (status int, closed bool, err error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0, false, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, false, err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return 0, false, err
	}
	return res.StatusCode, res.Close, nil
}

// TestServe_ShutdownDelay: after the signal, /readyz answers 503 at once while the listener
// keeps serving everything else, on connections closed after each answer, for
// ORGKIT_SHUTDOWN_DELAY; then run drains and returns nil.
func TestServe_ShutdownDelay(t *testing.T) {
	const delay = time.Second
	env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_SHUTDOWN_DELAY": delay.String()}
	base, stop, _ := startRun(t, []string{"serve"}, env)
	tok := mint(t, env, "--sub", "u", "--email", "u@example.com")
	client := &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second}
	if code, closed, err := get(client, base+"/readyz", ""); err != nil || code != 200 || closed {
		t.Fatalf("readyz before the signal: %d close=%t %v", code, closed, err)
	}

	signalled := time.Now()
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	for {
		code, _, err := get(client, base+"/readyz", "")
		if err != nil {
			t.Fatalf("readyz while draining: %v", err)
		}
		if code == 503 {
			break
		}
		if time.Since(signalled) > delay/2 {
			t.Fatalf("readyz still %d %v after the signal", code, time.Since(signalled))
		}
	}
	for _, c := range []struct{ path, token string }{{"/healthz", ""}, {"/v1/me", tok}, {"/v1/me", tok}} {
		code, closed, err := get(client, base+c.path, c.token)
		if err != nil || code != 200 || !closed {
			t.Fatalf("%s during the delay: %d close=%t %v", c.path, code, closed, err)
		}
	}
	select {
	case err := <-stopped:
		t.Fatalf("run returned %v before the delay ended", err)
	default:
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run: %v", err)
	}
	if took := time.Since(signalled); took < delay {
		t.Errorf("run returned %v after the signal, before the %v delay", took, delay)
	}
	if _, _, err := get(client, base+"/healthz", ""); err == nil {
		t.Errorf("still serving after run returned: %v", err)
	}
}
