package httpapi_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/orgkit/orgkit/adapters/mail/smtptest"
)

func ivInvitationsPath(orgID int64) string {
	return fmt.Sprintf("/v1/organizations/%d/invitations", orgID)
}

func ivInvitationPath(orgID, invitationID int64) string {
	return fmt.Sprintf("/v1/organizations/%d/invitations/%d", orgID, invitationID)
}

func ivResendPath(orgID, invitationID int64) string {
	return ivInvitationPath(orgID, invitationID) + "/resend"
}

func ivAcceptInvitationPath(token string) string { return "/v1/invitations/" + token + "/accept" }

const ivInvitationKeys = "accepted_at created_at email expires_at id invited_by organization_id role status updated_at"

// ivInvitationLink finds the harness's invitation link (inviteURL) in a mail.
var ivInvitationLink = regexp.MustCompile(`https://app\.example\.com/invitations/([A-Za-z0-9_-]+)`)

// ivToken is the token of the one invitation link in m.
func ivToken(t testing.TB, m smtptest.Message) string {
	t.Helper()
	found := ivInvitationLink.FindAllStringSubmatch(m.Text, -1)
	if len(found) != 1 || !ivWellFormed.MatchString(found[0][1]) {
		t.Fatalf("no single well-formed invitation link in the mail: %q", m.Text)
	}
	return found[0][1]
}

// ivDeliverNew runs the outbox and returns the mail it sent, failing unless it is exactly n
// messages.
func (h *harness) ivDeliverNew(n int) []smtptest.Message {
	h.t.Helper()
	before := len(h.smtp.Messages())
	return h.deliver(before + n)[before:]
}

// ivInvite invites email as by and returns the invitation's id and, from its mail, token.
func (h *harness) ivInvite(orgID int64, by, email string) (int64, string) {
	h.t.Helper()
	r := h.do("POST", ivInvitationsPath(orgID), by, map[string]any{"email": email})
	expect(h.t, r, 201, "")
	return id(r.data()["id"]), ivToken(h.t, h.ivDeliverNew(1)[0])
}

// ivOutboxRows reads the outbox: one "attempts:last_error-set:due" entry per item.
func (h *harness) ivOutboxRows() []string {
	h.t.Helper()
	db, err := h.store.SQLDB()
	if err != nil {
		h.t.Fatal(err)
	}
	rows, err := db.Query("SELECT attempts, last_error IS NOT NULL, next_attempt_at IS NOT NULL FROM orgkit_outbox ORDER BY id")
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var attempts int
		var failed, due bool
		if err := rows.Scan(&attempts, &failed, &due); err != nil {
			h.t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d:%t:%t", attempts, failed, due))
	}
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	return out
}

func TestInvitations_Lifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("mailed")
		adminID := h.ivUserID(r.admin)
		created := h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": " Dana@Example.COM ", "role": "member"})
		expect(t, created, 201, "")
		d := created.data()
		if keys(created.Body) != "data" || keys(d) != ivInvitationKeys {
			t.Fatalf("create answer keys: %s", created.Raw)
		}
		for k, want := range map[string]any{"email": "dana@example.com", "role": "member", "status": "pending", "accepted_at": nil} {
			if d[k] != want {
				t.Errorf("%s = %v, want %v", k, d[k], want)
			}
		}
		createdAt, err1 := time.Parse(time.RFC3339, d["created_at"].(string))
		expiresAt, err2 := time.Parse(time.RFC3339, d["expires_at"].(string))
		if err1 != nil || err2 != nil || id(d["organization_id"]) != r.orgID || id(d["invited_by"]) != adminID || id(d["id"]) <= 0 ||
			d["created_at"] != d["updated_at"] || expiresAt.Sub(createdAt) < 7*24*time.Hour-time.Second || expiresAt.Sub(createdAt) > 7*24*time.Hour+time.Second {
			t.Errorf("ids/timestamps: %s", created.Raw)
		}
		invitationID := id(d["id"])
		if strings.Contains(string(created.Raw), "token") {
			t.Errorf("the answer carries a token: %s", created.Raw)
		}

		mail := h.deliver(1)[0]
		if fmt.Sprint(mail.To) != "[dana@example.com]" || !strings.Contains(mail.Subject, "Org mailed") || !strings.Contains(mail.Subject, r.admin) {
			t.Errorf("mail to %v, subject %q", mail.To, mail.Subject)
		}
		first := ivToken(t, mail)
		for _, s := range []string{"Org mailed", r.admin, "as member", "https://app.example.com/invitations/" + first} {
			if !strings.Contains(mail.Text, s) {
				t.Errorf("the mail does not say %q: %q", s, mail.Text)
			}
		}
		h.deliver(1) // nothing more to send

		// One pending invitation per address, and none for a member.
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.owner, map[string]any{"email": "DANA@example.com"}), 409, "invitation_exists")
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.owner, map[string]any{"email": strings.ToUpper(r.member)}), 409, "user_already_connected")
		h.deliver(1)

		// Only the invited, verified address accepts.
		mallory := "mallory@example.com"
		h.ivUserID(mallory)
		wrong := h.do("POST", ivAcceptInvitationPath(first), mallory, nil)
		expect(t, wrong, 403, "invitation_email_mismatch")
		if strings.Contains(strings.ToLower(string(wrong.Raw)), "dana") {
			t.Errorf("the refusal tells the invited address: %s", wrong.Raw)
		}
		unverified := h.claims(jwt.MapClaims{"sub": "dana-unverified", "email": "dana@example.com", "email_verified": false})
		expect(t, h.doToken("POST", ivAcceptInvitationPath(first), unverified, nil), 403, "invitation_email_mismatch")
		expect(t, h.do("POST", ivAcceptInvitationPath(first), "", nil), 401, "")
		expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), mallory, nil), 403, "forbidden")

		// Resending replaces the token: the old link dies.
		resent := h.do("POST", ivResendPath(r.orgID, invitationID), r.owner, nil)
		expect(t, resent, 200, "")
		if rd := resent.data(); keys(rd) != ivInvitationKeys || rd["status"] != "pending" || id(rd["id"]) != invitationID || rd["email"] != "dana@example.com" {
			t.Errorf("resent %s", resent.Raw)
		}
		again := h.deliver(2)[1]
		second := ivToken(t, again)
		if fmt.Sprint(again.To) != "[dana@example.com]" || second == first || !strings.Contains(again.Text, r.owner) {
			t.Errorf("resent mail to %v from %q, token %s (first %s)", again.To, again.Text, second, first)
		}
		expect(t, h.do("POST", ivAcceptInvitationPath(first), "dana@example.com", nil), 404, "invitation_not_found")
		expect(t, h.do("POST", ivAcceptInvitationPath(second), mallory, nil), 403, "invitation_email_mismatch")

		before := h.ivMembersCount(r.orgID)
		// The token's address is compared as normalized.
		dana := h.claims(jwt.MapClaims{"sub": "sub|dana@example.com", "email": " DANA@Example.com", "email_verified": true})
		accepted := h.doToken("POST", ivAcceptInvitationPath(second), dana, nil)
		expect(t, accepted, 200, "")
		if keys(accepted.Body) != "data" || keys(accepted.data()) != "organization_id role" ||
			id(accepted.data()["organization_id"]) != r.orgID || accepted.data()["role"] != "member" {
			t.Fatalf("accept answer %s", accepted.Raw)
		}
		if n := h.ivMembersCount(r.orgID); n != before+1 {
			t.Errorf("members_count %d, want %d", n, before+1)
		}
		expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), "dana@example.com", nil), 200, "")
		expect(t, h.do("POST", ivAcceptInvitationPath(second), "dana@example.com", nil), 410, "invitation_accepted")
		expect(t, h.do("POST", ivResendPath(r.orgID, invitationID), r.owner, nil), 410, "invitation_accepted")
		expect(t, h.do("DELETE", ivInvitationPath(r.orgID, invitationID), r.owner, nil), 410, "invitation_accepted")
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.owner, map[string]any{"email": "dana@example.com"}), 409, "user_already_connected")

		acc := h.do("GET", ivInvitationsPath(r.orgID)+"?status=accepted", r.admin, nil)
		expect(t, acc, 200, "")
		got := acc.items(t, 1)[0].(map[string]any)
		if keys(acc.Body) != "data meta" || fmt.Sprint(acc.Body["meta"]) != "map[page:1 page_size:25 total:1 total_pages:1]" ||
			got["status"] != "accepted" || got["accepted_at"] == nil || !rfc3339UTC.MatchString(got["accepted_at"].(string)) {
			t.Errorf("accepted list %s", acc.Raw)
		}
		h.do("GET", ivInvitationsPath(r.orgID)+"?status=pending", r.admin, nil).items(t, 0)

		// Revoking kills the link.
		eveID, eveToken := h.ivInvite(r.orgID, r.admin, "eve@example.com")
		del := h.do("DELETE", ivInvitationPath(r.orgID, eveID), r.admin, nil)
		if del.Status != 204 || len(del.Raw) != 0 {
			t.Fatalf("revoke: %d %s", del.Status, del.Raw)
		}
		expect(t, h.do("POST", ivAcceptInvitationPath(eveToken), "eve@example.com", nil), 410, "invitation_revoked")
		expect(t, h.do("DELETE", ivInvitationPath(r.orgID, eveID), r.admin, nil), 410, "invitation_revoked")
		expect(t, h.do("POST", ivResendPath(r.orgID, eveID), r.admin, nil), 410, "invitation_revoked")
		expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), "eve@example.com", nil), 403, "forbidden")
		rev := h.do("GET", ivInvitationsPath(r.orgID)+"?status=revoked", r.owner, nil).items(t, 1)[0].(map[string]any)
		if rev["email"] != "eve@example.com" || rev["status"] != "revoked" {
			t.Errorf("revoked list item %v", rev)
		}
		// A revoked address may be invited again.
		_, eveAgain := h.ivInvite(r.orgID, r.admin, "eve@example.com")
		expect(t, h.do("POST", ivAcceptInvitationPath(eveAgain), "eve@example.com", nil), 200, "")

		all := h.do("GET", ivInvitationsPath(r.orgID)+"?page_size=2", r.owner, nil)
		expect(t, all, 200, "")
		if fmt.Sprint(all.Body["meta"]) != "map[page:1 page_size:2 total:3 total_pages:2]" {
			t.Errorf("meta %v", all.Body["meta"])
		}
		if items := all.items(t, 2); items[0].(map[string]any)["email"] != "eve@example.com" || items[0].(map[string]any)["status"] != "accepted" ||
			items[1].(map[string]any)["status"] != "revoked" {
			t.Errorf("newest first: %s", all.Raw)
		}

		// Another organization's invitation is not found through this one.
		elsewhere := h.createOrg("elsewhere")
		foreign := h.do("POST", ivInvitationsPath(elsewhere), rootEmail, map[string]any{"email": "zed@example.com"})
		expect(t, foreign, 201, "")
		foreignID := id(foreign.data()["id"])
		expect(t, h.do("DELETE", ivInvitationPath(r.orgID, foreignID), r.owner, nil), 404, "invitation_not_found")
		expect(t, h.do("POST", ivResendPath(r.orgID, foreignID), r.owner, nil), 404, "invitation_not_found")
		expect(t, h.do("DELETE", ivInvitationPath(r.orgID, 999999), r.owner, nil), 404, "invitation_not_found")
		h.ivDeliverNew(1)

		audit := fmt.Sprint(h.ivAuditActions(r.orgID, "invitation."))
		want := "[invitation.accepted invitation.created invitation.revoked invitation.created invitation.accepted invitation.resent invitation.created]"
		if audit != want {
			t.Errorf("invitation audit\n got %s\nwant %s", audit, want)
		}
		rec := h.do("GET", fmt.Sprintf("/v1/organizations/%d/audit-logs?action=invitation.accepted&actor=dana@example.com", r.orgID), rootEmail, nil).items(t, 1)[0].(map[string]any)
		if fmt.Sprint(rec["target_id"]) != fmt.Sprint(invitationID) || rec["target_type"] != "invitation" {
			t.Errorf("accept record %v", rec)
		}
	})
}

// TestInvitations_Tokens: an unknown, malformed or foreign token is not found, and a token
// is never told to the wrong holder.
func TestInvitations_Tokens(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("tokens")
	_, token := h.ivInvite(r.orgID, r.owner, "ann@example.com")
	for _, c := range []string{strings.Repeat("A", 43), token[:42], token + "A", token[:42] + "!", "short", strings.ToLower(token)} {
		if c == token {
			continue
		}
		expect(t, h.do("POST", ivAcceptInvitationPath(c), "ann@example.com", nil), 404, "invitation_not_found")
	}
	res := h.do("POST", ivAcceptInvitationPath("a%00b"), "ann@example.com", nil)
	expect(t, res, 400, "validation_error")
	if fmt.Sprint(res.fields()) != "[token]" {
		t.Errorf("fields %v", res.fields())
	}
	// A member of the organization holding the invitation of another address: still refused.
	expect(t, h.do("POST", ivAcceptInvitationPath(token), r.admin, nil), 403, "invitation_email_mismatch")
	// An organization that is not active cannot be joined.
	path := fmt.Sprintf("/v1/organizations/%d", r.orgID)
	expect(t, h.do("PATCH", path, rootEmail, map[string]any{"status": "suspended"}), 200, "")
	expect(t, h.do("POST", ivAcceptInvitationPath(token), "ann@example.com", nil), 404, "invitation_not_found")
	expect(t, h.do("PATCH", path, rootEmail, map[string]any{"status": "active"}), 200, "")
	expect(t, h.do("POST", ivAcceptInvitationPath(token), "ann@example.com", nil), 200, "")
	// A member who became one another way meanwhile.
	_, bob := h.ivInvite(r.orgID, r.owner, "bob@example.com")
	h.ivUserID("bob@example.com")
	h.connect(r.orgID, "bob@example.com", "viewer")
	expect(t, h.do("POST", ivAcceptInvitationPath(bob), "bob@example.com", nil), 409, "user_already_connected")
}

// TestInvitations_Expiry moves the service's clock past an invitation's seven days.
func TestInvitations_Expiry(t *testing.T) {
	ivEachClockedDialect(t, func(t *testing.T, h *harness, clock *ivClock) {
		r := h.orgWithRoles("lapsed")
		oldID, oldToken := h.ivInvite(r.orgID, r.admin, "late@example.com")
		clock.add(7*24*time.Hour - time.Microsecond)
		h.do("GET", ivInvitationsPath(r.orgID)+"?status=pending", r.admin, nil).items(t, 1)
		clock.add(time.Microsecond)
		expect(t, h.do("POST", ivAcceptInvitationPath(oldToken), "late@example.com", nil), 410, "invitation_expired")
		h.do("GET", ivInvitationsPath(r.orgID)+"?status=pending", r.admin, nil).items(t, 0)
		exp := h.do("GET", ivInvitationsPath(r.orgID)+"?status=expired", r.admin, nil).items(t, 1)[0].(map[string]any)
		if id(exp["id"]) != oldID || exp["status"] != "expired" {
			t.Errorf("expired list item %v", exp)
		}
		if all := h.do("GET", ivInvitationsPath(r.orgID), r.admin, nil).items(t, 1)[0].(map[string]any); all["status"] != "expired" {
			t.Errorf("unfiltered list shows %v", all["status"])
		}

		// Resending an expired invitation revives it with a new token and seven more days.
		resent := h.do("POST", ivResendPath(r.orgID, oldID), r.admin, nil)
		expect(t, resent, 200, "")
		if resent.data()["status"] != "pending" || resent.data()["expires_at"] != clock.Now().Add(7*24*time.Hour).Format(time.RFC3339) {
			t.Errorf("resent %s", resent.Raw)
		}
		revived := ivToken(t, h.ivDeliverNew(1)[0])
		expect(t, h.do("POST", ivAcceptInvitationPath(oldToken), "late@example.com", nil), 404, "invitation_not_found")

		// Letting it lapse again: a new invitation of the address takes its place, and the old
		// one can no longer be revived.
		clock.add(7 * 24 * time.Hour)
		fresh := h.do("POST", ivInvitationsPath(r.orgID), r.owner, map[string]any{"email": "late@example.com", "role": "viewer"})
		expect(t, fresh, 201, "")
		freshToken := ivToken(t, h.ivDeliverNew(1)[0])
		expect(t, h.do("POST", ivResendPath(r.orgID, oldID), r.admin, nil), 409, "invitation_exists")
		expect(t, h.do("POST", ivAcceptInvitationPath(revived), "late@example.com", nil), 410, "invitation_expired")
		h.do("GET", ivInvitationsPath(r.orgID)+"?status=expired", r.admin, nil).items(t, 1)
		accepted := h.do("POST", ivAcceptInvitationPath(freshToken), "late@example.com", nil)
		expect(t, accepted, 200, "")
		if accepted.data()["role"] != "viewer" {
			t.Errorf("joined as %v", accepted.data()["role"])
		}
	})
}

// TestInvitations_RateLimitPerInviter: one inviter sends at most 30 invitations an hour;
// another inviter of the same organization is not held back by it.
func TestInvitations_RateLimitPerInviter(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("limited")
	for i := range 30 {
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": fmt.Sprintf("guest%d@example.com", i)}), 201, "")
	}
	refused := h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": "guest30@example.com"})
	expect(t, refused, 429, "rate_limited")
	if refused.Header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After: %v", refused.Header)
	}
	expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.owner, map[string]any{"email": "guest30@example.com"}), 201, "")
	h.do("GET", ivInvitationsPath(r.orgID)+"?page_size=100", r.owner, nil).items(t, 31)
	// Resending counts too.
	last := id(h.do("GET", ivInvitationsPath(r.orgID)+"?page_size=1", r.owner, nil).items(t, 1)[0].(map[string]any)["id"])
	expect(t, h.do("POST", ivResendPath(r.orgID, last), r.admin, nil), 429, "rate_limited")
	h.ivDeliverNew(31)

	h.advance(time.Hour)
	expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": "guest31@example.com"}), 201, "")
}

// TestInvitations_RateLimitPerOrganization: an organization sends at most 100 invitations
// an hour, whoever sends them.
func TestInvitations_RateLimitPerOrganization(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("busy")
	inviters := []string{rootEmail, r.owner, r.admin, "admin2-busy@example.com"}
	h.ivUserID(inviters[3])
	h.connect(r.orgID, inviters[3], "admin")
	for i := range 100 {
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), inviters[i%4], map[string]any{"email": fmt.Sprintf("guest%d@example.com", i)}), 201, "")
	}
	expect(t, h.do("POST", ivInvitationsPath(r.orgID), "admin3-busy@example.com", map[string]any{"email": "guest100@example.com"}), 403, "forbidden")
	expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.owner, map[string]any{"email": "guest100@example.com"}), 429, "rate_limited")
	other := h.createOrg("quiet")
	expect(t, h.do("POST", ivInvitationsPath(other), rootEmail, map[string]any{"email": "guest100@example.com"}), 201, "")
}

// TestInvitations_MailRetry: a mail the server refuses stays in the outbox and is sent
// again after its backoff.
func TestInvitations_MailRetry(t *testing.T) {
	ivEachClockedDialect(t, func(t *testing.T, h *harness, clock *ivClock) {
		r := h.orgWithRoles("retry")
		h.smtp.FailNext(1)
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": "ann@example.com"}), 201, "")
		h.deliver(0)
		if got := fmt.Sprint(h.ivOutboxRows()); got != "[1:true:true]" {
			t.Fatalf("outbox after a refused delivery: %s, want one item tried once", got)
		}
		h.deliver(0) // not due yet
		clock.add(30*time.Second - time.Microsecond)
		h.deliver(0)
		clock.add(time.Microsecond)
		m := h.deliver(1)[0]
		if fmt.Sprint(m.To) != "[ann@example.com]" {
			t.Errorf("mail to %v", m.To)
		}
		token := ivToken(t, m)
		if got := h.ivOutboxRows(); len(got) != 0 {
			t.Errorf("outbox after delivery: %v", got)
		}
		h.deliver(1)
		expect(t, h.do("POST", ivAcceptInvitationPath(token), "ann@example.com", nil), 200, "")
	})
}

func TestInvitations_Validation(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("checked")
	for _, c := range []struct {
		name   string
		body   any
		fields string
	}{
		{"missing email", map[string]any{}, "[email]"},
		{"null email", map[string]any{"email": nil}, "[email]"},
		{"empty email", map[string]any{"email": " "}, "[email]"},
		{"not an email", map[string]any{"email": "ann"}, "[email]"},
		{"email nul", map[string]any{"email": "ann\x00@example.com"}, "[email]"},
		{"email a number", map[string]any{"email": 5}, "[email]"},
		{"role owner", map[string]any{"email": "ann@example.com", "role": "owner"}, "[role]"},
		{"role unknown", map[string]any{"email": "ann@example.com", "role": "boss"}, "[role]"},
		{"role empty", map[string]any{"email": "ann@example.com", "role": ""}, "[role]"},
		{"role a number", map[string]any{"email": "ann@example.com", "role": 2}, "[role]"},
		{"unknown field", map[string]any{"email": "ann@example.com", "message": "hi"}, "[message]"},
		{"server fields", map[string]any{"email": "ann@example.com", "status": "accepted", "expires_at": "2030-01-01T00:00:00Z"}, "[expires_at status]"},
		{"not an object", `"ann@example.com"`, "[body]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := h.do("POST", ivInvitationsPath(r.orgID), r.admin, c.body)
			expect(t, res, 400, "validation_error")
			if got := ivFields(res); got != c.fields {
				t.Errorf("fields %s, want %s: %s", got, c.fields, res.Raw)
			}
		})
	}
	h.t = t
	for _, c := range []struct {
		method, path, fields string
	}{
		{"GET", ivInvitationsPath(r.orgID) + "?status=open", "[status]"},
		{"GET", ivInvitationsPath(r.orgID) + "?status=", "[status]"},
		{"GET", ivInvitationsPath(r.orgID) + "?page=0&page_size=101", "[page page_size]"},
		{"GET", ivInvitationsPath(r.orgID) + "?status=%00", "[status]"},
		{"POST", ivInvitationsPath(r.orgID) + "/abc/resend", "[invitationId]"},
		{"POST", ivInvitationsPath(r.orgID) + "/01/resend", "[invitationId]"},
		{"DELETE", ivInvitationsPath(r.orgID) + "/0", "[invitationId]"},
		{"DELETE", ivInvitationsPath(r.orgID) + "/1%00", "[invitationId]"},
		{"DELETE", "/v1/organizations/-3/invitations/1", "[id]"},
	} {
		res := h.do(c.method, c.path, r.admin, nil)
		expect(t, res, 400, "validation_error")
		if got := fmt.Sprint(res.fields()); got != c.fields {
			t.Errorf("%s %s: fields %s, want %s", c.method, c.path, got, c.fields)
		}
	}
	h.do("GET", ivInvitationsPath(r.orgID), r.owner, nil).items(t, 0)
	h.deliver(0)
	// The organization's default role is used when none is given; an admin may give admin.
	res := h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": "ann@example.com"})
	expect(t, res, 201, "")
	if res.data()["role"] != "viewer" { // orgWithRoles left default_role at viewer, the last it connected
		t.Errorf("default role %v", res.data()["role"])
	}
	res = h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": "bob@example.com", "role": "admin"})
	expect(t, res, 201, "")
	// An outsider's bad input is answered 403.
	expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.outsider, map[string]any{"email": "x", "role": "owner"}), 403, "forbidden")
	expect(t, h.do("GET", ivInvitationsPath(r.orgID)+"?status=open", r.member, nil), 403, "forbidden")
}

// TestInvitations_RefusedByInviterLimitSpendsNoOrganizationQuota: an inviter held back by
// their own limit cannot use up the organization's by retrying.
func TestInvitations_RefusedByInviterLimitSpendsNoOrganizationQuota(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("spent")
	for i := range 30 {
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": fmt.Sprintf("guest%d@example.com", i)}), 201, "")
	}
	for i := range 75 {
		expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.admin, map[string]any{"email": fmt.Sprintf("retry%d@example.com", i)}), 429, "rate_limited")
	}
	expect(t, h.do("POST", ivInvitationsPath(r.orgID), r.owner, map[string]any{"email": "owner-guest@example.com"}), 201, "")
}
