package soak

import (
	"encoding/json"
	"fmt"
	"time"
)

// propagationBound is how soon a change made on one replica must show on the others. The
// replicas' access cache lives far longer (ORGKIT_ACCESS_CACHE_TTL=20s in TestSoak), so only
// the Redis invalidation can meet it; it is the documented default TTL, the bound even when
// that invalidation is lost. Resolve's cache is Redis itself, deleted after commit.
const propagationBound = 2 * time.Second

// prober changes state on one replica and measures how long the others take to show it.
type prober struct {
	b        *balancer
	f        *fixture
	dns      *dnsServer
	worst    time.Duration
	measured int
	failures []string
}

// await asks every observer the request until accept holds on each, and reports how long
// that took; beyond propagationBound it records a failure named what.
func (p *prober) await(what string, observers []*replica, method, path, token string, accept func(code int, out []byte) bool) {
	start := time.Now()
	pending := append([]*replica(nil), observers...)
	for len(pending) > 0 {
		var still []*replica
		for _, r := range pending {
			code, out := p.b.sendTo(r, "probe", method, path, token, nil)
			if !accept(code, out) {
				still = append(still, r)
			}
		}
		pending = still
		if len(pending) == 0 {
			break
		}
		if time.Since(start) > propagationBound {
			code, out := p.b.sendTo(pending[0], "probe", method, path, token, nil)
			p.failures = append(p.failures, fmt.Sprintf("%s: replica %d still answers %d %.200s after %v", what, pending[0].n, code, out, time.Since(start)))
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.measured++
	p.worst = max(p.worst, time.Since(start))
}

// change makes one change on replica a and records a failure unless it is answered want.
func (p *prober) change(what string, a *replica, method, path string, body any, want int) []byte {
	code, out := p.b.sendTo(a, "probe-change", method, path, p.f.ops.token, body)
	if code != want {
		p.failures = append(p.failures, fmt.Sprintf("%s on replica %d: %d, want %d: %.300s", what, a.n, code, want, out))
	}
	return out
}

func is(codes ...int) func(int, []byte) bool {
	return func(code int, _ []byte) bool {
		for _, c := range codes {
			if code == c {
				return true
			}
		}
		return false
	}
}

// named holds when resolve answers the organization under name.
func named(name string) func(int, []byte) bool {
	return func(code int, out []byte) bool {
		var v struct {
			Data struct {
				Name string `json:"name"`
			} `json:"data"`
		}
		return code == 200 && json.Unmarshal(out, &v) == nil && v.Data.Name == name
	}
}

// round runs every probe once with the change made on a and watched on b and c: a member
// removed and added back, a role lowered and restored, the organization suspended and
// reopened, renamed (resolve by slug), and a domain verified and removed (resolve by domain,
// whose "not found" the observers had cached).
func (p *prober) round(k int, a *replica, observers []*replica) {
	f := p.f
	orgPath := fmt.Sprintf("/v1/organizations/%d", f.probeOrg.id)
	memberPath := fmt.Sprintf("%s/members/%d", orgPath, f.member.id)
	adminPath := fmt.Sprintf("%s/members/%d", orgPath, f.admin.id)

	p.await("member reads", observers, "GET", orgPath, f.member.token, is(200))
	p.change("remove member", a, "DELETE", memberPath, nil, 204)
	p.await("removed member refused", observers, "GET", orgPath, f.member.token, is(403, 404))
	p.change("add member back", a, "POST", orgPath+"/members", map[string]any{"user_id": f.member.id, "role": "member"}, 201)
	p.await("member back", observers, "GET", orgPath, f.member.token, is(200))

	p.await("admin reads the audit log", observers, "GET", orgPath+"/audit-logs", f.admin.token, is(200))
	p.change("lower admin", a, "PATCH", adminPath, map[string]any{"role": "member"}, 200)
	p.await("lowered admin refused", observers, "GET", orgPath+"/audit-logs", f.admin.token, is(403))
	p.change("restore admin", a, "PATCH", adminPath, map[string]any{"role": "admin"}, 200)
	p.await("admin again", observers, "GET", orgPath+"/audit-logs", f.admin.token, is(200))

	p.change("suspend", a, "PATCH", orgPath, map[string]any{"status": "suspended"}, 200)
	p.await("suspended organization closed", observers, "GET", orgPath, f.member.token, is(403))
	p.change("reopen", a, "PATCH", orgPath, map[string]any{"status": "active"}, 200)
	p.await("reopened organization", observers, "GET", orgPath, f.member.token, is(200))

	resolveSlug := "/v1/public/organizations/resolve?slug=" + f.probeOrg.slug
	name := fmt.Sprintf("Probe %d", k)
	p.await("resolve by slug warm", observers, "GET", resolveSlug, "", is(200))
	p.change("rename", a, "PATCH", orgPath, map[string]any{"name": name}, 200)
	p.await("resolve shows the new name", observers, "GET", resolveSlug, "", named(name))

	p.domainRound(k, a, observers)
}

// domainRound verifies a new domain on a and removes it, while b and c resolve it.
func (p *prober) domainRound(k int, a *replica, observers []*replica) {
	o := p.f.domainOrgs[k%len(p.f.domainOrgs)]
	name := fmt.Sprintf("probe-%d.example.com", k)
	resolve := "/v1/public/organizations/resolve?domain=" + name
	p.await("unknown domain not found", observers, "GET", resolve, "", is(404))
	out := p.change("add domain", a, "POST", fmt.Sprintf("/v1/organizations/%d/domains", o.id), map[string]any{"domain": name, "domain_type": "clinic"}, 201)
	var added struct {
		Data struct {
			ID    int64  `json:"id"`
			Token string `json:"verification_token"`
		} `json:"data"`
	}
	if err := json.Unmarshal(out, &added); err != nil || added.Data.ID == 0 {
		p.failures = append(p.failures, fmt.Sprintf("add domain %s: %.300s", name, out))
		return
	}
	p.dns.setTXT(txtHost(name), added.Data.Token)
	domainPath := fmt.Sprintf("/v1/organizations/%d/domains/%d", o.id, added.Data.ID)
	p.change("verify domain", a, "POST", domainPath+"/verify", nil, 200)
	p.await("verified domain resolves", observers, "GET", resolve, "", is(200))
	p.change("delete domain", a, "DELETE", domainPath, nil, 204)
	p.await("deleted domain not found", observers, "GET", resolve, "", is(404))
}
