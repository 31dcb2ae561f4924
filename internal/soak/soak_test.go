package soak

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/internal/testenv"
)

const (
	replicas = 3
	workers  = 8
	rate     = 150 // requests a second through the balancer
	// recheckEvery is ORGKIT_DOMAIN_RECHECK_PENDING and _VERIFIED, recheckPoll
	// ORGKIT_DOMAIN_RECHECK_POLL: each background-checked domain is due every recheckEvery
	// and some replica looks every recheckPoll.
	recheckEvery = 2 * time.Second
	recheckPoll  = 250 * time.Millisecond
	// defaultDuration keeps `make test` short; `make soak` sets ORGKIT_SOAK_DURATION=3m.
	defaultDuration = 25 * time.Second
)

// soakDuration is ORGKIT_SOAK_DURATION, or defaultDuration.
func soakDuration(t *testing.T) time.Duration {
	v := os.Getenv("ORGKIT_SOAK_DURATION")
	if v == "" {
		return defaultDuration
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("ORGKIT_SOAK_DURATION must be a positive duration such as 3m, not %q", v)
	}
	return d
}

// TestSoak: three replicas of the built binary on one fresh Postgres database and one Redis,
// behind the load generator's own round-robin balancer, for ORGKIT_SOAK_DURATION. It checks
// (a) a rate limit admits exactly its quota across replicas, (b) a change on one replica shows
// on the others within propagationBound, (c) each due domain is checked once per period,
// (d) each event is delivered once, and (e) rolling restarts by SIGTERM drop no request.
func TestSoak(t *testing.T) {
	pgDSN, redisURL := testenv.Postgres(t), testenv.Redis(t)
	duration := soakDuration(t)
	bin := buildBinary(t)
	dbURL := freshDatabase(t, pgDSN)
	prefix := "orgkit-soak-" + randomHex(6) + ":"
	t.Cleanup(func() { dropRedisKeys(t, redisURL, prefix) })
	dns, hooks := startDNS(t), startReceiver(t)
	secret := randomHex(32)
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (Go 1.24+)
	env := []string{
		"PATH=" + os.Getenv("PATH"), "ORGKIT_DATABASE_URL=" + dbURL, "ORGKIT_REDIS_URL=" + redisURL,
		"ORGKIT_REDIS_KEY_PREFIX=" + prefix, "ORGKIT_AUTH_HS256_SECRET=" + secret,
		"ORGKIT_SUPERADMIN_EMAILS=ops@example.com", "ORGKIT_VAULT_KEYS=k1:" + base64.StdEncoding.EncodeToString(key),
		"ORGKIT_WEBHOOK_ALLOW_PRIVATE=true", "ORGKIT_DNS_RESOLVERS=" + dns.addr,
		"ORGKIT_DOMAIN_RECHECK_PENDING=" + recheckEvery.String(), "ORGKIT_DOMAIN_RECHECK_VERIFIED=" + recheckEvery.String(),
		"ORGKIT_DOMAIN_RECHECK_POLL=" + recheckPoll.String(), "ORGKIT_SHUTDOWN_DELAY=1s",
		"ORGKIT_ACCESS_CACHE_TTL=20s", "ORGKIT_DB_MAX_CONNS=8", "ORGKIT_LOG_LEVEL=warn",
		"ORGKIT_BLOB_URL=db:", "ORGKIT_DATA_DIR=" + t.TempDir(),
	}
	c := newCluster(t, bin, env, replicas)
	for _, r := range c.replicas { // together: they migrate the fresh database once
		if err := c.start(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range c.replicas {
		if err := c.waitReady(r, 60*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	b := newBalancer(c.replicas)
	pollCtx, stopPolling := context.WithCancel(context.Background())
	polling := b.pollReady(pollCtx)
	defer func() { stopPolling(); polling.Wait() }()
	waitAllReady(t, c)

	ops := signIn(t, b, secret, "ops")
	ep := must(t, b, "POST", "/v1/webhook-endpoints", ops.token, map[string]any{"url": hooks.url}, 201)
	if err := hooks.setSecret(ep["secret"].(string)); err != nil {
		t.Fatal(err)
	}
	db := connectDB(t, dbURL)
	var firstEvent int64
	if err := db.QueryRow(context.Background(), "SELECT COALESCE(MAX(id), 0) FROM orgkit_events").Scan(&firstEvent); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, b, dns, secret, workers)
	t.Logf("setup done: %d replicas ready, fixture made", replicas)

	loadCtx, stopLoad := context.WithCancel(context.Background())
	load := runLoad(loadCtx, b, f, rate)
	started := time.Now()
	checkRateLimits(t, b, c.replicas, f)

	p := &prober{b: b, f: f, dns: dns}
	restarts := 0
	for k := 0; time.Since(started) < duration || restarts < replicas; k++ {
		a := c.replicas[k%replicas]
		var observers []*replica
		for _, r := range c.replicas {
			if r != a {
				observers = append(observers, r)
			}
		}
		p.round(k, a, observers)
		r := c.replicas[restarts%replicas]
		if err := rollingRestart(c, r); err != nil {
			stopLoad()
			load.Wait()
			t.Fatal(err)
		}
		restarts++
	}
	stopLoad()
	load.Wait()
	loadTime := time.Since(started)

	requests, served, dropped, unexpected := b.score()
	total := 0
	for _, n := range requests {
		total += n
	}
	t.Logf("load: %d requests in %v (%.0f/s), by replica %v, by operation %v", total, loadTime.Round(time.Millisecond),
		float64(total)/loadTime.Seconds(), served, requests)
	t.Logf("rolling restarts: %d; probes: %d propagations measured, the slowest %v", restarts, p.measured, p.worst)
	for _, d := range dropped {
		t.Errorf("dropped request: %s", d)
	}
	for _, u := range unexpected {
		t.Errorf("unexpected answer: %s", u)
	}
	for _, failure := range p.failures {
		t.Errorf("propagation: %s", failure)
	}
	checkRechecks(t, dns, db, f.recheck)
	checkDeliveries(t, hooks, db, firstEvent)
	for _, r := range c.replicas {
		if err := c.stop(r, 30*time.Second); err != nil {
			t.Error(err)
		}
		lines, err := r.errorLines()
		if err != nil {
			t.Error(err)
		}
		for _, l := range lines {
			t.Logf("replica %d logged: %.400s", r.n, l)
		}
	}
}

// waitAllReady waits until the balancer has seen every replica ready.
func waitAllReady(t *testing.T, c *cluster) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, r := range c.replicas {
		for !r.ready.Load() {
			if time.Now().After(deadline) {
				t.Fatalf("the balancer never saw replica %d ready", r.n)
			}
			time.Sleep(readyPoll)
		}
	}
}

// rollingRestart stops r with SIGTERM, waits for its clean exit, starts it again and waits
// until the balancer routes to it again.
func rollingRestart(c *cluster, r *replica) error {
	if err := c.stop(r, 30*time.Second); err != nil {
		return err
	}
	if err := c.start(r); err != nil {
		return err
	}
	if err := c.waitReady(r, 30*time.Second); err != nil {
		return err
	}
	deadline := time.Now().Add(5 * time.Second)
	for !r.ready.Load() {
		if time.Now().After(deadline) {
			return fmt.Errorf("the balancer never saw replica %d ready again", r.n)
		}
		time.Sleep(readyPoll)
	}
	return nil
}

// checkRateLimits sends more than the quota of two limited endpoints at once, spread evenly
// over the replicas, and expects exactly the quota admitted: connect-user (50 an hour per
// caller and organization; an unknown email is user_not_found after the quota is counted)
// and revealing API keys (10 a minute).
func checkRateLimits(t *testing.T, b *balancer, rs []*replica, f *fixture) {
	t.Helper()
	orgPath := fmt.Sprintf("/v1/organizations/%d", f.limitOrg.id)
	for _, c := range []struct {
		name, method, path string
		body               func(i int) any
		quota, extra       int
		admitted           int
	}{
		{"connect-user", "POST", orgPath + "/connect-user", func(i int) any { return map[string]any{"email": fmt.Sprintf("nobody-%d@example.com", i)} }, 50, 25, 404},
		{"reveal-api-keys", "GET", orgPath + "/api-keys", func(int) any { return nil }, 10, 15, 200},
	} {
		codes := make([]int, c.quota+c.extra)
		var wg sync.WaitGroup
		sem := make(chan struct{}, 12)
		for i := range codes {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				codes[i], _ = b.sendTo(rs[i%len(rs)], c.name, c.method, c.path, f.ops.token, c.body(i), c.admitted, 429)
			})
		}
		wg.Wait()
		got := map[int]int{}
		for _, code := range codes {
			got[code]++
		}
		if got[c.admitted] != c.quota || got[429] != c.extra {
			t.Errorf("%s: %d requests over %d replicas answered %v, want %d × %d and %d × 429", c.name, len(codes), len(rs), got, c.quota, c.admitted, c.extra)
		} else {
			t.Logf("%s: %d requests over %d replicas: exactly %d admitted", c.name, len(codes), len(rs), c.quota)
		}
	}
}

// checkRechecks: each background-checked domain was asked for at most once per recheckEvery
// (two replicas checking one due domain would ask twice within milliseconds), and again
// within maxGap (a claim left behind by a stopped replica would hold the domain for the
// 5-minute lease). No domain is left claimed.
func checkRechecks(t *testing.T, dns *dnsServer, db *pgx.Conn, names []string) {
	t.Helper()
	const tolerance = 100 * time.Millisecond
	// Generous, for a machine busy with the rest of `make test`: a claim left behind waits
	// out a 5-minute lease.
	maxGap := recheckEvery + recheckPoll + 10*time.Second
	now := time.Now()
	total := 0
	for _, name := range names {
		asked := dns.asked(txtHost(name))
		total += len(asked)
		if len(asked) < 2 {
			t.Errorf("recheck: %s checked %d times", name, len(asked))
			continue
		}
		for i := 1; i < len(asked); i++ {
			if gap := asked[i].Sub(asked[i-1]); gap < recheckEvery-tolerance {
				t.Errorf("recheck: %s checked twice within %v (at %s and %s): a due domain checked twice", name, gap,
					asked[i-1].Format("15:04:05.000"), asked[i].Format("15:04:05.000"))
			} else if gap > maxGap {
				t.Errorf("recheck: %s not checked for %v (from %s)", name, gap, asked[i-1].Format("15:04:05.000"))
			}
		}
		if idle := now.Sub(asked[len(asked)-1]); idle > maxGap {
			t.Errorf("recheck: %s not checked for the last %v", name, idle)
		}
	}
	t.Logf("recheck: %d domains, %d checks, each once per %v", len(names), total, recheckEvery)
	rows, err := db.Query(context.Background(), "SELECT domain, next_check_at FROM orgkit_domains WHERE next_check_at > now() + interval '1 minute'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var next time.Time
		if err := rows.Scan(&name, &next); err != nil {
			t.Fatal(err)
		}
		t.Errorf("recheck: %s is claimed until %s: a check was left unfinished", name, next.Format(time.RFC3339))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// checkDeliveries waits until the receiver has every event raised after its endpoint was
// created, then checks that each was delivered exactly once, with a valid signature, and that
// no delivery is still queued (a claimed one would be sent again when its lease ran out).
func checkDeliveries(t *testing.T, hooks *receiver, db *pgx.Conn, after int64) {
	t.Helper()
	ctx := context.Background()
	var all, expected []string
	rows, err := db.Query(ctx, "SELECT public_id, id > $1 FROM orgkit_events ORDER BY id", after)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var want bool
		if err := rows.Scan(&id, &want); err != nil {
			t.Fatal(err)
		}
		all = append(all, id)
		if want {
			expected = append(expected, id)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var missing []string
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, _ := hooks.counts()
		missing = missing[:0]
		for _, id := range expected {
			if got[id] == 0 {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	got, bad := hooks.counts()
	for _, b := range bad {
		t.Errorf("webhook: refused delivery: %s", b)
	}
	if len(missing) > 0 {
		t.Errorf("webhook: %d of %d events never delivered, such as %v", len(missing), len(expected), missing[:min(5, len(missing))])
	}
	known := map[string]bool{}
	for _, id := range all {
		known[id] = true
	}
	var twice []string
	for id, n := range got {
		if n != 1 {
			twice = append(twice, fmt.Sprintf("%s × %d", id, n))
		}
		if !known[id] {
			t.Errorf("webhook: delivered %s, which is no event", id)
		}
	}
	sort.Strings(twice)
	if len(twice) > 0 {
		t.Errorf("webhook: %d events delivered more than once: %s", len(twice), strings.Join(twice[:min(10, len(twice))], ", "))
	}
	var queued int
	if err := db.QueryRow(ctx, "SELECT count(*) FROM orgkit_webhook_deliveries WHERE status <> 'delivered'").Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if queued > 0 {
		t.Errorf("webhook: %d deliveries not marked delivered:\n%s", queued, queueState(t, db))
	}
	t.Logf("webhook: %d events expected, %d delivered, each once", len(expected), len(got))
}

// connectDB opens one connection to the fresh database for the checks.
func connectDB(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// dropRedisKeys deletes every key the replicas wrote under prefix.
func dropRedisKeys(t *testing.T, url, prefix string) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Error(err)
		return
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		if err := rdb.Del(ctx, iter.Val()).Err(); err != nil {
			t.Error(err)
			return
		}
	}
	if err := iter.Err(); err != nil {
		t.Error(err)
	}
}

// queueState describes the webhook queue by organization, for a failure message: how many
// deliveries wait (not due), are due, are leased, and the last attempt errors.
func queueState(t *testing.T, db *pgx.Conn) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	rows, err := db.Query(ctx, `SELECT COALESCE(organization_id, 0), status,
		count(*) FILTER (WHERE next_attempt_at IS NULL), count(*) FILTER (WHERE next_attempt_at <= now()),
		count(*) FILTER (WHERE next_attempt_at > now()), max(attempts)
		FROM orgkit_webhook_deliveries GROUP BY 1, 2 ORDER BY 1, 2`)
	if err != nil {
		return err.Error()
	}
	for rows.Next() {
		var org, waiting, due, leased int64
		var status string
		var attempts int
		if err := rows.Scan(&org, &status, &waiting, &due, &leased, &attempts); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "  organization %d %s: waiting %d, due %d, leased %d, most attempts %d\n", org, status, waiting, due, leased, attempts)
	}
	rows.Close()
	rows, err = db.Query(ctx, `SELECT error FROM orgkit_webhook_attempts WHERE error <> '' ORDER BY id DESC LIMIT 5`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "  attempt error: %s\n", e)
	}
	return b.String()
}
