package main

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/domain"
)

var headLine = regexp.MustCompile(`(?m)^head (\S+)=([0-9a-f]{64}) records=(\d+)$`)

// heads parses the head lines of `orgkit audit verify`: chain name to "hash records".
func heads(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range headLine.FindAllStringSubmatch(out, -1) {
		m[l[1]] = l[2] + " " + l[3]
	}
	return m
}

// TestAuditVerify_HeadsDetectTruncatedTail: verify prints one head per chain; an anchored
// head still verifies after the chain grew, and exits 1 once the records at the chain's end
// are removed, which the hashes alone cannot reveal.
func TestAuditVerify_HeadsDetectTruncatedTail(t *testing.T) {
	ctx := context.Background()
	env, store := auditedDB(t, "bravo") // records 1 (alpha), 2 (bravo), 3 and 4 (alpha patched)
	if out, err := runCmd(t, env, "superadmin", "grant", "boss@example.com"); err != nil {
		t.Fatalf("grant: %q %v", out, err) // record 5, the platform chain's first
	}
	out, err := runCmd(t, env, "audit", "verify")
	if err != nil {
		t.Fatalf("verify: %q %v", out, err)
	}
	h := heads(t, out)
	if len(h) != 3 || !strings.HasSuffix(h["1"], " 3") || !strings.HasSuffix(h["2"], " 1") || !strings.HasSuffix(h["platform"], " 1") {
		t.Fatalf("heads %v in:\n%s", h, out)
	}
	anchor := func(chain string) string { return chain + "=" + strings.Fields(h[chain])[0] }
	all := []string{"audit", "verify", "--expect-head", anchor("1"), "--expect-head", anchor("2"), "--expect-head", anchor("platform")}
	if out, err := runCmd(t, env, all...); err != nil || !strings.Contains(out, "ok: 5 record(s)") {
		t.Fatalf("anchored: %q %v", out, err)
	}

	alpha := int64(1)
	if _, err := store.Audit().Append(ctx, domain.AuditRecord{OrganizationID: &alpha, Action: domain.AuditOrganizationUpdated,
		TargetType: "organization", TargetID: "1", Changes: []string{"name"}, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, env, all...); err != nil || !strings.Contains(out, "ok: 6 record(s)") {
		t.Fatalf("a chain that grew past its anchor: %q %v", out, err)
	}

	// An attacker removes the last two records of alpha's chain: every link left is intact.
	for _, stmt := range []string{"DROP TRIGGER orgkit_audit_logs_no_delete", "DELETE FROM orgkit_audit_logs WHERE id IN (4, 6)"} {
		if err := store.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := runCmd(t, env, "audit", "verify"); err != nil {
		t.Fatalf("without anchors the truncation is invisible: %q %v", out, err)
	}
	out, err = runCmd(t, env, all...)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "TRUNCATED chain 1: the expected head "+strings.Fields(h["1"])[0]) ||
		strings.Contains(out, "TRUNCATED chain 2") || strings.Contains(out, "ok:") {
		t.Fatalf("truncated: %q %v", out, err)
	}
	if got := heads(t, out)["1"]; !strings.HasSuffix(got, " 2") {
		t.Errorf("chain 1 now %q, want 2 records", got)
	}
}

func TestAuditVerify_ExpectHeadUsage(t *testing.T) {
	env, _ := auditedDB(t)
	hash := strings.Repeat("ab", 32)
	for _, bad := range []string{"1", "1=" + hash[:63], "x=" + hash, "0=" + hash, "-3=" + hash, "platform=" + strings.Repeat("zz", 32)} {
		if out, err := runCmd(t, env, "audit", "verify", "--expect-head", bad); err == nil || !strings.Contains(out, "want ID=HASH") {
			t.Errorf("--expect-head %s: %q %v", bad, out, err)
		}
	}
	out, err := runCmd(t, env, "audit", "verify", "--expect-head", "7="+hash)
	if !errors.Is(err, errAuditBroken) || !strings.Contains(out, "TRUNCATED chain 7") || !strings.Contains(out, "the chain has no records") {
		t.Errorf("anchor of an empty chain: %q %v", out, err)
	}
}
