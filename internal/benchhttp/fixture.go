package main

import (
	"context"
	"fmt"
	"net/http"
)

const (
	memberSub   = "bench-member"
	memberEmail = "member@example.com"
	listSize    = 100 // page_size of the list scenarios, the API's maximum
)

// fixture is what seeding left on the server for the scenarios to ask for.
type fixture struct {
	answer   answer // resolve's 200 answer for benchSlug and benchDomain: what the floor replays
	orgID    int64  // benchSlug's organization
	admin    string // a superadmin's token (ORGKIT_SUPERADMIN_EMAILS), the owner of every organization
	member   string // the token of a plain member of orgID, no superadmin: reads take the role lookup
	memberID int64
	orgs     int // organizations on the server
}

// addMember signs a second user in (GET /v1/me provisions them, as their first request would
// in production) and has the superadmin add them to benchSlug's organization as a member.
func addMember(ctx context.Context, o *orgkit, fx *fixture) error {
	tok, err := o.token(ctx, memberSub, memberEmail)
	if err != nil {
		return err
	}
	var me struct {
		Data struct {
			ID           int64 `json:"id"`
			IsSuperadmin bool  `json:"is_superadmin"`
		} `json:"data"`
	}
	if err := o.call(ctx, http.MethodGet, "/v1/me", tok, nil, &me, http.StatusOK); err != nil {
		return err
	}
	if me.Data.ID == 0 || me.Data.IsSuperadmin {
		return fmt.Errorf("GET /v1/me of %s: id %d, superadmin %t; want a provisioned plain user", memberEmail, me.Data.ID, me.Data.IsSuperadmin)
	}
	path := fmt.Sprintf("/v1/organizations/%d/members", fx.orgID)
	if err := o.call(ctx, http.MethodPost, path, fx.admin,
		map[string]any{"user_id": me.Data.ID, "role": "member"}, nil, http.StatusCreated); err != nil {
		return err
	}
	fx.member, fx.memberID = tok, me.Data.ID
	return nil
}

// moreOrganizations creates organizations through the API until there are total, so the
// superadmin's first page of listSize is full and the table holds more than one page. It
// then checks that page is full: a list that answers 200 with fewer rows measures less work.
func moreOrganizations(ctx context.Context, o *orgkit, fx *fixture, total int) error {
	for i := fx.orgs + 1; i <= total; i++ {
		body := map[string]string{"name": fmt.Sprintf("Bench %03d", i), "slug": fmt.Sprintf("bench-%03d", i)}
		if err := o.call(ctx, http.MethodPost, "/v1/organizations", fx.admin, body, nil, http.StatusCreated); err != nil {
			return err
		}
		fx.orgs = i
	}
	var page struct {
		Data []struct {
			ID int64 `json:"id"`
		} `json:"data"`
	}
	path := fmt.Sprintf("/v1/organizations?page_size=%d", listSize)
	if err := o.call(ctx, http.MethodGet, path, fx.admin, nil, &page, http.StatusOK); err != nil {
		return err
	}
	if want := min(listSize, fx.orgs); len(page.Data) != want {
		return fmt.Errorf("GET %s as a superadmin: %d organizations, want %d of %d", path, len(page.Data), want, fx.orgs)
	}
	return nil
}
