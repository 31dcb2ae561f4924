package soak

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// runLoad runs workers that together send about rate requests a second through the
// balancer until ctx ends: authenticated reads, lists, resolve, member changes and
// organization updates (the writes raise events). Each worker changes only its own
// churner's membership, so every answer is known in advance.
func runLoad(ctx context.Context, b *balancer, f *fixture, rate int) *sync.WaitGroup {
	pace := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(pace)
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				select {
				case pace <- struct{}{}:
				default: // every worker is busy: the machine is slower than the rate
				}
			}
		}
	})
	for w := range f.readers {
		wg.Go(func() { loadWorker(b, f, w, pace) })
	}
	return &wg
}

func loadWorker(b *balancer, f *fixture, w int, pace <-chan struct{}) {
	reader, churner := f.readers[w], f.churners[w]
	o := f.loadOrgs[w%len(f.loadOrgs)]
	orgPath := fmt.Sprintf("/v1/organizations/%d", o.id)
	churn, n := 0, 0
	for range pace {
		n++
		switch n % 10 {
		case 0:
			b.send("me", "GET", "/v1/me", reader.token, nil, 200)
		case 1:
			b.send("list", "GET", "/v1/organizations", reader.token, nil, 200)
		case 2, 3:
			b.send("get", "GET", orgPath, reader.token, nil, 200)
		case 4:
			b.send("members", "GET", orgPath+"/members", reader.token, nil, 200)
		case 5, 6:
			b.send("resolve", "GET", "/v1/public/organizations/resolve?slug="+o.slug, "", nil, 200)
		case 7:
			b.send("update", "PATCH", orgPath, f.ops.token, map[string]any{"tagline": fmt.Sprintf("worker %d update %d", w, n)}, 200)
		default:
			member := fmt.Sprintf("%s/members/%d", orgPath, churner.id)
			switch churn % 3 {
			case 0:
				b.send("member-add", "POST", orgPath+"/members", f.ops.token, map[string]any{"user_id": churner.id, "role": "member"}, 201)
			case 1:
				b.send("member-role", "PATCH", member, f.ops.token, map[string]any{"role": "viewer"}, 200)
			case 2:
				b.send("member-remove", "DELETE", member, f.ops.token, nil, 204)
			}
			churn++
		}
	}
}
