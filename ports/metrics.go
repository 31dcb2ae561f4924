package ports

import "time"

// Metrics counts what operators watch: requests, the resolve cache, DNS checks, rate-limit
// decisions, mail and webhook deliveries. Every argument comes from a small fixed set (never
// an id, slug, email, host name or URL), so an implementation's series stay bounded. Calls
// are made on hot paths: an implementation must not block and should not allocate.
// NopMetrics is the implementation when metrics are off.
type Metrics interface {
	// HTTPRequest records one answered request: route is the matched route template (such as
	// "/v1/organizations/:id"; "" when no route matched), method the request's, status the
	// answer's, d the time it took.
	HTTPRequest(route, method string, status int, d time.Duration)
	// ResolveCache records one resolve's use of the resolve cache.
	ResolveCache(r CacheResult)
	// DNSCheck records the outcome of one TXT lookup of a domain (a manual verify or a
	// background re-check).
	DNSCheck(o DNSOutcome)
	// RateLimit records one decision of the rate limiter of class limiter (one of
	// RateLimitClasses).
	RateLimit(limiter string, d RateDecision)
	// MailSend records one attempt to send a mail through the Mailer.
	MailSend(o MailOutcome)
	// WebhookDelivery records one delivery attempt to a webhook endpoint.
	WebhookDelivery(o DeliveryOutcome)
	// WebhookEndpointDisabled records an endpoint disabled after failing for too long.
	WebhookEndpointDisabled()
}

// CacheResult is what the resolve cache gave one resolve.
type CacheResult string

// The resolve cache's results.
const (
	CacheHit         CacheResult = "hit"          // an organization, from the cache
	CacheMiss        CacheResult = "miss"         // nothing cached: the database was asked
	CacheNegativeHit CacheResult = "negative_hit" // a cached "no such organization"
)

// DNSOutcome is what one TXT check found.
type DNSOutcome string

// The outcomes of a TXT check (the verified one and domain.FailureReason's values).
const (
	DNSVerified       DNSOutcome = "verified"
	DNSRecordNotFound DNSOutcome = "record_not_found"
	DNSValueMismatch  DNSOutcome = "value_mismatch"
	DNSResolverError  DNSOutcome = "resolver_error"
)

// RateDecision is a rate limiter's answer.
type RateDecision string

// The rate limiter's decisions; RateError is a limiter that could not answer (the request
// fails closed with 503).
const (
	RateAllowed RateDecision = "allowed"
	RateLimited RateDecision = "limited"
	RateError   RateDecision = "error"
)

// The rate-limit classes: the limiter label's only values.
const (
	LimitConnectUser        = "connect-user"
	LimitRevealAPIKeys      = "reveal-api-keys"
	LimitVerifyDomain       = "verify-domain"
	LimitInvitationsInviter = "invitations-inviter"
	LimitInvitationsPerOrg  = "invitations-org"
)

// RateLimitClasses lists every rate-limit class, so their series exist before the first
// decision.
var RateLimitClasses = []string{LimitConnectUser, LimitRevealAPIKeys, LimitVerifyDomain, LimitInvitationsInviter, LimitInvitationsPerOrg}

// The values of each label, so an implementation can make every series before its first
// event (a counter that exists at 0 is one an alert can watch rise).
var (
	CacheResults     = []CacheResult{CacheHit, CacheMiss, CacheNegativeHit}
	DNSOutcomes      = []DNSOutcome{DNSVerified, DNSRecordNotFound, DNSValueMismatch, DNSResolverError}
	RateDecisions    = []RateDecision{RateAllowed, RateLimited, RateError}
	MailOutcomes     = []MailOutcome{MailSent, MailFailed}
	DeliveryOutcomes = []DeliveryOutcome{DeliverySuccess, DeliveryFailure, DeliveryError}
)

// MailOutcome is how one send went.
type MailOutcome string

// The mail outcomes.
const (
	MailSent   MailOutcome = "sent"
	MailFailed MailOutcome = "failed"
)

// DeliveryOutcome is how one webhook delivery attempt went.
type DeliveryOutcome string

// The webhook delivery outcomes.
const (
	DeliverySuccess DeliveryOutcome = "success" // the receiver answered 2xx
	DeliveryFailure DeliveryOutcome = "failure" // the receiver answered something else
	DeliveryError   DeliveryOutcome = "error"   // no answer: refused target, connection failed, timed out
)

// NopMetrics records nothing: metrics are off.
type NopMetrics struct{}

var _ Metrics = NopMetrics{}

// HTTPRequest does nothing.
func (NopMetrics) HTTPRequest(string, string, int, time.Duration) {}

// ResolveCache does nothing.
func (NopMetrics) ResolveCache(CacheResult) {}

// DNSCheck does nothing.
func (NopMetrics) DNSCheck(DNSOutcome) {}

// RateLimit does nothing.
func (NopMetrics) RateLimit(string, RateDecision) {}

// MailSend does nothing.
func (NopMetrics) MailSend(MailOutcome) {}

// WebhookDelivery does nothing.
func (NopMetrics) WebhookDelivery(DeliveryOutcome) {}

// WebhookEndpointDisabled does nothing.
func (NopMetrics) WebhookEndpointDisabled() {}
