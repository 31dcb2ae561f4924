package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// event describes one audited change; record appends it, and the event receivers are sent,
// in the caller's transaction, so a change never exists without its record nor a record
// without its change.
type event struct {
	orgID      *int64
	action     string
	targetType string
	targetID   int64
	changes    []string
	// data is the resource as it was when the change's loading it afterwards would miss it
	// (a deletion); nil: loaded after the change (see raise).
	data any
	// eventType overrides the catalog's event for the action (api_key.rotated).
	eventType string
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
	r, err := tx.Audit().Append(ctx, r)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.action, err)
	}
	return s.raise(ctx, tx, r, e)
}

// ListAuditLogs pages through one organization's records, newest first. Zero fields of q
// take their defaults.
// Errors: organization_not_found, forbidden, validation_error.
func (s *Service) ListAuditLogs(ctx context.Context, p domain.Principal, orgID int64, q domain.AuditQuery) (domain.Page[domain.AuditRecord], error) {
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionAuditRead); err != nil {
		return domain.Page[domain.AuditRecord]{}, err
	}
	q.OrganizationID = &orgID
	return s.listAudit(ctx, q)
}

// ListAllAuditLogs pages through every record, platform ones included (superadmins).
// Errors: forbidden, validation_error.
func (s *Service) ListAllAuditLogs(ctx context.Context, p domain.Principal, q domain.AuditQuery) (domain.Page[domain.AuditRecord], error) {
	if !s.Can(p, domain.ActionAuditReadAll, "") {
		return domain.Page[domain.AuditRecord]{}, domain.ErrForbidden
	}
	return s.listAudit(ctx, q)
}

func (s *Service) listAudit(ctx context.Context, q domain.AuditQuery) (domain.Page[domain.AuditRecord], error) {
	q, err := q.Normalize()
	if err != nil {
		return domain.Page[domain.AuditRecord]{}, err
	}
	page, err := s.uow.Audit().List(ctx, q)
	return page, wrap("list audit logs", err)
}

// AuditChain is one hash chain after verification. Hashes prove nothing about records
// removed from a chain's end, so an operator records Head elsewhere and passes it back as an
// anchor later.
type AuditChain struct {
	OrganizationID *int64 // nil: the platform chain
	Records        int
	Head           string // hash of the chain's latest record
}

// AuditVerification is the result of walking every chain.
type AuditVerification struct {
	Checked  int
	BrokenID int64  // the first record whose link or hash is wrong; 0 when intact
	Reason   string // why BrokenID is broken
	Chains   []AuditChain
	// LostAnchors are the chains (0: the platform) whose anchor is no longer one of their
	// records: records were removed from their end (or the chain was rewritten).
	LostAnchors []int64
}

// VerifyAudit recomputes every record's hash and link in id order (`orgkit audit verify`)
// and reports each chain, the platform's first, then by organization id. anchors maps a chain
// (an organization id, 0 for the platform) to a hash recorded earlier: a chain that grew
// since still holds it, one cut below it does not.
func (s *Service) VerifyAudit(ctx context.Context, anchors map[int64]string) (AuditVerification, error) {
	var v AuditVerification
	chains := map[int64]*AuditChain{}
	anchored := map[int64]bool{}
	var after int64
	for {
		batch, err := s.uow.Audit().Scan(ctx, after, 500)
		if err != nil {
			return v, wrap("verify audit", err)
		}
		if len(batch) == 0 {
			v.Chains, v.LostAnchors = sortedChains(chains), lostAnchors(anchors, anchored)
			return v, nil
		}
		for _, r := range batch {
			v.Checked++
			c := chains[r.ChainKey()]
			if c == nil {
				c = &AuditChain{OrganizationID: r.OrganizationID}
				chains[r.ChainKey()] = c
			}
			switch {
			case r.PrevHash != c.Head:
				v.BrokenID, v.Reason = r.ID, "its prev_hash does not match the record before it (a record was removed, inserted or changed)"
			case r.Hash != r.ComputeHash():
				v.BrokenID, v.Reason = r.ID, "its content does not match its hash (the record was changed)"
			}
			if v.BrokenID != 0 {
				return v, nil
			}
			c.Records, c.Head = c.Records+1, r.Hash
			if a, ok := anchors[r.ChainKey()]; ok && a == r.Hash {
				anchored[r.ChainKey()] = true
			}
			after = r.ID
		}
	}
}

func sortedChains(m map[int64]*AuditChain) []AuditChain {
	out := make([]AuditChain, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, *m[k])
	}
	return out
}

func lostAnchors(anchors map[int64]string, found map[int64]bool) []int64 {
	var lost []int64
	for _, k := range slices.Sorted(maps.Keys(anchors)) {
		if !found[k] {
			lost = append(lost, k)
		}
	}
	return lost
}
