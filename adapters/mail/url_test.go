package mail_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/mail"
)

func TestNewSMTP(t *testing.T) {
	t.Parallel()
	const pw = "hunter2-Secret"

	for _, tc := range []struct {
		name, url, from string
		wantErr         string // "": valid
	}{
		{"smtp", "smtp://user:" + pw + "@mail.example.com:587", from, ""},
		{"smtp_default_port", "smtp://mail.example.com", from, ""},
		{"smtps", "smtps://user:" + pw + "@mail.example.com", from, ""},
		{"escaped_user_info", "smtp://user%40example.com:p%2Fw%3A%40@mail.example.com:2525", from, ""},
		{"starttls_required", "smtp://mail.example.com?starttls=required", from, ""},
		{"ipv6", "smtp://[::1]:2525", from, ""},
		{"uppercase_scheme", "SMTP://mail.example.com", from, ""},
		{"bare_from", "smtp://mail.example.com", "noreply@example.com", ""},

		{"bad_scheme", "http://user:" + pw + "@mail.example.com", from, "scheme"},
		{"no_scheme", "mail.example.com:587", from, "scheme"},
		{"no_host", "smtp://user:" + pw + "@:587", from, "host"},
		{"opaque", "smtp:mail.example.com", from, "host"},
		{"port_not_a_number", "smtp://user:" + pw + "@mail.example.com:abc", from, "port"},
		{"port_zero", "smtp://user:" + pw + "@mail.example.com:0", from, "port"},
		{"port_too_large", "smtp://user:" + pw + "@mail.example.com:65536", from, "port"},
		{"path", "smtp://mail.example.com/inbox", from, "path"},
		{"unknown_option", "smtp://user:" + pw + "@mail.example.com?startls=required", from, "option"},
		{"bad_starttls_value", "smtp://mail.example.com?starttls=yes", from, "starttls"},
		{"starttls_on_smtps", "smtps://mail.example.com?starttls=required", from, "starttls"},
		{"empty_user", "smtp://:" + pw + "@mail.example.com", from, "user"},
		{"bad_escape", "smtp://user:" + pw + "%zz@mail.example.com", from, "escape"},
		{"unescaped_slash", "smtp://user:123/" + pw + "@mail.example.com", from, "escape"},
		{"unescaped_slash_in_user", "smtp://us/er:" + pw + "@mail.example.com", from, "escape"},
		{"unescaped_question_mark", "smtp://user:12?" + pw + "@mail.example.com", from, "escape"},
		{"unescaped_hash", "smtp://user:123#" + pw + "@mail.example.com", from, "escape"},
		{"unescaped_hash_bad_port", "smtp://user:" + pw + "#x@mail.example.com", from, "escape"},
		{"fragment", "smtp://mail.example.com#x", from, "fragment"},
		{"bad_host_character", "smtp://user:" + pw + "@mail example.com", from, "host"},
		{"empty_from", "smtp://mail.example.com", "", "from"},
		{"bad_from", "smtp://user:" + pw + "@mail.example.com", "not an address", "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := mail.NewSMTP(tc.url, tc.from)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("NewSMTP: %v", err)
				}
				for _, shown := range []string{s.String(), fmt.Sprintf("%v %+v %#v", s, s, s)} {
					if strings.Contains(shown, pw) || strings.Contains(shown, "p%2Fw") {
						t.Fatalf("printing the mailer shows the password: %s", shown)
					}
				}
				return
			}
			if err == nil {
				t.Fatalf("NewSMTP accepted %q, %q", tc.url, tc.from)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %q does not name the %s", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), pw) {
				t.Fatalf("error quotes the password: %v", err)
			}
		})
	}
}

func TestSMTP_String(t *testing.T) {
	t.Parallel()
	s, err := mail.NewSMTP("smtp://user:pw@mail.example.com?starttls=required", from)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), "smtp://user:xxxxx@mail.example.com:587?starttls=required"; got != want {
		t.Fatalf("String %q, want %q", got, want)
	}
}
