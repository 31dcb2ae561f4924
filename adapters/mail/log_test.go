package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/mail"
)

func TestLog_Send(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		showText bool
	}{
		{"hides_text", false},
		{"shows_text_in_dev", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			if err := mail.NewLog(log, tc.showText).Send(context.Background(), invitation); err != nil {
				t.Fatalf("Send: %v", err)
			}
			out := buf.String()
			for _, want := range []string{`"level":"INFO"`, "mail not sent: no SMTP configured", invitation.To, `"subject":"Einladung`} {
				if !strings.Contains(out, want) {
					t.Fatalf("log %s lacks %s", out, want)
				}
			}
			if got := strings.Contains(out, token); got != tc.showText {
				t.Fatalf("token logged: %v, want %v; log %s", got, tc.showText, out)
			}
		})
	}
}

func TestNewLog_nilLogger(t *testing.T) {
	t.Parallel()
	if err := mail.NewLog(nil, false).Send(context.Background(), invitation); err != nil {
		t.Fatal(err)
	}
}
