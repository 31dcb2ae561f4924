package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"syscall"
	"time"

	"github.com/orgkit/orgkit/internal/syncbuf"
)

var listening = regexp.MustCompile(`^orgkit listening on (http://\S+)$`)

// probeServe starts cmd (an `orgkit serve` listening on a free loopback port), waits for its
// "orgkit listening on" line, expects 200 from /healthz and /readyz, then stops it with
// SIGTERM and expects a clean exit: what an orchestrator does with the image.
func probeServe(cmd *exec.Cmd) error {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				base <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // a line too long for the scanner: keep the pipe drained
		exited <- cmd.Wait()
	}()
	fail := func(err error) error {
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("%w\nstderr:\n%s", err, stderr.String())
	}
	var url string
	select {
	case url = <-base:
	case err := <-exited:
		return fmt.Errorf("serve exited before listening (%v)\nstderr:\n%s", err, stderr.String())
	case <-time.After(60 * time.Second):
		return fail(errors.New("serve did not listen within 60s"))
	}
	client := &http.Client{Timeout: 5 * time.Second}
	for _, path := range []string{"/healthz", "/readyz"} {
		res, err := client.Get(url + path)
		if err != nil {
			return fail(fmt.Errorf("GET %s: %w", path, err))
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fail(fmt.Errorf("GET %s: %d %s", path, res.StatusCode, body))
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fail(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			return fmt.Errorf("exit after SIGTERM: %v\nstderr:\n%s", err, stderr.String())
		}
		return nil
	case <-time.After(30 * time.Second):
		return fail(errors.New("serve did not stop within 30s of SIGTERM"))
	}
}
