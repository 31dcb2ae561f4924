package orgkit

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/orgkit/orgkit/adapters/mail"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/ports"
)

// MailConfig is how orgkit sends mail (invitations). Mail leaves from the outbox, which Run
// delivers: a host that never calls Run sends none.
type MailConfig struct {
	// SMTPURL is smtp://user:pass@host:587 (STARTTLS when offered; ?starttls=required to
	// insist) or smtps://user:pass@host:465; empty: mail is logged instead of sent.
	SMTPURL string
	// From is the sender address; required with SMTPURL.
	From string
	// LogText logs the whole text of mail that is not sent, invitation links and their tokens
	// included: for local development only (`orgkit serve --dev`).
	LogText bool
	// Mailer, when set, sends mail instead of SMTPURL: a host's own transport.
	Mailer ports.Mailer
}

// InvitationsConfig configures email invitations.
type InvitationsConfig struct {
	// URL is the link mailed to invitees, with {token} replaced by the invitation's token,
	// such as https://app.example.com/invitations/{token} (a page of the host's frontend that
	// calls POST /v1/invitations/{token}/accept); empty: the API's own accept route on
	// http://127.0.0.1:8080.
	URL string
	// TTL is how long an invitation's link works; 0: 7 days.
	TTL time.Duration
}

// mailerOf is what sends the outbox's mail: the host's Mailer, SMTP, or the log.
func mailerOf(cfg Config) (ports.Mailer, error) {
	mc := cfg.Mail
	switch {
	case mc.Mailer != nil:
		return mc.Mailer, nil
	case mc.SMTPURL == "":
		return mail.NewLog(cfg.Logger, mc.LogText), nil
	case mc.From == "":
		return nil, fmt.Errorf("Config.Mail.From is required with Config.Mail.SMTPURL")
	}
	m, err := mail.NewSMTP(mc.SMTPURL, mc.From)
	if err != nil {
		return nil, fmt.Errorf("Config.Mail: %w", err)
	}
	return m, nil
}

// invitationsOf checks the invitation link template.
func invitationsOf(cfg Config) (app.InvitationsConfig, error) {
	ic := cfg.Invitations
	if ic.URL != "" {
		u, err := url.Parse(ic.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.Contains(ic.URL, "{token}") {
			return app.InvitationsConfig{}, fmt.Errorf("Config.Invitations.URL must be an absolute http(s) URL containing {token}, not %q", ic.URL)
		}
	}
	if ic.TTL < 0 {
		return app.InvitationsConfig{}, fmt.Errorf("Config.Invitations.TTL must not be negative")
	}
	return app.InvitationsConfig{URL: ic.URL, TTL: ic.TTL}, nil
}
