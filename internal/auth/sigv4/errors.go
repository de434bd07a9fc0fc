package sigv4

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Gateway response types (the apierr.Type values) that sigv4 errors map to. They are spelled
// out here so that this package stays a leaf; the edge converts with apierr.Type(e.Response).
const (
	ResponseMissingAuthenticationToken = "MISSING_AUTHENTICATION_TOKEN"
	ResponseInvalidSignature           = "INVALID_SIGNATURE"
	ResponseExpiredToken               = "EXPIRED_TOKEN"
	ResponseDefault4XX                 = "DEFAULT_4XX"
	ResponseDefault5XX                 = "DEFAULT_5XX"
)

// x-amzn-ErrorType values of API Gateway's SigV4 failures.
const (
	MissingAuthenticationTokenException = "MissingAuthenticationTokenException"
	IncompleteSignatureException        = "IncompleteSignatureException"
	InvalidSignatureException           = "InvalidSignatureException"
	UnrecognizedClientException         = "UnrecognizedClientException"
	ExpiredTokenException               = "ExpiredTokenException"
	InternalServerErrorException        = "InternalServerErrorException"
)

// Error is a failed verification, carrying what the edge renders: the gateway response type
// (whose customization applies), the status, x-amzn-ErrorType and $context.error.message.
//
// The messages are AWS's. API Gateway answers through the same front end as other AWS JSON
// services, so where no API Gateway capture exists the wording comes from captures of that
// front end (dynalite's DynamoDB-recorded messages, scratchstack-aws-signature's tests),
// with API Gateway's status, 403, for every authentication failure (aws/chalice#828 for
// IncompleteSignatureException). Captures from API Gateway itself: mhart/aws4#33 (signature
// mismatch body), hashnode/kouhan posts (Signature expired, InvalidSignatureException),
// Kong/insomnia#830 and zenn.dev (credential scope), serverless/examples and chalice issues
// (missing Credential/Signature/SignedHeaders/date), AWS re:Post knowledge center (unknown
// key: "The security token included in the request is invalid.").
type Error struct {
	// Response is the gateway response type (one of the Response* constants).
	Response string
	// Status is the HTTP status, 403 for every client error.
	Status int
	// ErrorType is the x-amzn-ErrorType header of REST APIs.
	ErrorType string
	// Message is the body's message.
	Message string
	// Cause is an underlying error, for logs only (a CredentialLookup failure).
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return "sigv4: " + e.ErrorType + ": " + e.Message + ": " + e.Cause.Error()
	}
	return "sigv4: " + e.ErrorType + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// AsError returns err as an *Error (nil when it is not one).
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func errMissingToken() *Error {
	return &Error{Response: ResponseMissingAuthenticationToken, Status: http.StatusForbidden,
		ErrorType: MissingAuthenticationTokenException, Message: "Missing Authentication Token"}
}

// errIncomplete: a malformed Authorization header or presigned query. API Gateway has no
// dedicated gateway response for it; it is a DEFAULT_4XX with status 403 (see apierr).
func errIncomplete(msg string) *Error {
	return &Error{Response: ResponseDefault4XX, Status: http.StatusForbidden, ErrorType: IncompleteSignatureException, Message: msg}
}

func errInvalid(msg string) *Error {
	return &Error{Response: ResponseInvalidSignature, Status: http.StatusForbidden, ErrorType: InvalidSignatureException, Message: msg}
}

func errUnrecognizedClient(cause error) *Error {
	return &Error{Response: ResponseDefault4XX, Status: http.StatusForbidden, ErrorType: UnrecognizedClientException,
		Message: "The security token included in the request is invalid.", Cause: cause}
}

func errExpiredToken(cause error) *Error {
	return &Error{Response: ResponseExpiredToken, Status: http.StatusForbidden, ErrorType: ExpiredTokenException,
		Message: "The security token included in the request is expired", Cause: cause}
}

func errInternal(cause error) *Error {
	return &Error{Response: ResponseDefault5XX, Status: http.StatusInternalServerError,
		ErrorType: InternalServerErrorException, Message: "Internal server error", Cause: cause}
}

const msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. " +
	"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// errMismatch is AWS's mismatch message, which shows the canonical request and string to sign
// it expected (verbatim in mhart/aws4#33 for execute-api).
func errMismatch(canonical, stringToSign string) *Error {
	return errInvalid(msgSignatureMismatch + "\n\nThe Canonical String for this request should have been\n'" +
		canonical + "'\n\nThe String-to-Sign should have been\n'" + stringToSign + "'\n")
}

func errMissingEqualSign(pair, header string) *Error {
	return errIncomplete(fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", pair, header))
}

func errBadDate(value string) *Error {
	return errIncomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", value))
}

const amzDateFormat = "20060102T150405Z"

// errExpired: "Signature expired: 20170517T062414Z is now earlier than 20170517T062840Z
// (20170517T063340Z - 5 min.)".
func errExpired(signed, now time.Time, window time.Duration) *Error {
	return errInvalid(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
		signed.Format(amzDateFormat), now.Add(-window).Format(amzDateFormat), now.Format(amzDateFormat), durationText(window)))
}

// errNotYetCurrent: "Signature not yet current: 20181120T211543Z is still later than
// 20181120T211529Z (20181120T211029Z + 5 min.)" (serverless/enterprise#11).
func errNotYetCurrent(signed, now time.Time, window time.Duration) *Error {
	return errInvalid(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
		signed.Format(amzDateFormat), now.Add(window).Format(amzDateFormat), now.Format(amzDateFormat), durationText(window)))
}

func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return fmt.Sprintf("%d sec", d/time.Second)
}

// missingParamsMessage lists what an Authorization header lacks, in AWS's order, followed by
// the header itself: "Authorization header requires 'Credential' parameter. ...
// Authorization=<header>".
func missingParamsMessage(a *Authorization, hasDate bool, header string) string {
	var b strings.Builder
	for _, p := range []struct{ name, value string }{
		{"Credential", a.Credential}, {"Signature", a.Signature}, {"SignedHeaders", a.SignedHeaders},
	} {
		if p.value == "" {
			b.WriteString("Authorization header requires '" + p.name + "' parameter. ")
		}
	}
	if !hasDate {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	if b.Len() == 0 {
		return ""
	}
	b.WriteString("Authorization=" + header)
	return b.String()
}
