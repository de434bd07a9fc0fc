package apimodel

import "time"

// Access control: authorizers, per-route authorization, API keys and usage plans, IAM access
// keys for SigV4 callers, resource policies and CORS. Importers resolve every default (SAM's
// DefaultAuthorizer, OpenAPI's global security) into each Route's Auth, so that compile never
// has to know which input format a route came from.

// AuthorizerType is the authorizer's kind as API Gateway names it.
type AuthorizerType string

const (
	// AuthorizerToken is a REST Lambda authorizer that receives one header's value.
	AuthorizerToken AuthorizerType = "TOKEN"
	// AuthorizerRequest is a Lambda authorizer (REST or HTTP API) that receives the request's
	// identity sources.
	AuthorizerRequest AuthorizerType = "REQUEST"
	// AuthorizerCognito is a REST authorizer verifying Cognito user-pool tokens.
	AuthorizerCognito AuthorizerType = "COGNITO_USER_POOLS"
	// AuthorizerJWT is an HTTP API authorizer verifying JWTs from an OIDC issuer.
	AuthorizerJWT AuthorizerType = "JWT"
)

// DefaultAuthorizerTTL is the Lambda authorizer result cache TTL AWS uses when none is given,
// in seconds; MaxAuthorizerTTL is the largest it accepts.
const (
	DefaultAuthorizerTTL = 300
	MaxAuthorizerTTL     = 3600
)

// Authorizer is one API's authorizer, referenced by name from routes.
type Authorizer struct {
	Name string         `json:"name"`
	Type AuthorizerType `json:"type"`
	// FunctionURI names a Lambda authorizer's function: an integration URI
	// (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations), a
	// function ARN or a function name.
	FunctionURI string `json:"functionUri,omitempty"`
	// IdentitySources are REST's method.request.header.X / method.request.querystring.X /
	// stageVariables.X / context.X, or HTTP API's $request.header.X / $request.querystring.X /
	// $stageVariables.X / $context.X. A TOKEN authorizer has exactly one header; a JWT
	// authorizer one source holding the token (default $request.header.Authorization).
	IdentitySources []string `json:"identitySources,omitempty"`
	// IdentityValidationExpression is a TOKEN authorizer's regular expression the token must
	// match before the function is invoked.
	IdentityValidationExpression string `json:"identityValidationExpression,omitempty"`
	// ResultTTLSeconds caches Lambda authorizer results; nil means DefaultAuthorizerTTL, 0 turns
	// caching off.
	ResultTTLSeconds *int `json:"resultTtlSeconds,omitempty"`
	// PayloadFormatVersion is an HTTP API Lambda authorizer's 1.0 or 2.0.
	PayloadFormatVersion string `json:"payloadFormatVersion,omitempty"`
	// EnableSimpleResponses lets an HTTP API 2.0 Lambda authorizer answer {"isAuthorized": …}.
	EnableSimpleResponses bool `json:"enableSimpleResponses,omitempty"`

	// Issuer and Audience configure a JWT authorizer.
	Issuer   string   `json:"issuer,omitempty"`
	Audience []string `json:"audience,omitempty"`
	// JWKSURL skips OIDC discovery (a genkan extension for identity providers without it).
	JWKSURL string `json:"jwksUrl,omitempty"`

	// ProviderARNs are a Cognito authorizer's user pool ARNs.
	ProviderARNs []string `json:"providerArns,omitempty"`
	// CognitoIssuer replaces the issuer derived from the pool ARN, for a local Cognito
	// emulator (a genkan extension).
	CognitoIssuer string `json:"cognitoIssuer,omitempty"`

	Pos Position `json:"pos"`
}

// TTL returns the result cache TTL in seconds, with AWS's default applied.
func (a *Authorizer) TTL() int {
	if a.ResultTTLSeconds == nil {
		return DefaultAuthorizerTTL
	}
	return *a.ResultTTLSeconds
}

// AuthorizationType is a route's authorizationType.
type AuthorizationType string

const (
	AuthNone    AuthorizationType = "NONE"
	AuthIAM     AuthorizationType = "AWS_IAM"
	AuthCustom  AuthorizationType = "CUSTOM" // a Lambda authorizer
	AuthCognito AuthorizationType = "COGNITO_USER_POOLS"
	AuthJWT     AuthorizationType = "JWT"
)

// RouteAuth is how one route is protected. A nil *RouteAuth is NONE without an API key.
type RouteAuth struct {
	Type AuthorizationType `json:"type"`
	// Authorizer names one of the API's Authorizers (CUSTOM, COGNITO_USER_POOLS, JWT).
	Authorizer string `json:"authorizer,omitempty"`
	// Scopes are the route's authorizationScopes (JWT; Cognito with access tokens).
	Scopes []string `json:"scopes,omitempty"`
	// APIKeyRequired makes a REST method require an API key bound to the stage by a usage
	// plan.
	APIKeyRequired bool     `json:"apiKeyRequired,omitempty"`
	Pos            Position `json:"pos"`
}

// API key sources (REST apiKeySource).
const (
	APIKeySourceHeader     = "HEADER"
	APIKeySourceAuthorizer = "AUTHORIZER"
)

// CORS is an HTTP API's corsConfiguration.
type CORS struct {
	AllowOrigins     []string `json:"allowOrigins,omitempty"`
	AllowMethods     []string `json:"allowMethods,omitempty"`
	AllowHeaders     []string `json:"allowHeaders,omitempty"`
	ExposeHeaders    []string `json:"exposeHeaders,omitempty"`
	AllowCredentials bool     `json:"allowCredentials,omitempty"`
	// MaxAge is Access-Control-Max-Age in seconds; nil sends none, -1 disables caching.
	MaxAge *int     `json:"maxAge,omitempty"`
	Pos    Position `json:"pos"`
}

// APIKey is an API key declared in configuration. Keys created through the admin API live in
// the state directory instead.
type APIKey struct {
	Name string `json:"name"`
	// ID is the key's id (AWS: 10 lower-case alphanumerics); empty means derived from Name.
	ID string `json:"id,omitempty"`
	// Value is the secret; empty means generated on first start and kept in the state
	// directory. Configuration may take it from the environment (${env:NAME}).
	Value       string `json:"-"`
	Description string `json:"description,omitempty"`
	Disabled    bool   `json:"disabled,omitempty"`
	// Plans name the usage plans (by Name or ID) the key belongs to.
	Plans []string `json:"plans,omitempty"`
	Pos   Position `json:"pos"`
}

// UsagePlan binds API keys to API stages with a throttle and a quota.
type UsagePlan struct {
	Name string `json:"name"`
	// ID is the plan's id; empty means derived from Name.
	ID          string            `json:"id,omitempty"`
	Description string            `json:"description,omitempty"`
	Stages      []*UsagePlanStage `json:"stages"`
	Throttle    *Throttle         `json:"throttle,omitempty"`
	Quota       *Quota            `json:"quota,omitempty"`
	Pos         Position          `json:"pos"`
}

// UsagePlanStage is one API stage a usage plan covers.
type UsagePlanStage struct {
	APIID string `json:"apiId"`
	Stage string `json:"stage"`
	// Throttle overrides the plan's throttle per method, keyed "/{resource path}/{METHOD}"
	// as AWS writes it ("/pets/GET", "/*/*").
	Throttle map[string]*Throttle `json:"throttle,omitempty"`
	Pos      Position             `json:"pos"`
}

// Throttle is a token bucket: RateLimit requests per second refilling BurstLimit tokens.
type Throttle struct {
	RateLimit  float64 `json:"rateLimit"`
	BurstLimit int     `json:"burstLimit"`
}

// Quota periods.
const (
	QuotaDay   = "DAY"
	QuotaWeek  = "WEEK"
	QuotaMonth = "MONTH"
)

// Quota caps requests per period; Offset shifts the period's start (days into a week or
// month, 0 for DAY).
type Quota struct {
	Limit  int    `json:"limit"`
	Period string `json:"period"`
	Offset int    `json:"offset,omitempty"`
}

// AccessKey is an IAM credential genkan accepts on AWS_IAM routes (SigV4).
type AccessKey struct {
	// ID is the access key id (AKIA…), Secret its secret access key.
	ID     string `json:"id"`
	Secret string `json:"-"`
	// PrincipalARN is the caller's ARN (arn:aws:iam::{account}:user/{name}); it decides
	// $context.identity.userArn / accountId and the cross-account rules of resource
	// policies.
	PrincipalARN string `json:"principalArn"`
	// Policy is the caller's identity policy (IAM JSON). Empty means one statement allowing
	// execute-api:Invoke on every API, convenient locally; production configurations should
	// name the ARNs.
	Policy    string   `json:"policy,omitempty"`
	PolicyPos Position `json:"policyPos"`
	Pos       Position `json:"pos"`
}

// IAMSettings tune SigV4 verification.
type IAMSettings struct {
	// MaxSkew is how far a signature's date may be from now; 0 means AWS's 5 minutes.
	MaxSkew time.Duration `json:"maxSkew,omitempty"`
	// AllowUnsignedPayload accepts x-amz-content-sha256: UNSIGNED-PAYLOAD, which API Gateway
	// itself refuses.
	AllowUnsignedPayload bool `json:"allowUnsignedPayload,omitempty"`
}
