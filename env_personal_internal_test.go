package orgkit

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// ORGKIT_PERSONAL_ORGANIZATIONS is a boolean, false by default; anything else is an error
// naming the variable.
func TestConfigFromEnv_PersonalOrganizations(t *testing.T) {
	for value, want := range map[string]bool{"": false, "false": false, "true": true, "1": true} {
		env := map[string]string{"ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "orgkit.db"), "ORGKIT_PERSONAL_ORGANIZATIONS": value}
		cfg, err := ConfigFromEnv(context.Background(), func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("%q: %v", value, err)
		}
		if err := CloseConfig(cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.PersonalOrganizations != want {
			t.Errorf("%q: %v, want %v", value, cfg.PersonalOrganizations, want)
		}
	}
	env := map[string]string{"ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "orgkit.db"), "ORGKIT_PERSONAL_ORGANIZATIONS": "maybe"}
	if _, err := ConfigFromEnv(context.Background(), func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "ORGKIT_PERSONAL_ORGANIZATIONS") {
		t.Fatalf("maybe: %v, want an error naming ORGKIT_PERSONAL_ORGANIZATIONS", err)
	}
}
