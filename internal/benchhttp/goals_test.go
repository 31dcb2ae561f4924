package main

import (
	"testing"
	"time"
)

func TestGoal(t *testing.T) {
	pg := goals[postgresDB][keyOrg]
	for _, tc := range []struct {
		ratio float64
		p99   time.Duration
		met   bool
	}{{0.30, 5 * time.Millisecond, true}, {0.25, 9 * time.Millisecond, true}, {0.24, 5 * time.Millisecond, false},
		{0.40, 10 * time.Millisecond, false}} {
		if got := pg.met(tc.ratio, tc.p99); got != tc.met {
			t.Errorf("%v met(%.2f, %v) = %t, want %t", pg, tc.ratio, tc.p99, got, tc.met)
		}
	}
	if s := pg.String(); s != "≥ 0.25, p99 < 10ms" {
		t.Errorf("String() = %q", s)
	}
	if s := goals[sqliteDB][keyOrg].String(); s != "≥ 0.30" {
		t.Errorf("String() = %q", s)
	}
	var none goal
	if none.set() || !none.met(0, time.Hour) || none.String() != "" {
		t.Error("the zero goal must be no target")
	}
}

// Every goal names a scenario the run measures: a typo in a key would silently drop a target.
func TestGoalsNameScenarios(t *testing.T) {
	for db, byKey := range goals {
		keys := map[string]bool{}
		for _, s := range scenarios(db, "http://orgkit", "http://floor", fixture{orgs: 150}) {
			keys[s.key] = true
			if s.goal != byKey[s.key] {
				t.Errorf("%s %s: goal %v, want %v", db, s.key, s.goal, byKey[s.key])
			}
		}
		for key := range byKey {
			if !keys[key] {
				t.Errorf("%s: goal for %q, which is not measured", db, key)
			}
		}
	}
}
