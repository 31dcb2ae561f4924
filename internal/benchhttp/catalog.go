package main

import (
	"fmt"
	"strconv"
)

// The scenarios' keys: -cpuprofile-scenario's names and the goals' keys.
const (
	keyFloor      = "floor"
	keyHealthz    = "healthz"
	keySlug       = "slug"
	keyDomain     = "domain"
	keyUnknown    = "unknown"
	keyOrg        = "org"
	keyMe         = "me"
	keyList100    = "list100"
	keyMemberList = "member-list"
)

// scenarios are the rows one database's run measures side by side with the floor, in table
// order, the floor first; each carries its goal on db. The authenticated reads are a plain
// member's (so the role lookup runs) except the list of listSize, which is the
// superadmin's: they see every organization, so the page is full.
func scenarios(db, base, floorBase string, fx fixture) []*scenario {
	bearer := func(tok string) []string { return []string{"Authorization: Bearer " + tok} }
	list := base + "/v1/organizations?page_size=" + strconv.Itoa(listSize)
	ss := []*scenario{
		{key: keyFloor, label: "floor: bare Gin, resolve's bytes from memory",
			target: target{url: floorBase + resolvePath + "?slug=" + benchSlug}},
		{key: keyHealthz, label: "GET /healthz", target: target{url: base + "/healthz"}},
		{key: keySlug, label: "resolve ?slug=" + benchSlug, target: target{url: base + resolvePath + "?slug=" + benchSlug}},
		{key: keyDomain, label: "resolve ?domain=" + benchDomain, target: target{url: base + resolvePath + "?domain=" + benchDomain}},
		{key: keyOrg, label: "GET /v1/organizations/{id}, member",
			target: target{url: fmt.Sprintf("%s/v1/organizations/%d", base, fx.orgID), headers: bearer(fx.member)}},
		{key: keyMe, label: "GET /v1/me, member", target: target{url: base + "/v1/me", headers: bearer(fx.member)}},
		{key: keyList100, label: fmt.Sprintf("GET /v1/organizations?page_size=%d, superadmin (%d of %d)", listSize, min(listSize, fx.orgs), fx.orgs),
			target: target{url: list, headers: bearer(fx.admin)}},
		{key: keyMemberList, label: fmt.Sprintf("GET /v1/organizations?page_size=%d, member (1 of 1)", listSize),
			target: target{url: list, headers: bearer(fx.member)}},
	}
	for _, s := range ss {
		s.expect = allOK
		s.goal = goals[db][s.key]
	}
	return ss
}

// unknownScenario is the negative-cache check's load: n distinct unknown slugs, picked at
// random by script from the list file, every answer a 404.
func unknownScenario(base, script, list string, n int) *scenario {
	return &scenario{key: keyUnknown, label: fmt.Sprintf("resolve ?slug=<%d unknown>, 404", n), expect: allNotFound,
		target: target{url: base + resolvePath + "?slug=", script: script, scriptArgs: []string{list}}}
}
