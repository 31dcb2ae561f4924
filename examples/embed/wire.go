package main

import (
	"context"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
)

// wire is the whole integration: orgkit on the host's own pool and router, the host's
// permission, its deletion hook, both sets of migrations, and the host's routes.
func wire(ctx context.Context, db *gorm.DB, r gin.IRouter, auth orgkit.AuthConfig) (*orgkit.Kit, error) {
	k, err := orgkit.New(ctx, orgkit.Config{DB: db, Auth: auth, Permissions: permissions,
		Hooks: orgkit.Hooks{OrganizationDeleting: deleteAppointments}})
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	k.Register(r)
	h := appointments{db: db, svc: k.Service()}
	r.GET("/v1/appointments", k.Authenticate(), k.OrganizationContext(), h.list)
	r.POST("/v1/appointments/:id/cancel", k.Authenticate(), k.Require("appointment.cancel"), h.cancel)
	return k, nil
}
