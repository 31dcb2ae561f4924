package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// profilePass runs one extra, unmeasured pass of s while the server's CPU profile is taken
// through ORGKIT_DEBUG_ADDR, and writes the profile to file. Kept out of the measured passes:
// profiling costs the server a few percent. The profile carries its symbols, so
// `go tool pprof -top FILE` reads it without the binary.
func profilePass(ctx context.Context, srv *orgkit, l load, o options, s *scenario, file string) error {
	seconds := max(1, int(o.duration/time.Second)-1)
	done := make(chan error, 1)
	go func() {
		// Start once wrk's connections are up, stop before wrk does.
		time.Sleep(500 * time.Millisecond)
		done <- fetchProfile(ctx, srv.debugBase+"/debug/pprof/profile?seconds="+strconv.Itoa(seconds), file)
	}()
	_, err := s.run(ctx, l, o.duration, false)
	if perr := <-done; perr != nil {
		return fmt.Errorf("cpu profile: %w", perr)
	}
	return err
}

func fetchProfile(ctx context.Context, url, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("%s: %d %s", url, resp.StatusCode, b)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
