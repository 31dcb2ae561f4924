package domain

import (
	"strings"
	"time"
)

// Member is one membership as the members list shows it: the user and their role.
type Member struct {
	UserID   int64
	Email    *string
	Name     *string
	Role     Role
	JoinedAt time.Time
}

// MemberQuery selects a page of an organization's members, oldest first.
type MemberQuery struct {
	Page     int
	PageSize int
	Role     *Role // nil: every role
	// Q keeps the members whose email or name contains it, ignoring case (the `q`
	// parameter); at most SearchMax characters, surrounding space trimmed. Empty: everyone.
	Q string
}

// Offset is the number of rows before the page.
func (q MemberQuery) Offset() int { return (q.Page - 1) * q.PageSize }

// Normalize fills zero values with the defaults (page 1, 25 a page), trims Q and checks
// every bound.
func (q MemberQuery) Normalize() (MemberQuery, error) {
	var v Validation
	normalizePage(&v, &q.Page, &q.PageSize)
	if q.Role != nil && !q.Role.Valid() {
		v.Add("role", "role must be one of owner, admin, member, viewer")
	}
	q.Q = strings.TrimSpace(q.Q)
	v.Merge(ValidateSearch("q", q.Q))
	return q, v.Err()
}

// rank orders roles by power; "" (not a member) is below every role.
func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// Above reports whether r is more powerful than other.
func (r Role) Above(other Role) bool { return r.rank() > other.rank() }

// ValidateRole refuses anything but the four roles, naming field.
func ValidateRole(field string, r Role) error {
	if !r.Valid() {
		return InvalidField(field, "%s must be one of owner, admin, member, viewer", field)
	}
	return nil
}

// CheckRoleChange decides whether p, holding actor in an organization, may move a member
// from role `from` ("" for someone not yet a member) to role `to` ("" to remove them), once
// the policy let p manage members at all. Only owners (and superadmins) give, change or take
// `owner`, and nobody gives a role above their own or changes someone above them.
// Errors: forbidden.
func CheckRoleChange(p Principal, actor, from, to Role) error {
	if p.Superadmin {
		return nil
	}
	if (from == RoleOwner || to == RoleOwner) && actor != RoleOwner {
		return ErrForbidden
	}
	if to.Above(actor) || from.Above(actor) {
		return ErrForbidden
	}
	return nil
}

// CheckGrant decides whether p, holding actor, may hand out role through an invite link or
// an email invitation: never owner, never above the creator's own role.
// Errors: validation_error (role), forbidden.
func CheckGrant(p Principal, actor, role Role) error {
	if !role.Assignable() {
		return InvalidField("role", "role must be one of admin, member, viewer: ownership is not given by invitation")
	}
	if !p.Superadmin && role.Above(actor) {
		return ErrForbidden
	}
	return nil
}

// CheckResend decides whether p, holding actor, may give an invitation of role a new token:
// as CheckGrant, except that an operator's owner invitation (`orgkit init`), which expired
// before anyone accepted it, may be resent by superadmins and the organization's owners.
// Errors: validation_error (role), forbidden.
func CheckResend(p Principal, actor, role Role) error {
	if role != RoleOwner {
		return CheckGrant(p, actor, role)
	}
	if p.Superadmin || actor == RoleOwner {
		return nil
	}
	return ErrForbidden
}

// CheckDefaultRole refuses a change of settings.default_role above member by anyone but an
// owner or superadmin: whoever joins by email domain gets it, so an admin could otherwise
// hand admin to every colleague at once.
// Errors: forbidden.
func CheckDefaultRole(p Principal, actor Role, before, after Settings) error {
	if p.Superadmin || actor == RoleOwner || after.DefaultRole == before.DefaultRole || !after.DefaultRole.Above(RoleMember) {
		return nil
	}
	return ErrForbidden
}
