package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// statusByCode is the one table from error code to HTTP status.
var statusByCode = map[domain.Code]int{
	domain.CodeValidation:              http.StatusBadRequest,
	domain.CodeUnauthorized:            http.StatusUnauthorized,
	domain.CodeForbidden:               http.StatusForbidden,
	domain.CodeNotFound:                http.StatusNotFound,
	domain.CodeOrganizationNotFound:    http.StatusNotFound,
	domain.CodeUserNotFound:            http.StatusNotFound,
	domain.CodeAPIKeyNotFound:          http.StatusNotFound,
	domain.CodeDomainNotFound:          http.StatusNotFound,
	domain.CodeDomainExists:            http.StatusConflict,
	domain.CodeDomainTaken:             http.StatusConflict,
	domain.CodeMemberNotFound:          http.StatusNotFound,
	domain.CodeLastOwner:               http.StatusConflict,
	domain.CodeInviteNotFound:          http.StatusNotFound,
	domain.CodeInviteExpired:           http.StatusGone,
	domain.CodeInviteDisabled:          http.StatusGone,
	domain.CodeInviteExhausted:         http.StatusGone,
	domain.CodeInvitationNotFound:      http.StatusNotFound,
	domain.CodeWebhookEndpointNotFound: http.StatusNotFound,
	domain.CodeWebhookDeliveryNotFound: http.StatusNotFound,
	domain.CodeInvitationExists:        http.StatusConflict,
	domain.CodeInvitationExpired:       http.StatusGone,
	domain.CodeInvitationRevoked:       http.StatusGone,
	domain.CodeInvitationAccepted:      http.StatusGone,
	domain.CodeInvitationMismatch:      http.StatusForbidden,
	domain.CodeVaultUnavailable:        http.StatusServiceUnavailable,
	domain.CodeMethodNotAllowed:        http.StatusMethodNotAllowed,
	domain.CodeSlugTaken:               http.StatusConflict,
	domain.CodeUserAlreadyConnected:    http.StatusConflict,
	domain.CodeEmailTaken:              http.StatusConflict,
	domain.CodePayloadTooLarge:         http.StatusRequestEntityTooLarge,
	domain.CodeUnsupportedMedia:        http.StatusUnsupportedMediaType,
	domain.CodeRateLimited:             http.StatusTooManyRequests,
	domain.CodeUnavailable:             http.StatusServiceUnavailable,
	domain.CodeInternal:                http.StatusInternalServerError,
}

// unavailableRetryAfter is the Retry-After of a 503 whose error does not say otherwise.
const unavailableRetryAfter = time.Second

type errorBody struct {
	Code    domain.Code         `json:"code"`
	Message string              `json:"message"`
	Details []domain.FieldError `json:"details,omitempty"`
}

// WriteError answers err in orgkit's error envelope with the status of its code, for a
// host's own handlers: a domain error keeps its code and message, anything else is a logged
// 500 internal_error whose message the client never sees.
func WriteError(c *gin.Context, err error) { writeError(c, err) }

// writeError answers err in orgkit's error envelope. Errors without a domain code are answered
// as internal_error, never with their own message; every 5xx is logged with the request id
// and its cause.
func writeError(c *gin.Context, err error) {
	status, body := describe(err)
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeInternal && de.Quota != nil {
		setQuotaHeaders(c, *de.Quota)
	}
	if status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		// Every 503 is transient (a busy database, a slow Redis, a draining replica): say when
		// to retry, unless the error already did (a refused quota).
		c.Header("Retry-After", strconv.Itoa(ceilSeconds(unavailableRetryAfter)))
	}
	if status >= 500 {
		logger(c).ErrorContext(c.Request.Context(), "request failed", slog.String("request_id", requestID(c)),
			slog.String("code", string(body.Code)), slog.Any("error", err))
	}
	c.AbortWithStatusJSON(status, gin.H{"error": body})
}

// Describe is how the API answers err: the HTTP status of its code and the message a
// client may see (an error without a domain code is 500 "unexpected server error", never its
// own text). Other front ends over the same use cases (the admin portal) show errors with it,
// so there is one error table.
func Describe(err error) (status int, message string) {
	status, body := describe(err)
	return status, body.Message
}

func describe(err error) (int, errorBody) {
	body := errorBody{Code: domain.CodeInternal, Message: "unexpected server error"}
	var de *domain.Error
	if errors.As(err, &de) && de.Code != domain.CodeInternal {
		body = errorBody{Code: de.Code, Message: de.Message, Details: de.Details}
	}
	status, ok := statusByCode[body.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return status, body
}

// setQuotaHeaders writes the RateLimit-* headers, and Retry-After on a refusal.
func setQuotaHeaders(c *gin.Context, q domain.Quota) {
	c.Header("RateLimit-Limit", strconv.Itoa(q.Limit))
	c.Header("RateLimit-Remaining", strconv.Itoa(q.Remaining))
	c.Header("RateLimit-Reset", strconv.Itoa(ceilSeconds(q.Reset)))
	if !q.Allowed {
		c.Header("Retry-After", strconv.Itoa(max(1, ceilSeconds(q.RetryAfter))))
	}
}

func ceilSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
