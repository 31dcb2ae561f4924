// Command events is a host service built on orgkit that adds a resource of its own owned by
// organizations: events, created by an organization's admins and listed by its members, at
// /v1/organizations/:id/events, with orgkit's routes under /orgkit (whose own
// /v1/organizations/:id/events is the change-event stream). It is the pattern for any product
// resource that belongs to an organization: its own table (host_events) and migrations
// beside orgkit's, its actions in orgkit's policy table, orgkit's middleware and error
// envelope on its routes, and orgkit's delete hook taking its rows with the organization.
//
// POST /v1/organizations/:id/events (owner, admin, superadmin) takes name and slug
// (required; orgkit's slug rules, unique within the organization: 409 event_slug_taken),
// description, start_date and end_date (RFC 3339, or a date: its first second as a start,
// its last as an end; the end not before the start), website (http or https) and
// contact_email, and answers 201 {"data": event}. GET (every member, superadmin) answers
// {"data": [...], "meta": {page, page_size, total, total_pages}} with q (name or
// description), is_active, page and page_size (25 by default, at most 100). An event is
// active while its end_date has not passed; one without an end_date always is.
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
