package orgkit_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/orgkit/orgkit/domain"
)

// The README's event catalog is a copy of domain.EventTypes: same types, same order, same
// resources.
func TestREADME_EventCatalogIsTheCodes(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := regexp.MustCompile("(?m)^\\| `([a-z_]+\\.[a-z_]+)` \\| ([a-z_]+) \\| ").FindAllStringSubmatch(string(readme), -1)
	var got, want []string
	for _, r := range rows {
		got = append(got, r[1]+" "+r[2])
	}
	for _, e := range domain.EventTypes {
		want = append(want, e.Type+" "+e.Resource)
	}
	if !slices.Equal(got, want) {
		t.Errorf("README catalog\n%v\nthe code's\n%v", got, want)
	}
}
