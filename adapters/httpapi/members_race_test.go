package httpapi_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// mtStatus is one racing request's answer.
type mtStatus struct {
	who    string // "a" or "b"
	status int
	body   string
	err    error
}

// mtRace sends the two requests at once, from two goroutines, and returns their answers.
func (h *harness) mtRace(a, b func() (int, string, error)) map[string]mtStatus {
	out := make(chan mtStatus, 2)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for who, send := range map[string]func() (int, string, error){"a": a, "b": b} {
		wg.Go(func() {
			<-start
			code, body, err := send()
			out <- mtStatus{who, code, body, err}
		})
	}
	close(start)
	wg.Wait()
	close(out)
	got := map[string]mtStatus{}
	for s := range out {
		got[s.who] = s
	}
	return got
}

// TestMembers_RacingLastOwners: an organization with exactly two owners, both stepping
// down (or pushing each other out) at the same moment, keeps one owner every time: the
// changes queue behind a lock on the organization, so the second sees the first.
func TestMembers_RacingLastOwners(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("race")
		a, b := r.owner, r.admin
		ids := map[string]int64{a: h.mtUserID(a), b: h.mtUserID(b)}
		tokens := map[string]string{a: h.token(a), b: h.token(b)}
		expect(t, h.do("PATCH", mtMember(r.orgID, ids[b]), a, map[string]any{"role": "owner"}), 200, "")

		demote := func(actor, target string) func() (int, string, error) {
			return func() (int, string, error) {
				return h.send("PATCH", mtMember(r.orgID, ids[target]), tokens[actor], map[string]any{"role": "admin"})
			}
		}
		remove := func(actor, target string) func() (int, string, error) {
			return func() (int, string, error) {
				return h.send("DELETE", mtMember(r.orgID, ids[target]), tokens[actor], nil)
			}
		}
		leave := func(actor string) func() (int, string, error) {
			return func() (int, string, error) { return h.send("DELETE", mtLeave(r.orgID), tokens[actor], nil) }
		}
		modes := []struct {
			name string
			a, b func() (int, string, error)
			// The loser's answer: stepping down itself is last_owner; acting on the other
			// once it lost ownership (or membership) is forbidden.
			loserStatus int
			loserCode   string
		}{
			{"both demote themselves", demote(a, a), demote(b, b), 409, "last_owner"},
			{"both leave", leave(a), leave(b), 409, "last_owner"},
			{"both remove themselves by id", remove(a, a), remove(b, b), 409, "last_owner"},
			{"one demotes itself, one leaves", demote(a, a), leave(b), 409, "last_owner"},
			{"each demotes the other", demote(a, b), demote(b, a), 403, "forbidden"},
			{"each removes the other", remove(a, b), remove(b, a), 403, "forbidden"},
		}
		const rounds = 15
		for round := range rounds {
			for _, m := range modes {
				got := h.mtRace(m.a, m.b)
				var won, lost []mtStatus
				for _, s := range got {
					if s.err != nil {
						t.Fatalf("round %d, %s: %s: %v", round, m.name, s.who, s.err)
					}
					if s.status/100 == 2 {
						won = append(won, s)
					} else {
						lost = append(lost, s)
					}
				}
				if len(won) != 1 || len(lost) != 1 || lost[0].status != m.loserStatus ||
					!strings.Contains(lost[0].body, `"code":"`+m.loserCode+`"`) {
					t.Fatalf("round %d, %s: answers %+v, want one success and one %d %s", round, m.name, got, m.loserStatus, m.loserCode)
				}
				roles := h.mtRoles(r.orgID)
				var owners []string
				for email, role := range roles {
					if role == "owner" {
						owners = append(owners, email)
					}
				}
				if len(owners) != 1 {
					t.Fatalf("round %d, %s: owners %v after the race, want exactly one (roles %v)", round, m.name, owners, roles)
				}
				// The one who still owns it makes the other an owner again.
				owner, other := owners[0], a
				if owner == a {
					other = b
				}
				if _, ok := roles[other]; ok {
					expect(t, h.do("PATCH", mtMember(r.orgID, ids[other]), owner, map[string]any{"role": "owner"}), 200, "")
				} else {
					expect(t, h.do("POST", mtMembers(r.orgID), owner, map[string]any{"user_id": ids[other], "role": "owner"}), 201, "")
				}
			}
		}
		if n := len(h.mtRoles(r.orgID)); n != 4 {
			t.Errorf("%d members after the races, want 4", n)
		}
		// Every refused change wrote nothing: one record per success.
		changes := len(h.mtAudit(r.orgID, "member.role_changed")) + len(h.mtAudit(r.orgID, "member.removed")) +
			len(h.mtAudit(r.orgID, "member.left")) + len(h.mtAudit(r.orgID, "member.added"))
		if want := 1 + 2*rounds*len(modes); changes != want {
			t.Errorf("%d membership records, want %d", changes, want)
		}
	})
}

// TestMembers_RacingManyOwners: four owners all stepping down at once leave exactly one.
func TestMembers_RacingManyOwners(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("many-owners")
		rootID := h.mtUserID(rootEmail)
		emails := []string{"o1@example.com", "o2@example.com", "o3@example.com"}
		for _, e := range emails {
			h.mtConnect(orgID, e, "owner")
		}
		emails = append(emails, rootEmail)
		for round := range 5 {
			out := make(chan int, len(emails))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for _, e := range emails {
				tok := h.token(e)
				wg.Go(func() {
					<-start
					code, _, err := h.send("DELETE", mtLeave(orgID), tok, nil)
					if err != nil {
						code = -1
					}
					out <- code
				})
			}
			close(start)
			wg.Wait()
			close(out)
			count := map[int]int{}
			for c := range out {
				count[c]++
			}
			if count[204] != len(emails)-1 || count[409] != 1 {
				t.Fatalf("round %d: answers %v, want %d × 204 and one 409", round, count, len(emails)-1)
			}
			roles := h.mtRoles(orgID)
			if len(roles) != 1 {
				t.Fatalf("round %d: members %v, want the one owner left", round, roles)
			}
			for e, role := range roles {
				if role != "owner" {
					t.Fatalf("round %d: %s is %s", round, e, role)
				}
			}
			// Bring the others back as owners (the superadmin may, member or not).
			for _, e := range emails {
				if _, ok := roles[e]; !ok {
					if e == rootEmail {
						expect(t, h.do("POST", mtMembers(orgID), rootEmail, map[string]any{"user_id": rootID, "role": "owner"}), 201, "")
					} else {
						h.mtConnect(orgID, e, "owner")
					}
				}
			}
		}
		if got := fmt.Sprint(len(h.mtRoles(orgID))); got != "4" {
			t.Errorf("%s members at the end", got)
		}
	})
}

// TestMembers_RacingAdds: the same user added twice at once, or joining twice at once, is
// one membership: one request succeeds, the other is user_already_connected (never a 500).
func TestMembers_RacingAdds(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("race-adds")
		open := h.mtJoinable("race-join", "race-join.example")
		owner, admin := h.token(r.owner), h.token(r.admin)
		for round := range 6 {
			email := fmt.Sprintf("racer-%d@example.com", round)
			uid := h.mtUserID(email)
			add := func(tok string) func() (int, string, error) {
				return func() (int, string, error) {
					return h.send("POST", mtMembers(r.orgID), tok, map[string]any{"user_id": uid, "role": "member"})
				}
			}
			joiner := h.token(fmt.Sprintf("racer-%d@race-join.example", round))
			join := func() (int, string, error) { return h.send("POST", mtJoin(open), joiner, nil) }
			for _, c := range []struct {
				name    string
				a, b    func() (int, string, error)
				success int
				orgID   int64
			}{
				{"add", add(owner), add(admin), 201, r.orgID},
				{"join", join, join, 200, open},
			} {
				before := h.mtMembersCount(c.orgID)
				got := h.mtRace(c.a, c.b)
				codes := map[int]int{}
				for _, s := range got {
					if s.err != nil {
						t.Fatalf("round %d, %s: %v", round, c.name, s.err)
					}
					codes[s.status]++
					if s.status == 409 && !strings.Contains(s.body, `"code":"user_already_connected"`) {
						t.Errorf("round %d, %s: 409 %s", round, c.name, s.body)
					}
				}
				if codes[c.success] != 1 || codes[409] != 1 {
					t.Fatalf("round %d, %s: answers %+v, want one %d and one 409", round, c.name, got, c.success)
				}
				if n := h.mtMembersCount(c.orgID); n != before+1 {
					t.Fatalf("round %d, %s: members_count %d, want %d", round, c.name, n, before+1)
				}
			}
		}
		if n := len(h.mtAudit(r.orgID, "member.added")); n != 6 {
			t.Errorf("%d member.added records, want 6", n)
		}
		if n := len(h.mtAudit(open, "member.joined")); n != 6 {
			t.Errorf("%d member.joined records, want 6", n)
		}
	})
}
