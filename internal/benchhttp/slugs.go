package main

import (
	"math/rand/v2"
	"os"
	"strings"
)

// unknownSlugs returns n distinct slugs no organization has: "zz" and six random lowercase
// letters, valid slug syntax, so resolve looks them up instead of refusing them as malformed.
func unknownSlugs(n int) []string {
	seen := make(map[string]bool, n)
	slugs := make([]string, 0, n)
	var b [8]byte
	b[0], b[1] = 'z', 'z'
	for len(slugs) < n {
		for i := 2; i < len(b); i++ {
			b[i] = byte('a' + rand.IntN(26))
		}
		if s := string(b[:]); !seen[s] {
			seen[s] = true
			slugs = append(slugs, s)
		}
	}
	return slugs
}

// writeLines writes one line per value, for the wrk script to read.
func writeLines(path string, values []string) error {
	return os.WriteFile(path, []byte(strings.Join(values, "\n")+"\n"), 0o600)
}
