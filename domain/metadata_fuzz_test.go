package domain_test

import (
	"bytes"
	"encoding/json"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgkit/orgkit/domain"
)

// FuzzMetadata: metadata the domain accepts (decoded as the API decodes a body) is within
// its limits however it is stored: as the JSON the stores write, read back unchanged, and
// with its numbers written out without exponents, as Postgres's jsonb keeps them.
func FuzzMetadata(f *testing.F) {
	// Numbers as JavaScript's JSON.stringify writes them (1e+21, 5e-7) and as people do;
	// 1e9000 and 1e1000000 were accepted, and Postgres keeps or refuses them written out.
	for _, s := range []string{`{}`, `{"plan":"pro","seats":25,"beta":true,"tags":["a","b"],"nested":{"x":null}}`,
		`{"n":12345678901234567890}`, `{"n":1.50e1}`, `{"n":1e400}`, `{"big":1e+21,"tiny":5e-7}`, `{"n":1e9000}`, `{"n":-1e1000000}`, `{"n":-0.0001e-3}`, `{"a<b":"&"}`,
		`{"k":"line\nbreak\ttab"}`, `{"k":"\u0000"}`, `{"\u0001":1}`, `{"k":"\ud800"}`, `{"k":"\u202e"}`,
		`{"a":[[[[[[]]]]]]}`, `{"k":"` + strings.Repeat("x", domain.MetadataMaxBytes) + `"}`, `[]`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !utf8.Valid(raw) {
			return // the API refuses the body before decoding it
		}
		var m domain.Metadata
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if dec.Decode(&m) != nil || m == nil {
			return
		}
		o := domain.Organization{Name: "Acme", Slug: "acme", Status: domain.StatusActive,
			Settings: domain.DefaultSettings(), Metadata: m}
		if err := o.Validate(); err != nil {
			if f := fieldsOf(err); len(f) != 1 || f[0] != "metadata" {
				t.Fatalf("%s: refused for %v, want metadata", raw, f)
			}
			return
		}
		if len(m) > domain.MetadataMaxKeys {
			t.Fatalf("%s: %d keys accepted", raw, len(m))
		}
		stored, err := json.Marshal(m) // what the stores write
		if err != nil {
			t.Fatalf("%s: accepted but not encodable: %v", raw, err)
		}
		var back domain.Metadata
		dec = json.NewDecoder(bytes.NewReader(stored))
		dec.UseNumber()
		if err := dec.Decode(&back); err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("%s: stored as %s, read back as %v (%v)", raw, stored, back, err)
		}
		size, err := m.Size()
		if err != nil || size > domain.MetadataMaxBytes {
			t.Fatalf("%s: accepted at %d bytes (%v)", raw, size, err)
		}
		if plain := size + expansion(t, m); plain > domain.MetadataMaxBytes {
			t.Fatalf("%s: accepted, but %d bytes with its numbers written out as Postgres stores them", raw, plain)
		}
	})
}

// expansion is how many bytes longer v's JSON numbers are when written without an exponent
// (1.5e3 is 1500, 1e-3 is 0.001): the form Postgres's numeric keeps them in.
func expansion(t *testing.T, v any) int {
	switch x := v.(type) {
	case json.Number:
		return len(plainNumber(t, string(x))) - len(x)
	case domain.Metadata:
		return expansion(t, map[string]any(x))
	case map[string]any:
		n := 0
		for _, e := range x {
			n += expansion(t, e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += expansion(t, e)
		}
		return n
	}
	return 0
}

// plainNumber writes a JSON number without an exponent, keeping its fraction digits.
func plainNumber(t *testing.T, n string) string {
	mant, exp := n, 0
	if i := strings.IndexAny(n, "eE"); i >= 0 {
		e, err := strconv.Atoi(n[i+1:])
		if err != nil || e > 1<<20 || e < -(1<<20) {
			t.Fatalf("accepted number %s has an exponent too large to write out", n)
		}
		mant, exp = n[:i], e
	}
	frac := 0
	if _, f, ok := strings.Cut(mant, "."); ok {
		frac = len(f)
	}
	r, ok := new(big.Rat).SetString(n)
	if !ok {
		t.Fatalf("accepted number %s is not a number", n)
	}
	return r.FloatString(max(0, frac-exp))
}

func fieldsOf(err error) []string {
	var out []string
	if e, ok := err.(*domain.Error); ok {
		for _, d := range e.Details {
			out = append(out, d.Field)
		}
	}
	return out
}
