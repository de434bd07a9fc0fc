// Package apimodel holds the declarative description of what genkan serves: APIs, stages,
// routes, integrations, gateway responses and custom domains. Every input format (genkan YAML,
// OpenAPI, SAM) decodes into these types and compile turns them into a serving table.
//
// The types are plain data with no behaviour beyond validation, so that importers and the
// compiler can evolve independently.
package apimodel

import "time"

// Protocol is the kind of API, as API Gateway distinguishes them.
type Protocol string

const (
	ProtocolREST      Protocol = "REST"      // API Gateway v1 REST APIs
	ProtocolHTTP      Protocol = "HTTP"      // API Gateway v2 HTTP APIs
	ProtocolWebSocket Protocol = "WEBSOCKET" // API Gateway v2 WebSocket APIs
)

// DefaultStage is the HTTP API stage that is served at the root path.
const DefaultStage = "$default"

// DefaultRouteKey is the HTTP API catch-all route key.
const DefaultRouteKey = "$default"

// MethodAny matches every HTTP method (x-amazon-apigateway-any-method).
const MethodAny = "ANY"

// Position is where a declaration came from, so that errors can say file:line:col.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// Config is everything one `genkan serve` serves.
type Config struct {
	APIs      []*API      `json:"apis"`
	Functions []*Function `json:"functions,omitempty"`
	Domains   []*Domain   `json:"domains,omitempty"`
	// APIKeys and UsagePlans declared in configuration (REST APIs).
	APIKeys    []*APIKey    `json:"apiKeys,omitempty"`
	UsagePlans []*UsagePlan `json:"usagePlans,omitempty"`
	// AccessKeys are the IAM credentials accepted on AWS_IAM routes.
	AccessKeys []*AccessKey `json:"accessKeys,omitempty"`
	Settings   Settings     `json:"settings"`
	// Warnings are non-fatal findings of the importers (unsupported extensions and the like),
	// printed on start.
	Warnings []Warning `json:"warnings,omitempty"`
}

// Warning is a non-fatal finding with the place it was found.
type Warning struct {
	Pos     Position `json:"pos"`
	Message string   `json:"message"`
}

// Settings are gateway-wide limits and defaults.
type Settings struct {
	// MaxBodyBytes is the largest request body accepted (AWS: 10 MB).
	MaxBodyBytes int64 `json:"maxBodyBytes,omitempty"`
	// MaxHeaderBytes bounds the request line plus headers (AWS: 10,240 bytes).
	MaxHeaderBytes int `json:"maxHeaderBytes,omitempty"`
	// MaxURLBytes bounds the request URL (AWS: 10,240 bytes).
	MaxURLBytes int `json:"maxUrlBytes,omitempty"`
	// MaxIntegrationTimeout raises the 29 s ceiling that AWS places on timeoutInMillis.
	MaxIntegrationTimeout time.Duration `json:"maxIntegrationTimeout,omitempty"`
	// AccountID is reported as $context.accountId and used in ARNs.
	AccountID string `json:"accountId,omitempty"`
	// Region is used in ARNs and default domain names.
	Region string `json:"region,omitempty"`
	// IAM tunes SigV4 verification on AWS_IAM routes.
	IAM IAMSettings `json:"iam,omitempty"`
}

// Defaults AWS applies.
const (
	DefaultMaxBodyBytes       = 10 << 20
	DefaultMaxHeaderBytes     = 10240
	DefaultMaxURLBytes        = 10240
	DefaultIntegrationTimeout = 29 * time.Second
	MinIntegrationTimeout     = 50 * time.Millisecond
	DefaultAccountID          = "123456789012"
	DefaultRegion             = "us-east-1"
)

// WithDefaults returns s with zero fields set to AWS's values.
func (s Settings) WithDefaults() Settings {
	if s.MaxBodyBytes == 0 {
		s.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if s.MaxHeaderBytes == 0 {
		s.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if s.MaxURLBytes == 0 {
		s.MaxURLBytes = DefaultMaxURLBytes
	}
	if s.MaxIntegrationTimeout == 0 {
		s.MaxIntegrationTimeout = DefaultIntegrationTimeout
	}
	if s.AccountID == "" {
		s.AccountID = DefaultAccountID
	}
	if s.Region == "" {
		s.Region = DefaultRegion
	}
	return s
}

// API is one REST, HTTP or WebSocket API.
type API struct {
	// ID is the API id: the first label of {apiId}.execute-api.{host}. Lower-case letters and
	// digits, as AWS generates them.
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Protocol    Protocol `json:"protocol"`
	Stages      []*Stage `json:"stages"`
	Routes      []*Route `json:"routes"`
	// GatewayResponses override AWS's default error responses, keyed by response type
	// (DEFAULT_4XX, MISSING_AUTHENTICATION_TOKEN, …).
	GatewayResponses map[string]*GatewayResponse `json:"gatewayResponses,omitempty"`
	BinaryMediaTypes []string                    `json:"binaryMediaTypes,omitempty"`
	// DisableExecuteAPIEndpoint hides the API from {apiId}.execute-api hosts and bare paths,
	// leaving only custom domains.
	DisableExecuteAPIEndpoint bool `json:"disableExecuteApiEndpoint,omitempty"`
	// RouteSelectionExpression is for WebSocket APIs ($request.body.action).
	RouteSelectionExpression string `json:"routeSelectionExpression,omitempty"`
	// Authorizers are referenced by name from routes' Auth.
	Authorizers []*Authorizer `json:"authorizers,omitempty"`
	// APIKeySource is HEADER (x-api-key, the default) or AUTHORIZER (the Lambda authorizer's
	// usageIdentifierKey). REST only.
	APIKeySource string `json:"apiKeySource,omitempty"`
	// ResourcePolicy is a REST API's resource policy (IAM JSON); empty means none.
	ResourcePolicy    string   `json:"resourcePolicy,omitempty"`
	ResourcePolicyPos Position `json:"resourcePolicyPos"`
	// CORS is an HTTP API's corsConfiguration; nil means none.
	CORS *CORS    `json:"cors,omitempty"`
	Pos  Position `json:"pos"`
}

// Stage is a named deployment of an API with its own variables and access log.
type Stage struct {
	Name      string            `json:"name"`
	Variables map[string]string `json:"variables,omitempty"`
	// AccessLogFormat is an AWS access-log format string ($context variables); empty means the
	// gateway's default.
	AccessLogFormat string   `json:"accessLogFormat,omitempty"`
	Pos             Position `json:"pos"`
}

// Route is one method on one resource path (REST) or one route key (HTTP API).
type Route struct {
	// Method is GET, POST, …, or ANY. Empty for the HTTP API $default route.
	Method string `json:"method"`
	// Path is the resource path with {param} and {proxy+} segments, or DefaultRouteKey.
	Path          string       `json:"path"`
	OperationName string       `json:"operationName,omitempty"`
	Integration   *Integration `json:"integration"`
	// RequestParameters declares method request parameters ("method.request.header.x": required).
	RequestParameters map[string]bool `json:"requestParameters,omitempty"`
	// Auth protects the route; nil means NONE and no API key.
	Auth *RouteAuth `json:"auth,omitempty"`
	Pos  Position   `json:"pos"`
}

// Key is the route key as HTTP APIs spell it ("GET /pets/{id}" or "$default").
func (r *Route) Key() string {
	if r.Path == DefaultRouteKey {
		return DefaultRouteKey
	}
	return r.Method + " " + r.Path
}

// IntegrationType is API Gateway's integration type.
type IntegrationType string

const (
	IntegrationHTTP      IntegrationType = "HTTP"
	IntegrationHTTPProxy IntegrationType = "HTTP_PROXY"
	IntegrationMock      IntegrationType = "MOCK"
	IntegrationAWS       IntegrationType = "AWS"
	IntegrationAWSProxy  IntegrationType = "AWS_PROXY"
)

// Integration is how a route reaches its backend.
type Integration struct {
	Type IntegrationType `json:"type"`
	// HTTPMethod is the method used toward the backend (integration method); empty means the
	// request's own method.
	HTTPMethod string `json:"httpMethod,omitempty"`
	// URI is the backend: a URL for HTTP integrations (with {param} and ${stageVariables.x}),
	// an ARN for AWS integrations.
	URI     string        `json:"uri,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
	// RequestParameters map integration request parameters to method request values:
	// "integration.request.header.X": "method.request.querystring.y" or a 'literal'.
	RequestParameters map[string]string `json:"requestParameters,omitempty"`
	// RequestTemplates map content types to mapping templates.
	RequestTemplates    map[string]string `json:"requestTemplates,omitempty"`
	PassthroughBehavior string            `json:"passthroughBehavior,omitempty"`
	ContentHandling     string            `json:"contentHandling,omitempty"`
	// Responses select and map backend responses (HTTP, MOCK, AWS). The one with an empty
	// SelectionPattern is the default.
	Responses []*IntegrationResponse `json:"responses,omitempty"`
	// PayloadFormatVersion is 1.0 or 2.0 for HTTP API Lambda proxies.
	PayloadFormatVersion string `json:"payloadFormatVersion,omitempty"`
	ConnectionType       string `json:"connectionType,omitempty"`
	// TLSInsecureSkipVerify is a local-development escape hatch for self-signed backends.
	TLSInsecureSkipVerify bool     `json:"tlsInsecureSkipVerify,omitempty"`
	Pos                   Position `json:"pos"`
}

// IntegrationResponse maps a backend response selected by SelectionPattern (a regular
// expression over the status code for HTTP/MOCK, over the error message for AWS/Lambda).
type IntegrationResponse struct {
	SelectionPattern   string            `json:"selectionPattern,omitempty"`
	StatusCode         string            `json:"statusCode"`
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	ResponseTemplates  map[string]string `json:"responseTemplates,omitempty"`
	ContentHandling    string            `json:"contentHandling,omitempty"`
	Pos                Position          `json:"pos"`
}

// GatewayResponse overrides one gateway response type.
type GatewayResponse struct {
	// StatusCode is empty to keep the type's default status.
	StatusCode string `json:"statusCode,omitempty"`
	// ResponseParameters set headers: "gatewayresponse.header.Name": "'value'" or a
	// method.request.* / stageVariables.* / context.* reference.
	ResponseParameters map[string]string `json:"responseParameters,omitempty"`
	// ResponseTemplates are bodies by content type, with $context / $stageVariables substitution.
	ResponseTemplates map[string]string `json:"responseTemplates,omitempty"`
	Pos               Position          `json:"pos"`
}

// Domain is a custom domain name with base-path mappings to API stages.
type Domain struct {
	Name     string             `json:"name"`
	Mappings []*BasePathMapping `json:"mappings"`
	Pos      Position           `json:"pos"`
}

// BasePathMapping maps the first path segment(s) of a custom domain to an API stage. An empty
// BasePath (or "(none)") maps the domain root.
type BasePathMapping struct {
	BasePath string   `json:"basePath"`
	APIID    string   `json:"apiId"`
	Stage    string   `json:"stage"`
	Pos      Position `json:"pos"`
}

// Function is a Lambda-compatible function that genkan runs itself.
type Function struct {
	// Name is the function name, as in arn:aws:lambda:{region}:{account}:function:{name}.
	Name string `json:"name"`
	// Runtime is a Lambda runtime identifier (provided.al2023, nodejs20.x, python3.12, …) or
	// "go" for a Go source directory that genkan builds.
	Runtime string `json:"runtime"`
	// Handler is the runtime's handler string (file.export for Node/Python; ignored by
	// provided runtimes).
	Handler string `json:"handler,omitempty"`
	// Code is the absolute path of the code directory (or executable for provided runtimes).
	// It is empty when InlineCode holds the source instead.
	Code string `json:"code"`
	// InlineCode is source given in the template itself (SAM InlineCode, CloudFormation
	// Code.ZipFile); the server writes it to a file as Lambda does (index.js / index.py).
	InlineCode string `json:"inlineCode,omitempty"`
	// Timeout is the invocation timeout (Lambda default 3 s, max 900 s).
	Timeout time.Duration `json:"timeout,omitempty"`
	// MemoryMB is the memory size (Lambda default 128).
	MemoryMB    int               `json:"memoryMB,omitempty"`
	Environment map[string]string `json:"environment,omitempty"`
	// ReservedConcurrency caps concurrent instances; 0 means the gateway-wide default.
	ReservedConcurrency int `json:"reservedConcurrency,omitempty"`
	// MinWarm instances are started ahead of traffic (like provisioned concurrency).
	MinWarm int      `json:"minWarm,omitempty"`
	Pos     Position `json:"pos"`
}

// Lambda function defaults and limits.
const (
	DefaultFunctionTimeout = 3 * time.Second
	MaxFunctionTimeout     = 900 * time.Second
	DefaultFunctionMemory  = 128
)
