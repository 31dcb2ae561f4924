package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

//go:embed unknown_slugs.lua
var unknownSlugsLua []byte

// load is how wrk drives every pass: the same threads and connections for each scenario.
type load struct {
	wrk         string // wrk's path
	threads     int
	connections int
}

// target is what one scenario sends wrk at: a URL, the headers of every request ("Name:
// value", such as a bearer token), and optionally a Lua script and its arguments (after
// wrk's "--").
type target struct {
	url        string
	headers    []string
	script     string
	scriptArgs []string
}

// args is wrk's command line for one pass of d against t. Headers go through -H, which wrk
// adds to every request, the script's too (wrk.format uses wrk.headers).
func (l load) args(t target, d time.Duration) []string {
	args := []string{"-t" + strconv.Itoa(l.threads), "-c" + strconv.Itoa(l.connections),
		"-d" + strconv.Itoa(int(d/time.Second)) + "s", "--latency"}
	for _, h := range t.headers {
		args = append(args, "-H", h)
	}
	if t.script != "" {
		args = append(args, "-s", t.script)
	}
	args = append(args, t.url)
	if len(t.scriptArgs) > 0 {
		args = append(append(args, "--"), t.scriptArgs...)
	}
	return args
}

// pass runs wrk once for d against t. wrk runs in its own process group and is killed with
// ctx; its exit status and its report are both checked.
func (l load) pass(ctx context.Context, t target, d time.Duration) (wrkResult, error) {
	args := l.args(t, d)
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, l.wrk, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil { // interrupted, or wrk overran its duration by far
			return wrkResult{}, fmt.Errorf("wrk %v: stopped: %w", args, ctx.Err())
		}
		return wrkResult{}, fmt.Errorf("wrk %v: %w\n%s", args, err, out.String())
	}
	r, err := parseWrk(out.String())
	if err != nil {
		return r, fmt.Errorf("wrk %v: %w", args, err)
	}
	if r.SocketErrors > 0 {
		return r, fmt.Errorf("wrk %v: %d socket errors: the server failed under load:\n%s", args, r.SocketErrors, out.String())
	}
	return r, nil
}

// writeUnknownScript writes the negative-cache check's script and its slug list into dir.
func writeUnknownScript(dir string, slugs []string) (script, list string, err error) {
	script = filepath.Join(dir, "unknown_slugs.lua")
	list = filepath.Join(dir, "unknown_slugs.txt")
	if err := os.WriteFile(script, unknownSlugsLua, 0o600); err != nil {
		return "", "", err
	}
	return script, list, writeLines(list, slugs)
}
