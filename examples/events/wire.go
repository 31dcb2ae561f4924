package main

import (
	"context"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
)

// options are what the host takes from its environment; tests set the clock and may stand
// in for the deletion hook.
type options struct {
	auth orgkit.AuthConfig
	now  func() time.Time // nil: the real clock, to the second (what answers show)
	// deleting is the OrganizationDeleting hook; nil: deleteEvents.
	deleting func(ctx context.Context, tx *gorm.DB, orgID int64) error
}

// wire is the whole integration: orgkit on the host's own pool and router, the host's
// permissions, its deletion hook, both sets of migrations, and the host's routes guarded by
// orgkit's middleware in the path's organization.
func wire(ctx context.Context, db *gorm.DB, r gin.IRouter, o options) (*orgkit.Kit, error) {
	if o.now == nil {
		o.now = func() time.Time { return time.Now().UTC().Truncate(time.Second) }
	}
	if o.deleting == nil {
		o.deleting = deleteEvents
	}
	k, err := orgkit.New(ctx, orgkit.Config{DB: db, Auth: o.auth, Permissions: permissions,
		Hooks: orgkit.Hooks{OrganizationDeleting: o.deleting}})
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, k, db); err != nil {
		return nil, err
	}
	// orgkit's API goes under /orgkit: its own GET /v1/organizations/:id/events is the
	// organization's change-event stream, and this product's events take that path. A host
	// whose resource names collide with orgkit's mounts orgkit on a group the same way.
	k.Register(r.Group("/orgkit"))
	h := eventsAPI{store: events{db: db}, now: o.now}
	r.POST("/v1/organizations/:id/events", k.Authenticate(), orgFromPath, k.Require("event.create"), h.create)
	r.GET("/v1/organizations/:id/events", k.Authenticate(), orgFromPath, k.Require("event.read"), h.list)
	return k, nil
}
