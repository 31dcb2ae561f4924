package mail

import (
	"context"
	"log/slog"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Log is the Mailer when no SMTP server is configured: it logs that a mail was not sent,
// so a deployment without mail still works and says why nobody received an invitation.
type Log struct {
	log      *slog.Logger
	showText bool
}

var _ ports.Mailer = (*Log)(nil)

// NewLog returns a Log writing to log (nil: slog.Default()). showText adds each mail's text
// to the log line; the text carries the invitation link with its secret token, so it is
// meant for development only (the binary sets it under serve --dev).
func NewLog(log *slog.Logger, showText bool) *Log {
	if log == nil {
		log = slog.Default()
	}
	return &Log{log: log, showText: showText}
}

// Send logs m's recipient and subject at info level, and its text when showText is set.
// It never fails: there is nothing to retry.
func (l *Log) Send(ctx context.Context, m domain.Mail) error {
	attrs := []slog.Attr{slog.String("to", m.To), slog.String("subject", m.Subject)}
	if l.showText {
		attrs = append(attrs, slog.String("text", m.Text))
	}
	l.log.LogAttrs(ctx, slog.LevelInfo, "mail not sent: no SMTP configured", attrs...)
	return nil
}
