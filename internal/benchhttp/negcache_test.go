package main

import (
	"strings"
	"testing"
	"time"
)

func TestNegativeCheck(t *testing.T) {
	pass := negativeCheck{slugs: 2000, ttl: 30 * time.Second, elapsed: 18 * time.Second,
		total: resolveStats{Hits: 700000, Loads: 2000}, perPass: []int64{2000, 0, 0, 0}}
	for name, tc := range map[string]struct {
		c    negativeCheck
		ok   bool
		text string
	}{
		"one query per slug":      {pass, true, "+2000 for 2000 distinct unknown slugs: PASS"},
		"a slug queried twice":    {with(pass, func(c *negativeCheck) { c.total.Loads = 2001 }), false, "FAIL (want ≤ 2000)"},
		"run outlived the TTL":    {with(pass, func(c *negativeCheck) { c.elapsed = 31 * time.Second }), false, "raise -negative-ttl"},
		"cache errors hid misses": {with(pass, func(c *negativeCheck) { c.total.Errors = 3 }), false, "3 cache errors"},
	} {
		t.Run(name, func(t *testing.T) {
			if tc.c.ok() != tc.ok || !strings.Contains(tc.c.verdict(), tc.text) {
				t.Fatalf("ok %t, verdict %q; want ok %t and %q", tc.c.ok(), tc.c.verdict(), tc.ok, tc.text)
			}
		})
	}
}

func with(c negativeCheck, f func(*negativeCheck)) negativeCheck {
	f(&c)
	return c
}

func TestMedianOf(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := medianOf(tc.in); got != tc.want {
			t.Errorf("medianOf(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
