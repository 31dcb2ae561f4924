package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Message is one message the server accepted. SMTP ends every message with a line break, so
// a text sent without a final one arrives with one.
type Message struct {
	From    string      // MAIL FROM
	To      []string    // RCPT TO, in order
	User    string      // the AUTH PLAIN user; empty when the client did not log in
	TLS     bool        // the message came over TLS (implicit or after STARTTLS)
	Header  mail.Header // the message's header, as sent
	Subject string      // the Subject header, decoded (RFC 2047)
	Text    string      // the text/plain body (or first such part), decoded, lines ending in \n (see below)
	Raw     []byte      // the message as sent, header and body
}

// parse reads raw into a Message's header, subject and text.
func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, fmt.Errorf("read message: %w", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, fmt.Errorf("decode subject: %w", err)
	}
	text, _, err := textOf(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	if err != nil {
		return Message{}, err
	}
	return Message{Header: msg.Header, Subject: subject, Text: text, Raw: raw}, nil
}

// textOf decodes body when it is text/plain (the default content type), or finds the first
// text/plain part of a multipart body. found is false when there is none.
func textOf(contentType, encoding string, body io.Reader) (text string, found bool, err error) {
	mediaType, params := "text/plain", map[string]string(nil)
	if contentType != "" {
		if mediaType, params, err = mime.ParseMediaType(contentType); err != nil {
			return "", false, fmt.Errorf("content type %q: %w", contentType, err)
		}
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		parts := multipart.NewReader(body, params["boundary"])
		for {
			p, err := parts.NextRawPart()
			if errors.Is(err, io.EOF) {
				return "", false, nil
			}
			if err != nil {
				return "", false, fmt.Errorf("multipart: %w", err)
			}
			text, found, err := textOf(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if err != nil || found {
				return text, found, err
			}
		}
	}
	if mediaType != "text/plain" {
		return "", false, nil
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips the line breaks
	case "", "7bit", "8bit", "binary":
	default:
		return "", false, fmt.Errorf("content transfer encoding %q is unknown", encoding)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return "", false, fmt.Errorf("decode %s body: %w", encoding, err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n"), true, nil
}
