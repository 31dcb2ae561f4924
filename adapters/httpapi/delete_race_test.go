package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/internal/testenv"
)

// send is a request for goroutines: it reports failures instead of stopping the test.
func (h *harness) send(method, path, token string, body any) (int, string, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(raw))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, string(out), err
}

// TestDeleteOrganization_ConcurrentWrites: on Postgres, deleting an organization while
// requests write to it (new API keys, connected users, switches, patches) answers every one
// of them with success or 404, never 500: a write that loses the race to the delete hits a
// foreign key to organizations, which means organization_not_found.
func TestDeleteOrganization_ConcurrentWrites(t *testing.T) {
	testenv.Postgres(t)
	h := newHarness(t, gormstore.Postgres)
	const writers = 8
	root := h.token(rootEmail)
	users := make([]string, writers)
	for i := range users {
		email := fmt.Sprintf("user%d@example.com", i)
		expect(t, h.do("GET", "/v1/me", email, nil), 200, "")
		users[i] = email
	}
	for round := range 6 {
		org := h.createOrg(fmt.Sprintf("race-%d", round))
		path := fmt.Sprintf("/v1/organizations/%d", org)
		writes := []struct {
			method, path string
			body         func(i int) any
		}{
			{"POST", path + "/api-keys", func(i int) any {
				return map[string]any{"title": "t", "service": "s", "api_key": fmt.Sprintf("sk-%d", i)}
			}},
			{"POST", path + "/connect-user", func(i int) any { return map[string]any{"email": users[i]} }},
			{"PUT", "/v1/me/switch-organization", func(int) any { return map[string]any{"organization_id": org} }},
			{"PATCH", path, func(i int) any { return map[string]any{"tagline": fmt.Sprintf("v%d", i)} }},
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var bad []string
		start := make(chan struct{})
		for _, w := range writes {
			for i := range writers {
				wg.Go(func() {
					<-start
					code, body, err := h.send(w.method, w.path, root, w.body(i))
					if err != nil || (code/100 != 2 && code != 404) {
						mu.Lock()
						bad = append(bad, fmt.Sprintf("%s %s: %d %s %v", w.method, w.path, code, body, err))
						mu.Unlock()
					}
				})
			}
		}
		deleted := make(chan string, 1)
		wg.Go(func() {
			<-start
			code, body, err := h.send("DELETE", path, root, nil)
			deleted <- fmt.Sprintf("%d %s %v", code, body, err)
		})
		close(start)
		wg.Wait()
		if d := <-deleted; d != "204  <nil>" {
			t.Errorf("round %d: delete answered %s", round, d)
		}
		if len(bad) > 0 {
			t.Errorf("round %d: %d answer(s) neither 2xx nor 404:\n%v", round, len(bad), bad)
		}
	}
}
