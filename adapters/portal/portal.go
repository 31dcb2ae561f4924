// Package portal is orgkit's admin portal: server-rendered HTML pages (html/template) where
// organization admins manage their organization in a browser. It drives the very same use
// cases as the HTTP API (package app), so every rule, audit record and event is the API's.
// Sign-in is the API's bearer token, read from a cookie; forms are protected by a CSRF
// token and an Origin check, and every response carries a strict Content-Security-Policy.
package portal

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"html/template"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// DefaultCookie is the cookie the token is read from when Options.Cookie is empty: Clerk's
// session cookie, so a portal served on the product's domain needs no second sign-in.
const DefaultCookie = "__session"

// DevTokenTTL is the lifetime of a token minted by the development sign-in.
const DevTokenTTL = time.Hour

// Options configure the portal.
type Options struct {
	// Verifier checks the cookie's token exactly as the API checks bearer tokens. Required.
	Verifier ports.TokenVerifier
	// Describe maps an error to the HTTP status and the message the API answers with (its
	// one error table, httpapi.Describe). Required.
	Describe func(error) (status int, message string)
	// Cookie names the cookie holding the token; empty: DefaultCookie.
	Cookie string
	// Mint, when set, enables the development sign-in (GET/POST /portal/sign-in): it makes a
	// token for the identity, valid for ttl. Only development servers set it.
	Mint func(id domain.Identity, ttl time.Duration) (string, error)
	// CSRFKey keys the HMAC of the per-session CSRF tokens; every replica needs the same.
	// Empty: a random key of this process (tokens die with it).
	CSRFKey []byte
	// Logger receives failures the user is not shown; nil: slog.Default().
	Logger *slog.Logger
	// Metrics counts and times every portal request by route template; nil: none.
	Metrics ports.Metrics
}

// Portal is the admin portal over one Service.
type Portal struct {
	svc      *app.Service
	opts     Options
	csrf     []byte
	pages    map[string]*template.Template
	prefixes []string // where Register mounted the portal (set before serving)
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets/*
var assetFS embed.FS

// New builds the portal on svc. It panics when a template does not parse (a build defect).
func New(svc *app.Service, opts Options) *Portal {
	if opts.Cookie == "" {
		opts.Cookie = DefaultCookie
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = ports.NopMetrics{}
	}
	key := opts.CSRFKey
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key) // never fails (crypto/rand)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("orgkit portal csrf"))
	return &Portal{svc: svc, opts: opts, csrf: mac.Sum(nil), pages: parsePages()}
}

// Register mounts every portal route under r at /portal (so a group prefix comes before
// it): the pages, their forms, the sign-in and the static assets under /portal/assets/.
// Paths under it that match no route are answered by Unmatched, which the engine's NoRoute
// handler must call (Gin allows no catch-all beside the portal's own routes).
func (p *Portal) Register(r gin.IRouter) {
	g := r.Group("/portal", p.prelude)
	p.prefixes = append(p.prefixes, g.BasePath())
	g.StaticFS("/assets", assetsFS())
	g.GET("/sign-in", p.signInPage)
	g.POST("/sign-in", p.signIn)
	g.POST("/sign-out", p.signOut)
	a := g.Group("", p.authenticate, p.checkForm)
	p.registerOrganizations(a)
	p.registerMembers(a)
	p.registerInvitations(a)
	p.registerDomains(a)
	p.registerAPIKeys(a)
	p.registerAudit(a)
	p.registerWebhooks(a)
}
