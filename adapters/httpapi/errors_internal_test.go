package httpapi

import (
	"testing"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/astconst"
)

// TestStatusByCode_EveryCode fails when an error code has no HTTP status: it would be
// answered as a 500.
func TestStatusByCode_EveryCode(t *testing.T) {
	codes, err := astconst.Strings("../../domain/errors.go", "Code")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if _, ok := statusByCode[domain.Code(c)]; !ok {
			t.Errorf("error code %s has no HTTP status", c)
		}
	}
}
