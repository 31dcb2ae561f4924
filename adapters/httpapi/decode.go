package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// object is a decoded JSON object body whose fields are read one by one, so that each bad
// field is reported by name, JSON null can be told from absence, and unknown fields are
// refused instead of silently dropped.
type object struct {
	fields map[string]json.RawMessage
	seen   map[string]bool
	prefix string
	v      *domain.Validation
}

// readBody reads the body as one JSON object, lets read take its fields into v, and refuses
// the fields read did not take. It returns a problem that is not about one field (a body
// that is too large or not JSON); field problems are left in v.
func readBody(c *gin.Context, v *domain.Validation, read func(o *object)) error {
	raw, err := io.ReadAll(c.Request.Body)
	switch {
	case isTooLarge(err):
		return errTooLarge
	case err != nil:
		return domain.InvalidField("body", "could not read the request body")
	case len(raw) > 0 && c.ContentType() != "application/json":
		return errNotJSON
	}
	o, err := parseObject(raw, "", v)
	if err != nil {
		return err
	}
	read(o)
	o.rejectUnknown()
	return nil
}

var errNotJSON = &domain.Error{Code: domain.CodeUnsupportedMedia, Message: "request bodies must be JSON: send Content-Type: application/json"}

// invalid reports a problem with a field of this object.
func (o *object) invalid(key, format string, args ...any) {
	o.v.Add(o.name(key), format, args...)
}

// nonNull reports each key that was sent as null.
func (o *object) nonNull(keys ...string) {
	for _, k := range keys {
		if o.isNull(k) {
			o.invalid(k, "%s cannot be null", o.name(k))
		}
	}
}

func parseObject(raw []byte, prefix string, v *domain.Validation) (*object, error) {
	field := prefix
	if field == "" {
		field = "body"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || fields == nil || dec.More() {
		return nil, domain.InvalidField(field, "%s must be a JSON object", field)
	}
	return &object{fields: fields, seen: map[string]bool{}, prefix: prefix, v: v}, nil
}

func (o *object) name(key string) string {
	if o.prefix == "" {
		return key
	}
	return o.prefix + "." + key
}

// raw returns the field's JSON, whether it was present, and whether it was null.
func (o *object) raw(key string) (json.RawMessage, bool, bool) {
	o.seen[key] = true
	r, ok := o.fields[key]
	return r, ok, ok && bytes.Equal(bytes.TrimSpace(r), []byte("null"))
}

// decode reads a present, non-null field into dst and reports whether it did. The field's
// bytes are checked as sent, since the JSON decoder would turn invalid UTF-8 into U+FFFD;
// numbers in untyped values stay exact (json.Number).
func decode[T any](o *object, key, want string, dst *T) bool {
	r, ok, null := o.raw(key)
	if !ok || null {
		return false
	}
	if !utf8.Valid(r) {
		o.v.Add(o.name(key), "%s must be valid UTF-8", o.name(key))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(r))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		o.v.Add(o.name(key), "%s must be %s", o.name(key), want)
		return false
	}
	return true
}

// optional reads a field of a partial update: absent, null (clear) or a value.
func optional[T any](o *object, key, want string) domain.Optional[T] {
	_, ok, null := o.raw(key)
	if null {
		return domain.Optional[T]{Set: true}
	}
	var v T
	if ok && decode(o, key, want, &v) {
		return domain.Some(v)
	}
	return domain.Optional[T]{}
}

// ptr reads an optional field where null means the same as absent.
func ptr[T any](o *object, key, want string) *T {
	var v T
	if decode(o, key, want, &v) {
		return &v
	}
	return nil
}

// forbid reports keys that may not be sent.
func (o *object) forbid(reason string, keys ...string) {
	for _, k := range keys {
		o.seen[k] = true
		if _, ok := o.fields[k]; ok {
			o.v.Add(o.name(k), "%s %s", o.name(k), reason)
		}
	}
}

// maxFieldName is the longest unknown field name echoed back in an error.
const maxFieldName = 64

// rejectUnknown reports every field not read so far. An unknown field whose name cannot be
// echoed back (empty, not text, or longer than maxFieldName) is reported once, on the object
// that holds it, so that every detail names a field a client can read.
func (o *object) rejectUnknown() {
	var unknown []string
	unnamed := false
	for k := range o.fields {
		if o.seen[k] {
			continue
		}
		if k == "" || !domain.SafeText(k, false) || len(k) > maxFieldName {
			unnamed = true
			continue
		}
		unknown = append(unknown, k)
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		o.v.Add(o.name(k), "unknown field %s", o.name(k))
	}
	if unnamed {
		holder := o.prefix
		if holder == "" {
			holder = "body"
		}
		o.v.Add(holder, "%s has a field with an empty, overlong or unprintable name", holder)
	}
}

// sub reads a nested object field; nil when absent, null or not an object (reported).
func (o *object) sub(key string) *object {
	r, ok, null := o.raw(key)
	if !ok || null {
		return nil
	}
	child, err := parseObject(r, o.name(key), o.v)
	if err != nil {
		o.v.Merge(err)
		return nil
	}
	return child
}

// isNull reports whether key was sent as JSON null.
func (o *object) isNull(key string) bool {
	_, _, null := o.raw(key)
	return null
}

// required reads a field that must be present and non-null, and reports whether it did.
func required[T any](o *object, key, want string, dst *T) bool {
	if _, ok, null := o.raw(key); !ok || null {
		o.v.Add(o.name(key), "%s is required", o.name(key))
		return false
	}
	return decode(o, key, want, dst)
}
