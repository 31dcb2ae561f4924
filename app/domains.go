package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/net/idna"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// DefaultVerificationPrefix names the TXT host of a domain's proof, <prefix>.<domain>.
const DefaultVerificationPrefix = "_orgkit-verification"

func (c DomainsConfig) withDefaults() DomainsConfig {
	if len(c.Types) == 0 {
		c.Types = slices.Clone(domain.DefaultDomainTypes)
	}
	if c.VerificationPrefix == "" {
		c.VerificationPrefix = DefaultVerificationPrefix
	}
	c.Schedule = scheduleWithDefaults(c.Schedule, domain.DefaultDomainSchedule())
	bases := make([]string, 0, len(c.PlatformDomains))
	for _, p := range c.PlatformDomains {
		if p = domain.FoldHostname(p); p != "" {
			bases = append(bases, p)
		}
	}
	c.PlatformDomains = bases
	return c
}

func scheduleWithDefaults(s, def domain.DomainSchedule) domain.DomainSchedule {
	if s.PendingEvery <= 0 {
		s.PendingEvery = def.PendingEvery
	}
	if s.PendingExpiry <= 0 {
		s.PendingExpiry = def.PendingExpiry
	}
	if s.VerifiedEvery <= 0 {
		s.VerifiedEvery = def.VerifiedEvery
	}
	if s.FailingEvery <= 0 {
		s.FailingEvery = def.FailingEvery
	}
	if s.Grace <= 0 {
		s.Grace = def.Grace
	}
	return s
}

// NewDomain is the input of AddDomain.
type NewDomain struct {
	Name, Type string
}

// Verification tells an administrator which TXT record proves a domain.
type Verification struct {
	TXTHost, TXTValue string
}

// VerificationOf is the TXT record that proves d.
func (s *Service) VerificationOf(d domain.CustomDomain) Verification {
	return Verification{TXTHost: s.domains.VerificationPrefix + "." + d.Name, TXTValue: d.VerificationToken}
}

// ListDomains returns an organization's custom domains, in the order they were added.
// Errors: organization_not_found, forbidden.
func (s *Service) ListDomains(ctx context.Context, p domain.Principal, orgID int64) ([]domain.CustomDomain, error) {
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionDomainRead); err != nil {
		return nil, err
	}
	ds, err := s.uow.Domains().List(ctx, orgID)
	return ds, wrap("list domains", err)
}

// AddDomain adds a custom domain, pending until a TXT record proves it. The name is
// normalized first (trimmed, lower-cased, trailing dot removed, internationalized names in
// punycode), so "Clinic.Example.COM." and "clinic.example.com" are one domain.
// An organization has at most domain.MaxDomainsPerOrganization domains.
// Errors: organization_not_found, forbidden, validation_error, domain_exists.
func (s *Service) AddDomain(ctx context.Context, p domain.Principal, orgID int64, in NewDomain) (domain.CustomDomain, error) {
	if _, _, err := s.Authorize(ctx, p, orgID, domain.ActionDomainManage); err != nil {
		return domain.CustomDomain{}, err
	}
	var v domain.Validation
	name, err := NormalizeDomainName(in.Name)
	v.Merge(err)
	d, err := domain.NewCustomDomain(orgID, name, in.Type, s.domains.Types, s.domains.PlatformDomains, s.newToken(), s.clock.Now(), s.domains.Schedule)
	v.Merge(err)
	if err == nil && len(s.VerificationOf(d).TXTHost) > domain.HostnameMax {
		v.Add("domain", "domain must be at most %d characters, so that its TXT record name fits in DNS", domain.HostnameMax-len(s.domains.VerificationPrefix)-1)
	}
	if err := v.Err(); err != nil {
		return domain.CustomDomain{}, err
	}
	err = s.do(ctx, func(tx ports.Repos) error {
		if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionDomainManage, false); err != nil {
			return err
		}
		existing, err := tx.Domains().List(ctx, orgID)
		if err != nil {
			return err
		}
		if len(existing) >= domain.MaxDomainsPerOrganization {
			return domain.InvalidField("domain", "an organization has at most %d domains: delete one first", domain.MaxDomainsPerOrganization)
		}
		if d, err = tx.Domains().Create(ctx, d); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditDomainCreated, targetType: "domain", targetID: d.ID})
	})
	if err != nil {
		return domain.CustomDomain{}, wrap("add domain", err)
	}
	s.invalidate(ctx, domainKey(d.Name)) // a negative entry of the name
	return d, nil
}

// VerifyDomain looks the domain's TXT record up now, at most 20 times a minute per caller
// and organization, and records the outcome: verified, or failed with the reason (a
// resolver error is an outcome too, never an error of the call). A verified domain keeps
// its status through a failed check until its grace period ends.
// Errors: organization_not_found, forbidden, domain_not_found, rate_limited,
// service_unavailable, domain_taken (another organization verified the name first).
func (s *Service) VerifyDomain(ctx context.Context, p domain.Principal, orgID, domainID int64) (domain.CustomDomain, domain.Quota, error) {
	if _, _, err := s.Authorize(ctx, p, orgID, domain.ActionDomainManage); err != nil {
		return domain.CustomDomain{}, domain.Quota{}, err
	}
	d, err := s.uow.Domains().Get(ctx, orgID, domainID)
	if err != nil {
		return d, domain.Quota{}, wrap("verify domain", err)
	}
	quota, err := s.limit(ctx, ports.LimitVerifyDomain, orgID, p, domain.LimitVerifyDomain)
	if err != nil {
		return d, quota, err
	}
	d, _, err = s.applyCheck(ctx, &p, d, s.lookup(ctx, d), true)
	return d, quota, wrap("verify domain", err)
}

// lookup checks d's TXT record and counts the outcome; it runs outside any transaction.
func (s *Service) lookup(ctx context.Context, d domain.CustomDomain) domain.FailureReason {
	reason := s.lookupTXT(ctx, d)
	s.metrics.DNSCheck(dnsOutcome(reason))
	return reason
}

// dnsOutcome is the metrics' name of a check's outcome.
func dnsOutcome(reason domain.FailureReason) ports.DNSOutcome {
	if reason == "" {
		return ports.DNSVerified
	}
	return ports.DNSOutcome(reason) // FailureReason's values are DNSOutcome's
}

func (s *Service) lookupTXT(ctx context.Context, d domain.CustomDomain) domain.FailureReason {
	if s.dns == nil {
		return domain.FailureResolverError
	}
	records, err := s.dns.LookupTXT(ctx, s.VerificationOf(d).TXTHost)
	switch {
	case err == nil:
		return domain.MatchTXT(records, d.VerificationToken)
	case isNoRecords(err):
		return domain.FailureRecordNotFound
	default:
		s.log.WarnContext(ctx, "domain check: no resolver answered", "domain", d.Name, "error", err)
		return domain.FailureResolverError
	}
}

// applyCheck records a check's outcome on the domain as it is now (the row is locked), then
// invalidates the resolve cache when its status changed. It returns the domain and the audit
// action of its status change ("" when it kept its status).
func (s *Service) applyCheck(ctx context.Context, p *domain.Principal, d domain.CustomDomain, reason domain.FailureReason, manual bool) (domain.CustomDomain, string, error) {
	var action string
	err := s.do(ctx, func(tx ports.Repos) error {
		if p != nil {
			if _, _, err := s.authorize(ctx, tx, *p, d.OrganizationID, domain.ActionDomainManage, false); err != nil {
				return err
			}
		}
		cur, err := tx.Domains().GetForUpdate(ctx, d.OrganizationID, d.ID)
		if err != nil {
			return err
		}
		d, action = cur.Checked(reason, s.clock.Now(), manual, s.domains.Schedule)
		if d, err = tx.Domains().Update(ctx, d); err != nil {
			return err
		}
		if action == "" {
			return nil
		}
		return s.record(ctx, tx, p, event{orgID: &d.OrganizationID, action: action, targetType: "domain", targetID: d.ID, changes: []string{"status"}})
	})
	if err != nil {
		return d, "", err
	}
	if action != "" {
		s.invalidate(ctx, domainKey(d.Name))
	}
	return d, action, nil
}

// DeleteDomain removes a custom domain; it stops resolving at once.
// Errors: organization_not_found, forbidden, domain_not_found.
func (s *Service) DeleteDomain(ctx context.Context, p domain.Principal, orgID, domainID int64) error {
	var name string
	err := s.do(ctx, func(tx ports.Repos) error {
		if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionDomainManage, false); err != nil {
			return err
		}
		d, err := tx.Domains().Get(ctx, orgID, domainID)
		if err != nil {
			return err
		}
		if err := tx.Domains().Delete(ctx, orgID, domainID); err != nil {
			return err
		}
		name = d.Name
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditDomainDeleted, targetType: "domain", targetID: domainID, data: d})
	})
	if err != nil {
		return wrap("delete domain", err)
	}
	s.invalidate(ctx, domainKey(name))
	return nil
}

// NormalizeDomainName is the one form in which custom domains are stored and looked up:
// trimmed, ASCII lower-cased, without the root's trailing dot, and internationalized names
// converted to ASCII (punycode) under IDNA's lookup rules, so "Bücher.Example" is
// "xn--bcher-kva.example". Errors: validation_error on the field "domain" when the name is
// not a valid internationalized name; ValidateDomainName decides the rest.
func NormalizeDomainName(raw string) (string, error) {
	name := domain.FoldHostname(raw)
	if domain.IsASCII(name) && !strings.Contains(name, "xn--") {
		return name, nil
	}
	if !domain.SafeText(name, false) {
		return "", domain.InvalidField("domain", "domain must be valid UTF-8 text without control characters")
	}
	ascii, err := idna.Lookup.ToASCII(name)
	if err != nil {
		return "", domain.InvalidField("domain", "domain is not a valid internationalized domain name")
	}
	return domain.FoldHostname(ascii), nil
}

// randomUUID is a version 4 UUID from crypto/rand: the default verification token.
func randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func domainKey(name string) string { return "domain:" + name }
func slugKey(slug string) string   { return "slug:" + slug }

// isNoRecords reports the resolver's answer that no TXT record exists.
// parseDomainName is a name someone typed or a Host carried, normalized and checked as a
// host name (platform domains are not refused: this is for finding a domain, not adding one).
// Errors: validation_error on "domain".
func parseDomainName(raw string) (string, error) {
	name, err := NormalizeDomainName(raw)
	if err != nil {
		return "", err
	}
	return name, domain.ValidateDomainName(name, nil)
}

func isNoRecords(err error) bool { return errors.Is(err, ports.ErrNoTXTRecords) }
