package orgkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
)

var secret = []byte("host-secret-0123456789abcdef0123")

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// hostDB is a host's own pool on a fresh database, with settings orgkit must not touch.
func hostDB(t *testing.T, d gormstore.Dialect) *gorm.DB {
	t.Helper()
	db, err := gormstore.OpenDB(context.Background(), gormtest.URL(t, d), gormstore.WithMaxConns(3))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			if err := sqlDB.Close(); err != nil {
				t.Logf("close: %v", err)
			}
		}
	})
	return db
}

// poolAt is a pool of its own on the database at url, as each replica of a service has.
func poolAt(t *testing.T, url string) *gorm.DB {
	t.Helper()
	db, err := gormstore.OpenDB(context.Background(), url, gormstore.WithMaxConns(4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

func mint(t *testing.T, sub, email string) string {
	t.Helper()
	tok, err := auth.MintHS256(auth.Config{HS256Secret: secret}, domain.Identity{Subject: sub, Email: email, EmailVerified: true}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func call(t *testing.T, srv *httptest.Server, method, path, tok string, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil && err != io.EOF {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return res.StatusCode, out
}

func TestNew_RefusesBadConfig(t *testing.T) {
	db := hostDB(t, gormstore.SQLite)
	for name, cfg := range map[string]orgkit.Config{
		"nil DB":           {Auth: orgkit.AuthConfig{HS256Secret: secret}},
		"unknown role":     {DB: db, Permissions: map[string][]string{"appointment.cancel": {"manager"}}},
		"built-in action":  {DB: db, Permissions: map[string][]string{"organization.read": {"viewer"}}},
		"bad vault keys":   {DB: db, VaultKeys: "k1:not-base64"},
		"empty action":     {DB: db, Permissions: map[string][]string{"": {"owner"}}},
		"unsupported pool": {DB: &gorm.DB{Config: &gorm.Config{Dialector: fakeDialector{}}}},
	} {
		t.Run(name, func(t *testing.T) {
			if k, err := orgkit.New(context.Background(), cfg); err == nil || k != nil {
				t.Fatalf("accepted: %v", err)
			}
		})
	}
}

type fakeDialector struct{ gorm.Dialector }

func (fakeDialector) Name() string { return "mysql" }

// TestNew_LeavesTheHostPoolAlone: the pool's settings and the GORM logger stay the host's.
func TestNew_LeavesTheHostPoolAlone(t *testing.T) {
	db := hostDB(t, gormstore.SQLite)
	hostLogger := logger.Default.LogMode(logger.Silent)
	db.Config.Logger = hostLogger
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxIdleConns(1)
	before, skip := sqlDB.Stats().MaxOpenConnections, db.Config.SkipDefaultTransaction
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if db.Config.Logger != hostLogger || sqlDB.Stats().MaxOpenConnections != before || db.Config.SkipDefaultTransaction != skip {
		t.Fatalf("the host's pool or GORM config changed")
	}
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sqlDB.Ping(); err != nil {
		t.Fatalf("Close closed the host's pool: %v", err)
	}
}

// TestKit_NextToAHostSchema: orgkit installs next to a host that has its own users table and
// uses goose's default version table; every orgkit name is prefixed.
func TestKit_NextToAHostSchema(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			db := hostDB(t, d)
			ctx := context.Background()
			for _, stmt := range []string{
				"CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT NOT NULL)",
				"CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY, version_id BIGINT NOT NULL, is_applied BOOLEAN NOT NULL, tstamp TIMESTAMP)",
				"INSERT INTO users (id, login) VALUES (1, 'host-user')",
				"INSERT INTO goose_db_version (id, version_id, is_applied) VALUES (1, 0, TRUE), (2, 1, TRUE)",
			} {
				if err := db.Exec(stmt).Error; err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			k, err := orgkit.New(ctx, orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret}})
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var logins []string
			if err := db.Raw("SELECT login FROM users").Scan(&logins).Error; err != nil || fmt.Sprint(logins) != "[host-user]" {
				t.Fatalf("host users table changed: %v %v", logins, err)
			}
			var versions int64
			if err := db.Raw("SELECT count(*) FROM goose_db_version").Scan(&versions).Error; err != nil || versions != 2 {
				t.Fatalf("host goose history changed: %d %v", versions, err)
			}
			names := schemaNames(t, db, d)
			if len(names) == 0 {
				t.Fatal("no orgkit objects found")
			}
			for _, n := range names {
				if !strings.HasPrefix(n, "orgkit_") && n != "users" && n != "goose_db_version" && !strings.HasPrefix(n, "sqlite_") {
					t.Errorf("unprefixed name %q", n)
				}
			}
		})
	}
}

// schemaNames lists every table, index, sequence, trigger and function of the database.
func schemaNames(t *testing.T, db *gorm.DB, d gormstore.Dialect) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
	if d == gormstore.Postgres {
		q = `SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace
			UNION ALL SELECT conname FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
			UNION ALL SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = current_schema()::regnamespace AND NOT tgisinternal
			UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace`
	}
	var names []string
	if err := db.Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		if n != "users" && n != "goose_db_version" && !strings.HasPrefix(n, "users_") && !strings.HasPrefix(n, "goose_db_version_") {
			out = append(out, n)
		}
	}
	return out
}

// TestKit_RegisterOnAHostGroup: the API mounts under a host's group, beside the host's own
// routes, and host handlers answer in orgkit's envelope.
func TestKit_RegisterOnAHostGroup(t *testing.T) {
	ctx := context.Background()
	var events []orgkit.Event
	var mu sync.Mutex
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostDB(t, gormstore.SQLite), Auth: orgkit.AuthConfig{HS256Secret: secret},
		SuperadminEmails: []string{"root@example.com"},
		Hooks: orgkit.Hooks{AfterCommit: func(_ context.Context, e orgkit.Event) {
			mu.Lock()
			defer mu.Unlock()
			events = append(events, e)
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	api := r.Group("/api")
	k.Register(api)
	r.GET("/host/boom", func(c *gin.Context) { orgkit.WriteError(c, domain.ErrSlugTaken) })
	srv := httptest.NewServer(r)
	defer srv.Close()

	root := mint(t, "root", "root@example.com")
	if code, body := call(t, srv, "POST", "/api/v1/organizations", root, `{"name": "Acme", "slug": "acme"}`); code != 201 {
		t.Fatalf("create under the group: %d %v", code, body)
	}
	if code, _ := call(t, srv, "GET", "/v1/organizations", root, ""); code != 404 {
		t.Fatalf("the API leaked outside its group: %d", code)
	}
	code, body := call(t, srv, "GET", "/host/boom", "", "")
	if code != 409 || body["error"].(map[string]any)["code"] != "slug_taken" {
		t.Fatalf("WriteError: %d %v", code, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 || events[0].Action != domain.AuditOrganizationCreated || events[0].OrganizationID == nil {
		t.Fatalf("AfterCommit events %+v, want one organization.created", events)
	}
}

// TestKit_WithTx: the use cases join the host's transaction: a rollback leaves neither the
// host's row nor orgkit's change, a commit keeps both.
func TestKit_WithTx(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := hostDB(t, d)
			k, err := orgkit.New(ctx, orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret}})
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := db.Exec("CREATE TABLE host_notes (note TEXT NOT NULL)").Error; err != nil {
				t.Fatal(err)
			}
			p, err := k.Service().SignIn(ctx, domain.Identity{Subject: "root", Email: "root@example.com", EmailVerified: true})
			if err != nil {
				t.Fatal(err)
			}
			p.Superadmin = true
			rollback := errors.New("host decided to roll back")
			for _, c := range []struct {
				slug string
				err  error
			}{{"rolled-back", rollback}, {"committed", nil}} {
				err := db.Transaction(func(tx *gorm.DB) error {
					if err := tx.Exec("INSERT INTO host_notes (note) VALUES (?)", c.slug).Error; err != nil {
						return err
					}
					if _, err := k.WithTx(tx).CreateOrganization(ctx, p, domain.NewOrganization{Name: "Org " + c.slug, Slug: c.slug}); err != nil {
						return err
					}
					return c.err
				})
				if !errors.Is(err, c.err) {
					t.Fatalf("%s: %v", c.slug, err)
				}
			}
			var notes []string
			if err := db.Raw("SELECT note FROM host_notes").Scan(&notes).Error; err != nil || fmt.Sprint(notes) != "[committed]" {
				t.Fatalf("host rows %v %v", notes, err)
			}
			page, err := k.Service().ListOrganizations(ctx, p, domain.OrganizationQuery{})
			if err != nil || len(page.Items) != 1 || page.Items[0].Slug != "committed" {
				t.Fatalf("organizations %+v %v", page.Items, err)
			}
		})
	}
}

// TestKit_RegisterBehindHostMiddleware: mounted on a group that already authenticates,
// orgkit's own middleware still runs once: the body limit holds.
func TestKit_RegisterBehindHostMiddleware(t *testing.T) {
	ctx := context.Background()
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostDB(t, gormstore.SQLite), Auth: orgkit.AuthConfig{HS256Secret: secret},
		SuperadminEmails: []string{"root@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	k.Register(r.Group("/secure", k.Authenticate()))
	srv := httptest.NewServer(r)
	defer srv.Close()
	root := mint(t, "root", "root@example.com")
	if code, body := call(t, srv, "POST", "/secure/v1/organizations", root, `{"name": "Acme", "slug": "acme"}`); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	big := `{"tagline": "` + strings.Repeat("a", 3<<20) + `"}`
	req, err := http.NewRequest("PATCH", srv.URL+"/secure/v1/organizations/1", struct{ io.Reader }{strings.NewReader(big)}) // no Content-Length
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+root)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Body.Close(); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a 3 MiB body behind host middleware: %d, want 413", res.StatusCode)
	}
}
