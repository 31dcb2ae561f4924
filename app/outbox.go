package app

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

const (
	outboxBatch = 16
	// outboxLease is how long a claimed item stays with the replica that claimed it: longer
	// than a batch of deliveries takes, so no other replica sends it meanwhile.
	outboxLease = 5 * time.Minute
	// outboxSendTimeout bounds one delivery, so one hung mail server cannot hold the lease.
	outboxSendTimeout = 30 * time.Second
)

// OutboxReady receives a value after a transaction that added outbox items committed, so
// the deliverer (Kit.Run) sends at once rather than on its next poll.
func (s *Service) OutboxReady() <-chan struct{} { return s.outboxReady }

func (s *Service) outboxAdded() {
	select {
	case s.outboxReady <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// DeliverOutbox sends every outbox item that is due, retrying failures later with backoff
// and giving an item up after domain.OutboxMaxAttempts, and returns how many it delivered.
// Replicas running it at once never deliver one item twice.
func (s *Service) DeliverOutbox(ctx context.Context) (int, error) {
	delivered := 0
	for {
		now := s.clock.Now()
		items, err := s.uow.Outbox().ClaimDue(ctx, now, now.Add(outboxLease), outboxBatch)
		if err != nil || len(items) == 0 {
			return delivered, wrap("deliver outbox", err)
		}
		for _, it := range items {
			if err := s.deliver(ctx, it); err != nil {
				if ferr := s.outboxFailed(ctx, it, err); ferr != nil {
					return delivered, wrap("deliver outbox", ferr)
				}
				continue
			}
			if err := s.uow.Outbox().Delete(ctx, it.ID); err != nil {
				return delivered, wrap("deliver outbox", err)
			}
			delivered++
		}
	}
}

func (s *Service) deliver(ctx context.Context, it domain.OutboxItem) error {
	if it.Kind != domain.OutboxMail {
		return fmt.Errorf("unknown outbox kind %q", it.Kind)
	}
	var m domain.Mail
	if err := json.Unmarshal(it.Payload, &m); err != nil {
		return fmt.Errorf("decode mail: %w", err)
	}
	if s.mailer == nil {
		s.log.WarnContext(ctx, "mail dropped: no mailer configured", slog.String("subject", m.Subject))
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, outboxSendTimeout)
	defer cancel()
	if err := s.mailer.Send(ctx, m); err != nil {
		s.metrics.MailSend(ports.MailFailed)
		return err
	}
	s.metrics.MailSend(ports.MailSent)
	return nil
}

// outboxFailed schedules the next attempt, or gives the item up after the last.
func (s *Service) outboxFailed(ctx context.Context, it domain.OutboxItem, cause error) error {
	attempts := it.Attempts + 1
	var next time.Time
	log := s.log.WarnContext
	if attempts < domain.OutboxMaxAttempts {
		next = s.clock.Now().Add(domain.OutboxBackoff(attempts))
	} else {
		log = s.log.ErrorContext
	}
	log(ctx, "outbox delivery failed", slog.Int64("outbox_id", it.ID), slog.String("kind", string(it.Kind)),
		slog.Int("attempts", attempts), slog.Bool("given_up", next.IsZero()), slog.Any("error", cause))
	return s.uow.Outbox().Failed(ctx, it.ID, attempts, next, cause.Error())
}

// MailBacklog counts the mails waiting to be sent (retries included, not those given up),
// for metrics: one count on an index.
func (s *Service) MailBacklog(ctx context.Context) (int64, error) {
	n, err := s.uow.Outbox().Backlog(ctx)
	return n, wrap("count the mail backlog", err)
}
