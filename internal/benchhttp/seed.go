package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
)

// answer is a 200 resolve answer captured from the server: the bytes the floor replays, its
// headers included, so both servers put the same bytes on the wire.
type answer struct {
	contentType string
	headers     []string // "Name: value" of every header orgkit adds besides Content-Type
	body        []byte
}

// replayedHeaders are the headers of orgkit's answer the floor sends too (Date and
// Content-Length every Go server writes). X-Request-Id differs per request; the floor
// sends the captured one, which has the same length.
var replayedHeaders = []string{"Cache-Control", "Etag", "X-Request-Id"}

// seed creates the organization and its verified custom domain through the public API, the
// way a tenant would, captures the answer resolve gives for both, and then leaves what the
// authenticated scenarios read: a member of that organization and orgs organizations in all.
func seed(ctx context.Context, o *orgkit, dns *dnstest.Server, orgs int) (fixture, error) {
	var fx fixture
	var err error
	if fx.admin, err = o.token(ctx, "bench", benchEmail); err != nil {
		return fx, err
	}
	var org struct {
		Data struct{ ID int64 } `json:"data"`
	}
	if err := o.call(ctx, http.MethodPost, "/v1/organizations", fx.admin,
		map[string]string{"name": "Acme", "slug": benchSlug}, &org, http.StatusCreated); err != nil {
		return fx, err
	}
	fx.orgID, fx.orgs = org.Data.ID, 1
	if err := verifiedDomain(ctx, o, dns, fx.admin, fx.orgID); err != nil {
		return fx, err
	}

	bySlug, err := capture(ctx, o, "slug", benchSlug)
	if err != nil {
		return fx, err
	}
	byDomain, err := capture(ctx, o, "domain", benchDomain)
	if err != nil {
		return fx, err
	}
	if !bytes.Equal(bySlug.body, byDomain.body) {
		return fx, fmt.Errorf("resolve by slug and by domain answer differently:\n%s\n%s", bySlug.body, byDomain.body)
	}
	fx.answer = bySlug

	if err := addMember(ctx, o, &fx); err != nil {
		return fx, err
	}
	if err := moreOrganizations(ctx, o, &fx, orgs); err != nil {
		return fx, err
	}
	return fx, nil
}

// verifiedDomain adds benchDomain to the organization, publishes its TXT record on the
// loopback DNS server and has the server verify it.
func verifiedDomain(ctx context.Context, o *orgkit, dns *dnstest.Server, tok string, orgID int64) error {
	var added struct {
		Data struct {
			ID int64 `json:"id"`
		} `json:"data"`
		Verification struct {
			TXTHost  string `json:"txt_host"`
			TXTValue string `json:"txt_value"`
		} `json:"verification"`
	}
	path := fmt.Sprintf("/v1/organizations/%d/domains", orgID)
	if err := o.call(ctx, http.MethodPost, path, tok,
		map[string]string{"domain": benchDomain, "domain_type": "clinic"}, &added, http.StatusCreated); err != nil {
		return err
	}
	if added.Verification.TXTHost == "" || added.Verification.TXTValue == "" {
		return fmt.Errorf("POST %s: no verification txt_host/txt_value in the answer", path)
	}
	dns.SetTXT(added.Verification.TXTHost, added.Verification.TXTValue)

	var verified struct {
		Data struct {
			Status string `json:"status"`
		} `json:"data"`
	}
	path = fmt.Sprintf("/v1/organizations/%d/domains/%d/verify", orgID, added.Data.ID)
	if err := o.call(ctx, http.MethodPost, path, tok, nil, &verified, http.StatusOK); err != nil {
		return err
	}
	if verified.Data.Status != "verified" {
		return fmt.Errorf("POST %s: status %q, want verified", path, verified.Data.Status)
	}
	return nil
}

// capture resolves by param and insists on a 200 answer.
func capture(ctx context.Context, o *orgkit, param, value string) (answer, error) {
	path := resolvePath + "?" + url.Values{param: {value}}.Encode()
	status, h, body, err := o.get(ctx, path)
	if err != nil {
		return answer{}, err
	}
	ct := h.Get("Content-Type")
	if status != http.StatusOK || ct == "" {
		return answer{}, fmt.Errorf("GET %s: %d %q: %s", path, status, ct, body)
	}
	a := answer{contentType: ct, body: body}
	for _, name := range replayedHeaders {
		if v := h.Get(name); v != "" {
			a.headers = append(a.headers, name+": "+v)
		}
	}
	return a, nil
}
