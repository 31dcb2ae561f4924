package domain

import "slices"

// Role is a member's role within one organization.
type Role string

// Membership roles, most powerful first.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleViewer Role = "viewer"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return r == RoleOwner || r == RoleAdmin || r == RoleMember || r == RoleViewer
}

// Assignable reports whether r may be given by settings or invitation; ownership is only
// ever given by creating an organization.
func (r Role) Assignable() bool { return r.Valid() && r != RoleOwner }

// Action is something a principal may try to do to an organization.
type Action string

// Actions checked by the policy table.
const (
	ActionOrgCreate     Action = "organization.create"
	ActionOrgRead       Action = "organization.read"
	ActionOrgUpdate     Action = "organization.update"
	ActionOrgSetStatus  Action = "organization.set_status"
	ActionOrgDelete     Action = "organization.delete"
	ActionMemberConnect Action = "member.connect"
	ActionListAll       Action = "organization.list_all"
	ActionVaultReveal   Action = "api_keys.reveal"
	ActionVaultManage   Action = "api_keys.manage"
	ActionAuditRead     Action = "audit.read"
	ActionAuditReadAll  Action = "audit.read_all"
	ActionDomainRead    Action = "domain.read"
	ActionDomainManage  Action = "domain.manage"
	ActionMemberRead    Action = "member.read"
	ActionMemberManage  Action = "member.manage"
	ActionInviteManage  Action = "invite.manage"
	ActionStatsRead     Action = "stats.read"
	ActionEventRead     Action = "event_stream.read"
	ActionEventReadAll  Action = "event_stream.read_all"
	ActionWebhookManage Action = "webhook.manage"
	// ActionWebhookManageAll is managing the platform's endpoints, which receive every event.
	ActionWebhookManageAll Action = "webhook.manage_all"
)

// builtinPolicy is orgkit's own share of the one table of who may do what. Superadmins may
// do everything and are not listed; an action absent here (or with no roles) is
// superadmin-only. Hosts add their own actions with NewPolicy.
var builtinPolicy = map[Action][]Role{
	ActionOrgRead:       {RoleOwner, RoleAdmin, RoleMember, RoleViewer},
	ActionOrgUpdate:     {RoleOwner, RoleAdmin},
	ActionMemberConnect: {RoleOwner, RoleAdmin},
	ActionVaultReveal:   {RoleOwner, RoleAdmin},
	ActionVaultManage:   {RoleOwner, RoleAdmin},
	ActionAuditRead:     {RoleOwner, RoleAdmin},
	ActionDomainRead:    {RoleOwner, RoleAdmin, RoleMember, RoleViewer},
	ActionDomainManage:  {RoleOwner, RoleAdmin},
	ActionMemberRead:    {RoleOwner, RoleAdmin, RoleMember, RoleViewer},
	// Managing members, invite links and email invitations; which roles an actor may give or
	// take is CheckRoleChange's rule on top.
	ActionMemberManage: {RoleOwner, RoleAdmin},
	ActionInviteManage: {RoleOwner, RoleAdmin},
	// An organization's event stream and webhook endpoints: what its administrators integrate.
	ActionEventRead:     {RoleOwner, RoleAdmin},
	ActionWebhookManage: {RoleOwner, RoleAdmin},
}

// builtinActions are every action orgkit checks, including the superadmin-only ones.
var builtinActions = []Action{
	ActionOrgCreate, ActionOrgRead, ActionOrgUpdate, ActionOrgSetStatus, ActionOrgDelete,
	ActionMemberConnect, ActionListAll, ActionVaultReveal, ActionVaultManage, ActionAuditRead, ActionAuditReadAll,
	ActionDomainRead, ActionDomainManage, ActionMemberRead, ActionMemberManage, ActionInviteManage, ActionStatsRead,
	ActionEventRead, ActionEventReadAll, ActionWebhookManage, ActionWebhookManageAll,
}

// Policy is the one table of who may do what: orgkit's actions and a host's own.
type Policy struct{ rules map[Action][]Role }

// DefaultPolicy is orgkit's table with no host actions.
func DefaultPolicy() Policy { return Policy{rules: builtinPolicy} }

// NewPolicy is orgkit's table joined by a host's actions (such as "appointment.cancel":
// owner, admin). Errors: validation_error for an action orgkit already defines, an empty
// action name, or an unknown role.
func NewPolicy(host map[Action][]Role) (Policy, error) {
	rules := make(map[Action][]Role, len(builtinPolicy)+len(host))
	for a, roles := range builtinPolicy {
		rules[a] = roles
	}
	var v Validation
	for a, roles := range host {
		field := "permissions." + string(a)
		switch {
		case a == "" || !SafeText(string(a), false):
			v.Add("permissions", "host action names must be non-empty text")
		case slices.Contains(builtinActions, a):
			v.Add(field, "%s is one of orgkit's own actions; name host actions differently", a)
		}
		for _, r := range roles {
			if !r.Valid() {
				v.Add(field, "unknown role %q: roles are owner, admin, member, viewer", r)
			}
		}
		rules[a] = slices.Clone(roles)
	}
	return Policy{rules: rules}, v.Err()
}

// IsZero reports whether pol is the zero Policy, which allows nothing to non-superadmins.
func (pol Policy) IsZero() bool { return pol.rules == nil }

// Allows reports whether p, holding role in the organization (empty when not a member), may
// do action there.
func (pol Policy) Allows(p Principal, action Action, role Role) bool {
	if p.Superadmin {
		return true
	}
	return role != "" && slices.Contains(pol.rules[action], role)
}

// Principal is the authenticated caller.
type Principal struct {
	User       User
	Superadmin bool
}
