package smtptest

import (
	"fmt"
	"io"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// errTemporary is the answer to a DATA that FailNext makes fail.
var errTemporary = &smtp.SMTPError{
	Code:         451,
	EnhancedCode: smtp.EnhancedCode{4, 3, 0},
	Message:      "smtptest: temporary failure (FailNext)",
}

// session is one client connection's state: the login and the message under way.
type session struct {
	s    *Server
	conn *smtp.Conn
	user string // logged-in user; empty before AUTH
	from string
	to   []string
}

var _ smtp.AuthSession = (*session)(nil)

// AuthMechanisms offers PLAIN, the mechanism submission clients use.
func (c *session) AuthMechanisms() []string { return []string{sasl.Plain} }

// Auth checks PLAIN credentials against RequireAuth's; without it any are accepted.
func (c *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if !c.s.checkAuth(user, pass) {
			return smtp.ErrAuthFailed
		}
		c.user = user
		return nil
	}), nil
}

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	if c.user == "" && c.s.authRequired() {
		return smtp.ErrAuthRequired
	}
	c.from, c.to = from, nil
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}

// Data reads the message and keeps it, unless FailNext says to fail it or it does not
// parse (554, so the sending test sees why).
func (c *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if c.s.takeFailure() {
		return errTemporary
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{
			Code:         554,
			EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message:      fmt.Sprintf("smtptest: %v", err),
		}
	}
	m.From, m.To, m.User = c.from, c.to, c.user
	_, m.TLS = c.conn.TLSConnectionState()
	c.s.add(m)
	return nil
}

func (c *session) Reset() { c.from, c.to = "", nil }

func (c *session) Logout() error { return nil }
