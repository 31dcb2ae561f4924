package domain

import (
	"slices"
	"time"
)

// Event is one change as receivers see it: written in the same transaction as the change
// and its audit record, so no change is without its event and no event without its change.
type Event struct {
	ID             int64  // the stream's order; cursors and deliveries refer to it
	PublicID       string // "evt_…": the payload's id and the webhook-id, stable across retries
	Type           string // an EventTypes entry, or EventWebhookTest
	OrganizationID *int64 // nil: a platform event
	ActorUserID    *int64
	ActorEmail     *string
	// Payload is the whole JSON body delivered and listed: {id, type, created_at,
	// organization_id, actor, data}, made once so every retry sends the same bytes.
	Payload   []byte
	CreatedAt time.Time
}

// EventWebhookTest is the event POST …/webhook-endpoints/{id}/test sends to one endpoint.
const EventWebhookTest = "webhook.test"

// EventType is one entry of the event catalog: the audited actions that raise it and the
// resource its data carries.
type EventType struct {
	Type        string
	Audit       []string // audit actions that raise it
	Resource    string   // what data holds, as the API shows it
	Description string
}

// Webhook endpoint audit actions.
const (
	AuditWebhookEndpointCreated  = "webhook_endpoint.created"
	AuditWebhookEndpointUpdated  = "webhook_endpoint.updated"
	AuditWebhookEndpointDeleted  = "webhook_endpoint.deleted"
	AuditWebhookSecretRotated    = "webhook_endpoint.secret_rotated"
	AuditWebhookEndpointDisabled = "webhook_endpoint.disabled" // by orgkit, after failing for WebhookDisableAfter
)

// EventTypes is the event catalog, the one table of what receivers can be sent (the
// README's table is checked against it). Every audited change raises exactly one event,
// except reading API keys and switching one's own current organization (not changes to an
// organization).
var EventTypes = []EventType{
	{"organization.created", []string{AuditOrganizationCreated}, "organization", "an organization was created (also by orgkit init and personal organizations)"},
	{"organization.updated", []string{AuditOrganizationUpdated}, "organization", "fields or the status of an organization changed"},
	{"organization.deleted", []string{AuditOrganizationDeleted}, "organization", "an organization was deleted; data is its last state"},
	{"organization.logo_updated", []string{AuditOrganizationLogoUpdated}, "organization", "a logo was uploaded"},
	{"organization.logo_removed", []string{AuditOrganizationLogoRemoved}, "organization", "the logo was removed"},
	{"organization.icon_updated", []string{AuditOrganizationIconUpdated}, "organization", "an icon was uploaded"},
	{"organization.icon_removed", []string{AuditOrganizationIconRemoved}, "organization", "the icon was removed"},
	{"member.added", []string{AuditMemberAdded, AuditMemberConnected, AuditMemberJoined}, "member", "a user became a member: added, connected, or joined by a verified email domain"},
	{"member.role_changed", []string{AuditMemberRoleChanged}, "member", "a member's role changed"},
	{"member.removed", []string{AuditMemberRemoved, AuditMemberLeft}, "member", "a member was removed or left (the actor is the member); data is the membership as it was"},
	{"invitation.created", []string{AuditInvitationCreated}, "invitation", "an email invitation was sent"},
	{"invitation.resent", []string{AuditInvitationResent}, "invitation", "an invitation was sent again with a new expiry"},
	{"invitation.revoked", []string{AuditInvitationRevoked}, "invitation", "an invitation was revoked"},
	{"invitation.accepted", []string{AuditInvitationAccepted}, "invitation", "an invitation was accepted: its invitee is now a member"},
	{"invite_link.created", []string{AuditInviteCreated}, "invite_link", "an invite link was created (never its code)"},
	{"invite_link.updated", []string{AuditInviteUpdated}, "invite_link", "an invite link changed or was disabled"},
	{"invite_link.accepted", []string{AuditInviteAccepted}, "invite_link", "someone joined through an invite link: the actor is the new member"},
	{"domain.added", []string{AuditDomainCreated}, "domain", "a custom domain was added, pending verification"},
	{"domain.verified", []string{AuditDomainVerified}, "domain", "a domain's TXT record was found"},
	{"domain.failed", []string{AuditDomainVerificationFailed, AuditDomainExpired}, "domain", "a domain's verification failed, or its retry window ended; data.failure_reason says why"},
	{"domain.lapsed", []string{AuditDomainLapsed}, "domain", "a verified domain lost its TXT record for the grace period"},
	{"domain.removed", []string{AuditDomainDeleted}, "domain", "a custom domain was removed; data is its last state"},
	{"api_key.created", []string{AuditAPIKeyCreated}, "api_key", "a vault key was stored (never the secret)"},
	{"api_key.updated", []string{AuditAPIKeyUpdated}, "api_key", "a vault key's title or service changed"},
	{"api_key.rotated", nil, "api_key", "a vault key's secret was replaced (raised instead of api_key.updated)"},
	{"api_key.deleted", []string{AuditAPIKeyDeleted}, "api_key", "a vault key was deleted"},
	{"webhook_endpoint.created", []string{AuditWebhookEndpointCreated}, "webhook_endpoint", "a webhook endpoint was created (never its secret)"},
	{"webhook_endpoint.updated", []string{AuditWebhookEndpointUpdated}, "webhook_endpoint", "an endpoint's url, types, description or disabled flag changed"},
	{"webhook_endpoint.secret_rotated", []string{AuditWebhookSecretRotated}, "webhook_endpoint", "an endpoint's signing secret was rotated"},
	{"webhook_endpoint.disabled", []string{AuditWebhookEndpointDisabled}, "webhook_endpoint", "orgkit disabled an endpoint that failed for 3 days; data.disabled_reason says why"},
	{"webhook_endpoint.deleted", []string{AuditWebhookEndpointDeleted}, "webhook_endpoint", "a webhook endpoint was deleted"},
	{"superadmin.granted", []string{AuditSuperadminGranted}, "user", "a user became a platform superadmin (platform event)"},
	{"superadmin.revoked", []string{AuditSuperadminRevoked}, "user", "a user stopped being a platform superadmin (platform event)"},
	{"user.email_released", []string{AuditUserEmailReleased}, "user", "an unverified email was taken from a user (platform event)"},
	{"user.email_relinked", []string{AuditUserEmailRelinked}, "user", "an operator moved an email to another user (platform event)"},
}

var eventTypeOfAudit = func() map[string]string {
	m := map[string]string{}
	for _, t := range EventTypes {
		for _, a := range t.Audit {
			m[a] = t.Type
		}
	}
	return m
}()

// EventTypeOf returns the event type an audited action raises, and false for the actions
// that raise none.
func EventTypeOf(auditAction string) (string, bool) {
	t, ok := eventTypeOfAudit[auditAction]
	return t, ok
}

// KnownEventType reports whether t is in the catalog (or is EventWebhookTest).
func KnownEventType(t string) bool {
	return t == EventWebhookTest || slices.ContainsFunc(EventTypes, func(e EventType) bool { return e.Type == t })
}

// EventQuery selects a page of events, newest first.
type EventQuery struct {
	Page           int
	PageSize       int
	OrganizationID *int64 // nil: every event (superadmins)
	Type           string // "": every type
}

// Offset is the number of rows before the page.
func (q EventQuery) Offset() int { return (q.Page - 1) * q.PageSize }

// Normalize fills the zero values with the defaults (page 1, 25 a page) and checks every
// bound, so library callers may pass EventQuery{}.
func (q EventQuery) Normalize() (EventQuery, error) {
	var v Validation
	normalizePage(&v, &q.Page, &q.PageSize)
	if q.Type != "" && !KnownEventType(q.Type) {
		v.Add("type", "type must be an event type of the catalog")
	}
	return q, v.Err()
}
