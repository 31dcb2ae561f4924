package orgkit

import (
	"errors"
	"net/url"
)

// checkPublicURL refuses a base URL that is not absolute http(s) (empty takes the default).
func checkPublicURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return errors.New("want an absolute http(s) URL without query or fragment, such as https://api.example.com")
	}
	return nil
}
