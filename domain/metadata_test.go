package domain_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/domain"
)

// FuzzMetadata found metadata of a few bytes that Postgres keeps as kilobytes (1e9000 is
// written out in 9001 digits) or refuses (1e1000000): the limit counts numbers written out.
func TestMetadata_NumbersCountWrittenOut(t *testing.T) {
	for raw, want := range map[string]int{
		`{"n":1e3}`: len(`{"n":1000}`), `{"n":1.50e1}`: len(`{"n":15.0}`), `{"n":-1e-3}`: len(`{"n":-0.001}`),
		`{"n":25}`: len(`{"n":25}`), `{"n":0.5}`: len(`{"n":0.5}`), `{"n":12.5e-1}`: len(`{"n":1.25}`),
		`{"n":1E+2,"m":[2e0]}`: len(`{"n":100,"m":[2]}`),
	} {
		var m domain.Metadata
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if got, err := m.StoredSize(); err != nil || got != want {
			t.Errorf("%s: StoredSize %d, %v; want %d", raw, got, err, want)
		}
	}
	for _, m := range []domain.Metadata{{"n": json.Number("1e9000")}, {"n": json.Number("1e1000000")},
		{"a": []any{json.Number("1e-9000")}}, {"f": 1e300, "g": 1e300, "h": 1e300, "i": 1e300, "j": 1e300,
			"k": 1e300, "l": 1e300, "m": 1e300, "n": 1e300, "o": 1e300, "p": 1e300, "q": 1e300, "r": 1e300,
			"s": 1e300, "t": 1e300, "u": 1e300, "v": 1e300, "w": 1e300, "x": 1e300, "y": 1e300, "z": 1e300,
			"A": 1e300, "B": 1e300, "C": 1e300, "D": 1e300, "E": 1e300, "F": 1e300}} {
		o := domain.Organization{Name: "Acme", Slug: "acme", Status: domain.StatusActive, Settings: domain.DefaultSettings(), Metadata: m}
		if fields := fieldsOf(o.Validate()); len(fields) != 1 || fields[0] != "metadata" {
			t.Errorf("%v: %v, want metadata refused", m, fields)
		}
	}
}
