package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// ivRounds is how often the two-request races run: a lock-order deadlock needs the requests
// to interleave just so, which a few rounds may miss.
const ivRounds = 20

// ivOutcome is one racing accept's answer, or the error that kept it from one.
type ivOutcome struct {
	status int
	code   string
	raw    string
	err    error
}

// ivAcceptFrom posts to path with token and no body (see ivSend).
func (h *harness) ivAcceptFrom(path, token string) ivOutcome { return h.ivSend("POST", path, token) }

// ivSend sends a request without a body; for goroutines, it reports failures instead of
// stopping the test.
func (h *harness) ivSend(method, path, token string) ivOutcome {
	req, err := http.NewRequest(method, h.srv.URL+path, nil)
	if err != nil {
		return ivOutcome{err: err}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		return ivOutcome{err: err}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	out := ivOutcome{status: res.StatusCode, raw: string(raw), err: err}
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err == nil && res.StatusCode >= 300 {
		if jerr := json.Unmarshal(raw, &body); jerr != nil {
			out.err = fmt.Errorf("error body is not JSON: %w", jerr)
		}
		out.code = body.Error.Code
	}
	return out
}

// TestInvites_ConcurrentAcceptsHonorMaxUses: thirty users racing to accept an invite of ten
// uses: exactly ten join, the twenty others are told it is used up, on both databases.
func TestInvites_ConcurrentAcceptsHonorMaxUses(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		const racers, maxUses = 30, 10
		r := h.orgWithRoles("crowd")
		inviteID, code := h.ivCreateInvite(r.orgID, r.admin, map[string]any{"role": "member", "max_uses": maxUses})
		tokens := make([]string, racers)
		for i := range tokens {
			email := fmt.Sprintf("racer%d@example.com", i)
			h.ivUserID(email)
			tokens[i] = h.token(email)
		}
		before := h.ivMembersCount(r.orgID)

		start := make(chan struct{})
		outcomes := make(chan ivOutcome, racers)
		var wg sync.WaitGroup
		for _, tok := range tokens {
			wg.Go(func() {
				<-start
				outcomes <- h.ivAcceptFrom(ivAcceptInvitePath(code), tok)
			})
		}
		close(start)
		wg.Wait()
		close(outcomes)

		tally := map[string]int{}
		for o := range outcomes {
			if o.err != nil {
				t.Errorf("request failed: %v", o.err)
				continue
			}
			key := fmt.Sprintf("%d %s", o.status, o.code)
			if key != "200 " && key != "410 invite_exhausted" {
				t.Errorf("unexpected answer %d %s", o.status, o.raw)
			}
			tally[key]++
		}
		if tally["200 "] != maxUses || tally["410 invite_exhausted"] != racers-maxUses {
			t.Fatalf("answers %v, want %d × 200 and %d × 410 invite_exhausted", tally, maxUses, racers-maxUses)
		}
		if n := h.ivMembersCount(r.orgID); n != before+maxUses {
			t.Errorf("members_count %d, want %d", n, before+maxUses)
		}
		if u := h.ivListedInvite(r.orgID, r.owner, inviteID)["uses"]; u != float64(maxUses) {
			t.Errorf("uses %v, want %d", u, maxUses)
		}
		joined := 0
		for i := range racers {
			if h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), fmt.Sprintf("racer%d@example.com", i), nil).Status == 200 {
				joined++
			}
		}
		if joined != maxUses {
			t.Errorf("%d racers can read the organization, want %d", joined, maxUses)
		}
		if got := len(h.ivAuditActions(r.orgID, "invite.accepted")); got != maxUses {
			t.Errorf("%d invite.accepted records, want %d", got, maxUses)
		}
	})
}

// TestInvites_ConcurrentAcceptsBySameUser: a double-click joins once and uses once.
func TestInvites_ConcurrentAcceptsBySameUser(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		const clicks = 8
		r := h.orgWithRoles("double")
		inviteID, code := h.ivCreateInvite(r.orgID, r.admin, map[string]any{"role": "viewer"})
		h.ivUserID("clicker@example.com")
		tok := h.token("clicker@example.com")
		start := make(chan struct{})
		outcomes := make(chan ivOutcome, clicks)
		var wg sync.WaitGroup
		for range clicks {
			wg.Go(func() {
				<-start
				outcomes <- h.ivAcceptFrom(ivAcceptInvitePath(code), tok)
			})
		}
		close(start)
		wg.Wait()
		close(outcomes)
		tally := map[string]int{}
		for o := range outcomes {
			if o.err != nil {
				t.Errorf("request failed: %v", o.err)
				continue
			}
			tally[fmt.Sprintf("%d %s", o.status, o.code)]++
		}
		if tally["200 "] != 1 || tally["409 user_already_connected"] != clicks-1 {
			t.Fatalf("answers %v, want one 200 and %d × 409 user_already_connected", tally, clicks-1)
		}
		if u := h.ivListedInvite(r.orgID, r.owner, inviteID)["uses"]; u != 1.0 {
			t.Errorf("uses %v, want 1", u)
		}
	})
}

// TestInvitations_ConcurrentCreateSameAddress: racing invitations of one address leave one
// pending invitation and one mail; the others are told it exists.
func TestInvitations_ConcurrentCreateSameAddress(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		const racers = 10
		r := h.orgWithRoles("twice")
		inviters := []string{h.token(r.owner), h.token(r.admin)}
		start := make(chan struct{})
		type answer struct {
			status int
			body   string
			err    error
		}
		answers := make(chan answer, racers)
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				<-start
				status, body, err := h.send("POST", ivInvitationsPath(r.orgID), inviters[i%2], map[string]any{"email": "Same@Example.com"})
				answers <- answer{status, body, err}
			})
		}
		close(start)
		wg.Wait()
		close(answers)
		tally := map[string]int{}
		for a := range answers {
			switch {
			case a.err != nil:
				t.Errorf("request failed: %v", a.err)
			case a.status == 201:
				tally["201"]++
			case a.status == 409 && strings.Contains(a.body, `"invitation_exists"`):
				tally["409 invitation_exists"]++
			default:
				t.Errorf("unexpected answer %d %s", a.status, a.body)
			}
		}
		if tally["201"] != 1 || tally["409 invitation_exists"] != racers-1 {
			t.Fatalf("answers %v, want one 201 and %d × 409 invitation_exists", tally, racers-1)
		}
		h.do("GET", ivInvitationsPath(r.orgID)+"?status=pending", r.owner, nil).items(t, 1)
		if m := h.deliver(1)[0]; fmt.Sprint(m.To) != "[same@example.com]" {
			t.Errorf("mail to %v", m.To)
		}
		if got := len(h.ivAuditActions(r.orgID, "invitation.created")); got != 1 {
			t.Errorf("%d invitation.created records, want 1", got)
		}
	})
}

// TestInvitations_AcceptRacingRevoke: an accept and a revoke of one invitation racing each
// other have one winner, and the membership agrees with the answers.
func TestInvitations_AcceptRacingRevoke(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("contest")
		admin := h.token(r.admin)
		wins := map[string]int{}
		for round := range ivRounds {
			email := fmt.Sprintf("contender%d@example.com", round)
			invitationID, token := h.ivInvite(r.orgID, r.admin, email)
			h.ivUserID(email)
			invitee := h.token(email)
			start := make(chan struct{})
			accepted, revoked := make(chan ivOutcome, 1), make(chan ivOutcome, 1)
			go func() { <-start; accepted <- h.ivAcceptFrom(ivAcceptInvitationPath(token), invitee) }()
			go func() { <-start; revoked <- h.ivSend("DELETE", ivInvitationPath(r.orgID, invitationID), admin) }()
			close(start)
			a, v := <-accepted, <-revoked
			if a.err != nil || v.err != nil {
				t.Fatalf("round %d: %v %v", round, a.err, v.err)
			}
			outcome := fmt.Sprintf("accept %d %s, revoke %d %s", a.status, a.code, v.status, v.code)
			member := h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), email, nil).Status == 200
			listed := h.do("GET", ivInvitationsPath(r.orgID)+"?page_size=1", r.owner, nil).items(t, 1)[0].(map[string]any)["status"]
			switch outcome {
			case "accept 200 , revoke 410 invitation_accepted":
				if !member || listed != "accepted" {
					t.Errorf("round %d: %s but member %t, status %v", round, outcome, member, listed)
				}
			case "accept 410 invitation_revoked, revoke 204 ":
				if member || listed != "revoked" {
					t.Errorf("round %d: %s but member %t, status %v", round, outcome, member, listed)
				}
			default:
				t.Errorf("round %d: %s\n%s", round, outcome, ivErrorLogs(h))
			}
			wins[outcome]++
		}
		t.Logf("outcomes: %v", wins)
	})
}

// ivErrorLogs are the service's logged errors, to tell why a request failed.
func ivErrorLogs(h *harness) string {
	var out []string
	for _, l := range strings.Split(h.logs.String(), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestInvites_AcceptRacingDisable: accepting an invite link while an administrator disables
// it answers each request as one order or the other, never an error, and uses counts the
// accepts that were answered 200.
func TestInvites_AcceptRacingDisable(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("toggle")
		admin := h.token(r.admin)
		wins := map[string]int{}
		for round := range ivRounds {
			inviteID, code := h.ivCreateInvite(r.orgID, r.owner, map[string]any{"role": "viewer"})
			email := fmt.Sprintf("toggler%d@example.com", round)
			h.ivUserID(email)
			joiner := h.token(email)
			start := make(chan struct{})
			accepted, disabled := make(chan ivOutcome, 1), make(chan answerOf, 1)
			go func() { <-start; accepted <- h.ivAcceptFrom(ivAcceptInvitePath(code), joiner) }()
			go func() {
				<-start
				status, body, err := h.send("PATCH", ivInvitePath(r.orgID, inviteID), admin, map[string]any{"disabled": true})
				disabled <- answerOf{status, body, err}
			}()
			close(start)
			a, d := <-accepted, <-disabled
			if a.err != nil || d.err != nil {
				t.Fatalf("round %d: %v %v", round, a.err, d.err)
			}
			outcome := fmt.Sprintf("accept %d %s, disable %d", a.status, a.code, d.status)
			member := h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), email, nil).Status == 200
			uses := h.ivListedInvite(r.orgID, r.owner, inviteID)["uses"]
			switch outcome {
			case "accept 200 , disable 200":
				if !member || uses != 1.0 {
					t.Errorf("round %d: %s but member %t, uses %v", round, outcome, member, uses)
				}
			case "accept 410 invite_disabled, disable 200":
				if member || uses != 0.0 {
					t.Errorf("round %d: %s but member %t, uses %v", round, outcome, member, uses)
				}
			default:
				t.Errorf("round %d: %s %s\n%s", round, outcome, d.body, ivErrorLogs(h))
			}
			wins[outcome]++
		}
		t.Logf("outcomes: %v", wins)
	})
}

// answerOf is what harness.send answers.
type answerOf struct {
	status int
	body   string
	err    error
}

// TestInvites_AcceptRacingOrganizationDelete: accepting an invite link and an email
// invitation while the superadmin deletes the organization answers each request as one
// order or the other (200 or 404), never an error.
func TestInvites_AcceptRacingOrganizationDelete(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		root := h.token(rootEmail)
		wins := map[string]int{}
		for round := range ivRounds {
			orgID := h.createOrg(fmt.Sprintf("doomed-%d", round))
			linked, mailed := fmt.Sprintf("linked%d@example.com", round), fmt.Sprintf("mailed%d@example.com", round)
			h.ivUserID(linked)
			h.ivUserID(mailed)
			_, code := h.ivCreateInvite(orgID, rootEmail, map[string]any{"role": "member"})
			_, token := h.ivInvite(orgID, rootEmail, mailed)
			start := make(chan struct{})
			viaLink, viaMail, deleted := make(chan ivOutcome, 1), make(chan ivOutcome, 1), make(chan ivOutcome, 1)
			go func() { <-start; viaLink <- h.ivAcceptFrom(ivAcceptInvitePath(code), h.token(linked)) }()
			go func() { <-start; viaMail <- h.ivAcceptFrom(ivAcceptInvitationPath(token), h.token(mailed)) }()
			go func() { <-start; deleted <- h.ivSend("DELETE", fmt.Sprintf("/v1/organizations/%d", orgID), root) }()
			close(start)
			l, m, d := <-viaLink, <-viaMail, <-deleted
			for _, o := range []ivOutcome{l, m, d} {
				if o.err != nil {
					t.Fatalf("round %d: %v", round, o.err)
				}
			}
			if d.status != 204 || (l.status != 200 && l.status != 404) || (m.status != 200 && m.status != 404) {
				t.Errorf("round %d: link %d %s, mail %d %s, delete %d %s\n%s", round, l.status, l.raw, m.status, m.raw, d.status, d.raw, ivErrorLogs(h))
			}
			wins[fmt.Sprintf("link %d %s, mail %d %s", l.status, l.code, m.status, m.code)]++
		}
		t.Logf("outcomes: %v", wins)
	})
}
