package domain

import "time"

// OutboxKind says what an outbox item carries and so who delivers it.
type OutboxKind string

// Outbox kinds.
const (
	OutboxMail OutboxKind = "mail" // Payload is a Mail as JSON
)

// OutboxItem is work a transaction promised to do once it committed, such as sending an
// invitation mail. It is written in the same transaction as the change that wants it, so a
// crash between commit and delivery loses nothing, and removed once delivered.
type OutboxItem struct {
	ID            int64
	Kind          OutboxKind
	Payload       []byte
	Attempts      int
	NextAttemptAt time.Time
	LastError     *string
	CreatedAt     time.Time
}

// OutboxMaxAttempts is how often delivery is tried before the item is given up (kept, with
// its last error, for an operator).
const OutboxMaxAttempts = 10

// OutboxBackoff is how long to wait after the attempts-th failed delivery: 30 s doubling,
// at most an hour.
func OutboxBackoff(attempts int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}
