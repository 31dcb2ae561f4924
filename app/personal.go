package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// personalAttempts bounds the transactions one sign-in spends on a personal organization
// whose random slug suffix another organization had already.
const personalAttempts = 5

// providePersonal gives u, signing in with id, a personal organization when the service
// makes them (Config.PersonalOrganizations) and nothing was decided for u yet; the caller
// reads u again afterwards. It runs where a user is loaded from the store, never on a warm
// sign-in, and costs nothing once decided (PersonalCheckedAt). The decision is claimed on
// the user's row inside the transaction that creates the organization, so racing first
// requests make one, and a crash leaves either everything or nothing: a user who belongs to
// an organization by then is marked decided and gets none.
func (s *Service) providePersonal(ctx context.Context, u domain.User, id domain.Identity) error {
	if !s.personal || u.PersonalCheckedAt != nil {
		return nil
	}
	for attempt := 1; ; attempt++ {
		var org *domain.Organization
		err := s.do(ctx, func(tx ports.Repos) error {
			org = nil
			o, made, err := s.personalIn(ctx, tx, u, id)
			if made {
				org = &o
			}
			return err
		})
		if errors.Is(err, domain.ErrSlugTaken) && attempt < personalAttempts {
			continue // the suffix drawn was taken: draw another
		}
		if err == nil && org != nil {
			s.invalidate(ctx, slugKey(org.Slug)) // a negative entry of the slug
		}
		return err
	}
}

// personalIn claims the decision for u and, when u belongs to no organization, creates
// their personal organization with u as its owner and current organization, audited as
// organization.created by u. made reports whether it created one.
func (s *Service) personalIn(ctx context.Context, tx ports.Repos, u domain.User, id domain.Identity) (domain.Organization, bool, error) {
	now := s.clock.Now()
	if awaits, err := invitedNow(ctx, tx, u, now); err != nil || awaits {
		return domain.Organization{}, false, err // decided once they join, or it lapses
	}
	claimed, err := tx.Users().ClaimPersonalCheck(ctx, u.ID, now)
	if err != nil || !claimed {
		return domain.Organization{}, false, err
	}
	ids, err := tx.Memberships().OrganizationIDs(ctx, u.ID)
	if err != nil || len(ids) > 0 {
		return domain.Organization{}, false, err
	}
	name := domain.PersonalOrganizationName(id.Organization, u)
	org, err := domain.NewOrganization{Name: name, Slug: personalSlug(name)}.Build(now)
	if err != nil {
		return org, false, err
	}
	if org, err = tx.Organizations().Create(ctx, org); err != nil {
		return org, false, err
	}
	owner := domain.Principal{User: u}
	e := event{action: domain.AuditOrganizationCreated, targetType: "organization", targetID: org.ID}
	if _, err := s.join(ctx, tx, &owner, org.ID, u.ID, domain.RoleOwner, e); err != nil {
		return org, false, err
	}
	return org, true, nil
}

// invitedNow reports whether u's verified email has a pending invitation: such a user is on
// their way into an organization (`orgkit init`'s owner among them), so the decision waits
// until they joined it or it expired; unverified emails match no invitation.
func invitedNow(ctx context.Context, tx ports.Repos, u domain.User, now time.Time) (bool, error) {
	if !u.EmailVerified || u.Email == nil {
		return false, nil
	}
	return tx.Invitations().AwaitsAny(ctx, *u.Email, now)
}

// personalSlug is a slug of name with a random suffix: the name comes from the user's own
// token (a claim they may edit), so the bare slug of a company's name is never theirs to take
// ("acme" stays free for Acme's real organization; the personal one is "acme-3f9a1c").
func personalSlug(name string) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return domain.WithSlugSuffix(domain.SlugFrom(name), hex.EncodeToString(b[:]))
}
