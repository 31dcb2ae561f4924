package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// readyPoll is how often the balancer asks each replica's /readyz: well within the
// replicas' ORGKIT_SHUTDOWN_DELAY, so a stopping replica is out of rotation before it closes.
const readyPoll = 25 * time.Millisecond

// balancer spreads requests round-robin over the replicas whose /readyz answered 200 at the
// last poll, and keeps the score: every request that got no answer or a 5xx is a dropped
// request; every other answer the caller did not expect is unexpected.
type balancer struct {
	replicas []*replica
	client   *http.Client
	next     atomic.Uint64

	mu         sync.Mutex
	requests   map[string]int // by operation
	dropped    []string
	unexpected []string
	served     map[int]int // by replica number
}

func newBalancer(replicas []*replica) *balancer {
	tr := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 30 * time.Second}
	return &balancer{replicas: replicas, client: &http.Client{Transport: tr, Timeout: 15 * time.Second},
		requests: map[string]int{}, served: map[int]int{}}
}

// pollReady keeps every replica's ready flag current until ctx ends.
func (b *balancer) pollReady(ctx context.Context) *sync.WaitGroup {
	var wg sync.WaitGroup
	poller := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 500 * time.Millisecond}
	for _, r := range b.replicas {
		wg.Go(func() {
			t := time.NewTicker(readyPoll)
			defer t.Stop()
			for {
				res, err := poller.Get(r.base + "/readyz")
				ok := err == nil && res.StatusCode == http.StatusOK
				if err == nil {
					_ = res.Body.Close()
				}
				r.ready.Store(ok)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	return &wg
}

// pick is the next ready replica in turn; it waits a little when none is ready.
func (b *balancer) pick() (*replica, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := uint64(len(b.replicas))
		start := b.next.Add(1)
		for i := range n {
			if r := b.replicas[(start+i)%n]; r.ready.Load() {
				return r, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, errors.New("no replica ready for 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// send sends one request through the balancer and checks its status against want.
func (b *balancer) send(op, method, path, token string, body any, want ...int) (int, []byte) {
	r, err := b.pick()
	if err != nil {
		b.drop(op, method, path, nil, err)
		return 0, nil
	}
	return b.sendTo(r, op, method, path, token, body, want...)
}

// sendTo sends one request to replica r, scored like send.
func (b *balancer) sendTo(r *replica, op, method, path, token string, body any, want ...int) (int, []byte) {
	code, out, err := do(b.client, r.base, method, path, token, body)
	b.mu.Lock()
	b.requests[op]++
	b.served[r.n]++
	b.mu.Unlock()
	if err != nil || code >= 500 {
		b.drop(op, method, path, r, fmt.Errorf("%d %v %.200s", code, err, out))
		return code, out
	}
	if len(want) > 0 && !slices.Contains(want, code) {
		b.mu.Lock()
		b.unexpected = append(b.unexpected, fmt.Sprintf("%s %s %s on replica %d: %d, want %v: %.300s", op, method, path, r.n, code, want, out))
		b.mu.Unlock()
	}
	return code, out
}

func (b *balancer) drop(op, method, path string, r *replica, err error) {
	where := "no replica"
	if r != nil {
		where = fmt.Sprintf("replica %d", r.n)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dropped = append(b.dropped, fmt.Sprintf("%s %s %s on %s at %s: %v", op, method, path, where, time.Now().Format("15:04:05.000"), err))
}

// score is a copy of the counters.
func (b *balancer) score() (requests map[string]int, served map[int]int, dropped, unexpected []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	requests, served = map[string]int{}, map[int]int{}
	for k, v := range b.requests {
		requests[k] = v
	}
	for k, v := range b.served {
		served[k] = v
	}
	return requests, served, append([]string(nil), b.dropped...), append([]string(nil), b.unexpected...)
}

// do sends one JSON request and reads the whole answer.
func do(client *http.Client, base, method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}
