package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// maxBody bounds a request body: an event is a few kilobytes at most. orgkit's own routes
// have their own limit, which a host's routes do not inherit.
const maxBody = 64 << 10

var (
	errTooLarge = &domain.Error{Code: domain.CodePayloadTooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", maxBody)}
	errNotJSON  = &domain.Error{Code: domain.CodeUnsupportedMedia, Message: "request bodies must be JSON: send Content-Type: application/json"}
)

// object is a JSON object body read field by field, so that each bad field is reported by
// name (in the same words as orgkit's own routes) and unknown fields are refused rather
// than dropped.
type object struct {
	fields map[string]json.RawMessage
	seen   map[string]bool
	v      *domain.Validation
}

// readObject reads the request body as one JSON object. Field problems go to v; the error
// is a problem with the body as a whole (413, 415, not a JSON object).
func readObject(c *gin.Context, v *domain.Validation) (*object, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errTooLarge
	case err != nil:
		return nil, domain.InvalidField("body", "could not read the request body")
	case len(raw) > 0 && c.ContentType() != "application/json":
		return nil, errNotJSON
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&fields); err != nil || fields == nil || dec.More() {
		return nil, domain.InvalidField("body", "body must be a JSON object")
	}
	return &object{fields: fields, seen: map[string]bool{}, v: v}, nil
}

// text reads a string field: nil when absent or null, which a required field reports. The
// field's bytes are checked as sent, since the decoder would turn invalid UTF-8 into U+FFFD.
func (o *object) text(key string, required bool) *string {
	o.seen[key] = true
	raw, ok := o.fields[key]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if required {
			o.v.Add(key, "%s is required", key)
		}
		return nil
	}
	var s string
	if !utf8.Valid(raw) {
		o.v.Add(key, "%s must be valid UTF-8", key)
		return nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		o.v.Add(key, "%s must be a string", key)
		return nil
	}
	return &s
}

// rejectUnknown reports every field not read.
func (o *object) rejectUnknown() {
	var unknown []string
	for k := range o.fields {
		if !o.seen[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		if !domain.SafeText(k, false) || len(k) > 64 {
			o.v.Add("body", "body has a field whose name is not short text")
			continue
		}
		o.v.Add(k, "unknown field %s", k)
	}
}
