package app

import (
	"context"
	"fmt"
	"strconv"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// event describes one audited change; record appends it in the caller's transaction, so a
// change never exists without its record nor a record without its change.
type event struct {
	orgID      *int64
	action     string
	targetType string
	targetID   int64
	changes    []string
}

func (s *Service) record(ctx context.Context, tx ports.Repos, p *domain.Principal, e event) error {
	meta := domain.RequestMetaFrom(ctx)
	r := domain.AuditRecord{
		OrganizationID: e.orgID, Action: e.action, TargetType: e.targetType,
		TargetID: strconv.FormatInt(e.targetID, 10), Changes: e.changes, CreatedAt: s.clock.Now(),
		RequestID: meta.RequestID, IP: meta.IP, UserAgent: meta.UserAgent,
	}
	if p != nil {
		r.ActorUserID, r.ActorEmail = &p.User.ID, p.User.Email
	}
	if _, err := tx.Audit().Append(ctx, r); err != nil {
		return fmt.Errorf("audit %s: %w", e.action, err)
	}
	return nil
}

// ListAuditLogs pages through one organization's records, newest first.
// Errors: organization_not_found, forbidden.
func (s *Service) ListAuditLogs(ctx context.Context, p domain.Principal, orgID int64, q domain.AuditQuery) (domain.Page[domain.AuditRecord], error) {
	if _, _, err := authorize(ctx, s.uow, p, orgID, domain.ActionAuditRead, false); err != nil {
		return domain.Page[domain.AuditRecord]{}, err
	}
	q.OrganizationID = &orgID
	page, err := s.uow.Audit().List(ctx, q)
	return page, wrap("list audit logs", err)
}

// ListAllAuditLogs pages through every record, platform ones included (superadmins).
// Errors: forbidden.
func (s *Service) ListAllAuditLogs(ctx context.Context, p domain.Principal, q domain.AuditQuery) (domain.Page[domain.AuditRecord], error) {
	if !p.Can(domain.ActionAuditReadAll, "") {
		return domain.Page[domain.AuditRecord]{}, domain.ErrForbidden
	}
	page, err := s.uow.Audit().List(ctx, q)
	return page, wrap("list audit logs", err)
}

// AuditVerification is the result of walking every chain.
type AuditVerification struct {
	Checked  int
	BrokenID int64  // the first record whose link or hash is wrong; 0 when intact
	Reason   string // why BrokenID is broken
}

// VerifyAudit recomputes every record's hash and link in id order (`orgkit audit verify`).
func (s *Service) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	var v AuditVerification
	last := map[int64]string{} // chain key -> hash of its latest record
	var after int64
	for {
		batch, err := s.uow.Audit().Scan(ctx, after, 500)
		if err != nil || len(batch) == 0 {
			return v, wrap("verify audit", err)
		}
		for _, r := range batch {
			v.Checked++
			switch {
			case r.PrevHash != last[r.ChainKey()]:
				v.BrokenID, v.Reason = r.ID, "its prev_hash does not match the record before it (a record was removed, inserted or changed)"
			case r.Hash != r.ComputeHash():
				v.BrokenID, v.Reason = r.ID, "its content does not match its hash (the record was changed)"
			}
			if v.BrokenID != 0 {
				return v, nil
			}
			last[r.ChainKey()] = r.Hash
			after = r.ID
		}
	}
}
