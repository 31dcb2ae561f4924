package domain

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
)

// policy is the one table of who may do what. Superadmins may do everything and are not
// listed; an action absent here (or with no roles) is superadmin-only.
var policy = map[Action][]Role{
	ActionOrgRead:       {RoleOwner, RoleAdmin, RoleMember, RoleViewer},
	ActionOrgUpdate:     {RoleOwner, RoleAdmin},
	ActionMemberConnect: {RoleOwner, RoleAdmin},
	ActionVaultReveal:   {RoleOwner, RoleAdmin},
	ActionVaultManage:   {RoleOwner, RoleAdmin},
	ActionAuditRead:     {RoleOwner, RoleAdmin},
}

// Principal is the authenticated caller.
type Principal struct {
	User       User
	Superadmin bool
}

// Can reports whether p, holding role in the organization (empty when not a member), may do
// action there.
func (p Principal) Can(action Action, role Role) bool {
	if p.Superadmin {
		return true
	}
	for _, r := range policy[action] {
		if r == role && role != "" {
			return true
		}
	}
	return false
}
