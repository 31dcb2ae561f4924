package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/app"
)

// The operator's owner invitation (orgkit init) over HTTP: listed with no inviter, resent by a
// superadmin (the old link dies), refused to anyone but the invited verified address, and
// accepting it makes the owner, who then runs the organization.
func TestInitialize_OwnerInvitationOverHTTP(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		res, err := h.svc.Initialize(ctx, app.FirstOrganization{Name: "First Org", Slug: "first", OwnerEmail: "boss@example.com"})
		if err != nil || !res.Created {
			t.Fatalf("initialize: %+v %v", res, err)
		}
		first := ivToken(t, h.ivDeliverNew(1)[0])
		if !strings.HasSuffix(res.Link, "/invitations/"+first) {
			t.Fatalf("link %s, mailed token %s", res.Link, first)
		}
		orgID := res.Organization.ID
		list := h.do("GET", ivInvitationsPath(orgID), rootEmail, nil)
		expect(t, list, 200, "")
		inv := list.items(t, 1)[0].(map[string]any)
		if inv["role"] != "owner" || inv["invited_by"] != nil || inv["status"] != "pending" {
			t.Fatalf("listed: %v", inv)
		}
		expect(t, h.do("POST", ivResendPath(orgID, res.Invitation.ID), "outsider@example.com", nil), 403, "forbidden")
		expect(t, h.do("POST", ivResendPath(orgID, res.Invitation.ID), rootEmail, nil), 200, "")
		second := ivToken(t, h.ivDeliverNew(1)[0])
		expect(t, h.do("POST", ivAcceptInvitationPath(first), "boss@example.com", nil), 404, "invitation_not_found")
		expect(t, h.do("POST", ivAcceptInvitationPath(second), "other@example.com", nil), 403, "invitation_email_mismatch")
		acc := h.do("POST", ivAcceptInvitationPath(second), "boss@example.com", nil)
		expect(t, acc, 200, "")
		if acc.data()["role"] != "owner" || id(acc.data()["organization_id"]) != orgID {
			t.Fatalf("accept: %s", acc.Raw)
		}
		if n := h.ivMembersCount(orgID); n != 1 {
			t.Fatalf("members_count %d", n)
		}
		// The owner runs it: an admin's invitation, a settings change only owners make.
		expect(t, h.do("POST", ivInvitationsPath(orgID), "boss@example.com", map[string]any{"email": "adm@example.com", "role": "admin"}), 201, "")
		again, err := h.svc.Initialize(ctx, app.FirstOrganization{Name: "Second", Slug: "second", OwnerEmail: "x@example.com"})
		if err != nil || again.Created || again.Total != 1 || len(again.Existing) != 1 || again.Existing[0].Slug != "first" {
			t.Fatalf("second initialize: %+v %v", again, err)
		}
	})
}
