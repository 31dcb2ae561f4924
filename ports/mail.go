package ports

import (
	"context"

	"github.com/orgkit/orgkit/domain"
)

// Mailer sends one mail. The outbox calls it after the transaction that wanted the mail
// committed, and again after a failure, so it may see one message more than once.
type Mailer interface {
	// Send delivers m or returns why not; any error is retried later.
	Send(ctx context.Context, m domain.Mail) error
}
