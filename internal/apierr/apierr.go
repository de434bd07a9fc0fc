// Package apierr names API Gateway's gateway responses and carries them from wherever a request
// fails to the edge, which renders each one exactly once with AWS's status, headers and body.
package apierr

import (
	"errors"
	"net/http"
)

// Type is a gateway response type, as API Gateway names them.
type Type string

const (
	AccessDenied                 Type = "ACCESS_DENIED"
	APIConfigurationError        Type = "API_CONFIGURATION_ERROR"
	AuthorizerConfigurationError Type = "AUTHORIZER_CONFIGURATION_ERROR"
	AuthorizerFailure            Type = "AUTHORIZER_FAILURE"
	BadRequestParameters         Type = "BAD_REQUEST_PARAMETERS"
	BadRequestBody               Type = "BAD_REQUEST_BODY"
	Default4XX                   Type = "DEFAULT_4XX"
	Default5XX                   Type = "DEFAULT_5XX"
	ExpiredToken                 Type = "EXPIRED_TOKEN"
	IntegrationFailure           Type = "INTEGRATION_FAILURE"
	IntegrationTimeout           Type = "INTEGRATION_TIMEOUT"
	InvalidAPIKey                Type = "INVALID_API_KEY"
	InvalidSignature             Type = "INVALID_SIGNATURE"
	MissingAuthenticationToken   Type = "MISSING_AUTHENTICATION_TOKEN"
	QuotaExceeded                Type = "QUOTA_EXCEEDED"
	RequestTooLarge              Type = "REQUEST_TOO_LARGE"
	ResourceNotFound             Type = "RESOURCE_NOT_FOUND"
	Throttled                    Type = "THROTTLED"
	Unauthorized                 Type = "UNAUTHORIZED"
	UnsupportedMediaType         Type = "UNSUPPORTED_MEDIA_TYPE"
	WAFFiltered                  Type = "WAF_FILTERED"
)

// Error is a request failure that becomes a gateway response.
type Error struct {
	Type Type
	// Message is $context.error.message; empty means the type's default message.
	Message string
	// Status overrides the type's default status (e.g. 502 for a malformed Lambda response,
	// which AWS sends as a DEFAULT_5XX with its own status); 0 keeps the default.
	Status int
	// ErrorType overrides the x-amzn-ErrorType header of REST APIs, for failures AWS reports
	// under a generic type with a specific exception name (a malformed SigV4 Authorization
	// header is a DEFAULT_4XX with status 403 and IncompleteSignatureException).
	ErrorType string
	// Header holds headers AWS adds to this particular failure, such as the WWW-Authenticate
	// challenge of an HTTP API JWT authorizer's 401. The API's responseParameters still win.
	Header http.Header
	// Cause is the underlying error, for logs only; never shown to clients.
	Cause error
}

// New returns an Error of type t with a client-visible message ("" for the default).
func New(t Type, message string) *Error { return &Error{Type: t, Message: message} }

// Wrap is New with an underlying cause kept for the logs.
func Wrap(t Type, message string, cause error) *Error {
	return &Error{Type: t, Message: message, Cause: cause}
}

// WithStatus returns a copy of e answering with status.
func (e *Error) WithStatus(status int) *Error {
	c := *e
	c.Status = status
	return &c
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = string(e.Type)
	}
	if e.Cause != nil {
		return msg + ": " + e.Cause.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Cause }

// As returns err as an *Error, or an INTEGRATION_FAILURE wrapping it when err is something else.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(IntegrationFailure, "", err)
}
