// Package domain holds orgkit's entities, value objects, invariants, role policy and typed
// errors. It imports only the standard library so every other layer can depend on it.
package domain

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. It is part of the public API: the HTTP
// adapter maps each code to a status in one table and clients switch on it.
type Code string

// The error codes of the API.
const (
	CodeValidation              Code = "validation_error"
	CodeUnauthorized            Code = "unauthorized"
	CodeForbidden               Code = "forbidden"
	CodeNotFound                Code = "not_found"
	CodeOrganizationNotFound    Code = "organization_not_found"
	CodeUserNotFound            Code = "user_not_found"
	CodeAPIKeyNotFound          Code = "api_key_not_found"
	CodeDomainNotFound          Code = "domain_not_found"
	CodeDomainExists            Code = "domain_exists"
	CodeDomainTaken             Code = "domain_taken"
	CodeMemberNotFound          Code = "member_not_found"
	CodeLastOwner               Code = "last_owner"
	CodeInviteNotFound          Code = "invite_not_found"
	CodeInviteExpired           Code = "invite_expired"
	CodeInviteDisabled          Code = "invite_disabled"
	CodeInviteExhausted         Code = "invite_exhausted"
	CodeInvitationNotFound      Code = "invitation_not_found"
	CodeInvitationExists        Code = "invitation_exists"
	CodeInvitationExpired       Code = "invitation_expired"
	CodeInvitationRevoked       Code = "invitation_revoked"
	CodeInvitationAccepted      Code = "invitation_accepted"
	CodeInvitationMismatch      Code = "invitation_email_mismatch"
	CodeVaultUnavailable        Code = "vault_unavailable"
	CodeSlugTaken               Code = "slug_taken"
	CodeUserAlreadyConnected    Code = "user_already_connected"
	CodeEmailTaken              Code = "email_taken"
	CodeWebhookEndpointNotFound Code = "webhook_endpoint_not_found"
	CodeWebhookDeliveryNotFound Code = "webhook_delivery_not_found"
	CodeRateLimited             Code = "rate_limited"
	CodePayloadTooLarge         Code = "payload_too_large"
	CodeUnsupportedMedia        Code = "unsupported_media_type"
	CodeMethodNotAllowed        Code = "method_not_allowed"
	CodeUnavailable             Code = "service_unavailable"
	CodeInternal                Code = "internal_error"
)

// FieldError names one invalid input field and why it is invalid.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of orgkit. Errors compare equal under errors.Is when their
// codes match, so callers test `errors.Is(err, domain.ErrSlugTaken)` whatever the message.
type Error struct {
	Code    Code
	Message string // safe to show to the client
	Details []FieldError
	Cause   error  // for the log only; never shown to the client
	Quota   *Quota // set on rate_limited
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Code, e.Message)
	if len(e.Details) > 0 {
		s += fmt.Sprintf(" %v", e.Details)
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.Cause }

// Is reports whether target is a *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels for errors.Is; their messages are the defaults answered to clients.
var (
	ErrUnauthorized            = &Error{Code: CodeUnauthorized, Message: "missing or invalid auth token"}
	ErrForbidden               = &Error{Code: CodeForbidden, Message: "insufficient permissions"}
	ErrOrganizationNotFound    = &Error{Code: CodeOrganizationNotFound, Message: "organization not found"}
	ErrUserNotFound            = &Error{Code: CodeUserNotFound, Message: "user not found"}
	ErrSlugTaken               = &Error{Code: CodeSlugTaken, Message: "an organization with this slug already exists"}
	ErrUserAlreadyConnected    = &Error{Code: CodeUserAlreadyConnected, Message: "user already belongs to this organization"}
	ErrEmailTaken              = &Error{Code: CodeEmailTaken, Message: "another user already has this email"}
	ErrAPIKeyNotFound          = &Error{Code: CodeAPIKeyNotFound, Message: "api key not found"}
	ErrDomainNotFound          = &Error{Code: CodeDomainNotFound, Message: "domain not found"}
	ErrDomainExists            = &Error{Code: CodeDomainExists, Message: "this organization has already added this domain"}
	ErrDomainTaken             = &Error{Code: CodeDomainTaken, Message: "another organization has verified this domain"}
	ErrMemberNotFound          = &Error{Code: CodeMemberNotFound, Message: "the user is not a member of this organization"}
	ErrLastOwner               = &Error{Code: CodeLastOwner, Message: "an organization must keep at least one owner"}
	ErrInviteNotFound          = &Error{Code: CodeInviteNotFound, Message: "invite not found"}
	ErrInviteExpired           = &Error{Code: CodeInviteExpired, Message: "this invite has expired"}
	ErrInviteDisabled          = &Error{Code: CodeInviteDisabled, Message: "this invite has been disabled"}
	ErrInviteExhausted         = &Error{Code: CodeInviteExhausted, Message: "this invite has been used as many times as it allows"}
	ErrInvitationNotFound      = &Error{Code: CodeInvitationNotFound, Message: "invitation not found"}
	ErrInvitationExists        = &Error{Code: CodeInvitationExists, Message: "this address has a pending invitation already: resend it instead"}
	ErrInvitationExpired       = &Error{Code: CodeInvitationExpired, Message: "this invitation has expired"}
	ErrInvitationRevoked       = &Error{Code: CodeInvitationRevoked, Message: "this invitation has been revoked"}
	ErrInvitationAccepted      = &Error{Code: CodeInvitationAccepted, Message: "this invitation has been accepted already"}
	ErrInvitationMismatch      = &Error{Code: CodeInvitationMismatch, Message: "this invitation was sent to another address: sign in with the invited, verified email"}
	ErrVaultUnavailable        = &Error{Code: CodeVaultUnavailable, Message: "the API-key vault is not configured: set ORGKIT_VAULT_KEYS"}
	ErrWebhookEndpointNotFound = &Error{Code: CodeWebhookEndpointNotFound, Message: "webhook endpoint not found"}
	ErrWebhookDeliveryNotFound = &Error{Code: CodeWebhookDeliveryNotFound, Message: "webhook delivery not found"}
	ErrBlobNotFound            = &Error{Code: CodeNotFound, Message: "blob not found"}
)

// CodeOf returns the code of err, or CodeInternal when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// Validation collects field errors; Err returns nil when none were added, so validators
// report every bad field at once instead of the first.
type Validation struct{ fields []FieldError }

// Add records that field is invalid. Only a field's first problem is kept: one field, one
// message.
func (v *Validation) Add(field, format string, args ...any) {
	for _, f := range v.fields {
		if f.Field == field {
			return
		}
	}
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Merge appends the details of err when it is a validation error and returns false otherwise.
func (v *Validation) Merge(err error) bool {
	var e *Error
	if errors.As(err, &e) && e.Code == CodeValidation {
		v.fields = append(v.fields, e.Details...)
		return true
	}
	return false
}

// Err returns the collected validation error, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: CodeValidation, Message: "input validation failed", Details: v.fields}
}

// InvalidField is a validation error for a single field.
func InvalidField(field, format string, args ...any) error {
	var v Validation
	v.Add(field, format, args...)
	return v.Err()
}

// RateLimited is the error of a refused event, carrying the quota for Retry-After headers.
func RateLimited(q Quota) *Error {
	return &Error{Code: CodeRateLimited, Message: "too many requests, retry later", Quota: &q}
}

// Unavailable is a service_unavailable error with its cause kept for the log.
func Unavailable(message string, cause error) *Error {
	return &Error{Code: CodeUnavailable, Message: message, Cause: cause}
}
