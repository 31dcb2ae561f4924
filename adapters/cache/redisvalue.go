package cache

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// redisValueVersion is the format of redisValue; a value of another version is refused, so
// replicas running different releases never misread each other's entries.
const redisValueVersion = 1

// redisValue is a ResolveEntry as stored in Redis: exactly one of Negative and Org is set.
type redisValue struct {
	Version  int       `json:"v"`
	Negative bool      `json:"neg,omitempty"`
	Org      *redisOrg `json:"org,omitempty"`
}

// redisOrg is domain.PublicOrganization as stored in Redis.
type redisOrg struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Slug         string  `json:"slug"`
	LogoURL      *string `json:"logo_url,omitempty"`
	IconURL      *string `json:"icon_url,omitempty"`
	LanguageCode *string `json:"language_code,omitempty"`
}

var errMalformedValue = errors.New("cache: malformed value in Redis")

func encodeEntry(e ports.ResolveEntry) ([]byte, error) {
	v := redisValue{Version: redisValueVersion, Negative: e.Org == nil}
	if o := e.Org; o != nil {
		v.Org = &redisOrg{ID: o.ID, Name: o.Name, Slug: o.Slug, LogoURL: o.LogoURL, IconURL: o.IconURL, LanguageCode: o.LanguageCode}
	}
	return json.Marshal(v)
}

func decodeEntry(data []byte) (ports.ResolveEntry, error) {
	var v redisValue
	if err := json.Unmarshal(data, &v); err != nil {
		return ports.ResolveEntry{}, fmt.Errorf("%w: %w", errMalformedValue, err)
	}
	if v.Version != redisValueVersion {
		return ports.ResolveEntry{}, fmt.Errorf("%w: version %d, want %d", errMalformedValue, v.Version, redisValueVersion)
	}
	if v.Negative == (v.Org != nil) {
		return ports.ResolveEntry{}, fmt.Errorf("%w: neither or both of neg and org", errMalformedValue)
	}
	if v.Negative {
		return ports.ResolveEntry{}, nil
	}
	o := v.Org
	return ports.ResolveEntry{Org: &domain.PublicOrganization{
		ID: o.ID, Name: o.Name, Slug: o.Slug, LogoURL: o.LogoURL, IconURL: o.IconURL, LanguageCode: o.LanguageCode,
	}}, nil
}
