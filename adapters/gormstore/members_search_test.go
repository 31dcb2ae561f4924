package gormstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
)

// The members list's Q keeps the members whose email or name contains it, ignoring case;
// LIKE's wildcards and its escape character match themselves; the total counts the matches.
func TestMembershipRepo_ListSearch(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		people := []struct{ email, name string }{
			{"ann@example.com", "Ann Admin"},
			{"bob@example.com", "Robert ANNING"},
			{"under_score@example.com", ""},
			{"underxscore@example.com", "100% sure"},
			{"pct@example.com", "1000 sure"},
			{"slash@example.com", `back\slash`},
		}
		var u []domain.User
		for i, p := range people {
			u = append(u, mustUser(t, s, fmt.Sprintf("sub-%d", i), p.email))
			if p.name != "" {
				u[i].Name = &p.name
				if err := s.Users().UpdateProfile(ctx, u[i]); err != nil {
					t.Fatal(err)
				}
			}
			role := domain.RoleMember
			if i == 0 {
				role = domain.RoleOwner
			}
			mustMember(t, s, a.ID, u[i].ID, role, t0.Add(time.Duration(i)*time.Minute))
		}
		outsider := mustUser(t, s, "sub-other", "anna@example.com") // matches, in another organization
		mustMember(t, s, b.ID, outsider.ID, domain.RoleOwner, t0)

		ids := func(is ...int) string {
			out := []int64{}
			for _, i := range is {
				out = append(out, u[i].ID)
			}
			return fmt.Sprint(out)
		}
		owner := domain.RoleOwner
		for _, c := range []struct {
			name string
			q    domain.MemberQuery
			want string
		}{
			{"by email", domain.MemberQuery{Q: "bob@"}, ids(1) + " total 1"},
			{"by name", domain.MemberQuery{Q: "robert"}, ids(1) + " total 1"},
			{"email or name, any case", domain.MemberQuery{Q: "ANN"}, ids(0, 1) + " total 2"},
			{"total counts every match, not the page", domain.MemberQuery{Q: "example.COM", PageSize: 2, Page: 2}, ids(2, 3) + " total 6"},
			{"with the role filter", domain.MemberQuery{Q: "ann", Role: &owner}, ids(0) + " total 1"},
			{"underscore is literal", domain.MemberQuery{Q: "under_score"}, ids(2) + " total 1"},
			{"percent is literal", domain.MemberQuery{Q: "100%"}, ids(3) + " total 1"},
			{"a lone percent", domain.MemberQuery{Q: "%"}, ids(3) + " total 1"},
			{"backslash is literal", domain.MemberQuery{Q: `k\s`}, ids(5) + " total 1"},
			{"a lone backslash", domain.MemberQuery{Q: `\`}, ids(5) + " total 1"},
			{"no match", domain.MemberQuery{Q: "zed"}, "[] total 0"},
		} {
			q, err := c.q.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Memberships().List(ctx, a.ID, q)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := memberIDs(p); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
	})
}
