package orgkit

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/dnsverify"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/portal"
	"github.com/orgkit/orgkit/app"
)

// ConfigFromEnv reads the ORGKIT_* variables through getenv (os.Getenv, or a lookup that puts
// flags first) and opens what they name: the database of ORGKIT_DATABASE_URL (default
// sqlite:orgkit.db; SQLite needs the blank import of
// github.com/orgkit/orgkit/adapters/gormstore/sqlite) with a pool of ORGKIT_DB_MAX_CONNS
// connections kept open, and the Redis of ORGKIT_REDIS_URL with short timeouts. The caller
// closes both (CloseConfig). Errors name the variable that is wrong.
func ConfigFromEnv(ctx context.Context, getenv func(string) string) (Config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	cfg := Config{
		Auth: AuthConfig{HS256Secret: []byte(getenv("ORGKIT_AUTH_HS256_SECRET")), JWKSURL: getenv("ORGKIT_AUTH_JWKS_URL"),
			Issuer: getenv("ORGKIT_AUTH_ISSUER"), Audience: getenv("ORGKIT_AUTH_AUDIENCE"), EmailClaim: env("ORGKIT_AUTH_EMAIL_CLAIM", "email")},
		SuperadminEmails: splitList(getenv("ORGKIT_SUPERADMIN_EMAILS")),
		VaultKeys:        getenv("ORGKIT_VAULT_KEYS"),
		RedisKeyPrefix:   env("ORGKIT_REDIS_KEY_PREFIX", "orgkit:"),
		PlatformDomains:  splitList(getenv("ORGKIT_PLATFORM_DOMAINS")),
		Domains: DomainsConfig{Types: splitList(getenv("ORGKIT_DOMAIN_TYPES")),
			VerificationPrefix: env("ORGKIT_DOMAIN_VERIFICATION_PREFIX", "_orgkit-verification")},
		Mail:        MailConfig{SMTPURL: getenv("ORGKIT_SMTP_URL"), From: getenv("ORGKIT_MAIL_FROM")},
		Invitations: InvitationsConfig{URL: getenv("ORGKIT_INVITE_URL")},
		Portal:      PortalConfig{Cookie: env("ORGKIT_PORTAL_COOKIE", portal.DefaultCookie)},
	}
	if err := checkMailEnv(cfg); err != nil {
		return Config{}, err
	}
	resolvers, err := dnsverify.ParseResolvers(getenv("ORGKIT_DNS_RESOLVERS"))
	if err != nil {
		return Config{}, fmt.Errorf("ORGKIT_DNS_RESOLVERS: %w", err)
	}
	cfg.Domains.Resolvers = resolvers
	if err := checkDomains(cfg, envVariable); err != nil {
		return Config{}, err
	}
	if err := durationsFromEnv(getenv, &cfg); err != nil {
		return Config{}, err
	}
	recheck, err := strconv.ParseBool(env("ORGKIT_DOMAIN_RECHECK", "true"))
	if err != nil {
		return Config{}, fmt.Errorf("ORGKIT_DOMAIN_RECHECK must be true or false, not %q", getenv("ORGKIT_DOMAIN_RECHECK"))
	}
	cfg.Domains.Recheck.Disabled = !recheck
	if cfg.Auth.AssumeEmailVerified, err = strconv.ParseBool(env("ORGKIT_AUTH_ASSUME_EMAIL_VERIFIED", "false")); err != nil {
		return Config{}, fmt.Errorf("ORGKIT_AUTH_ASSUME_EMAIL_VERIFIED must be true or false, not %q", getenv("ORGKIT_AUTH_ASSUME_EMAIL_VERIFIED"))
	}
	if cfg.PersonalOrganizations, err = strconv.ParseBool(env("ORGKIT_PERSONAL_ORGANIZATIONS", "false")); err != nil {
		return Config{}, fmt.Errorf("ORGKIT_PERSONAL_ORGANIZATIONS must be true or false, not %q", getenv("ORGKIT_PERSONAL_ORGANIZATIONS"))
	}
	if cfg.Webhooks.AllowPrivate, err = strconv.ParseBool(env("ORGKIT_WEBHOOK_ALLOW_PRIVATE", "false")); err != nil {
		return Config{}, fmt.Errorf("ORGKIT_WEBHOOK_ALLOW_PRIVATE must be true or false, not %q", getenv("ORGKIT_WEBHOOK_ALLOW_PRIVATE"))
	}
	if v := getenv("ORGKIT_ACCESS_CACHE_TTL"); v != "" {
		ttl, err := time.ParseDuration(v)
		if err != nil || ttl < 0 {
			return Config{}, fmt.Errorf("ORGKIT_ACCESS_CACHE_TTL must be a duration such as 2s, or 0 to turn the cache off, not %q", v)
		}
		cfg.AccessCache = AccessCacheConfig{TTL: ttl, Disabled: ttl == 0}
	}
	maxConns, err := strconv.Atoi(env("ORGKIT_DB_MAX_CONNS", strconv.Itoa(gormstore.DefaultMaxConns)))
	if err != nil || maxConns < 1 {
		return Config{}, fmt.Errorf("ORGKIT_DB_MAX_CONNS must be a positive integer, not %q", getenv("ORGKIT_DB_MAX_CONNS"))
	}
	if url := env("ORGKIT_REDIS_URL", ""); url != "" {
		if cfg.Redis, err = redisClient(url); err != nil {
			return Config{}, err
		}
	}
	if cfg.DB, err = gormstore.OpenDB(ctx, env("ORGKIT_DATABASE_URL", "sqlite:orgkit.db"), gormstore.WithMaxConns(maxConns)); err != nil {
		CloseConfig(cfg)
		return Config{}, fmt.Errorf("ORGKIT_DATABASE_URL: %w", err)
	}
	if err := blobsFromEnv(ctx, env, &cfg); err != nil {
		CloseConfig(cfg)
		return Config{}, err
	}
	return cfg, nil
}

// blobsFromEnv reads ORGKIT_PUBLIC_URL and opens the blob store of ORGKIT_BLOB_URL (by
// default a directory blobs under ORGKIT_DATA_DIR).
func blobsFromEnv(ctx context.Context, env func(name, def string) string, cfg *Config) error {
	cfg.PublicURL = env("ORGKIT_PUBLIC_URL", app.DefaultPublicURL)
	if err := checkPublicURL(cfg.PublicURL); err != nil {
		return fmt.Errorf("ORGKIT_PUBLIC_URL: %w, not %q", err, cfg.PublicURL)
	}
	var err error
	def := "file:" + filepath.Join(env("ORGKIT_DATA_DIR", ".orgkit"), "blobs")
	if cfg.Blobs, err = blob.Open(ctx, env("ORGKIT_BLOB_URL", def), cfg.DB); err != nil {
		return fmt.Errorf("ORGKIT_BLOB_URL: %w", err)
	}
	return nil
}

// envVariable names the variable that sets a Config field.
func envVariable(field string) string {
	return map[string]string{"PlatformDomains": "ORGKIT_PLATFORM_DOMAINS", "Domains.Types": "ORGKIT_DOMAIN_TYPES",
		"Domains.VerificationPrefix": "ORGKIT_DOMAIN_VERIFICATION_PREFIX"}[field]
}

// durationsFromEnv reads the duration variables; unset ones keep their defaults (zero).
func durationsFromEnv(getenv func(string) string, cfg *Config) error {
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"ORGKIT_RESOLVE_CACHE_TTL", &cfg.Resolve.CacheTTL},
		{"ORGKIT_RESOLVE_NEGATIVE_TTL", &cfg.Resolve.NegativeTTL},
		{"ORGKIT_DOMAIN_RECHECK_PENDING", &cfg.Domains.Recheck.PendingEvery},
		{"ORGKIT_DOMAIN_RECHECK_VERIFIED", &cfg.Domains.Recheck.VerifiedEvery},
		{"ORGKIT_DOMAIN_RECHECK_POLL", &cfg.Domains.Recheck.PollEvery},
		{"ORGKIT_DOMAIN_GRACE", &cfg.Domains.Recheck.Grace},
	} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		n, err := time.ParseDuration(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s must be a positive duration such as 5m, not %q", d.name, v)
		}
		*d.dst = n
	}
	return nil
}

// CloseConfig closes the database pool and Redis client ConfigFromEnv opened.
func CloseConfig(cfg Config) error {
	var first error
	if cfg.Redis != nil {
		first = cfg.Redis.Close()
	}
	if cfg.DB != nil {
		if sqlDB, err := cfg.DB.DB(); err == nil {
			if err := sqlDB.Close(); first == nil {
				first = err
			}
		}
	}
	return first
}

// redisClient connects to url with short timeouts unless the URL sets its own (dial_timeout,
// read_timeout, …): a slow Redis must cost a request a fast 503, and go-redis's defaults (5s
// dial, 3s read and write) would hold a pool connection that long.
func redisClient(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ORGKIT_REDIS_URL: %w", err)
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&opt.DialTimeout, time.Second}, {&opt.ReadTimeout, 500 * time.Millisecond}, {&opt.WriteTimeout, 500 * time.Millisecond}, {&opt.PoolTimeout, time.Second}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if opt.DialerRetries == 0 {
		// go-redis dials 5 times 100 ms apart: an unreachable Redis would hold every write
		// (its resolve-cache invalidation) for half a second.
		opt.DialerRetries = 1
	}
	return redis.NewClient(opt), nil
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

// checkMailEnv names the variable behind a mail setting New would refuse.
func checkMailEnv(cfg Config) error {
	if _, err := invitationsOf(cfg); err != nil {
		return fmt.Errorf("ORGKIT_INVITE_URL must be an absolute http(s) URL containing {token}, not %q", cfg.Invitations.URL)
	}
	if cfg.Mail.SMTPURL == "" {
		return nil
	}
	if cfg.Mail.From == "" {
		return fmt.Errorf("ORGKIT_MAIL_FROM is required with ORGKIT_SMTP_URL")
	}
	if _, err := mailerOf(cfg); err != nil {
		return fmt.Errorf("ORGKIT_SMTP_URL or ORGKIT_MAIL_FROM: %w", err)
	}
	return nil
}
