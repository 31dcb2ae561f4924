package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// With ORGKIT_PERSONAL_ORGANIZATIONS=true the binary gives a user who belongs nowhere a
// personal organization on their first request.
func TestServe_PersonalOrganizations(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, d),
				"ORGKIT_AUTH_HS256_SECRET": "personal-secret-0123456789abcdef0", "ORGKIT_PERSONAL_ORGANIZATIONS": "true"}
			base, _, _ := startRun(t, []string{"serve"}, env)
			tok := mint(t, env, "--sub", "kim", "--email", "kim@example.com", "--name", "Kim Park")
			code, body := call(t, "GET", base+"/v1/organizations", tok, nil)
			data, _ := body["data"].([]any)
			if code != 200 || len(data) != 1 || data[0].(map[string]any)["name"] != "Kim Park's organization" {
				t.Fatalf("list: %d %v", code, body)
			}
			tok = mint(t, env, "--sub", "lee", "--email", "lee@example.com", "--organization", "Lee Labs")
			code, body = call(t, "GET", base+"/v1/organizations", tok, nil)
			data, _ = body["data"].([]any)
			if code != 200 || len(data) != 1 || !strings.HasPrefix(fmt.Sprint(data[0].(map[string]any)["slug"]), "lee-labs-") {
				t.Fatalf("list: %d %v", code, body)
			}
		})
	}
}
