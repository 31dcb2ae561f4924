package ports

import (
	"context"
	"errors"
)

// ErrNoTXTRecords is LookupTXT's answer for a name that does not exist or holds no TXT
// record: the record is missing, not the resolver.
var ErrNoTXTRecords = errors.New("no TXT records at this name")

// TXTResolver looks up DNS TXT records, for proving that an organization controls a domain.
type TXTResolver interface {
	// LookupTXT returns the TXT records at name, each record's character-strings joined into
	// one string, following CNAMEs. It never runs inside a transaction and bounds its own
	// time. Errors: ErrNoTXTRecords (NXDOMAIN, or no TXT record); any other error means no
	// resolver gave an answer (failure_reason resolver_error).
	LookupTXT(ctx context.Context, name string) ([]string, error)
}
