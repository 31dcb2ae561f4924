package gormstore

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type statsRepo repos

var _ ports.StatsRepo = statsRepo{}

// Stats reports every organization status, with zero for those no organization has.
func (r statsRepo) Stats(ctx context.Context, now time.Time) (domain.Stats, error) {
	st := domain.Stats{OrganizationsByStatus: map[domain.Status]int64{
		domain.StatusActive: 0, domain.StatusSuspended: 0, domain.StatusArchived: 0,
	}}
	var byStatus []struct {
		Status string
		N      int64
	}
	db := r.db.WithContext(ctx)
	if err := db.Raw("SELECT status, COUNT(*) AS n FROM orgkit_organizations GROUP BY status").Scan(&byStatus).Error; err != nil {
		return st, dbErr("count organizations", err)
	}
	for _, s := range byStatus {
		st.OrganizationsByStatus[domain.Status(s.Status)] = s.N
	}
	var counts struct {
		Users, Memberships, VerifiedDomains, PendingInvitations int64
	}
	err := db.Raw(`SELECT
		(SELECT COUNT(*) FROM orgkit_users) AS users,
		(SELECT COUNT(*) FROM orgkit_memberships) AS memberships,
		(SELECT COUNT(*) FROM orgkit_domains WHERE status = ?) AS verified_domains,
		(SELECT COUNT(*) FROM orgkit_invitations WHERE status = ? AND expires_at > ?) AS pending_invitations`,
		string(domain.DomainVerified), string(domain.InvitationPending), now.UTC()).Scan(&counts).Error
	if err != nil {
		return st, dbErr("count rows", err)
	}
	st.Users, st.Memberships, st.VerifiedDomains, st.PendingInvitations = counts.Users, counts.Memberships, counts.VerifiedDomains, counts.PendingInvitations
	return st, nil
}
