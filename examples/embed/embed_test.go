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

var secret = []byte("embed-secret-0123456789abcdef012")

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

// host is the example service on a fresh database, served over real HTTP.
type host struct {
	t   *testing.T
	db  *gorm.DB
	k   *orgkit.Kit
	srv *httptest.Server
}

func newHost(t *testing.T, d gormstore.Dialect) *host {
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
	k, err := wire(context.Background(), db, r, orgkit.AuthConfig{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	h := &host{t: t, db: db, k: k, srv: httptest.NewServer(r)}
	t.Cleanup(h.srv.Close)
	return h
}

func (h *host) call(method, path, email string, orgID int64) (int, map[string]any) {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	tok, err := auth.MintHS256(auth.Config{HS256Secret: secret}, domain.Identity{Subject: email, Email: email, EmailVerified: true}, time.Hour, time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if orgID != 0 {
		req.Header.Set("X-Organization-ID", fmt.Sprint(orgID))
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			h.t.Fatal(err)
		}
	}
	return res.StatusCode, out
}

// org creates an organization whose owner is owner, with one member of each role given.
func (h *host) org(slug, owner string, members map[string]domain.Role) int64 {
	h.t.Helper()
	ctx := context.Background()
	svc := h.k.Service()
	sign := func(email string) domain.Principal {
		p, err := svc.SignIn(ctx, domain.Identity{Subject: email, Email: email, EmailVerified: true})
		if err != nil {
			h.t.Fatal(err)
		}
		return p
	}
	p := sign(owner)
	p.Superadmin = true // as an operator would, to create it
	o, err := svc.CreateOrganization(ctx, p, domain.NewOrganization{Name: "Org " + slug, Slug: slug})
	if err != nil {
		h.t.Fatal(err)
	}
	for email, role := range members {
		sign(email)
		if _, err := svc.UpdateOrganization(ctx, p, o.ID, domain.OrganizationPatch{Settings: domain.SettingsPatch{DefaultRole: &role}}); err != nil {
			h.t.Fatal(err)
		}
		if _, _, err := svc.ConnectUser(ctx, p, o.ID, email, ""); err != nil {
			h.t.Fatal(err)
		}
	}
	for i := 1; i <= 2; i++ {
		if err := h.db.Exec("INSERT INTO appointments (organization_id, title) VALUES (?, ?)", o.ID, fmt.Sprintf("%s visit %d", slug, i)).Error; err != nil {
			h.t.Fatal(err)
		}
	}
	return o.ID
}

func TestEmbed(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := newHost(t, d)
			a := h.org("alpha", "owner-a@example.com", map[string]domain.Role{"admin-a@example.com": domain.RoleAdmin, "member-a@example.com": domain.RoleMember})
			b := h.org("bravo", "owner-b@example.com", nil)

			// orgkit's own API is mounted on the host's engine.
			if code, _ := h.call("GET", fmt.Sprintf("/v1/organizations/%d", a), "member-a@example.com", 0); code != 200 {
				t.Fatalf("orgkit route: %d", code)
			}
			code, body := h.call("GET", "/v1/appointments", "member-a@example.com", a)
			if code != 200 || len(body["data"].([]any)) != 2 {
				t.Fatalf("list: %d %v", code, body)
			}
			for _, item := range body["data"].([]any) {
				if int64(item.(map[string]any)["organization_id"].(float64)) != a {
					t.Fatalf("another organization's appointment listed: %v", item)
				}
			}
			if code, _ := h.call("GET", "/v1/appointments", "owner-b@example.com", a); code != 403 {
				t.Fatalf("a member of another organization listed: %d", code)
			}
			var first int64
			if err := h.db.Raw("SELECT min(id) FROM appointments WHERE organization_id = ?", a).Scan(&first).Error; err != nil {
				t.Fatal(err)
			}
			cancel := fmt.Sprintf("/v1/appointments/%d/cancel", first)
			for who, want := range map[string]int{"member-a@example.com": 403, "owner-b@example.com": 403} {
				if code, body := h.call("POST", cancel, who, a); code != want {
					t.Fatalf("%s cancelling: %d %v, want %d", who, code, body, want)
				}
			}
			if code, _ := h.call("POST", cancel, "owner-b@example.com", b); code != 404 {
				t.Fatalf("another organization's appointment by its id: %d, want 404", code)
			}
			if code, body := h.call("POST", cancel, "admin-a@example.com", a); code != 200 || body["data"].(map[string]any)["status"] != "cancelled" {
				t.Fatalf("admin cancelling: %d %v", code, body)
			}
			if code, body := h.call("POST", cancel, "admin-a@example.com", a); code != 400 {
				t.Fatalf("cancelling twice: %d %v", code, body)
			}

			// Deleting an organization removes the host's rows in the same transaction.
			if _, err := h.k.Service().SignIn(context.Background(), domain.Identity{Subject: "root@example.com", Email: "root@example.com", EmailVerified: true}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.k.Service().SetSuperadmin(context.Background(), "root@example.com", true); err != nil {
				t.Fatal(err)
			}
			if code, body := h.call("DELETE", fmt.Sprintf("/v1/organizations/%d", a), "root@example.com", 0); code != 204 {
				t.Fatalf("delete: %d %v", code, body)
			}
			var left []int64
			if err := h.db.Raw("SELECT organization_id FROM appointments ORDER BY id").Scan(&left).Error; err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(left) != fmt.Sprintf("[%d %d]", b, b) {
				t.Fatalf("appointments left %v, want bravo's two", left)
			}
		})
	}
}
