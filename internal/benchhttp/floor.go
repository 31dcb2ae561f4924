package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// floorCommand is the subcommand under which this program re-executes itself as the floor.
const floorCommand = "floor"

// runFloor serves the captured resolve answer from memory with bare Gin: no middleware, one
// route on resolve's path, the captured headers and c.Data. No orgkit server can beat it on
// the same machine, so orgkit's rate divided by this one is the share of the framework's
// best that orgkit keeps; the two put the same bytes on the wire.
// The http.Server has the orgkit binary's timeouts, so the two differ only in what runs
// per request.
func runFloor(args []string) error {
	fs := flag.NewFlagSet(floorCommand, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bodyFile := fs.String("body", "", "file holding the answer's body")
	contentType := fs.String("content-type", "application/json; charset=utf-8", "the answer's Content-Type")
	var headers headerFlags
	fs.Var(&headers, "header", `a header of the answer, "Name: value" (repeatable)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	ct := *contentType
	fixed := make(map[string][]string, len(headers)) // allocated once, as orgkit's are
	for _, kv := range headers {
		fixed[kv[0]] = []string{kv[1]}[:1:1]
	}
	r.GET(resolvePath, func(c *gin.Context) {
		h := c.Writer.Header()
		for name, v := range fixed {
			h[name] = v
		}
		c.Data(http.StatusOK, ct, body)
	})
	srv := &http.Server{Addr: *addr, Handler: r, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// startFloor re-executes this program as the floor, serving a, and waits until it answers.
func startFloor(ctx context.Context, dir string, a answer) (*process, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	bodyFile := filepath.Join(dir, "floor-body.json")
	if err := os.WriteFile(bodyFile, a.body, 0o600); err != nil {
		return nil, "", err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	args := []string{floorCommand, "-addr", addr, "-body", bodyFile, "-content-type", a.contentType}
	for _, h := range a.headers {
		args = append(args, "-header", h)
	}
	p, err := start("floor", dir, self, baseEnv(), args...)
	if err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	if err := waitHTTP(ctx, p, base+resolvePath, startTimeout); err != nil {
		p.stop(5 * time.Second)
		return nil, "", err
	}
	return p, base, nil
}

// checkFloor makes sure the floor answers byte for byte what orgkit answered.
func checkFloor(ctx context.Context, base string, a answer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+resolvePath+"?slug="+benchSlug, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got := make([]byte, len(a.body)+1)
	n, _ := io.ReadFull(resp.Body, got)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != a.contentType || string(got[:n]) != string(a.body) {
		return fmt.Errorf("floor answers %d %q %q, not orgkit's %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), got[:n], a.contentType, a.body)
	}
	for _, h := range a.headers {
		name, value, _ := strings.Cut(h, ": ")
		if resp.Header.Get(name) != value {
			return fmt.Errorf("floor answers %s: %q, not orgkit's %q", name, resp.Header.Get(name), value)
		}
	}
	return nil
}

// headerFlags are repeated -header "Name: value" flags, each kept as [canonical name, value].
type headerFlags [][2]string

func (h *headerFlags) String() string { return fmt.Sprint(*h) }

func (h *headerFlags) Set(s string) error {
	name, value, ok := strings.Cut(s, ": ")
	if !ok || name == "" {
		return fmt.Errorf("want \"Name: value\", not %q", s)
	}
	*h = append(*h, [2]string{textproto.CanonicalMIMEHeaderKey(name), value})
	return nil
}
