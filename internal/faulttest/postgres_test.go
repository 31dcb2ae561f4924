package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/orgkit/orgkit/internal/testproc"
)

// attempt is one organization create of the load and how it was answered.
type attempt struct {
	slug   string
	status int
	code   string
	err    error
}

// TestFaults_PostgresRestart: creates keep coming while Postgres is stopped and started
// again. While it is down every answer is 503 service_unavailable; once it is back creates
// succeed without restarting orgkit; and every organization a create may have written is
// whole (its owner membership and its audit record) or absent.
func TestFaults_PostgresRestart(t *testing.T) {
	t.Parallel()
	start := time.Now()
	pg := testproc.StartPostgres(t)
	t.Logf("postgres up after %v", time.Since(start))
	k := startOrgkit(t, "ORGKIT_DATABASE_URL="+pg.DSN, "ORGKIT_DB_MAX_CONNS=8")
	tok := k.token("root", superadmin)
	expect(t, k.call("GET", "/v1/me", tok, nil), http.StatusOK, "")
	t.Logf("orgkit up after %v", time.Since(start))

	var (
		mu       sync.Mutex
		attempts []attempt
		created  atomic.Int64
		stop     = make(chan struct{})
		wg       sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				slug := fmt.Sprintf("load-%d-%d", w, i)
				r, err := k.do("POST", "/v1/organizations", tok, map[string]any{"name": slug, "slug": slug})
				if r.status == http.StatusCreated {
					created.Add(1)
				}
				mu.Lock()
				attempts = append(attempts, attempt{slug: slug, status: r.status, code: r.code(), err: err})
				mu.Unlock()
				if r.status == http.StatusServiceUnavailable {
					time.Sleep(50 * time.Millisecond) // as a client honouring Retry-After would, sooner
				}
			}
		})
	}
	eventually(t, 20*time.Second, "creates before the stop", func() error { return atLeast(&created, 20) })

	t.Logf("load running after %v", time.Since(start))
	pg.Stop(t)
	t.Logf("postgres stopped after %v", time.Since(start))
	down := k.call("GET", "/v1/organizations", tok, nil)
	expectUnavailable(t, down)
	expectUnavailable(t, k.call("POST", "/v1/organizations", tok, map[string]any{"name": "Down", "slug": "down"}))
	time.Sleep(500 * time.Millisecond) // the load meets the stopped database
	pg.Start(t)
	t.Logf("postgres restarted after %v", time.Since(start))

	before := created.Load()
	eventually(t, 20*time.Second, "creates after the restart", func() error { return atLeast(&created, before+20) })
	t.Logf("recovered after %v", time.Since(start))
	close(stop)
	wg.Wait()
	expect(t, k.call("GET", "/v1/organizations?limit=1", tok, nil), http.StatusOK, "")
	checkAttempts(t, pg.DSN, attempts)
}

func atLeast(n *atomic.Int64, want int64) error {
	if got := n.Load(); got < want {
		return fmt.Errorf("%d of %d", got, want)
	}
	return nil
}

// checkAttempts fails the test on any answer other than 201 or 503 service_unavailable, on
// a 201 whose organization is missing, and on any organization without its owner
// membership or its organization.created audit record.
func checkAttempts(t *testing.T, dsn string, attempts []attempt) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var unavailable, createdN int
	for _, a := range attempts {
		switch {
		case a.err != nil:
			t.Errorf("%s: %v", a.slug, a.err)
			continue
		case a.status == http.StatusCreated:
			createdN++
		case a.status == http.StatusServiceUnavailable && a.code == "service_unavailable":
			unavailable++
		default:
			t.Errorf("%s: answered %d %s", a.slug, a.status, a.code)
		}
		var orgs, owners, audits int
		err := db.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM orgkit_organizations WHERE slug = $1),
			(SELECT count(*) FROM orgkit_memberships m JOIN orgkit_organizations o ON o.id = m.organization_id WHERE o.slug = $1 AND m.role = 'owner'),
			(SELECT count(*) FROM orgkit_audit_logs l JOIN orgkit_organizations o ON l.organization_id = o.id WHERE o.slug = $1 AND l.action = 'organization.created')`,
			a.slug).Scan(&orgs, &owners, &audits)
		if err != nil {
			t.Fatal(err)
		}
		if a.status == http.StatusCreated && orgs != 1 {
			t.Errorf("%s: answered 201, but %d organizations", a.slug, orgs)
		}
		if orgs != owners || orgs != audits {
			t.Errorf("%s: half written: %d organizations, %d owner memberships, %d audit records", a.slug, orgs, owners, audits)
		}
	}
	t.Logf("%d creates: %d created, %d service_unavailable", len(attempts), createdN, unavailable)
	if unavailable == 0 {
		t.Error("no create met the stopped database")
	}
}
