package app

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/orgkit/orgkit/domain"
)

// Background checks claim due domains a few at a time and hold each claim for checkLease,
// so no other replica checks them meanwhile: a batch is checked in two rounds of
// checkConcurrency, each check bounded by checkTimeout, well within the lease. A replica that
// died mid-check delays its domains by the lease at most.
const (
	checkConcurrency = 4
	checkBatch       = 2 * checkConcurrency
	checkTimeout     = time.Minute
	checkLease       = 5 * time.Minute
)

// CheckedDomain is one domain a re-check looked at and what became of it.
type CheckedDomain struct {
	Domain domain.CustomDomain // as it is after the check
	Reason domain.FailureReason
	Action string // the audit action of its status change, "" when it kept its status
	Err    error  // the check could not be recorded
}

// RecheckDueDomains checks every domain whose next check is due, as Kit.Run does on its
// schedule, and returns what it checked. Replicas running it together check each due domain
// once: claiming a domain moves its next check beyond the time a check takes. Status changes
// are audited (without an actor) and drop the resolve cache's entry. A check no resolver
// answered (a timeout, SERVFAIL) proves nothing: the domain keeps its status, and its next
// check backs off, each gap twice the last while resolvers keep failing (CustomDomain.Checked).
// When ctx ends it claims no more, but finishes the checks it claimed.
// Errors: ctx's when it ended, the database's, when claiming fails; one domain's failure is in its CheckedDomain.
func (s *Service) RecheckDueDomains(ctx context.Context) ([]CheckedDomain, error) {
	var out []CheckedDomain
	for {
		now := s.clock.Now()
		// The claim is not cancelled when ctx ends: one that commits while its caller gives up
		// would leave its domains to the lease.
		due, err := s.uow.Domains().ClaimDue(context.WithoutCancel(ctx), now, now.Add(checkLease), checkBatch)
		if err != nil {
			return out, wrap("claim due domains", err)
		}
		// Claimed domains are checked even when ctx ends (the replica is stopping): each
		// check is bounded, while one abandoned would wait out the whole lease.
		out = append(out, s.checkAll(context.WithoutCancel(ctx), due)...)
		if len(due) < checkBatch || ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
}

// RecheckDomain checks every organization's domain with the name now, whatever its schedule,
// as a background check would (a pending domain stays pending on a failure).
// Errors: validation_error (not a domain name), domain_not_found (no organization has it).
func (s *Service) RecheckDomain(ctx context.Context, name string) ([]CheckedDomain, error) {
	name, err := parseDomainName(name)
	if err != nil {
		return nil, err
	}
	ds, err := s.uow.Domains().ByName(ctx, name)
	if err != nil {
		return nil, wrap("recheck domain", err)
	}
	if len(ds) == 0 {
		return nil, domain.ErrDomainNotFound
	}
	return s.checkAll(ctx, ds), nil
}

// checkAll checks ds a few at a time: each check waits on DNS, not on this machine.
func (s *Service) checkAll(ctx context.Context, ds []domain.CustomDomain) []CheckedDomain {
	out := make([]CheckedDomain, len(ds))
	sem := make(chan struct{}, checkConcurrency)
	var wg sync.WaitGroup
	for i, d := range ds {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = s.checkInBackground(ctx, d)
		})
	}
	wg.Wait()
	return out
}

func (s *Service) checkInBackground(ctx context.Context, d domain.CustomDomain) CheckedDomain {
	lookupCtx, cancel := context.WithTimeout(ctx, checkTimeout)
	reason := s.lookup(lookupCtx, d)
	cancel()
	after, action, err := s.applyCheck(ctx, nil, d, reason, false)
	if errors.Is(err, domain.ErrDomainTaken) {
		// The record proves this organization controls the name, but another one holds it
		// verified: for this organization it stays unproven until it expires.
		s.log.WarnContext(ctx, "domain check: the record matches, but another organization has the name verified",
			slog.String("domain", d.Name), slog.Int64("organization_id", d.OrganizationID))
		reason = domain.FailureValueMismatch
		after, action, err = s.applyCheck(ctx, nil, d, reason, false)
	}
	if err != nil {
		after, action = d, ""
		s.log.ErrorContext(ctx, "domain check could not be recorded", slog.String("domain", d.Name), slog.Any("error", err))
	}
	return CheckedDomain{Domain: after, Reason: reason, Action: action, Err: err}
}
