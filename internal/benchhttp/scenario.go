package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// scenario is one line of the table: what wrk sends, what every answer must be, the target
// it is held to, and the measured passes.
type scenario struct {
	key    string // -cpuprofile-scenario's name for it, and the goals' key
	label  string
	target target
	// expect checks one pass's statuses: a pass whose answers are not the expected ones
	// measured something else (errors are cheaper than answers).
	expect func(wrkResult) error
	goal   goal
	bytes  int   // the body's length, from probe; 0 when not probed
	wire   int64 // the whole answer's length on the wire, status line and headers included
	passes []wrkResult
}

// probe sends the scenario's request once, before any load, and insists on a 200: a token
// the server refuses or a route that moved then fails with the server's own words instead of
// as a count of non-2xx answers after a pass. It records the body's length and the whole
// answer's (what wrk reads per request) for the table. Scenarios driven by a script (many
// URLs) are not probed.
func (s *scenario) probe(ctx context.Context) error {
	if s.target.script != "" {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.target.url, nil)
	if err != nil {
		return err
	}
	for _, h := range s.target.headers {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	// A connection of its own, counted: the server writes nothing on it but this answer.
	var read atomic.Int64
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		return countingConn{c, &read}, err
	}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", s.label, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", s.label, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: GET %s answers %d, want 200: %s", s.label, s.target.url, resp.StatusCode, body)
	}
	s.bytes, s.wire = len(body), read.Load()
	return nil
}

// countingConn adds what it reads to n.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(p []byte) (int, error) {
	k, err := c.Conn.Read(p)
	c.n.Add(int64(k))
	return k, err
}

func allOK(r wrkResult) error {
	if r.Non2xx3xx != 0 {
		return fmt.Errorf("%d of %d answers were not 2xx/3xx", r.Non2xx3xx, r.Requests)
	}
	return nil
}

func allNotFound(r wrkResult) error {
	if r.Non2xx3xx != r.Requests {
		return fmt.Errorf("%d of %d answers were 2xx/3xx, want every one 404", r.Requests-r.Non2xx3xx, r.Requests)
	}
	return nil
}

// run sends one pass; measured passes are kept.
func (s *scenario) run(ctx context.Context, l load, d time.Duration, measured bool) (wrkResult, error) {
	r, err := l.pass(ctx, s.target, d)
	if err == nil {
		err = s.expect(r)
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", s.label, err)
	}
	if measured {
		s.passes = append(s.passes, r)
	}
	return r, nil
}

// median is the median of each number over the measured passes, taken separately: the
// median rate and the median p99 may come from different passes.
func (s *scenario) median() wrkResult {
	pick := func(f func(wrkResult) float64) float64 {
		v := make([]float64, len(s.passes))
		for i, p := range s.passes {
			v[i] = f(p)
		}
		return medianOf(v)
	}
	return wrkResult{
		RPS: pick(func(r wrkResult) float64 { return r.RPS }),
		P50: time.Duration(pick(func(r wrkResult) float64 { return float64(r.P50) })),
		P99: time.Duration(pick(func(r wrkResult) float64 { return float64(r.P99) })),
	}
}

func (s *scenario) requests() int64 {
	var n int64
	for _, p := range s.passes {
		n += p.Requests
	}
	return n
}

func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// interleaved warms every scenario up, then runs their measured passes round-robin: drift
// of the shared machine (another tenant, thermal limits) then spreads over all of them
// instead of biasing the ratio against whichever ran last.
func interleaved(ctx context.Context, l load, o options, ss ...*scenario) error {
	for _, s := range ss {
		if _, err := s.run(ctx, l, o.warmup, false); err != nil {
			return err
		}
	}
	for range o.passes {
		for _, s := range ss {
			if _, err := s.run(ctx, l, o.duration, true); err != nil {
				return err
			}
		}
	}
	return nil
}
