package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
)

var (
	secret = []byte("events-secret-0123456789abcdef01")
	// now is the host's clock in every test: events ending before it are inactive.
	now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// host is the example service on a fresh database of one dialect, served over real HTTP.
type host struct {
	t   *testing.T
	db  *gorm.DB
	k   *orgkit.Kit
	srv *httptest.Server
}

// The people of every test: alpha's owner, admin, member and viewer, bravo's admin (an
// admin of another organization), a signed-in outsider and a superadmin of neither.
const (
	owner      = "owner-a@example.com"
	admin      = "admin-a@example.com"
	member     = "member-a@example.com"
	viewer     = "viewer-a@example.com"
	otherAdmin = "owner-b@example.com"
	outsider   = "outsider@example.com"
	root       = "root@example.com"
)

// newHost starts the example on a fresh database; o.auth and o.now are set for the test.
func newHost(t *testing.T, d gormstore.Dialect, o options) *host {
	t.Helper()
	db, err := gormstore.OpenDB(context.Background(), gormtest.URL(t, d))
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
	r := gin.New()
	o.auth, o.now = orgkit.AuthConfig{HS256Secret: secret}, func() time.Time { return now }
	k, err := wire(context.Background(), db, r, o)
	if err != nil {
		t.Fatal(err)
	}
	h := &host{t: t, db: db, k: k, srv: httptest.NewServer(r)}
	t.Cleanup(h.srv.Close)
	return h
}

// request sends body (JSON unless a Content-Type header is given) as email ("" sends no
// token), with header pairs, and decodes a JSON answer. It reports errors instead of
// failing, so goroutines may call it.
func (h *host) request(method, path, email, body string, header ...string) (int, map[string]any, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if email != "" {
		tok, err := auth.MintHS256(auth.Config{HS256Secret: secret}, domain.Identity{Subject: email, Email: email, EmailVerified: true}, time.Hour, time.Now())
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			return 0, nil, err
		}
	}
	return res.StatusCode, out, nil
}

func (h *host) call(method, path, email, body string, header ...string) (int, map[string]any) {
	h.t.Helper()
	code, out, err := h.request(method, path, email, body, header...)
	if err != nil {
		h.t.Fatal(err)
	}
	return code, out
}

// org creates an organization whose owner is ownerEmail, with members of the roles given.
func (h *host) org(slug, ownerEmail string, members map[string]domain.Role) int64 {
	h.t.Helper()
	ctx, svc := context.Background(), h.k.Service()
	p := h.signIn(ownerEmail)
	p.Superadmin = true // as an operator would, to create it
	o, err := svc.CreateOrganization(ctx, p, domain.NewOrganization{Name: "Org " + slug, Slug: slug})
	if err != nil {
		h.t.Fatal(err)
	}
	for email, role := range members {
		h.signIn(email)
		if _, err := svc.UpdateOrganization(ctx, p, o.ID, domain.OrganizationPatch{Settings: domain.SettingsPatch{DefaultRole: &role}}); err != nil {
			h.t.Fatal(err)
		}
		if _, _, err := svc.ConnectUser(ctx, p, o.ID, email, ""); err != nil {
			h.t.Fatal(err)
		}
	}
	return o.ID
}

func (h *host) signIn(email string) domain.Principal {
	h.t.Helper()
	p, err := h.k.Service().SignIn(context.Background(), domain.Identity{Subject: email, Email: email, EmailVerified: true})
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// world is two organizations, alpha with one member of each role and bravo with its owner,
// and a superadmin.
func (h *host) world() (alpha, bravo int64) {
	h.t.Helper()
	alpha = h.org("alpha", owner, map[string]domain.Role{admin: domain.RoleAdmin, member: domain.RoleMember, viewer: domain.RoleViewer})
	bravo = h.org("bravo", otherAdmin, nil)
	h.signIn(root)
	if _, err := h.k.Service().SetSuperadmin(context.Background(), root, true); err != nil {
		h.t.Fatal(err)
	}
	return alpha, bravo
}

// count is the number of events stored for orgID.
func (h *host) count(orgID int64) int64 {
	h.t.Helper()
	var n int64
	if err := h.db.Model(&eventRow{}).Where("organization_id = ?", orgID).Count(&n).Error; err != nil {
		h.t.Fatal(err)
	}
	return n
}

func eventsPath(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/events", orgID) }

// wantError checks an answer in orgkit's envelope: status, code and, for a
// validation_error, exactly the fields named.
func wantError(t *testing.T, gotStatus int, body map[string]any, status int, code string, fields ...string) {
	t.Helper()
	e, _ := body["error"].(map[string]any)
	if gotStatus != status || e == nil || e["code"] != code || e["message"] == "" {
		t.Fatalf("got %d %v, want %d %s", gotStatus, body, status, code)
	}
	var got []string
	details, _ := e["details"].([]any)
	for _, d := range details {
		got = append(got, d.(map[string]any)["field"].(string))
	}
	slices.Sort(got)
	slices.Sort(fields)
	if !slices.Equal(got, fields) {
		t.Fatalf("fields %v, want %v (%v)", got, fields, body)
	}
}

// data is the "data" object of an answer.
func data(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	d, ok := body["data"].(map[string]any)
	if !ok {
		t.Fatalf("no data object: %v", body)
	}
	return d
}
