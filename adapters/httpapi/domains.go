package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

type domainJSON struct {
	ID                int64                 `json:"id"`
	OrganizationID    int64                 `json:"organization_id"`
	Domain            string                `json:"domain"`
	DomainType        string                `json:"domain_type"`
	Status            domain.DomainStatus   `json:"status"`
	FailureReason     *domain.FailureReason `json:"failure_reason"`
	VerificationToken string                `json:"verification_token"`
	VerifiedAt        *timestamp            `json:"verified_at"`
	LastCheckAt       *timestamp            `json:"last_check_at"`
	CreatedAt         timestamp             `json:"created_at"`
	UpdatedAt         timestamp             `json:"updated_at"`
}

func toDomainJSON(d domain.CustomDomain) domainJSON {
	return domainJSON{
		ID: d.ID, OrganizationID: d.OrganizationID, Domain: d.Name, DomainType: d.Type,
		Status: d.Status, FailureReason: d.FailureReason, VerificationToken: d.VerificationToken,
		VerifiedAt: optionalTimestamp(d.VerifiedAt), LastCheckAt: optionalTimestamp(d.LastCheckAt),
		CreatedAt: timestamp(d.CreatedAt), UpdatedAt: timestamp(d.UpdatedAt),
	}
}

type verificationJSON struct {
	TXTHost  string `json:"txt_host"`
	TXTValue string `json:"txt_value"`
}

// domainServerFields are set by the server: a POST body may not carry them.
var domainServerFields = []string{"id", "organization_id", "status", "failure_reason", "verification_token",
	"verified_at", "last_check_at", "created_at", "updated_at"}

func (h *handlers) listDomains(c *gin.Context) {
	in := newInput(c)
	orgID, _ := in.orgAnd("domainId")
	if !h.checked(in, orgID, domain.ActionDomainRead) {
		return
	}
	ds, err := h.svc.ListDomains(c.Request.Context(), principal(c), orgID)
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]domainJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, toDomainJSON(d))
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}

func (h *handlers) addDomain(c *gin.Context) {
	in := newInput(c)
	orgID, _ := in.orgAnd("domainId")
	var nd app.NewDomain
	in.body(func(o *object) {
		required(o, "domain", wantString, &nd.Name)
		required(o, "domain_type", wantString, &nd.Type)
		o.forbid("is set by the server", domainServerFields...)
	})
	if !h.checked(in, orgID, domain.ActionDomainManage) {
		return
	}
	d, err := h.svc.AddDomain(c.Request.Context(), principal(c), orgID, nd)
	if err != nil {
		writeError(c, err)
		return
	}
	v := h.svc.VerificationOf(d)
	c.JSON(http.StatusCreated, gin.H{"data": toDomainJSON(d), "verification": verificationJSON{TXTHost: v.TXTHost, TXTValue: v.TXTValue}})
}

func (h *handlers) verifyDomain(c *gin.Context) {
	in := newInput(c)
	orgID, domainID := in.orgAnd("domainId")
	if !h.checked(in, orgID, domain.ActionDomainManage) {
		return
	}
	d, quota, err := h.svc.VerifyDomain(c.Request.Context(), principal(c), orgID, domainID)
	if quota.Limit > 0 {
		setQuotaHeaders(c, quota) // the check counted, whatever its outcome
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toDomainJSON(d)})
}

func (h *handlers) deleteDomain(c *gin.Context) {
	in := newInput(c)
	orgID, domainID := in.orgAnd("domainId")
	if !h.checked(in, orgID, domain.ActionDomainManage) {
		return
	}
	if err := h.svc.DeleteDomain(c.Request.Context(), principal(c), orgID, domainID); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
