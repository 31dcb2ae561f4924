package mail

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Default ports: submission with STARTTLS (RFC 6409) for smtp://, submission over implicit
// TLS (RFC 8314) for smtps://.
const (
	defaultSMTPPort  = 587
	defaultSMTPSPort = 465
)

// endpoint is what an SMTP URL says: where to deliver, how to secure the connection and who
// to log in as.
type endpoint struct {
	host            string
	port            int
	implicitTLS     bool // smtps://: TLS from the first byte
	requireSTARTTLS bool // smtp://…?starttls=required: refuse a server that does not offer it
	auth            bool // the URL has user info: log in with AUTH PLAIN
	user, password  string
}

// parseURL reads smtp://[user:pass@]host[:port][?starttls=required] or
// smtps://[user:pass@]host[:port]. The user and password are URL-decoded. Errors name the
// part that is wrong and never quote the password (nor the URL, which holds it).
func parseURL(rawURL string) (endpoint, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return endpoint{}, parseError(rawURL)
	}
	// A '/', '?' or '#' left unescaped in the password ends the authority early: the '@'
	// then lands in the path, query or fragment, next to the rest of the password.
	if strings.ContainsRune(u.Path+u.RawQuery+u.Fragment, '@') {
		return endpoint{}, errUnescaped
	}
	if u.Fragment != "" {
		return endpoint{}, errors.New("mail: SMTP URL has a fragment (#…); it takes none")
	}
	var e endpoint
	switch u.Scheme {
	case "smtp":
		e.port = defaultSMTPPort
	case "smtps":
		e.port, e.implicitTLS = defaultSMTPSPort, true
	default:
		return endpoint{}, fmt.Errorf("mail: SMTP URL scheme %q is neither smtp nor smtps", u.Scheme)
	}
	if e.host = u.Hostname(); e.host == "" {
		return endpoint{}, errors.New("mail: SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return endpoint{}, fmt.Errorf("mail: SMTP URL port %q is not a number from 1 to 65535", p)
		}
		e.port = n
	}
	if u.Path != "" && u.Path != "/" {
		return endpoint{}, fmt.Errorf("mail: SMTP URL has a path %q; it takes none", u.Path)
	}
	if err := e.readQuery(u); err != nil {
		return endpoint{}, err
	}
	if u.User != nil {
		e.auth = true
		e.user = u.User.Username()
		e.password, _ = u.User.Password()
		if e.user == "" {
			return endpoint{}, errors.New("mail: SMTP URL has user info with an empty user")
		}
	}
	return e, nil
}

// readQuery reads the one option, starttls=required. Anything else is refused, so a typo
// does not silently leave STARTTLS opportunistic.
func (e *endpoint) readQuery(u *url.URL) error {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fmt.Errorf("mail: SMTP URL query does not parse: %w", err)
	}
	for key, values := range q {
		if key != "starttls" {
			return fmt.Errorf("mail: SMTP URL option %q is unknown; the only one is starttls=required", key)
		}
		if len(values) != 1 || values[0] != "required" {
			return fmt.Errorf("mail: SMTP URL option starttls=%q: the only value is required", values)
		}
		if e.implicitTLS {
			return errors.New("mail: SMTP URL option starttls applies to smtp://; smtps:// is TLS from the start")
		}
		e.requireSTARTTLS = true
	}
	return nil
}

// errUnescaped reports user info that does not parse, without quoting it.
var errUnescaped = errors.New("mail: SMTP URL user info does not parse; URL-escape the user and password (%40 for @, %2F for /, %3A for :)")

// parseError says why url.Parse refused rawURL without quoting the password. url.Parse's
// error quotes the whole URL, and its inner error may quote a piece of the password (as
// the port, when the password holds an unescaped '/'); so the URL is parsed again without
// its user info, and what fails then quotes nothing secret.
func parseError(rawURL string) error {
	rest := rawURL
	if i := strings.Index(rawURL, "://"); i >= 0 {
		if j := strings.LastIndexByte(rawURL, '@'); j > i {
			rest = rawURL[:i+3] + rawURL[j+1:]
		}
	}
	_, err := url.Parse(rest)
	var ue *url.Error
	switch {
	case err == nil:
		return errUnescaped
	case rest == rawURL && strings.Contains(rawURL, "@"):
		return errUnescaped // the user info could not be told apart; quote nothing
	case errors.As(err, &ue):
		return fmt.Errorf("mail: SMTP URL does not parse: %w", ue.Err)
	default:
		return errors.New("mail: SMTP URL does not parse")
	}
}

// redacted is the URL with the password masked, for messages and logs.
func (e endpoint) redacted() string {
	u := url.URL{Scheme: "smtp", Host: e.addr()}
	if e.implicitTLS {
		u.Scheme = "smtps"
	}
	if e.auth {
		u.User = url.UserPassword(e.user, "xxxxx")
	}
	if e.requireSTARTTLS {
		u.RawQuery = "starttls=required"
	}
	return u.String()
}

// addr is host:port, IPv6 hosts bracketed.
func (e endpoint) addr() string { return net.JoinHostPort(e.host, strconv.Itoa(e.port)) }
