package app_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// previewToken is a well-formed invitation token.
var previewToken = strings.Repeat("t", domain.SecretLen)

// invitee is the verified holder of the invited address.
func invitee(email string, verified bool) domain.Principal {
	return domain.Principal{User: domain.User{ID: 7, Email: &email, EmailVerified: verified}}
}

// pendingInvitation is an open invitation of ann@example.com to org as admin, whose token is
// previewToken.
func pendingInvitation() domain.Invitation {
	return domain.Invitation{ID: 3, OrganizationID: org.ID, Email: "ann@example.com", Role: domain.RoleAdmin,
		Status: domain.InvitationPending, TokenHash: domain.HashSecret(previewToken), ExpiresAt: now.Add(time.Hour)}
}

// stored makes the store find inv by previewToken's hash.
func (d deps) stored(inv domain.Invitation, err error) {
	d.store.invs.EXPECT().ByTokenHash(gomock.Any(), domain.HashSecret(previewToken)).Return(inv, err)
}

func TestPreviewInvitation_ShowsTheInviteeOrganizationAndRole(t *testing.T) {
	d := newDeps(t, app.Config{})
	inv := pendingInvitation()
	d.stored(inv, nil)
	full := org
	full.Metadata = domain.Metadata{"plan": "gold"}
	d.store.orgs.EXPECT().Get(gomock.Any(), org.ID).Return(full, nil)
	got, err := d.svc.PreviewInvitation(context.Background(), invitee("ann@example.com", true), previewToken)
	if err != nil || got.Organization != org.Public() || got.Role != domain.RoleAdmin || got.ExpiresAt == nil || !got.ExpiresAt.Equal(inv.ExpiresAt) {
		t.Fatalf("%+v %v", got, err)
	}
}

// Nobody but the invited address, verified, learns anything: not the organization, nor
// whether the invitation is still open.
func TestPreviewInvitation_OnlyTheVerifiedInvitee(t *testing.T) {
	for name, p := range map[string]domain.Principal{
		"another address":      invitee("eve@example.com", true),
		"unverified address":   invitee("ann@example.com", false),
		"no email":             {User: domain.User{ID: 7}},
		"superadmin elsewhere": {User: domain.User{ID: 1}, Superadmin: true},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDeps(t, app.Config{})
			inv := pendingInvitation()
			inv.Status = domain.InvitationRevoked // the mismatch is told first, not this
			d.stored(inv, nil)
			// No organization is read.
			if got, err := d.svc.PreviewInvitation(context.Background(), p, previewToken); !errors.Is(err, domain.ErrInvitationMismatch) || got != (app.InvitePreview{}) {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}

// An invitation that can no longer be accepted shows nothing of its organization.
func TestPreviewInvitation_ClosedInvitations(t *testing.T) {
	accepted := now.Add(-time.Minute)
	for name, c := range map[string]struct {
		change func(*domain.Invitation)
		want   error
	}{
		"expired":                 {func(i *domain.Invitation) { i.ExpiresAt = now }, domain.ErrInvitationExpired},
		"expired an hour ago":     {func(i *domain.Invitation) { i.ExpiresAt = now.Add(-time.Hour) }, domain.ErrInvitationExpired},
		"revoked":                 {func(i *domain.Invitation) { i.Status = domain.InvitationRevoked }, domain.ErrInvitationRevoked},
		"accepted (used up)":      {func(i *domain.Invitation) { i.Status, i.AcceptedAt = domain.InvitationAccepted, &accepted }, domain.ErrInvitationAccepted},
		"swept as expired":        {func(i *domain.Invitation) { i.Status = domain.InvitationExpired }, domain.ErrInvitationExpired},
		"token of another (hash)": {func(i *domain.Invitation) { i.TokenHash = domain.HashSecret("x" + previewToken[1:]) }, domain.ErrInvitationNotFound},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDeps(t, app.Config{})
			inv := pendingInvitation()
			c.change(&inv)
			d.stored(inv, nil)
			if got, err := d.svc.PreviewInvitation(context.Background(), invitee("ann@example.com", true), previewToken); !errors.Is(err, c.want) || got != (app.InvitePreview{}) {
				t.Fatalf("got %+v %v, want %v", got, err, c.want)
			}
		})
	}
}

// A token that does not exist, or is not even shaped like one, is invitation_not_found; a
// malformed one is refused before any lookup.
func TestPreviewInvitation_UnknownTokens(t *testing.T) {
	ann := invitee("ann@example.com", true)
	for _, token := range []string{"", "short", previewToken + "t", strings.Repeat("!", domain.SecretLen), previewToken[1:] + "\x00"} {
		d := newDeps(t, app.Config{}) // no lookup is expected
		if _, err := d.svc.PreviewInvitation(context.Background(), ann, token); !errors.Is(err, domain.ErrInvitationNotFound) {
			t.Errorf("token %q: %v", token, err)
		}
	}
	d := newDeps(t, app.Config{})
	d.stored(domain.Invitation{}, domain.ErrInvitationNotFound)
	if _, err := d.svc.PreviewInvitation(context.Background(), ann, previewToken); !errors.Is(err, domain.ErrInvitationNotFound) {
		t.Fatalf("unknown token: %v", err)
	}
}

// The invitation's organization must still exist and be active; one deleted, suspended or
// archived since is invitation_not_found, as AcceptInvitation answers.
func TestPreviewInvitation_OrganizationGoneOrInactive(t *testing.T) {
	suspended, archived := org, org
	suspended.Status, archived.Status = domain.StatusSuspended, domain.StatusArchived
	for name, c := range map[string]struct {
		org domain.Organization
		err error
	}{
		"deleted":   {domain.Organization{}, domain.ErrOrganizationNotFound},
		"suspended": {suspended, nil},
		"archived":  {archived, nil},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDeps(t, app.Config{})
			d.stored(pendingInvitation(), nil)
			d.store.orgs.EXPECT().Get(gomock.Any(), org.ID).Return(c.org, c.err)
			if got, err := d.svc.PreviewInvitation(context.Background(), invitee("ann@example.com", true), previewToken); !errors.Is(err, domain.ErrInvitationNotFound) || got != (app.InvitePreview{}) {
				t.Fatalf("%+v %v", got, err)
			}
		})
	}
}

// A store failure is returned (an internal error), never a preview.
func TestPreviewInvitation_StoreErrors(t *testing.T) {
	down := errors.New("connection refused")
	d := newDeps(t, app.Config{})
	d.stored(domain.Invitation{}, down)
	if _, err := d.svc.PreviewInvitation(context.Background(), invitee("ann@example.com", true), previewToken); !errors.Is(err, down) {
		t.Fatalf("lookup: %v", err)
	}
	d = newDeps(t, app.Config{})
	d.stored(pendingInvitation(), nil)
	d.store.orgs.EXPECT().Get(gomock.Any(), org.ID).Return(domain.Organization{}, down)
	if got, err := d.svc.PreviewInvitation(context.Background(), invitee("ann@example.com", true), previewToken); !errors.Is(err, down) || got != (app.InvitePreview{}) {
		t.Fatalf("organization: %+v %v", got, err)
	}
}
