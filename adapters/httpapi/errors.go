package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[domain.Code]int{
	domain.CodeValidation:           http.StatusBadRequest,
	domain.CodeUnauthorized:         http.StatusUnauthorized,
	domain.CodeForbidden:            http.StatusForbidden,
	domain.CodeNotFound:             http.StatusNotFound,
	domain.CodeOrganizationNotFound: http.StatusNotFound,
	domain.CodeUserNotFound:         http.StatusNotFound,
	domain.CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	domain.CodeSlugTaken:            http.StatusConflict,
	domain.CodeUserAlreadyConnected: http.StatusConflict,
	domain.CodeEmailTaken:           http.StatusConflict,
	domain.CodePayloadTooLarge:      http.StatusRequestEntityTooLarge,
	domain.CodeRateLimited:          http.StatusTooManyRequests,
	domain.CodeUnavailable:          http.StatusServiceUnavailable,
	domain.CodeInternal:             http.StatusInternalServerError,
}

type errorBody struct {
	Code    domain.Code         `json:"code"`
	Message string              `json:"message"`
	Details []domain.FieldError `json:"details,omitempty"`
}

// writeError answers err in seed 000's envelope. Errors without a domain code are logged
// with the request id and answered as internal_error, never with their own message.
func writeError(c *gin.Context, err error) {
	body := errorBody{Code: domain.CodeInternal, Message: "unexpected server error"}
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeInternal {
		body = errorBody{Code: de.Code, Message: de.Message, Details: de.Details}
	} else {
		logger(c).ErrorContext(c.Request.Context(), "internal error",
			slog.String("request_id", requestID(c)), slog.Any("error", err))
	}
	status, ok := statusByCode[body.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	c.AbortWithStatusJSON(status, gin.H{"error": body})
}
