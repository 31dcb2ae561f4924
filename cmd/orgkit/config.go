package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/orgkit/orgkit/adapters/gormstore"
)

// config is DESIGN.md's configuration contract: every ORGKIT_* variable, mirrored by a flag
// of `orgkit serve` that defaults to the variable's value.
type config struct {
	HTTPAddr         string
	DatabaseURL      string
	RedisURL         string
	RedisKeyPrefix   string
	AuthHS256Secret  string
	AuthJWKSURL      string
	AuthIssuer       string
	AuthAudience     string
	AuthEmailClaim   string
	AssumeVerified   string // ORGKIT_AUTH_ASSUME_EMAIL_VERIFIED, a boolean
	SuperadminEmails string
	VaultKeys        string
	DNSResolvers     string
	VerifyPrefix     string
	PlatformDomains  string
	DomainTypes      string
	DomainRecheck    string // ORGKIT_DOMAIN_RECHECK, a boolean
	RecheckPending   time.Duration
	RecheckVerified  time.Duration
	RecheckPoll      time.Duration
	DomainGrace      time.Duration
	ResolveCacheTTL  time.Duration
	ResolveNegTTL    time.Duration
	ShutdownDelay    time.Duration
	DBMaxConns       int
	LogLevel         string
	LogFormat        string
	DataDir          string
	PublicURL        string
	BlobURL          string
	TrustedProxies   string
	DebugAddr        string
	MetricsAddr      string
	SMTPURL          string
	MailFrom         string
	InviteURL        string
	AccessCacheTTL   string
	PersonalOrgs     string // ORGKIT_PERSONAL_ORGANIZATIONS, a boolean
	WebhookPrivate   string // ORGKIT_WEBHOOK_ALLOW_PRIVATE, a boolean
	PortalCookie     string
	Dev              bool
	tracer           trace.TracerProvider // serve's, from the OTEL_* variables (tracing.go): no setting of orgkit's
}

type setting struct {
	flag, env, def, usage string
	dst                   *string
}

func (c *config) settings() []setting {
	return []setting{
		{"http-addr", "ORGKIT_HTTP_ADDR", "127.0.0.1:8080", "listen address", &c.HTTPAddr},
		{"database-url", "ORGKIT_DATABASE_URL", "sqlite:orgkit.db", "postgres://… or sqlite:<path>", &c.DatabaseURL},
		{"redis-url", "ORGKIT_REDIS_URL", "", "redis://… for the shared cache and rate limits (empty: in-process)", &c.RedisURL},
		{"redis-key-prefix", "ORGKIT_REDIS_KEY_PREFIX", "orgkit:", "prefix of every Redis key, for a Redis shared with other services", &c.RedisKeyPrefix},
		{"auth-hs256-secret", "ORGKIT_AUTH_HS256_SECRET", "", "shared secret for HS256 tokens", &c.AuthHS256Secret},
		{"auth-jwks-url", "ORGKIT_AUTH_JWKS_URL", "", "JWKS endpoint of the identity provider", &c.AuthJWKSURL},
		{"auth-issuer", "ORGKIT_AUTH_ISSUER", "", "required token issuer (iss)", &c.AuthIssuer},
		{"auth-audience", "ORGKIT_AUTH_AUDIENCE", "", "required token audience (aud)", &c.AuthAudience},
		{"auth-email-claim", "ORGKIT_AUTH_EMAIL_CLAIM", "email", "claim that carries the user's email", &c.AuthEmailClaim},
		{"auth-assume-email-verified", "ORGKIT_AUTH_ASSUME_EMAIL_VERIFIED", "false", "treat a token without an email_verified claim as verified (issuers that only issue verified emails)", &c.AssumeVerified},
		{"superadmin-emails", "ORGKIT_SUPERADMIN_EMAILS", "", "comma-separated platform superadmin emails", &c.SuperadminEmails},
		{"vault-keys", "ORGKIT_VAULT_KEYS", "", "id:base64(32 bytes)[,…]; the first seals, all open", &c.VaultKeys},
		{"dns-resolvers", "ORGKIT_DNS_RESOLVERS", "", "host:port list for TXT verification (empty: /etc/resolv.conf)", &c.DNSResolvers},
		{"domain-verification-prefix", "ORGKIT_DOMAIN_VERIFICATION_PREFIX", "_orgkit-verification", "TXT host is <prefix>.<domain>", &c.VerifyPrefix},
		{"platform-domains", "ORGKIT_PLATFORM_DOMAINS", "", "comma-separated base domains whose subdomains are slugs (resolve ?host=); refused as custom domains", &c.PlatformDomains},
		{"domain-types", "ORGKIT_DOMAIN_TYPES", "clinic,portal", "comma-separated accepted domain_type values", &c.DomainTypes},
		{"domain-recheck", "ORGKIT_DOMAIN_RECHECK", "true", "re-check domains in the background (false: only `orgkit domains recheck`)", &c.DomainRecheck},
		{"log-level", "ORGKIT_LOG_LEVEL", "info", "debug, info, warn or error", &c.LogLevel},
		{"log-format", "ORGKIT_LOG_FORMAT", "json", "json or text", &c.LogFormat},
		{"data-dir", "ORGKIT_DATA_DIR", ".orgkit", "where serve --dev keeps its generated secrets, and the default blob directory", &c.DataDir},
		{"public-url", "ORGKIT_PUBLIC_URL", "http://127.0.0.1:8080", "absolute base URL of public links (uploaded logos and icons)", &c.PublicURL},
		{"blob-url", "ORGKIT_BLOB_URL", "", "where logos and icons are kept: file:<dir>, db: or s3://bucket/prefix?endpoint=… (empty: file:<data dir>/blobs)", &c.BlobURL},
		{"trusted-proxies", "ORGKIT_TRUSTED_PROXIES", "", "comma-separated proxy CIDRs whose X-Forwarded-For is trusted", &c.TrustedProxies},
		{"smtp-url", "ORGKIT_SMTP_URL", "", "smtp://user:pass@host:587 or smtps://…:465 for invitation mail (empty: mail is logged, not sent)", &c.SMTPURL},
		{"mail-from", "ORGKIT_MAIL_FROM", "", "sender address of orgkit's mail (required with --smtp-url)", &c.MailFrom},
		{"invite-url", "ORGKIT_INVITE_URL", "http://127.0.0.1:8080/v1/invitations/{token}", "invitation link template; {token} is replaced", &c.InviteURL},
		{"access-cache-ttl", "ORGKIT_ACCESS_CACHE_TTL", "2s", "how long a replica may act on a caller's roles or an organization's status another replica changed (0: no access cache)", &c.AccessCacheTTL},
		{"personal-organizations", "ORGKIT_PERSONAL_ORGANIZATIONS", "false", "give a user who signs in belonging to no organization one of their own, once", &c.PersonalOrgs},
		{"webhook-allow-private", "ORGKIT_WEBHOOK_ALLOW_PRIVATE", "false", "deliver webhooks over plain http and to private, loopback and link-local addresses (development and tests; serve --dev sets it)", &c.WebhookPrivate},
		{"portal-cookie", "ORGKIT_PORTAL_COOKIE", "__session", "cookie holding the admin portal's token (/portal/; Clerk's session cookie by default)", &c.PortalCookie},
		{"debug-addr", "ORGKIT_DEBUG_ADDR", "", "loopback address of a pprof and /debug/vars listener (empty: none)", &c.DebugAddr},
		{"metrics-addr", "ORGKIT_METRICS_ADDR", "", "host:port of a listener serving only GET /metrics (empty: /metrics on the main listener)", &c.MetricsAddr},
	}
}

// register adds the configuration flags to fs. Their help shows the contract's defaults,
// never the environment's values (which may hold secrets); parse applies the environment.
func (c *config) register(fs *flag.FlagSet) {
	for _, s := range c.settings() {
		fs.StringVar(s.dst, s.flag, s.def, fmt.Sprintf("%s (%s)", s.usage, s.env))
	}
	fs.DurationVar(&c.ResolveCacheTTL, "resolve-cache-ttl", 5*time.Minute, "resolve cache lifetime (ORGKIT_RESOLVE_CACHE_TTL)")
	fs.DurationVar(&c.ResolveNegTTL, "resolve-negative-ttl", 30*time.Second, "how long resolve remembers that a name resolves to nothing (ORGKIT_RESOLVE_NEGATIVE_TTL)")
	fs.DurationVar(&c.RecheckPending, "domain-recheck-pending", 15*time.Minute, "how often an unverified domain is checked again, for 7 days (ORGKIT_DOMAIN_RECHECK_PENDING)")
	fs.DurationVar(&c.RecheckVerified, "domain-recheck-verified", 24*time.Hour, "how often a verified domain is checked again (ORGKIT_DOMAIN_RECHECK_VERIFIED)")
	fs.DurationVar(&c.RecheckPoll, "domain-recheck-poll", time.Minute, "how often each replica looks for domains due for a check (ORGKIT_DOMAIN_RECHECK_POLL)")
	fs.DurationVar(&c.DomainGrace, "domain-grace", 72*time.Hour, "how long a verified domain's record may be missing before it lapses (ORGKIT_DOMAIN_GRACE)")
	fs.DurationVar(&c.ShutdownDelay, "shutdown-delay", 5*time.Second, "after SIGTERM, /readyz answers 503 while serving for this long, then drain (ORGKIT_SHUTDOWN_DELAY)")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", gormstore.DefaultMaxConns, "Postgres connection pool size, idle = open (ORGKIT_DB_MAX_CONNS)")
}

// typedSettings are the settings whose flags are not strings: their variables go through the
// flag's own parser, and validate checks the range.
var typedSettings = []struct{ flag, env, want string }{
	{"resolve-cache-ttl", "ORGKIT_RESOLVE_CACHE_TTL", "a positive duration such as 5m"},
	{"resolve-negative-ttl", "ORGKIT_RESOLVE_NEGATIVE_TTL", "a positive duration such as 30s"},
	{"domain-recheck-pending", "ORGKIT_DOMAIN_RECHECK_PENDING", "a positive duration such as 15m"},
	{"domain-recheck-verified", "ORGKIT_DOMAIN_RECHECK_VERIFIED", "a positive duration such as 24h"},
	{"domain-recheck-poll", "ORGKIT_DOMAIN_RECHECK_POLL", "a positive duration such as 1m"},
	{"domain-grace", "ORGKIT_DOMAIN_GRACE", "a positive duration such as 72h"},
	{"shutdown-delay", "ORGKIT_SHUTDOWN_DELAY", "a duration such as 5s, or 0"},
	{"db-max-conns", "ORGKIT_DB_MAX_CONNS", "a positive number of connections"},
}

// parse parses args; every flag not given takes its variable's value when that is set.
func (c *config) parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := parseInterspersed(fs, args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range c.settings() {
		if v := getenv(s.env); v != "" && !given[s.flag] {
			*s.dst = v
		}
	}
	for _, s := range typedSettings {
		if v := getenv(s.env); v != "" && !given[s.flag] {
			if err := fs.Set(s.flag, v); err != nil {
				return fmt.Errorf("%s must be %s, not %q", s.env, s.want, v)
			}
		}
	}
	return nil
}

func (c *config) validate() error {
	for _, d := range c.durations() {
		if *d.v <= 0 {
			return fmt.Errorf("%s (--%s) must be a positive duration", d.env, d.flag)
		}
	}
	if _, err := strconv.ParseBool(c.DomainRecheck); err != nil {
		return fmt.Errorf("ORGKIT_DOMAIN_RECHECK must be true or false, not %q", c.DomainRecheck)
	}
	if c.ShutdownDelay < 0 {
		return fmt.Errorf("ORGKIT_SHUTDOWN_DELAY (--shutdown-delay) must be a duration such as 5s, or 0")
	}
	if c.DBMaxConns < 1 {
		return fmt.Errorf("ORGKIT_DB_MAX_CONNS (--db-max-conns) must be a positive number of connections")
	}
	if _, err := strconv.ParseBool(c.AssumeVerified); err != nil {
		return fmt.Errorf("ORGKIT_AUTH_ASSUME_EMAIL_VERIFIED must be true or false, not %q", c.AssumeVerified)
	}
	if _, err := strconv.ParseBool(c.PersonalOrgs); err != nil {
		return fmt.Errorf("ORGKIT_PERSONAL_ORGANIZATIONS must be true or false, not %q", c.PersonalOrgs)
	}
	if _, err := strconv.ParseBool(c.WebhookPrivate); err != nil {
		return fmt.Errorf("ORGKIT_WEBHOOK_ALLOW_PRIVATE must be true or false, not %q", c.WebhookPrivate)
	}
	if err := loopbackAddr(c.DebugAddr); err != nil {
		return err
	}
	if err := listenAddr("ORGKIT_METRICS_ADDR", c.MetricsAddr); err != nil {
		return err
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		return fmt.Errorf("ORGKIT_LOG_FORMAT must be json or text, not %q", c.LogFormat)
	}
	return nil
}

// durations are the positive duration settings, which lookup hands to orgkit.ConfigFromEnv.
func (c *config) durations() []struct {
	env, flag string
	v         *time.Duration
} {
	return []struct {
		env, flag string
		v         *time.Duration
	}{
		{"ORGKIT_RESOLVE_CACHE_TTL", "resolve-cache-ttl", &c.ResolveCacheTTL},
		{"ORGKIT_RESOLVE_NEGATIVE_TTL", "resolve-negative-ttl", &c.ResolveNegTTL},
		{"ORGKIT_DOMAIN_RECHECK_PENDING", "domain-recheck-pending", &c.RecheckPending},
		{"ORGKIT_DOMAIN_RECHECK_VERIFIED", "domain-recheck-verified", &c.RecheckVerified},
		{"ORGKIT_DOMAIN_RECHECK_POLL", "domain-recheck-poll", &c.RecheckPoll},
		{"ORGKIT_DOMAIN_GRACE", "domain-grace", &c.DomainGrace},
	}
}

// assumeVerified is ORGKIT_AUTH_ASSUME_EMAIL_VERIFIED, checked by validate.
func (c *config) assumeVerified() bool {
	b, _ := strconv.ParseBool(c.AssumeVerified)
	return b
}

// parseInterspersed is fs.Parse that also accepts flags after positional words, as in
// `orgkit audit verify --expect-head 1=…`; fs.Args() are the positional words.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("ORGKIT_LOG_LEVEL must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loopbackAddr refuses a debug listener reachable from other machines: pprof and the
// resolve counters are for the operator on the host.
func loopbackAddr(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("ORGKIT_DEBUG_ADDR must be a loopback host:port such as 127.0.0.1:6060, not %q", addr)
	}
	return nil
}
