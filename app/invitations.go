package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// NewInvitation is the input of CreateInvitation.
type NewInvitation struct {
	Email string
	Role  domain.Role // empty: the organization's default role
}

// CreateInvitation invites an email address with a role and mails it a link, after the
// transaction commits (from the outbox, so a crash loses no mail). Checks run in the order
// authorization, validation, rate limits (per organization and per inviter).
// Errors: organization_not_found, forbidden (also a role above the caller's own),
// validation_error, rate_limited, service_unavailable, user_already_connected (the address
// belongs to a member), invitation_exists (a pending invitation has the address).
func (s *Service) CreateInvitation(ctx context.Context, p domain.Principal, orgID int64, n NewInvitation) (domain.Invitation, error) {
	org, actor, err := s.Authorize(ctx, p, orgID, domain.ActionInviteManage)
	if err != nil {
		return domain.Invitation{}, err
	}
	email, err := domain.ParseEmail("email", n.Email)
	if err != nil {
		return domain.Invitation{}, err
	}
	if n.Role == "" {
		n.Role = org.Settings.DefaultRole
	}
	if err := domain.CheckGrant(p, actor, n.Role); err != nil {
		return domain.Invitation{}, err
	}
	if err := s.limitInvitations(ctx, orgID, p); err != nil {
		return domain.Invitation{}, err
	}
	var inv domain.Invitation
	err = s.do(ctx, func(tx ports.Repos) error {
		// The grant is checked again on what the transaction reads: the checks above may
		// have read another replica's view from before a demotion (the access cache).
		org, actor, err := s.authorize(ctx, tx, p, orgID, domain.ActionInviteManage, false)
		if err != nil {
			return err
		}
		if err := domain.CheckGrant(p, actor, n.Role); err != nil {
			return err
		}
		if err := s.refuseMember(ctx, tx, orgID, email); err != nil {
			return err
		}
		if err := s.sweepExpired(ctx, tx, orgID, email); err != nil {
			return err
		}
		now := s.clock.Now()
		inv = domain.Invitation{OrganizationID: orgID, Email: email, Role: n.Role, Status: domain.InvitationPending,
			InvitedBy: p.User.ID, CreatedAt: now, UpdatedAt: now}
		token := s.issueToken(&inv)
		if inv, err = tx.Invitations().Create(ctx, inv); err != nil {
			return err
		}
		if err := s.mailInvitation(ctx, tx, p, org, inv, token); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditInvitationCreated, targetType: "invitation", targetID: inv.ID})
	})
	if err != nil {
		return domain.Invitation{}, wrap("create invitation", err)
	}
	s.outboxAdded()
	return inv, nil
}

// limitInvitations counts one invitation mail against the inviter's and the organization's
// quotas. The inviter's comes first: a refused Allow records nothing, so an inviter held
// back by their own limit cannot spend the organization's (and so every other inviter's)
// by retrying; a call the organization's limit refuses costs only the caller's own quota.
func (s *Service) limitInvitations(ctx context.Context, orgID int64, p domain.Principal) error {
	if _, err := s.allow(ctx, ports.LimitInvitationsInviter, fmt.Sprintf("%s:%d", ports.LimitInvitationsInviter, p.User.ID), domain.LimitInvitationsPerInviter); err != nil {
		return err
	}
	_, err := s.allow(ctx, ports.LimitInvitationsPerOrg, fmt.Sprintf("%s:%d", ports.LimitInvitationsPerOrg, orgID), domain.LimitInvitationsPerOrganization)
	return err
}

// refuseMember refuses to invite an address whose verified holder is a member already.
func (s *Service) refuseMember(ctx context.Context, tx ports.Repos, orgID int64, email string) error {
	u, err := tx.Users().GetByVerifiedEmail(ctx, email)
	if errors.Is(err, domain.ErrUserNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	role, err := tx.Memberships().Role(ctx, orgID, u.ID)
	if err == nil && role != "" {
		return domain.ErrUserAlreadyConnected
	}
	return err
}

// sweepExpired marks the address's pending invitation expired when its time is up, so a
// new one may take its place; one still running is invitation_exists.
func (s *Service) sweepExpired(ctx context.Context, tx ports.Repos, orgID int64, email string) error {
	old, err := tx.Invitations().Pending(ctx, orgID, email)
	if errors.Is(err, domain.ErrInvitationNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if old.StatusAt(s.clock.Now()) == domain.InvitationPending {
		return domain.ErrInvitationExists
	}
	old.Status, old.UpdatedAt = domain.InvitationExpired, s.clock.Now()
	_, err = tx.Invitations().Update(ctx, old, domain.InvitationPending)
	return err
}

// issueToken gives inv a new token, pending for the configured lifetime, and returns it.
func (s *Service) issueToken(inv *domain.Invitation) string {
	token := s.newSecret()
	now := s.clock.Now()
	inv.TokenHash, inv.Status, inv.ExpiresAt, inv.UpdatedAt = domain.HashSecret(token), domain.InvitationPending, now.Add(s.invitations.TTL), now
	return token
}

// mailInvitation puts the invitation's mail in the outbox, in the caller's transaction.
func (s *Service) mailInvitation(ctx context.Context, tx ports.Repos, p domain.Principal, org domain.Organization, inv domain.Invitation, token string) error {
	return s.mailInvitationFrom(ctx, tx, inviterName(p), org, inv, token)
}

// inviterName is how an invitation's mail names the user who sent it.
func inviterName(p domain.Principal) string {
	switch {
	case p.User.Name != nil && *p.User.Name != "":
		return *p.User.Name
	case p.User.Email != nil:
		return *p.User.Email
	}
	return "Someone"
}

// invitationLink is the accept link of an invitation token (Config.Invitations.URL).
func (s *Service) invitationLink(token string) string {
	return strings.ReplaceAll(s.invitations.URL, "{token}", token)
}

// mailInvitationFrom is mailInvitation naming the inviter as inviter.
func (s *Service) mailInvitationFrom(ctx context.Context, tx ports.Repos, inviter string, org domain.Organization, inv domain.Invitation, token string) error {
	link := s.invitationLink(token)
	m := domain.Mail{
		To:      inv.Email,
		Subject: fmt.Sprintf("%s invited you to join %s", inviter, org.Name),
		Text: fmt.Sprintf("%s invited you to join %s as %s.\n\nAccept the invitation:\n%s\n\nThe link works until %s and only for %s.\n",
			inviter, org.Name, inv.Role, link, inv.ExpiresAt.UTC().Format("2 January 2006 15:04 MST"), inv.Email),
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	_, err = tx.Outbox().Add(ctx, domain.OutboxItem{Kind: domain.OutboxMail, Payload: payload, NextAttemptAt: now, CreatedAt: now})
	return err
}

// ListInvitations returns one page of an organization's invitations, newest first.
// Errors: organization_not_found, forbidden, validation_error.
func (s *Service) ListInvitations(ctx context.Context, p domain.Principal, orgID int64, q domain.InvitationQuery) (domain.Page[domain.Invitation], error) {
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionInviteManage); err != nil {
		return domain.Page[domain.Invitation]{}, err
	}
	q, err := q.Normalize()
	if err != nil {
		return domain.Page[domain.Invitation]{}, err
	}
	now := s.clock.Now()
	page, err := s.uow.Invitations().List(ctx, orgID, q, now)
	for i := range page.Items {
		page.Items[i].Status = page.Items[i].StatusAt(now) // a pending one past its expiry reads expired
	}
	return page, wrap("list invitations", err)
}

// ResendInvitation gives a pending or expired invitation a new token and lifetime and
// mails it again; the old link stops working.
// Errors: organization_not_found, forbidden, invitation_not_found, invitation_accepted,
// invitation_revoked, invitation_exists (a newer invitation has the address), rate_limited,
// service_unavailable.
func (s *Service) ResendInvitation(ctx context.Context, p domain.Principal, orgID, id int64) (domain.Invitation, error) {
	if _, _, err := s.Authorize(ctx, p, orgID, domain.ActionInviteManage); err != nil {
		return domain.Invitation{}, err
	}
	if err := s.limitInvitations(ctx, orgID, p); err != nil {
		return domain.Invitation{}, err
	}
	var inv domain.Invitation
	err := s.do(ctx, func(tx ports.Repos) error {
		org, actor, err := s.authorize(ctx, tx, p, orgID, domain.ActionInviteManage, false)
		if err != nil {
			return err
		}
		if inv, err = tx.Invitations().Get(ctx, orgID, id); err != nil {
			return err
		}
		if err := inv.Resendable(s.clock.Now()); err != nil {
			return err
		}
		if err := domain.CheckResend(p, actor, inv.Role); err != nil {
			return err
		}
		from := inv.Status
		if from == domain.InvitationExpired {
			if err := s.sweepExpired(ctx, tx, orgID, inv.Email); err != nil {
				return err
			}
		}
		token := s.issueToken(&inv)
		if err := s.updateInvitation(ctx, tx, inv, from); err != nil {
			return err
		}
		if err := s.mailInvitation(ctx, tx, p, org, inv, token); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditInvitationResent, targetType: "invitation", targetID: id, changes: []string{"expires_at"}})
	})
	if err != nil {
		return domain.Invitation{}, wrap("resend invitation", err)
	}
	s.outboxAdded()
	return inv, nil
}

// RevokeInvitation kills a pending (or expired) invitation's link.
// Errors: organization_not_found, forbidden, invitation_not_found, invitation_accepted,
// invitation_revoked.
func (s *Service) RevokeInvitation(ctx context.Context, p domain.Principal, orgID, id int64) error {
	err := s.do(ctx, func(tx ports.Repos) error {
		if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionInviteManage, false); err != nil {
			return err
		}
		inv, err := tx.Invitations().Get(ctx, orgID, id)
		if err != nil {
			return err
		}
		if err := inv.Resendable(s.clock.Now()); err != nil {
			return err
		}
		from := inv.Status
		inv.Status, inv.UpdatedAt = domain.InvitationRevoked, s.clock.Now()
		if err := s.updateInvitation(ctx, tx, inv, from); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditInvitationRevoked, targetType: "invitation", targetID: id, changes: []string{"status"}})
	})
	return wrap("revoke invitation", err)
}

// updateInvitation writes inv if its stored status is still from; a racing change that won
// is answered as the state it left.
func (s *Service) updateInvitation(ctx context.Context, tx ports.Repos, inv domain.Invitation, from domain.InvitationStatus) error {
	ok, err := tx.Invitations().Update(ctx, inv, from)
	if err != nil || ok {
		return err
	}
	now, err := tx.Invitations().Get(ctx, inv.OrganizationID, inv.ID)
	if err != nil {
		return err
	}
	if err := now.Open(s.clock.Now()); err != nil {
		return err
	}
	return domain.ErrInvitationExists
}

// AcceptInvitation makes the caller a member with the invitation's role. Only a caller
// whose verified email is the invited address may; the token then stops working.
// Errors: invitation_not_found, invitation_email_mismatch, invitation_expired,
// invitation_revoked, invitation_accepted, user_already_connected.
func (s *Service) AcceptInvitation(ctx context.Context, p domain.Principal, token string) (domain.Membership, error) {
	if !domain.WellFormedSecret(token) {
		return domain.Membership{}, domain.ErrInvitationNotFound
	}
	var m domain.Membership
	err := s.do(ctx, func(tx ports.Repos) error {
		inv, err := tx.Invitations().ByTokenHash(ctx, domain.HashSecret(token))
		if err != nil {
			return err
		}
		if !domain.SecretMatches(token, inv.TokenHash) {
			return domain.ErrInvitationNotFound
		}
		// Checked before anything about the invitation is told: a token in the wrong hands
		// learns nothing.
		if u := p.User; !u.EmailVerified || u.Email == nil || *u.Email != inv.Email {
			return domain.ErrInvitationMismatch
		}
		if err := inv.Open(s.clock.Now()); err != nil {
			return err
		}
		// Locks are taken in the order organization, invitation, audit chain: the
		// organization's as DeleteOrganization and member changes take it, before the
		// invitation's row (which deleting the organization deletes), and the invitation is
		// written before join writes the audit record, as resend and revoke take them. Any
		// other order deadlocks against one of them on Postgres. A failed join rolls the
		// invitation back.
		org, err := tx.Organizations().GetForUpdate(ctx, inv.OrganizationID)
		if errors.Is(err, domain.ErrOrganizationNotFound) {
			return domain.ErrInvitationNotFound // deleted since the invitation was read
		}
		if err != nil {
			return err
		}
		if org.Status != domain.StatusActive {
			return domain.ErrInvitationNotFound
		}
		now := s.clock.Now()
		inv.Status, inv.AcceptedAt, inv.AcceptedBy, inv.UpdatedAt = domain.InvitationAccepted, &now, &p.User.ID, now
		if err := s.updateInvitation(ctx, tx, inv, domain.InvitationPending); err != nil {
			return err
		}
		e := event{action: domain.AuditInvitationAccepted, targetType: "invitation", targetID: inv.ID, changes: []string{"status"}}
		m, err = s.join(ctx, tx, &p, org.ID, p.User.ID, inv.Role, e)
		return err
	})
	return m, wrap("accept invitation", err)
}
