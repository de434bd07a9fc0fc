// Package reqctx holds a request's $context: the one record that access logs, Lambda events,
// mapping templates and metrics all read, so that they can never disagree about a request.
package reqctx

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Identity is $context.identity.
type Identity struct {
	SourceIP  string
	UserAgent string
	APIKey    string
	APIKeyID  string
	Caller    string
	User      string
	UserARN   string
	AccountID string
	// The remaining fields are filled by IAM (SigV4) and Cognito-identity callers; events report
	// each as null while it is empty.
	AccessKey                     string
	PrincipalOrgID                string
	CognitoIdentityID             string
	CognitoIdentityPoolID         string
	CognitoAuthenticationType     string
	CognitoAuthenticationProvider string
}

// Error is $context.error, filled when a gateway response is rendered.
type Error struct {
	Message      string
	ResponseType string
	// MessageString is $context.error.messageString exactly as AWS renders it: the JSON-quoted
	// message, which for integration failures carries a leading space (` "Endpoint request timed
	// out"`). Empty means "quote Message".
	MessageString         string
	ValidationErrorString string
}

// Authorizer is $context.authorizer: what the route's authorizer established about the caller.
// Kind says which fields are meaningful, so that events can give each authorizer AWS's shape.
type Authorizer struct {
	Kind AuthorizerKind
	// PrincipalID is a Lambda authorizer's principalId (REST: also a Cognito token's sub).
	PrincipalID string
	// Context is a Lambda authorizer's context object, values as the function returned them
	// (strings, json.Number, bools); nil when none.
	Context map[string]any
	// Claims are a JWT or Cognito token's claims as signed (JSON's types).
	Claims map[string]any
	// Scopes are a JWT's scopes; nil when the token has none.
	Scopes []string
	// Error is $context.authorizer.error: why authorization failed.
	Error string
	// Status, Latency and IntegrationLatency report the Lambda authorizer's call.
	Status             int
	Latency            time.Duration
	IntegrationLatency time.Duration
	// UsageIdentifierKey is the API key a Lambda authorizer returned (apiKeySource AUTHORIZER).
	UsageIdentifierKey string
}

// AuthorizerKind is the kind of authorizer that ran.
type AuthorizerKind uint8

const (
	AuthorizerNone AuthorizerKind = iota
	AuthorizerLambda
	AuthorizerJWT     // HTTP API JWT
	AuthorizerCognito // REST COGNITO_USER_POOLS
	AuthorizerIAM
)

// Context is a request's $context. It is pooled: take one with Acquire and return it with
// Release once the access log and metrics have read it.
type Context struct {
	RequestID         string
	ExtendedRequestID string
	APIID             string
	AccountID         string
	Stage             string
	ResourcePath      string // REST resource template, e.g. /pets/{id}
	ResourceID        string
	RouteKey          string // HTTP API route key, e.g. "GET /pets/{id}"
	HTTPMethod        string
	Path              string // as AWS reports it: the request path including the stage
	Protocol          string // HTTP/1.1
	DomainName        string
	DomainPrefix      string
	// OperationName is the method's operationName (REST), reported in Lambda events when set.
	OperationName string
	// DeploymentID is $context.deploymentId. Nothing models deployments yet, so the first
	// component that reports it (the Lambda proxy) derives a stable one and stores it here, where
	// the access log sees the same value.
	DeploymentID string
	// TraceID is the X-Amzn-Trace-Id header value AWS attaches to the request ("Root=1-…"), set
	// by the first component that forwards it so that the event, the function's runtime and the
	// response all carry one id.
	TraceID string

	Identity Identity

	Authorizer Authorizer

	RequestTime time.Time

	// StageVariables is shared, read-only data of the compiled stage.
	StageVariables map[string]string

	Status             int
	ResponseLength     int64
	IntegrationStatus  int
	IntegrationLatency time.Duration
	ResponseLatency    time.Duration
	IntegrationError   string

	Error Error
}

var pool = sync.Pool{New: func() any { return new(Context) }}

// Acquire returns a zeroed Context from the pool.
func Acquire() *Context { return pool.Get().(*Context) }

// Release zeroes c and returns it to the pool; c must not be used afterwards.
func Release(c *Context) {
	*c = Context{}
	pool.Put(c)
}

// RequestTimeString is $context.requestTime in AWS's CLF form: 09/Apr/2015:12:34:56 +0000.
func (c *Context) RequestTimeString() string {
	return c.RequestTime.UTC().Format("02/Jan/2006:15:04:05 -0700")
}

// RequestTimeEpoch is $context.requestTimeEpoch in milliseconds.
func (c *Context) RequestTimeEpoch() int64 { return c.RequestTime.UnixMilli() }

// Lookup returns the value of a $context variable named without the "$context." prefix, e.g.
// "requestId" or "identity.sourceIp". ok is false for names genkan does not know; a known
// variable with no value yields "" and ok true (AWS logs such values as "-").
func (c *Context) Lookup(name string) (value string, ok bool) {
	switch name {
	case "requestId":
		return c.RequestID, true
	case "extendedRequestId":
		return c.ExtendedRequestID, true
	case "apiId":
		return c.APIID, true
	case "accountId":
		return c.AccountID, true
	case "stage":
		return c.Stage, true
	case "resourcePath":
		return c.ResourcePath, true
	case "resourceId":
		return c.ResourceID, true
	case "routeKey":
		return c.RouteKey, true
	case "httpMethod":
		return c.HTTPMethod, true
	case "path":
		return c.Path, true
	case "protocol":
		return c.Protocol, true
	case "domainName":
		return c.DomainName, true
	case "domainPrefix":
		return c.DomainPrefix, true
	case "identity.sourceIp":
		return c.Identity.SourceIP, true
	case "identity.userAgent":
		return c.Identity.UserAgent, true
	case "identity.apiKey":
		return c.Identity.APIKey, true
	case "identity.apiKeyId":
		return c.Identity.APIKeyID, true
	case "identity.caller":
		return c.Identity.Caller, true
	case "identity.user":
		return c.Identity.User, true
	case "identity.userArn":
		return c.Identity.UserARN, true
	case "identity.accountId":
		return c.Identity.AccountID, true
	case "requestTime":
		return c.RequestTimeString(), true
	case "requestTimeEpoch":
		return strconv.FormatInt(c.RequestTimeEpoch(), 10), true
	case "status":
		return itoaOrEmpty(c.Status), true
	case "responseLength":
		return strconv.FormatInt(c.ResponseLength, 10), true
	case "responseLatency":
		return strconv.FormatInt(c.ResponseLatency.Milliseconds(), 10), true
	case "integrationLatency", "integration.latency":
		if c.IntegrationStatus == 0 && c.IntegrationLatency == 0 {
			return "", true
		}
		return strconv.FormatInt(c.IntegrationLatency.Milliseconds(), 10), true
	case "integrationStatus", "integration.status", "integration.integrationStatus":
		return itoaOrEmpty(c.IntegrationStatus), true
	case "integration.error", "integrationErrorMessage":
		return c.IntegrationError, true
	case "error.message":
		return c.Error.Message, true
	case "error.messageString":
		if c.Error.MessageString != "" || c.Error.Message == "" {
			// No error: empty, so access logs print "-" rather than a quoted nothing.
			return c.Error.MessageString, true
		}
		b, _ := json.Marshal(c.Error.Message) // JSON quoting, as the value lands in JSON bodies
		return string(b), true
	case "error.responseType":
		return c.Error.ResponseType, true
	case "error.validationErrorString":
		return c.Error.ValidationErrorString, true
	}
	if rest, ok := strings.CutPrefix(name, "authorizer."); ok {
		return c.authorizerValue(rest)
	}
	return "", false
}

// authorizerValue is $context.authorizer.*: the fixed names, then claims (claims.sub, and
// HTTP APIs' jwt.claims.sub) and a Lambda authorizer's context keys.
func (c *Context) authorizerValue(name string) (string, bool) {
	a := &c.Authorizer
	switch name {
	case "principalId":
		return a.PrincipalID, true
	case "error":
		return a.Error, true
	case "status":
		return itoaOrEmpty(a.Status), true
	case "latency":
		if a.Kind != AuthorizerLambda {
			return "", true
		}
		return strconv.FormatInt(a.Latency.Milliseconds(), 10), true
	case "integrationLatency":
		if a.Kind != AuthorizerLambda {
			return "", true
		}
		return strconv.FormatInt(a.IntegrationLatency.Milliseconds(), 10), true
	case "integrationStatus":
		return itoaOrEmpty(a.Status), true
	case "jwt.scopes", "scopes":
		return strings.Join(a.Scopes, " "), true
	}
	if claim, ok := strings.CutPrefix(name, "claims."); ok {
		return Stringify(a.Claims[claim]), true
	}
	if claim, ok := strings.CutPrefix(name, "jwt.claims."); ok {
		return Stringify(a.Claims[claim]), true
	}
	if v, ok := a.Context[name]; ok {
		return Stringify(v), true
	}
	// Any other authorizer.* name is a context key the authorizer did not return: AWS
	// substitutes nothing rather than rejecting the format.
	return "", true
}

// Stringify renders a JSON value as API Gateway does in $context substitutions and in
// REST events' authorizer context: strings as they are, numbers and booleans as JSON, and
// objects and arrays as JSON text.
func Stringify(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// AppendValue appends what Lookup(name) returns to dst. It exists so that access logs can
// format every line without allocating: the numeric and time variables, which Lookup has to
// turn into new strings, are appended in place; every other name defers to Lookup.
func (c *Context) AppendValue(dst []byte, name string) ([]byte, bool) {
	switch name {
	case "requestTime":
		return c.RequestTime.UTC().AppendFormat(dst, "02/Jan/2006:15:04:05 -0700"), true
	case "requestTimeEpoch":
		return strconv.AppendInt(dst, c.RequestTimeEpoch(), 10), true
	case "status":
		return appendIntOrEmpty(dst, c.Status), true
	case "responseLength":
		return strconv.AppendInt(dst, c.ResponseLength, 10), true
	case "responseLatency":
		return strconv.AppendInt(dst, c.ResponseLatency.Milliseconds(), 10), true
	case "integrationLatency", "integration.latency":
		if c.IntegrationStatus == 0 && c.IntegrationLatency == 0 {
			return dst, true
		}
		return strconv.AppendInt(dst, c.IntegrationLatency.Milliseconds(), 10), true
	case "integrationStatus", "integration.status", "integration.integrationStatus":
		return appendIntOrEmpty(dst, c.IntegrationStatus), true
	}
	v, ok := c.Lookup(name)
	return append(dst, v...), ok
}

func appendIntOrEmpty(dst []byte, n int) []byte {
	if n == 0 {
		return dst
	}
	return strconv.AppendInt(dst, int64(n), 10)
}

func itoaOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
