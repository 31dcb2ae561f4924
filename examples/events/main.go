// Command events is a host service built on orgkit that adds a resource of its own owned by
// organizations: events, created by an organization's admins and listed by its members, at
// /v1/organizations/:id/events beside orgkit's routes. It is the pattern for any product
// resource that belongs to an organization: its own table (host_events) and migrations
// beside orgkit's, its actions in orgkit's policy table, orgkit's middleware and error
// envelope on its routes, and orgkit's delete hook taking its rows with the organization.
//
//	DATABASE_URL=postgres://… AUTH_HS256_SECRET=… go run ./examples/events
package main

import (
	"context"
	"log"
	"os"

	"github.com/gin-gonic/gin"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
)

func main() {
	ctx := context.Background()
	db, err := gorm.Open(postgres.Open(os.Getenv("DATABASE_URL")), &gorm.Config{})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.Default()
	if _, err := wire(ctx, db, r, options{auth: orgkit.AuthConfig{HS256Secret: []byte(os.Getenv("AUTH_HS256_SECRET"))}}); err != nil {
		log.Fatal(err)
	}
	log.Fatal(r.Run("127.0.0.1:8082"))
}
