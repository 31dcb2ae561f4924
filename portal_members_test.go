package orgkit_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
)

var (
	portalInviteLink = regexp.MustCompile(`http://portal\.test/portal/invitations/([A-Za-z0-9_-]+)`)
	newLinkRE        = regexp.MustCompile(`id="new-invite-link">[^<]*/portal/invitations/([A-Za-z0-9_-]+)<`)
	userIDRE         = regexp.MustCompile(`id="change-role-(\d+)"`)
)

// An admin invites by email and by link; the invitees accept on the portal's accept page;
// the admin changes a role and removes a member; members see no admin controls and their
// forged admin posts are refused.
func TestPortal_MembersAndInvitations(t *testing.T) {
	smtp := smtptest.Start(t)
	k, srv := portalKit(t, func(c *orgkit.Config) {
		c.Mail = orgkit.MailConfig{SMTPURL: smtp.URL("", ""), From: "orgkit <no-reply@example.com>"}
		c.Invitations = orgkit.InvitationsConfig{URL: "http://portal.test/portal/invitations/{token}"}
	})
	run(t, k)
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, "Acme", "acme")
	org := fmt.Sprintf("/portal/organizations/%d", id)

	// Invite by email; the invitee accepts with the mailed token.
	wantRedirect(t, root.post(org+"/invitations", url.Values{"email": {"ann@example.com"}, "role": {"admin"}}), org+"/invitations")
	pg := root.post(org+"/invitations", url.Values{"email": {"not-an-email"}, "role": {"member"}})
	wantPage(t, pg, http.StatusBadRequest, "invitations")
	if a := alertOf(pg); !strings.Contains(a, "email") {
		t.Fatalf("alert %q", a)
	}
	pg = root.get(org + "/invitations")
	if !strings.Contains(pg.body, "ann@example.com") || !strings.Contains(pg.body, `id="resend-invitation-`) {
		t.Fatalf("invitation not listed:\n%s", pg.body)
	}
	m := smtp.Wait(t, 1, 10*time.Second)[0]
	token := portalInviteLink.FindStringSubmatch(m.Text)
	if token == nil {
		t.Fatalf("no link in %q", m.Text)
	}
	ann := signedIn(t, srv, "ann@example.com")
	pg = ann.get("/portal/invitations/" + token[1])
	wantPage(t, pg, http.StatusOK, "invitation")
	if !strings.Contains(pg.body, "Acme") || !strings.Contains(pg.body, "admin") {
		t.Fatalf("the accept page must show organization and role:\n%s", pg.body)
	}
	wrong := signedIn(t, srv, "eve@example.com")
	wantPage(t, wrong.get("/portal/invitations/"+token[1]), http.StatusForbidden, "error")
	wantRedirect(t, ann.post("/portal/invitations/"+token[1], nil), org)
	for _, name := range []string{"", "members", "invitations", "domains", "api-keys", "audit", "webhooks"} {
		path, page := org+"/"+name, name
		if name == "" {
			path, page = org, "profile"
		}
		pg := ann.get(path)
		wantPage(t, pg, http.StatusOK, page) // an admin sees every page, with its admin controls
		if !strings.Contains(pg.body, `aria-current="page"`) || !strings.Contains(pg.body, `<form id="sign-out"`) {
			t.Fatalf("%s: no navigation or sign-out:\n%s", path, pg.body)
		}
	}
	if !strings.Contains(ann.get(org).body, `id="update-profile"`) {
		t.Fatal("an admin has no profile form")
	}

	// An invite link, shown once, accepted by a viewer.
	pg = root.post(org+"/invites", url.Values{"role": {"viewer"}, "expires_in": {"7d"}, "max_uses": {"5"}})
	wantPage(t, pg, http.StatusOK, "invitations")
	code := newLinkRE.FindStringSubmatch(pg.body)
	if code == nil {
		t.Fatalf("no new link shown:\n%s", pg.body)
	}
	pg = root.post(org+"/invites", url.Values{"role": {"viewer"}, "expires_in": {"soon"}})
	wantPage(t, pg, http.StatusBadRequest, "invitations")
	if a := alertOf(pg); !strings.Contains(a, "expires_in") {
		t.Fatalf("alert %q", a)
	}
	vic := signedIn(t, srv, "vic@example.com")
	wantPage(t, vic.get("/portal/invitations/"+code[1]), http.StatusOK, "invitation")
	wantRedirect(t, vic.post("/portal/invitations/"+code[1], nil), org)

	// The admin's members page has the controls; the viewer's has none.
	pg = root.get(org + "/members")
	wantPage(t, pg, http.StatusOK, "members")
	ids := userIDRE.FindAllStringSubmatch(pg.body, -1)
	if len(ids) != 3 {
		t.Fatalf("want 3 members with controls, got %v:\n%s", ids, pg.body)
	}
	pg = vic.get(org + "/members")
	wantPage(t, pg, http.StatusOK, "members")
	if strings.Contains(pg.body, "change-role-") || strings.Contains(pg.body, "remove-member-") || strings.Contains(pg.body, `href="`+org+`/invitations"`) {
		t.Fatalf("a viewer sees admin controls:\n%s", pg.body)
	}
	pg = vic.get(org + "/members?q=ann")
	if !strings.Contains(pg.body, "ann@example.com") || strings.Contains(pg.body, "vic@example.com</td>") {
		t.Fatalf("search:\n%s", pg.body)
	}
	for _, path := range []string{org + "/profile", org + "/invitations", org + "/invites", org + "/api-keys", org + "/domains", org + "/webhooks"} {
		if pg := vic.post(path, url.Values{"name": {"Hacked"}, "email": {"x@example.com"}, "role": {"admin"}, "domain": {"x.example.com"}, "domain_type": {"portal"}}); pg.status != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d", path, pg.status)
		}
	}
	for _, page := range []string{"/invitations", "/api-keys", "/audit", "/webhooks"} {
		wantPage(t, vic.get(org+page), http.StatusForbidden, "error")
	}
	if pg := vic.get(org); strings.Contains(pg.body, `id="update-profile"`) || strings.Contains(pg.body, `id="upload-logo"`) {
		t.Fatalf("a viewer sees the profile forms:\n%s", pg.body)
	}

	// Role change and removal, with the API's rules.
	vicID := memberID(t, root, org, "vic@example.com")
	wantRedirect(t, root.post(fmt.Sprintf("%s/members/%s/role", org, vicID), url.Values{"role": {"member"}}), org+"/members")
	pg = root.post(fmt.Sprintf("%s/members/%s/role", org, vicID), url.Values{"role": {"emperor"}})
	wantPage(t, pg, http.StatusBadRequest, "members")
	pg = vic.post(fmt.Sprintf("%s/members/%s/role", org, vicID), url.Values{"role": {"owner"}})
	wantPage(t, pg, http.StatusForbidden, "members")
	wantRedirect(t, root.post(fmt.Sprintf("%s/members/%s/remove", org, vicID), nil), org+"/members")
	if strings.Contains(root.get(org+"/members").body, "vic@example.com") {
		t.Fatal("vic was not removed")
	}
	got := auditActions(t, k, id)
	for _, want := range []string{"invitation.created", "invitation.accepted", "invite.created", "invite.accepted", "member.role_changed", "member.removed"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log %v lacks %s", got, want)
		}
	}
}

// memberID is the user id of the member with email, read from the admin's members page.
func memberID(t *testing.T, b *browser, org, email string) string {
	t.Helper()
	pg := b.get(org + "/members?q=" + url.QueryEscape(email))
	ids := userIDRE.FindAllStringSubmatch(pg.body, -1)
	if len(ids) != 1 {
		t.Fatalf("member %s: %v\n%s", email, ids, pg.body)
	}
	return ids[0][1]
}
