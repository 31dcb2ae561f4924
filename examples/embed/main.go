// Command embed shows orgkit inside another Go service: orgkit's API mounted as is, plus one
// route of the host service that uses orgkit's authentication and organization context.
//
//	ORGKIT_AUTH_HS256_SECRET=… go run ./examples/embed
package main

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/adapters/vaultcrypto"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/ports"
)

func main() {
	ctx := context.Background()
	store, err := gormstore.Open(ctx, "sqlite:embed.db")
	if err != nil {
		log.Fatal(err)
	}
	if _, err := store.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	authn, err := auth.New(ctx, auth.Config{HS256Secret: []byte(os.Getenv("ORGKIT_AUTH_HS256_SECRET"))})
	if err != nil {
		log.Fatal(err)
	}
	var sealer ports.Sealer // nil: the vault answers 503 until keys are configured
	if keys := os.Getenv("ORGKIT_VAULT_KEYS"); keys != "" {
		if sealer, err = vaultcrypto.Parse(keys); err != nil {
			log.Fatal(err)
		}
	}
	svc := app.New(app.Deps{Store: store, Sealer: sealer, Limiter: ratelimit.NewMemory(nil)}, app.Config{})

	router, err := httpapi.New(svc, authn, httpapi.Options{})
	if err != nil {
		log.Fatal(err)
	}
	// A route of the host service, scoped to the organization of X-Organization-ID (or the
	// caller's current one); non-members get 403.
	router.GET("/v1/appointments", httpapi.Authenticate(svc, authn), httpapi.OrganizationContext(svc), func(c *gin.Context) {
		oc, _ := httpapi.OrgContextFrom(c.Request.Context())
		c.JSON(http.StatusOK, gin.H{"data": []any{}, "organization_id": oc.Organization.ID, "role": oc.Role})
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8081", router))
}
