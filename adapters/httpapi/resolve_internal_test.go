package httpapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/domain"
)

var jsonSeeds = []string{
	"", "plain", `quote " and backslash \`, "<script>&amp;</script>", "tab\tnewline\nreturn\r",
	"\x00\x01\x07\x08\x0b\x0c\x1f\x7f", "café 😀 中文", "\u2028\u2029", "bad \xff utf-8 \xe2\x82", "\xed\xa0\x80",
	"ends with \\", strings.Repeat("é<", 100),
}

// FuzzAppendJSONString: the hand-written encoder writes exactly what encoding/json writes.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}

func TestAppendResolveBody_MatchesEncodingJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	for i, o := range []domain.PublicOrganization{
		{ID: 1, Name: "HealthCorp", Slug: "healthcorp"},
		{ID: 9007199254740993, Name: jsonSeeds[3], Slug: "x", LogoURL: str("https://a.example/l.png?a=1&b=<2>"),
			IconURL: str(jsonSeeds[8]), LanguageCode: str("en")},
		{ID: -5, LogoURL: str(""), IconURL: str("\u2028"), LanguageCode: str("pt-BR")},
	} {
		want, err := json.Marshal(map[string]any{"data": struct {
			ID           int64   `json:"id"`
			Name         string  `json:"name"`
			Slug         string  `json:"slug"`
			LogoURL      *string `json:"logo_url"`
			IconURL      *string `json:"icon_url"`
			LanguageCode *string `json:"language_code"`
		}{o.ID, o.Name, o.Slug, o.LogoURL, o.IconURL, o.LanguageCode}})
		if err != nil {
			t.Fatal(err)
		}
		if got := appendResolveBody([]byte("keep:"), o); string(got) != "keep:"+string(want) {
			t.Errorf("%d: got %s\nwant %s", i, got, want)
		}
	}
}

// FuzzEachQuery: the map-free query reader sees exactly the pairs url.ParseQuery keeps.
func FuzzEachQuery(f *testing.F) {
	for _, s := range []string{"", "slug=acme", "a=1&a=2&b", "&&=&x=", "slug=a%20b+c", "bad=%zz&ok=1",
		"semi=1;2&ok=1", "k%00=v", "host=acme.orgkit.test%3A8080", "%=1", "a=%", "x=%e2%82&y=%ff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want, _ := url.ParseQuery(raw) // the pairs it could read; the error names the others
		got := url.Values{}
		eachQuery(raw, func(k, v string) { got[k] = append(got[k], v) })
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%q: got %v, want %v", raw, got, want)
		}
	})
}

func TestETag(t *testing.T) {
	body := []byte(`{"data":{"id":1,"name":"HealthCorp","slug":"healthcorp","logo_url":null,"icon_url":null,"language_code":"en"}}`)
	tag := etag(body)
	// Fixed: replicas and releases answer the same tag for the same bytes.
	if tag != `"`+fmt.Sprintf("%016x", hash64(body))+`"` || tag != etag(append([]byte(nil), body...)) {
		t.Fatalf("etag %s", tag)
	}
	if golden := `"9c70ffc05b633fd5"`; tag != golden {
		t.Errorf("etag %s, want %s: the hash changed, and with it every client's cached tag", tag, golden)
	}
	seen := map[string]int{}
	for n := range 200 {
		b := body[:n%len(body)]
		seen[etag(b)]++
		flipped := append([]byte(nil), body...)
		flipped[n%len(body)] ^= 1 << (n % 8)
		if etag(flipped) == tag {
			t.Errorf("one bit flipped at %d, same tag", n%len(body))
		}
	}
	if len(seen) != len(body) {
		t.Errorf("%d distinct tags for %d prefixes", len(seen), len(body))
	}
}

func TestETagMatches(t *testing.T) {
	const tag = `"00112233aabbccdd"`
	for _, c := range []struct {
		headers []string
		want    bool
	}{
		{nil, false}, {[]string{""}, false}, {[]string{tag}, true}, {[]string{"W/" + tag}, true},
		{[]string{"*"}, true}, {[]string{` "x" , ` + tag + ` `}, true}, {[]string{`"x"`, tag}, true},
		{[]string{`"x", W/"y"`}, false}, {[]string{`00112233aabbccdd`}, false}, {[]string{tag + "x"}, false},
		{[]string{"w/" + tag}, false}, {[]string{",,"}, false},
	} {
		if got := etagMatches(c.headers, tag); got != c.want {
			t.Errorf("%q: %t, want %t", c.headers, got, c.want)
		}
	}
}
