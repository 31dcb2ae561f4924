package orgkit

import (
	"fmt"
	"log/slog"
	"regexp"

	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/adapters/dnsverify"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// resolveCacheEntries bounds the in-process resolve cache: about 300 bytes an entry.
const resolveCacheEntries = 100_000

// dnsResolver asks Config.Domains.Resolvers, or /etc/resolv.conf's. Without either, domain
// checks answer resolver_error rather than keeping a host that never verifies domains from
// starting.
func (k *Kit) dnsResolver() ports.TXTResolver {
	r, err := dnsverify.New(dnsverify.Config{Resolvers: k.cfg.Domains.Resolvers, Timeout: k.cfg.Domains.LookupTimeout})
	if err != nil {
		k.cfg.Logger.Warn("no DNS resolver: domain verification answers resolver_error", slog.Any("error", err))
		return nil
	}
	return r
}

// resolveCache is shared through Redis when the host gave one, so an invalidation reaches
// every replica; otherwise in-process.
func (k *Kit) resolveCache() ports.ResolveCache {
	if k.cfg.Redis != nil {
		return cache.NewRedis(k.cfg.Redis, k.cfg.RedisKeyPrefix+"resolve:")
	}
	return cache.NewMemory(resolveCacheEntries)
}

func (k *Kit) domainsConfig() app.DomainsConfig {
	d, r := k.cfg.Domains, k.cfg.Domains.Recheck
	return app.DomainsConfig{Types: d.Types, PlatformDomains: k.cfg.PlatformDomains, VerificationPrefix: d.VerificationPrefix,
		Schedule: domain.DomainSchedule{PendingEvery: r.PendingEvery, PendingExpiry: r.PendingExpiry,
			VerifiedEvery: r.VerifiedEvery, FailingEvery: r.FailingEvery, Grace: r.Grace}}
}

// checkDomains refuses domain settings that could never work: a platform domain that is not a
// host name, or a domain type or verification prefix that is malformed. name says a setting
// the way its caller knows it (a Config field, or an ORGKIT_* variable).
func checkDomains(cfg Config, name func(field string) string) error {
	for _, base := range cfg.PlatformDomains {
		if err := domain.ValidateDomainName(domain.FoldHostname(base), nil); err != nil {
			return fmt.Errorf("%s: %q is not a host name such as clinic.example.app", name("PlatformDomains"), base)
		}
	}
	for _, t := range cfg.Domains.Types {
		if !domainType.MatchString(t) {
			return fmt.Errorf("%s: %q must be 1-32 lower-case letters, digits, '_' or '-'", name("Domains.Types"), t)
		}
	}
	if p := cfg.Domains.VerificationPrefix; p != "" && !verificationPrefix.MatchString(p) {
		return fmt.Errorf("%s: %q must be one DNS label such as _orgkit-verification", name("Domains.VerificationPrefix"), p)
	}
	return nil
}

func configField(field string) string { return "Config." + field }

var (
	domainType         = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)
	verificationPrefix = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]{0,62}$`)
)
