package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// Metadata numbers are kept by Postgres written out (jsonb's numeric): 1e9000 came back as
// 9001 digits, past the 8 KiB limit, so every later change of the organization failed with a
// validation_error on metadata it had not sent, and 1e1000000 was a 500 (numeric overflow).
// Found by FuzzMetadata's bound on the written-out size; the limit now counts numbers that way.
func TestOrganizations_MetadataNumbersCountWrittenOut(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		id := h.createOrg("numbers")
		path := fmt.Sprintf("/v1/organizations/%d", id)
		for _, n := range []string{"1e9000", "1e1000000", "1e-1000000", "-1.5e-9000", "1e99999999999999999999"} {
			body := `{"metadata":{"n":` + n + `}}`
			if st := rawStatus(t, h, "PATCH", path, body); st != 400 {
				t.Errorf("%s: %d, want 400", n, st)
				continue
			}
			r := h.do("PATCH", path, rootEmail, body)
			if f := r.fields(); len(f) != 1 || f[0] != "metadata" {
				t.Errorf("%s: fields %v", n, f)
			}
		}
		// Within the limit written out: accepted, read back the same on both databases, and the
		// organization stays changeable.
		small := `{"metadata":{"big":1e300,"small":-2.50e-3,"exact":12345678901234567890}}`
		expect(t, h.do("PATCH", path, rootEmail, small), 200, "")
		expect(t, h.do("PATCH", path, rootEmail, map[string]any{"name": "Still Changeable"}), 200, "")
		r := h.do("GET", path, rootEmail, nil)
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Raw), `"exact":12345678901234567890`) || !strings.Contains(string(r.Raw), `"small":-0.00250`) &&
			!strings.Contains(string(r.Raw), `"small":-2.50e-3`) {
			t.Errorf("metadata read back as %s", r.Raw)
		}
		// Exactly at the limit once written out: 8192 bytes of {"n":1000…0}. (Read back, it is
		// beyond float64: the answer is checked as bytes.)
		digits := 8192 - len(`{"n":}`)
		if st := rawStatus(t, h, "PATCH", path, fmt.Sprintf(`{"metadata":{"n":1e%d}}`, digits-1)); st != 200 {
			t.Errorf("at the limit: %d", st)
		}
		if st := rawStatus(t, h, "PATCH", path, fmt.Sprintf(`{"metadata":{"n":1e%d}}`, digits)); st != 400 {
			t.Errorf("one byte over the limit: %d", st)
		}
		if st := rawStatus(t, h, "PATCH", path, `{"name":"Changeable Again"}`); st != 200 {
			t.Errorf("a change beside metadata at the limit: %d", st)
		}
	})
}

// rawStatus sends a JSON body as the superadmin and returns the status, without decoding the
// answer.
func rawStatus(t *testing.T, h *harness, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+h.token(rootEmail))
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		t.Fatal(err)
	}
	if err := res.Body.Close(); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode
}
