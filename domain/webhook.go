package domain

import (
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook bounds and timings (Standard Webhooks; the schedule follows Svix's).
const (
	WebhookDescriptionMax = 500
	WebhookMaxEventTypes  = 64
	// WebhookMaxEndpoints bounds an owner's endpoints: each change fans out to every one.
	WebhookMaxEndpoints = 20
	// WebhookSecretOverlap is how long a rotated-out secret keeps signing next to the new one.
	WebhookSecretOverlap = 24 * time.Hour
	// WebhookDisableAfter is how long an endpoint fails every delivery before it is disabled,
	// once the delivery failing now has failed WebhookDisableAttempts times (about 2.5 hours
	// of retries): a single failure after a quiet spell disables nothing.
	WebhookDisableAfter    = 72 * time.Hour
	WebhookDisableAttempts = 5
	// WebhookAttemptTimeout bounds one delivery attempt.
	WebhookAttemptTimeout = 10 * time.Second
	// WebhookResponseMax is how much of a receiver's answer is read; WebhookResponseKept how
	// much of it an attempt keeps for GET …/deliveries.
	WebhookResponseMax  = 64 << 10
	WebhookResponseKept = 1 << 10
)

// WebhookSchedule is the wait before each attempt of a delivery: the first at once, the
// last about 33 hours after the event. A delivery whose last attempt fails is given up.
var WebhookSchedule = []time.Duration{0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// WebhookEndpoint is a URL that receives events: an organization's (its events only) or,
// with OrganizationID nil, the platform's (every event).
type WebhookEndpoint struct {
	ID             int64
	OrganizationID *int64
	URL            string
	EventTypes     []string // empty: every type
	Description    string
	Disabled       bool
	DisabledReason string // why orgkit disabled it; empty when an administrator did
	// Secret is the signing secret sealed by the vault's key ring; PreviousSecret the one it
	// replaced, which also signs until PreviousSecretUntil.
	Secret              []byte
	PreviousSecret      []byte
	PreviousSecretUntil *time.Time
	FailingSince        *time.Time // the first failed attempt since the last success
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Wants reports whether the endpoint receives events of type t.
func (e WebhookEndpoint) Wants(t string) bool {
	return !e.Disabled && (len(e.EventTypes) == 0 || slices.Contains(e.EventTypes, t))
}

// WebhookSecretAAD binds a sealed signing secret to its endpoint.
func WebhookSecretAAD(endpointID int64) []byte {
	return []byte("orgkit:webhook_secret:v1:" + strconv.FormatInt(endpointID, 10))
}

// WebhookDeliveryStatus is where one event stands with one endpoint.
type WebhookDeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   WebhookDeliveryStatus = "pending"
	DeliveryDelivered WebhookDeliveryStatus = "delivered"
	DeliveryFailed    WebhookDeliveryStatus = "failed" // every scheduled attempt failed
)

// WebhookDelivery is one event on its way to one endpoint. Deliveries of one endpoint and
// organization go out one at a time in event order.
type WebhookDelivery struct {
	ID             int64
	EndpointID     int64
	EventID        int64
	OrganizationID *int64
	Status         WebhookDeliveryStatus
	Attempts       int
	// NextAttemptAt is when it is due; zero once delivered or failed, and while it waits
	// behind an older pending delivery of its endpoint and organization.
	NextAttemptAt time.Time
	// LeaseUntil is the lease a claim holds (set by ClaimDue): the attempt is recorded only
	// while the delivery still holds it, so a late attempt never overwrites a newer one.
	LeaseUntil time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Event      Event            // filled by ClaimDue, GetDelivery and ListDeliveries
	AttemptLog []WebhookAttempt // filled by GetDelivery and ListDeliveries, oldest first
}

// WebhookAttempt is one try of a delivery.
type WebhookAttempt struct {
	ID         int64
	DeliveryID int64
	StatusCode int // 0: no answer (Error says why)
	Latency    time.Duration
	Response   string // the answer's start, at most WebhookResponseKept bytes
	Error      string
	CreatedAt  time.Time
}

// Succeeded reports whether the receiver took the event: any 2xx.
func (a WebhookAttempt) Succeeded() bool { return a.StatusCode >= 200 && a.StatusCode < 300 }

// DeliveryQuery selects a page of one endpoint's deliveries, newest first.
type DeliveryQuery struct {
	Page, PageSize int
	Status         WebhookDeliveryStatus // "": any
}

// Offset is the number of rows before the page.
func (q DeliveryQuery) Offset() int { return (q.Page - 1) * q.PageSize }

// Normalize fills the defaults and checks the bounds.
func (q DeliveryQuery) Normalize() (DeliveryQuery, error) {
	var v Validation
	normalizePage(&v, &q.Page, &q.PageSize)
	switch q.Status {
	case "", DeliveryPending, DeliveryDelivered, DeliveryFailed:
	default:
		v.Add("status", "status must be one of pending, delivered, failed")
	}
	return q, v.Err()
}

// WebhookEndpointInput is what creating or patching an endpoint may set; nil fields are
// left alone by a patch.
type WebhookEndpointInput struct {
	URL         *string
	EventTypes  *[]string
	Description *string
	Disabled    *bool
}

// Validate checks every field present; allowPrivate admits plain http and private,
// loopback and link-local literal addresses (ORGKIT_WEBHOOK_ALLOW_PRIVATE).
func (in WebhookEndpointInput) Validate(allowPrivate bool) error {
	var v Validation
	if in.URL != nil {
		if err := ValidateWebhookURL(*in.URL, allowPrivate); err != nil {
			v.Merge(err)
		}
	}
	if in.EventTypes != nil {
		if len(*in.EventTypes) > WebhookMaxEventTypes {
			v.Add("event_types", "event_types holds at most %d types", WebhookMaxEventTypes)
		}
		for _, t := range *in.EventTypes {
			if !KnownEventType(t) || t == EventWebhookTest {
				v.Add("event_types", "unknown event type %q: see the event catalog", truncateRunes(t, 60))
				break
			}
		}
	}
	if in.Description != nil && (!SafeText(*in.Description, true) || utf8.RuneCountInString(*in.Description) > WebhookDescriptionMax) {
		v.Add("description", "description must be at most %d characters of text", WebhookDescriptionMax)
	}
	return v.Err()
}

// ValidateWebhookURL checks a receiver URL: absolute https with a host, no credentials or
// fragment, at most URLMax bytes. A literal private, loopback or link-local address (or
// plain http) passes only when allowPrivate; names are checked again after DNS resolution
// when delivering.
func ValidateWebhookURL(raw string, allowPrivate bool) error {
	bad := func(format string, args ...any) error { return InvalidField("url", format, args...) }
	if raw == "" || len(raw) > URLMax || !SafeText(raw, false) || strings.ContainsAny(raw, " \t") {
		return bad("url must be an absolute https URL of at most %d characters", URLMax)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" || u.Opaque != "" {
		return bad("url must be an absolute https URL")
	}
	switch {
	case u.Scheme == "http" && !allowPrivate, u.Scheme != "https" && u.Scheme != "http":
		return bad("url must use https")
	case u.User != nil:
		return bad("url must not carry credentials: authenticate receivers by the signature")
	case u.Fragment != "":
		return bad("url must not have a fragment")
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil && !allowPrivate && !PublicAddr(ip) {
		return bad("url must not point at a private, loopback or link-local address")
	}
	if strings.EqualFold(strings.TrimSuffix(u.Hostname(), "."), "localhost") && !allowPrivate {
		return bad("url must not point at a private, loopback or link-local address")
	}
	return nil
}

// PublicAddr reports whether webhooks may be delivered to ip: not loopback, private (RFC
// 1918, ULA), link-local, unspecified, multicast, CGNAT, or an IPv4 address hidden in IPv6.
func PublicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsLoopback(), ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast(), ip.IsMulticast(), ip.IsUnspecified():
		return false
	}
	for _, p := range nonPublicPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var nonPublicPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64: an IPv4 address inside
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local NAT64
	netip.MustParsePrefix("2002::/16"),       // 6to4: an IPv4 address inside
	netip.MustParsePrefix("2001::/32"),       // Teredo
	netip.MustParsePrefix("::/128"),          // unspecified
	netip.MustParsePrefix("100::/64"),        // discard
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated)
	netip.MustParsePrefix("169.254.0.0/16"),  // link-local (cloud metadata), also IsLinkLocalUnicast
	netip.MustParsePrefix("fd00:ec2::/32"),   // AWS metadata over IPv6 (inside ULA too)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.51.100.0/24"), // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("::/96"),           // IPv4-compatible: an IPv4 address inside
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated: an IPv4 address inside
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
