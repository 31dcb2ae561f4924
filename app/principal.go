package app

import (
	"context"
	"errors"
	"log/slog"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// SignIn turns a verified token's identity into a principal, provisioning the user on
// first sight and keeping their email and name in step with the token. Sign-in never fails
// because of an email another user holds (see claimEmail). A configured superadmin email
// counts only while the user holds it verified. With Config.PersonalOrganizations, a user
// loaded from the store who belongs to no organization and was never given one gets a
// personal organization here, once (see providePersonal); a warm sign-in never checks.
// Errors: unauthorized (unusable claims).
func (s *Service) SignIn(ctx context.Context, id domain.Identity) (domain.Principal, error) {
	if err := id.Check(); err != nil {
		return domain.Principal{}, err
	}
	c := s.cached()
	if u, ok := c.user(id.Subject); ok && sameProfile(u, wantedProfile(u, id)) {
		return s.principalOf(u), nil // the token says what the store holds: nothing to write
	}
	gen := c.generation()
	u, err := s.uow.Users().Provision(ctx, id.Subject, s.clock.Now())
	if err != nil {
		return domain.Principal{}, wrap("provision user", err)
	}
	if u, err = s.syncProfile(ctx, u, id); err != nil {
		return domain.Principal{}, wrap("sync user profile", err)
	}
	if u.PersonalCheckedAt == nil && s.personal {
		if err := s.providePersonal(ctx, u, id); err != nil {
			return domain.Principal{}, wrap("personal organization", err)
		}
		gen = c.generation() // u is read again after the change that made its organization
		if u, err = s.uow.Users().Get(ctx, u.ID); err != nil {
			return domain.Principal{}, wrap("personal organization", err)
		}
	}
	c.putUser(u, gen)
	return s.principalOf(u), nil
}

func (s *Service) principalOf(u domain.User) domain.Principal {
	return domain.Principal{User: u, Superadmin: u.IsSuperadmin || s.superadminByConfig(u)}
}

func (s *Service) superadminByConfig(u domain.User) bool {
	return u.EmailVerified && u.Email != nil && s.superadmins[*u.Email]
}

// syncProfile stores the token's name and email when they differ from the user's. An email
// claim that is not a usable address, or a name that is not a display text, is treated as
// absent, and an absent one keeps what is stored. This is the hot path's only branch that
// writes, and a conflict already settled does not write again on every request.
func (s *Service) syncProfile(ctx context.Context, u domain.User, id domain.Identity) (domain.User, error) {
	want := wantedProfile(u, id)
	if s.stillRefused(ctx, u, want) {
		want.Email, want.EmailVerified = u.Email, u.EmailVerified
	}
	if sameProfile(want, u) {
		return u, nil
	}
	want.UpdatedAt = s.clock.Now()
	for range 3 {
		err := s.do(ctx, func(tx ports.Repos) error { return s.claimEmail(ctx, tx, &want) })
		if !errors.Is(err, domain.ErrEmailTaken) {
			return want, err
		}
		// Another user took the address between our read and our write: decide again.
	}
	want.Email, want.EmailVerified = nil, false
	return want, s.uow.Users().UpdateProfile(ctx, want)
}

// wantedProfile is u with the token's name and email where they are usable.
func wantedProfile(u domain.User, id domain.Identity) domain.User {
	want := u
	if id.Name != "" && domain.DisplayName(id.Name) {
		want.Name = &id.Name
	}
	if email := domain.NormalizeEmail(id.Email); domain.ValidEmail(email) {
		want.Email, want.EmailVerified = &email, id.EmailVerified
	}
	return want
}

func sameProfile(a, b domain.User) bool {
	return same(a.Name, b.Name) && same(a.Email, b.Email) && a.EmailVerified == b.EmailVerified
}

// stillRefused reports a claim refused before: a user whose profile was written already,
// who holds no email, claims one another user keeps (see claimEmail). Such a user signs in
// without it, at the cost of one read instead of a write and a warning per request.
func (s *Service) stillRefused(ctx context.Context, u, want domain.User) bool {
	if u.Email != nil || want.Email == nil || !u.UpdatedAt.After(u.CreatedAt) {
		return false
	}
	holder, err := s.uow.Users().EmailHolder(ctx, *want.Email)
	return err == nil && holder.ID != u.ID && !(want.EmailVerified && !holder.EmailVerified)
}

// claimEmail writes u's profile, settling who holds u's email first. A verified claim takes
// the address from a user who holds it unverified (audited); an address held by another
// user otherwise stays theirs, and u signs in with no email: the conflict is logged for the
// operator, who can move the address with `orgkit users relink`.
// Errors: email_taken when the holder changed meanwhile (the caller retries).
func (s *Service) claimEmail(ctx context.Context, tx ports.Repos, u *domain.User) error {
	if u.Email != nil {
		holder, err := tx.Users().EmailHolder(ctx, *u.Email)
		switch {
		case errors.Is(err, domain.ErrUserNotFound) || (err == nil && holder.ID == u.ID):
		case err != nil:
			return err
		case u.EmailVerified && !holder.EmailVerified:
			if err := s.releaseEmail(ctx, tx, holder, u); err != nil {
				return err
			}
		default:
			s.log.WarnContext(ctx, "email conflict: the address belongs to another user; signing in without it",
				slog.Int64("user_id", u.ID), slog.Int64("holder_user_id", holder.ID), slog.Bool("claim_verified", u.EmailVerified))
			u.Email, u.EmailVerified = nil, false
		}
	}
	return tx.Users().UpdateProfile(ctx, *u)
}

// releaseEmail clears the email of holder so that u may take it, and audits the move. Only
// the email columns change, and only while the holder still has the address unverified:
// a holder who verified it meanwhile keeps it (email_taken makes the caller decide again).
func (s *Service) releaseEmail(ctx context.Context, tx ports.Repos, holder domain.User, u *domain.User) error {
	released, err := tx.Users().ReleaseUnverifiedEmail(ctx, holder.ID, *u.Email, u.UpdatedAt)
	if err != nil {
		return err
	}
	if !released {
		return domain.ErrEmailTaken
	}
	actor := domain.Principal{User: *u}
	return s.record(ctx, tx, &actor, event{action: domain.AuditUserEmailReleased, targetType: "user", targetID: holder.ID, changes: []string{"email"}})
}

func same(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

// RelinkEmail moves an email to the user with subject, as verified, taking it from whoever
// holds it (`orgkit users relink`): the way out of a conflict the operator has checked, such
// as an account re-created at the identity provider. Audited as a platform record.
// Errors: validation_error, user_not_found (no user with that subject).
func (s *Service) RelinkEmail(ctx context.Context, email, subject string) (domain.User, error) {
	email, err := domain.ParseEmail("email", email)
	if err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err = s.do(ctx, func(tx ports.Repos) error {
		var err error
		if u, err = tx.Users().GetBySubject(ctx, subject); err != nil {
			return err
		}
		now := s.clock.Now()
		holder, err := tx.Users().EmailHolder(ctx, email)
		if err == nil && holder.ID != u.ID {
			holder.Email, holder.EmailVerified, holder.UpdatedAt = nil, false, now
			if err := tx.Users().UpdateProfile(ctx, holder); err != nil {
				return err
			}
			// Audited apart, so the holder's cached sign-in (a superadmin address, say) goes too.
			if err := s.record(ctx, tx, nil, event{action: domain.AuditUserEmailReleased, targetType: "user", targetID: holder.ID, changes: []string{"email"}}); err != nil {
				return err
			}
		} else if err != nil && !errors.Is(err, domain.ErrUserNotFound) {
			return err
		}
		u.Email, u.EmailVerified, u.UpdatedAt = &email, true, now
		if err := tx.Users().UpdateProfile(ctx, u); err != nil {
			return err
		}
		return s.record(ctx, tx, nil, event{action: domain.AuditUserEmailRelinked, targetType: "user", targetID: u.ID, changes: []string{"email"}})
	})
	return u, wrap("relink email", err)
}
