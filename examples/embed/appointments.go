package main

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// permissions are the host's own actions in orgkit's policy table.
var permissions = map[string][]string{"appointment.cancel": {"owner", "admin"}}

type appointment struct {
	ID             int64  `json:"id"`
	OrganizationID int64  `json:"organization_id"`
	Title          string `json:"title"`
	Status         string `json:"status"`
}

type appointments struct {
	db  *gorm.DB
	svc *app.Service
}

var (
	errNotFound       = &domain.Error{Code: domain.CodeNotFound, Message: "appointment not found"}
	errNotCancellable = &domain.Error{Code: domain.CodeValidation, Message: "only a scheduled appointment can be cancelled"}
)

// list answers the current organization's appointments, and only those.
func (h appointments) list(c *gin.Context) {
	oc, _ := orgkit.OrgContextFrom(c.Request.Context())
	var out []appointment
	if err := h.db.WithContext(c).Where("organization_id = ?", oc.Organization.ID).Order("id").Find(&out).Error; err != nil {
		orgkit.WriteError(c, err)
		return
	}
	if out == nil {
		out = []appointment{}
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}

// cancel cancels one of the current organization's appointments; another organization's
// is not found.
func (h appointments) cancel(c *gin.Context) {
	oc, _ := orgkit.OrgContextFrom(c.Request.Context())
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		orgkit.WriteError(c, errNotFound)
		return
	}
	var a appointment
	err = h.db.WithContext(c).Where("id = ? AND organization_id = ?", id, oc.Organization.ID).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		orgkit.WriteError(c, errNotFound)
		return
	} else if err != nil {
		orgkit.WriteError(c, err)
		return
	}
	if err := mayCancel(c.Request.Context(), h.svc, oc.Principal, a); err != nil {
		orgkit.WriteError(c, err)
		return
	}
	if err := h.db.WithContext(c).Model(&a).Update("status", "cancelled").Error; err != nil {
		orgkit.WriteError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": a})
}

// mayCancel is the host's rule, for every caller (HTTP or jobs): the caller may do
// appointment.cancel in the appointment's organization, and only a scheduled appointment
// can be cancelled.
func mayCancel(ctx context.Context, svc *app.Service, p domain.Principal, a appointment) error {
	if _, _, err := svc.Authorize(ctx, p, a.OrganizationID, "appointment.cancel"); err != nil {
		return err
	}
	if a.Status != "scheduled" {
		return errNotCancellable
	}
	return nil
}

// deleteAppointments is the OrganizationDeleting hook: the organization's appointments go in
// the same transaction as the organization.
func deleteAppointments(ctx context.Context, tx *gorm.DB, orgID int64) error {
	return tx.WithContext(ctx).Where("organization_id = ?", orgID).Delete(&appointment{}).Error
}
