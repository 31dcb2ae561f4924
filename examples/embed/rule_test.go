package main

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports/mocks"
)

// TestMayCancel unit-tests the host's rule against orgkit's use cases on mocked ports: no
// database, only the roles the rule depends on.
func TestMayCancel(t *testing.T) {
	policy, err := domain.NewPolicy(map[domain.Action][]domain.Role{"appointment.cancel": {domain.RoleOwner, domain.RoleAdmin}})
	if err != nil {
		t.Fatal(err)
	}
	org := domain.Organization{ID: 7, Name: "Acme", Slug: "acme", Status: domain.StatusActive}
	caller := domain.Principal{User: domain.User{ID: 3}}
	for _, c := range []struct {
		name   string
		role   domain.Role
		status string
		want   error
	}{
		{"admin, scheduled", domain.RoleAdmin, "scheduled", nil},
		{"owner, scheduled", domain.RoleOwner, "scheduled", nil},
		{"member", domain.RoleMember, "scheduled", domain.ErrForbidden},
		{"not a member", "", "scheduled", domain.ErrForbidden},
		{"admin, already cancelled", domain.RoleAdmin, "cancelled", errNotCancellable},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctrl := gomock.NewController(t)
			store, orgs := mocks.NewMockUnitOfWork(ctrl), mocks.NewMockOrganizationRepo(ctrl)
			store.EXPECT().Organizations().Return(orgs).AnyTimes()
			orgs.EXPECT().GetWithRole(gomock.Any(), int64(7), int64(3)).Return(org, c.role, nil)
			svc := app.New(app.Deps{Store: store, Limiter: mocks.NewMockRateLimiter(ctrl)}, app.Config{Policy: policy})
			err := mayCancel(context.Background(), svc, caller, appointment{ID: 1, OrganizationID: 7, Status: c.status})
			if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
}
