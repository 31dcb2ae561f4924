package domain

import (
	"regexp"
	"strconv"
	"time"
)

// API-key vault bounds (issue: title 1–100 characters, service a short identifier, key ≤ 4 KiB).
const (
	APIKeyTitleMax = 100
	APIKeyMaxBytes = 4 << 10
)

var servicePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,49}$`)

// APIKey is an integration secret of one organization. Sealed holds the ciphertext; the
// plaintext exists only in memory on its way in or out.
type APIKey struct {
	ID             int64
	OrganizationID int64
	Title          string
	Service        string
	SealKeyID      string // the vault key that sealed it
	Sealed         []byte
	Last4          string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// RevealedKey is an APIKey with its plaintext, as GET …/api-keys returns it.
type RevealedKey struct {
	APIKey
	Plaintext string
}

// APIKeyAAD binds a ciphertext to its organization and key record, so a row copied to
// another organization or record fails to open.
func APIKeyAAD(orgID, keyID int64) []byte {
	return []byte("orgkit:api_key:v1:" + strconv.FormatInt(orgID, 10) + ":" + strconv.FormatInt(keyID, 10))
}

// Last4Min is the shortest secret whose last four characters are shown: of a shorter one,
// four characters would give away too much of it.
const Last4Min = 16

// Last4Of is the hint shown instead of the secret.
func Last4Of(secret string) string {
	r := []rune(secret)
	if len(r) < Last4Min {
		return ""
	}
	return string(r[len(r)-4:])
}

// ValidateAPIKeyFields checks the fields of a create or update; nil pointers are not checked.
func ValidateAPIKeyFields(title, service, secret *string) error {
	var v Validation
	if title != nil {
		ValidateDisplayText(&v, "title", *title, 1, APIKeyTitleMax)
	}
	if service != nil && !servicePattern.MatchString(*service) {
		v.Add("service", "service must be 1-50 lowercase letters, digits, '_', '.' or '-', starting with a letter or digit")
	}
	if secret != nil && (len(*secret) == 0 || len(*secret) > APIKeyMaxBytes || !SafeText(*secret, true)) {
		v.Add("api_key", "api_key must be 1-%d bytes of text", APIKeyMaxBytes)
	}
	return v.Err()
}

// Limit is a rate limit: at most Max events in any rolling Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// The documented limits of the rate-limited endpoints.
var (
	LimitRevealAPIKeys = Limit{Max: 10, Window: time.Minute}
	LimitConnectUser   = Limit{Max: 50, Window: time.Hour}
	// LimitVerifyDomain bounds the DNS lookups one caller can make an organization's
	// verification send.
	LimitVerifyDomain = Limit{Max: 20, Window: time.Minute}
	// Email invitations (sent and resent) cost mail: bounded per organization and per
	// inviter, whichever organization they invite to.
	LimitInvitationsPerOrganization = Limit{Max: 100, Window: time.Hour}
	LimitInvitationsPerInviter      = Limit{Max: 30, Window: time.Hour}
)

// Quota is a limiter's answer: whether the event was allowed and what is left.
type Quota struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration // when refused: until a slot frees
	Reset      time.Duration // until the window is empty again
}
