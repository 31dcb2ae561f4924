package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/adapters/dnsverify"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/adapters/mail"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
	"github.com/orgkit/orgkit/adapters/metrics"
	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/adapters/vaultcrypto"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

const rootEmail = "root@example.com" // superadmin by configuration

// harness is the whole HTTP stack on a real database, served over real HTTP.
type harness struct {
	t      testing.TB
	store  *gormstore.Store
	router *gin.Engine
	srv    *httptest.Server
	svc    *app.Service
	authn  auth.Config
	logs   *syncBuffer
	mu     sync.Mutex
	now    time.Time        // the limiter's clock; advance it to leave a window
	dns    *dnstest.Server  // the service's only DNS resolver, on loopback
	smtp   *smtptest.Server // where invitation mail goes, on loopback (see deliver)
	tokens atomic.Int64     // verification tokens made: tok-1, tok-2, …
	blobs  ports.BlobStore  // uploaded logos and icons: a directory of its own (blobDir) unless an option replaced it
	// blobDir is the directory of the default blob store.
	blobDir string
}

// publicURL is the harness's ORGKIT_PUBLIC_URL: uploaded images' URLs start with it.
const publicURL = "https://api.orgkit.test"

// withBlobs builds the service on store instead of the harness's directory (nil: none).
func withBlobs(store ports.BlobStore) option { return func(d *app.Deps) { d.Blobs = store } }

// inviteURL is the harness's invitation link template.
const inviteURL = "https://app.example.com/invitations/{token}"

// platformDomain is the harness's platform base domain: <slug>.orgkit.test resolves by slug.
const platformDomain = "orgkit.test"

// option changes the harness's dependencies before the service is built.
type option func(*app.Deps)

// withMetrics records the service's and the router's metrics in a registry of their own, as
// the orgkit binary does.
func withMetrics(t testing.TB) option {
	m, err := metrics.New(prometheus.NewRegistry(), metrics.Options{Version: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	return func(d *app.Deps) { d.Metrics = m }
}

// noVault builds the service without ORGKIT_VAULT_KEYS.
func noVault(d *app.Deps) { d.Sealer = nil }

// testVaultKeys is a fixed ring for tests: the first key seals.
const testVaultKeys = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newHarness(t testing.TB, d gormstore.Dialect, opts ...option) *harness {
	t.Helper()
	return newHarnessWith(t, d, nil, opts...)
}

// newHarnessWith is newHarness with cfg changing the service's configuration (such as
// PersonalOrganizations) before it is built; cfg may be nil.
func newHarnessWith(t testing.TB, d gormstore.Dialect, cfg func(*app.Config), opts ...option) *harness {
	t.Helper()
	h := &harness{t: t, store: gormtest.Open(t, d), logs: &syncBuffer{}, now: time.Now(), dns: dnstest.Start(t),
		smtp: smtptest.Start(t), authn: auth.Config{HS256Secret: []byte("test-secret-0123456789abcdef0123")}}
	authn, err := auth.New(context.Background(), h.authn)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := vaultcrypto.Parse(testVaultKeys)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { h.mu.Lock(); defer h.mu.Unlock(); return h.now }
	log := slog.New(slog.NewJSONHandler(h.logs, nil))
	resolver, err := dnsverify.New(dnsverify.Config{Resolvers: []string{h.dns.Addr()}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	mailer, err := mail.NewSMTP(h.smtp.URL("", ""), "orgkit@example.com")
	if err != nil {
		t.Fatal(err)
	}
	h.blobDir = t.TempDir()
	files, err := blob.NewFile(h.blobDir)
	if err != nil {
		t.Fatal(err)
	}
	deps := app.Deps{Store: h.store, Sealer: ring, Limiter: ratelimit.NewMemory(clock), Logger: log, Blobs: files,
		DNS: resolver, Cache: cache.NewMemory(0), Mailer: mailer, Render: httpapi.Renderer{},
		NewToken: func() string { return fmt.Sprintf("tok-%d", h.tokens.Add(1)) }}
	for _, o := range opts {
		o(&deps)
	}
	h.blobs = deps.Blobs
	conf := app.Config{SuperadminEmails: []string{rootEmail}, PublicURL: publicURL,
		Domains:     app.DomainsConfig{PlatformDomains: []string{platformDomain}},
		Invitations: app.InvitationsConfig{URL: inviteURL},
		// Endpoints on loopback are accepted; nothing is sent (no Deps.Webhooks): deliveries stay pending.
		Webhooks: app.WebhooksConfig{AllowPrivate: true}}
	if cfg != nil {
		cfg(&conf)
	}
	h.svc = app.New(deps, conf)
	h.router, err = httpapi.New(h.svc, authn, httpapi.Options{Logger: log, Metrics: deps.Metrics})
	if err != nil {
		t.Fatal(err)
	}
	h.srv = httptest.NewServer(h.router)
	t.Cleanup(h.srv.Close)
	// A failed test shows the server's errors: a 500 answers only internal_error, its cause is logged.
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(h.logs.String(), "\n") {
				if strings.Contains(l, "request failed") {
					t.Log(l)
				}
			}
		}
	})
	return h
}

// sqlite is the default harness; tests that must hold on both databases use eachDialect.
func sqlite(t *testing.T) *harness { return newHarness(t, gormstore.SQLite) }

func eachDialect(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, newHarness(t, d)) })
	}
}

// token mints a valid token for a user; the email doubles as the subject.
func (h *harness) token(email string) string {
	h.t.Helper()
	tok, err := auth.MintHS256(h.authn, domain.Identity{Subject: "sub|" + email, Email: email, EmailVerified: true}, time.Hour, time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

type response struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (r response) data() map[string]any { m, _ := r.Body["data"].(map[string]any); return m }

// items returns the data array of a list answer, failing unless it holds exactly want items.
func (r response) items(t testing.TB, want int) []any {
	t.Helper()
	data, ok := r.Body["data"].([]any)
	if !ok || len(data) != want {
		t.Fatalf("%d item(s) in data, want %d: %s", len(data), want, r.Raw)
	}
	return data
}

func (r response) errCode() string {
	e, _ := r.Body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// fields lists the fields named by a validation error's details.
func (r response) fields() []string {
	e, _ := r.Body["error"].(map[string]any)
	ds, _ := e["details"].([]any)
	var out []string
	for _, d := range ds {
		out = append(out, d.(map[string]any)["field"].(string))
	}
	return out
}

// do sends a request; body may be nil, a string (sent as is) or a value (sent as JSON).
// email "" sends no Authorization header.
func (h *harness) do(method, path, email string, body any, headers ...string) response {
	h.t.Helper()
	token := ""
	if email != "" {
		token = h.token(email)
	}
	return h.doToken(method, path, token, body, headers...)
}

// claims mints a token with exactly the given claims (exp and iat are added when absent).
func (h *harness) claims(c jwt.MapClaims) string {
	h.t.Helper()
	if _, ok := c["exp"]; !ok {
		c["exp"] = time.Now().Add(time.Hour).Unix()
	}
	if _, ok := c["iat"]; !ok {
		c["iat"] = time.Now().Unix()
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(h.authn.HS256Secret)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok
}

// doToken is do with a ready token ("" sends none). A body string is sent as is, with the
// Content-Type header unless headers set another.
func (h *harness) doToken(method, path, token string, body any, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	out := response{Status: res.StatusCode, Header: res.Header, Raw: raw}
	if len(raw) > 0 && strings.Contains(res.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			h.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return out
}

// expect fails unless r has the status and, for errors, the code.
func expect(t testing.TB, r response, status int, code string) {
	t.Helper()
	if r.Status != status || (code != "" && r.errCode() != code) {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Raw, status, code)
	}
}

func id(v any) int64 { return int64(v.(float64)) }

// createOrg creates an organization as the configured superadmin.
func (h *harness) createOrg(slug string) int64 {
	h.t.Helper()
	r := h.do("POST", "/v1/organizations", rootEmail, map[string]any{"name": "Org " + slug, "slug": slug})
	expect(h.t, r, 201, "")
	return id(r.data()["id"])
}

// roles is an organization with one user of each role, plus an outsider who belongs to
// another organization. Each value is the user's email.
type roles struct {
	orgID                                  int64
	slug                                   string
	owner, admin, member, viewer, outsider string
}

// orgWithRoles builds a roles fixture through the API and the superadmin grant: the owner
// is made a superadmin just long enough to create the organization, as an operator would.
func (h *harness) orgWithRoles(slug string) roles {
	h.t.Helper()
	ctx := context.Background()
	r := roles{slug: slug, owner: "owner-" + slug + "@example.com", admin: "admin-" + slug + "@example.com",
		member: "member-" + slug + "@example.com", viewer: "viewer-" + slug + "@example.com",
		outsider: "outsider-" + slug + "@example.com"}
	for _, e := range []string{r.owner, r.admin, r.member, r.viewer, r.outsider} {
		expect(h.t, h.do("GET", "/v1/me", e, nil), 200, "")
	}
	if _, err := h.svc.SetSuperadmin(ctx, r.owner, true); err != nil {
		h.t.Fatal(err)
	}
	res := h.do("POST", "/v1/organizations", r.owner, map[string]any{"name": "Org " + slug, "slug": slug})
	expect(h.t, res, 201, "")
	r.orgID = id(res.data()["id"])
	if _, err := h.svc.SetSuperadmin(ctx, r.owner, false); err != nil {
		h.t.Fatal(err)
	}
	for _, m := range []struct{ email, role string }{{r.admin, "admin"}, {r.member, "member"}, {r.viewer, "viewer"}} {
		h.connect(r.orgID, m.email, m.role)
	}
	other := h.createOrg("other-" + slug)
	h.connect(other, r.outsider, "admin")
	return r
}

// connect adds email to the organization with role, through settings.default_role.
func (h *harness) connect(orgID int64, email, role string) {
	h.t.Helper()
	path := fmt.Sprintf("/v1/organizations/%d", orgID)
	expect(h.t, h.do("PATCH", path, rootEmail, map[string]any{"settings": map[string]any{"default_role": role}}), 200, "")
	expect(h.t, h.do("POST", path+"/connect-user", rootEmail, map[string]any{"email": email}), 200, "")
}

func newVerifier(ctx context.Context, h *harness) (ports.TokenVerifier, error) {
	return auth.New(ctx, h.authn)
}

// advance moves the limiter's clock forward.
func (h *harness) advance(d time.Duration) { h.mu.Lock(); defer h.mu.Unlock(); h.now = h.now.Add(d) }

// deliver sends what the outbox holds (as Kit.Run would) and returns the mail the loopback
// SMTP server has received, failing unless it is exactly want messages in all.
func (h *harness) deliver(want int) []smtptest.Message {
	h.t.Helper()
	if _, err := h.svc.DeliverOutbox(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	msgs := h.smtp.Messages()
	if len(msgs) != want {
		h.t.Fatalf("%d mail(s) received, want %d", len(msgs), want)
	}
	return msgs
}
