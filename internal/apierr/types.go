package apierr

import (
	"net/http"
	"strconv"
)

// spec is what AWS sends for one response type when the API does not customize it.
//
// Evidence, because every value here is observable by clients:
//   - Statuses and the default template: GetGatewayResponses recorded against AWS
//     (localstack test_apigateway_api.snapshot.json, test_gateway_response_crud).
//   - Bodies and x-amzn-ErrorType: curl captures with Content-Length in public issues, and
//     AWS-recorded localstack snapshots; see the per-entry notes. Entries marked "unverified"
//     follow the pattern of their neighbours, not a capture.
type spec struct {
	status int // REST default status; DEFAULT_4XX/5XX have none in AWS, 400/500 are used
	// errorType is x-amzn-ErrorType, which REST APIs send with every gateway response.
	errorType string
	message   string
	// null: the default message is JSON null ({"message": null}, Lambda authorizer errors).
	null bool
	// spaced: AWS's $context.error.messageString for integration-side failures starts with a
	// space, so the default template renders {"message": "Internal server error"}. Seen as
	// Content-Length 36 in localstack's AWS recordings, Content-Length 56 for "Network error
	// communicating with endpoint" (RhinoSecurityLabs/IPRotate_Burp_Extension#17), and
	// verbatim in an access log: "error_messageString": " "Endpoint request timed out""
	// (DataBiosphere/azul#6284).
	spaced bool
	// key is the body's JSON key: ACCESS_DENIED alone says "Message" (curl captures with
	// Content-Length 82 for the explicit-deny body).
	key      string
	fallback Type // the DEFAULT_4XX/DEFAULT_5XX whose customization applies when this has none
	// httpStatus is what an HTTP API answers instead; HTTP APIs have no gateway responses.
	httpStatus int
}

const internalServerError = "Internal server error"

var specs = withDerivedFields(map[Type]*spec{
	// 403 {"Message":"User is not authorized to access this resource with an explicit deny"}
	// with AccessDeniedException: Lambda authorizer Deny and resource-policy denials.
	AccessDenied: {status: 403, errorType: "AccessDeniedException", key: "Message",
		message: "User is not authorized to access this resource with an explicit deny", httpStatus: 403},
	// An AWS test-invoke of a configuration error answered 500 InternalServerErrorException
	// "Internal server error" (localstack snapshot update-gateway-wrong-path).
	APIConfigurationError: {status: 500, errorType: "InternalServerErrorException",
		message: internalServerError, spaced: true, httpStatus: 500},
	// 500 {"message": null} with AuthorizerConfigurationException when a Lambda authorizer
	// throws or returns a malformed policy (auth0-samples/jwt-rsa-aws-custom-authorizer#6,
	// serverless/examples#305).
	AuthorizerConfigurationError: {status: 500, errorType: "AuthorizerConfigurationException",
		null: true, spaced: true, httpStatus: 500},
	AuthorizerFailure: {status: 500, errorType: "AuthorizerFailureException", // unverified
		null: true, spaced: true, httpStatus: 500},
	// BadRequestException for both validator failures is AWS-validated in localstack; the
	// body-validation message "Invalid request body" is recorded. Parameter failures carry
	// "Missing required request parameters: [a, b]" from the validator.
	BadRequestParameters: {status: 400, errorType: "BadRequestException", message: "Bad Request", httpStatus: 400},
	BadRequestBody:       {status: 400, errorType: "BadRequestException", message: "Invalid request body", httpStatus: 400},
	Default4XX:           {status: 400, errorType: "BadRequestException", message: "Bad Request", httpStatus: 400},
	// 502 Lambda-proxy failures are DEFAULT_5XX with InternalServerErrorException
	// (DataBiosphere/azul#7470) and {"message": "Internal server error"} (AWS Lambda docs).
	Default5XX:   {status: 500, errorType: "InternalServerErrorException", message: internalServerError, spaced: true, httpStatus: 500},
	ExpiredToken: {status: 403, errorType: "ExpiredTokenException", message: "The security token included in the request is expired", httpStatus: 403}, // unverified
	// 504 InternalServerErrorException; the message is "Internal server error" for Lambda
	// failures and "Network error communicating with endpoint" for unreachable HTTP backends.
	IntegrationFailure: {status: 504, errorType: "InternalServerErrorException", message: internalServerError, spaced: true, httpStatus: 500},
	// HTTP APIs answer a timed-out integration with 503 {"message":"Service Unavailable"}
	// (cortexlabs/cortex#1225, Content-Length 33, no Content-Type).
	IntegrationTimeout: {status: 504, errorType: "InternalServerErrorException", message: "Endpoint request timed out", spaced: true, httpStatus: 503},
	InvalidAPIKey:      {status: 403, errorType: "ForbiddenException", message: "Forbidden", httpStatus: 403},
	InvalidSignature: {status: 403, errorType: "InvalidSignatureException", httpStatus: 403,
		message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."},
	// For HTTP APIs this type means "no route": 404 {"message":"Not Found"}.
	MissingAuthenticationToken: {status: 403, errorType: "MissingAuthenticationTokenException", message: "Missing Authentication Token", httpStatus: 404},
	QuotaExceeded:              {status: 429, errorType: "LimitExceededException", message: "Limit Exceeded", httpStatus: 429},
	RequestTooLarge:            {status: 413, errorType: "RequestTooLargeException", message: "Request Too Long", httpStatus: 413}, // errorType unverified
	ResourceNotFound:           {status: 404, errorType: "ResourceNotFoundException", message: "Not Found", httpStatus: 404},       // unverified
	Throttled:                  {status: 429, errorType: "TooManyRequestsException", message: "Too Many Requests", httpStatus: 429},
	Unauthorized:               {status: 401, errorType: "UnauthorizedException", message: "Unauthorized", httpStatus: 401},
	UnsupportedMediaType:       {status: 415, errorType: "BadRequestException", message: "Unsupported Media Type", httpStatus: 415},
	WAFFiltered:                {status: 403, errorType: "ForbiddenException", message: "Forbidden", httpStatus: 403}, // errorType unverified
})

// withDerivedFields runs as part of the variable's initializer rather than in init(), because
// other package variables (defaultREST, httpBodies) are built from specs before init() runs.
func withDerivedFields(m map[Type]*spec) map[Type]*spec {
	for t, sp := range m {
		if sp.key == "" {
			sp.key = "message"
		}
		switch {
		case t == Default4XX || t == Default5XX:
		case sp.status < 500:
			sp.fallback = Default4XX
		default:
			sp.fallback = Default5XX
		}
	}
	return m
}

// specFor never fails: a type genkan does not know is answered like any other 5XX.
func specFor(t Type) (*spec, Type) {
	if sp, ok := specs[t]; ok {
		return sp, t
	}
	return specs[Default5XX], Default5XX
}

// messageString renders $context.error.messageString as AWS does.
func (sp *spec) messageString(msg string) string {
	var b []byte
	if sp.spaced {
		b = append(b, ' ')
	}
	if msg == "" && sp.null {
		b = append(b, "null"...)
	} else {
		b = appendJSONString(b, msg)
	}
	return string(b)
}

// httpBody is an HTTP API's error body: always the status's reason phrase. Every captured HTTP
// API error follows it (Not Found, Unauthorized, Forbidden, Too Many Requests, Internal Server
// Error, Service Unavailable), so the unconfirmed ones (400, 413, 415) are assumed to as well.
type httpBody struct {
	message       string
	messageString string
	body          []byte
	contentLength []string
}

var httpBodies = func() map[int]*httpBody {
	m := map[int]*httpBody{}
	for _, sp := range specs {
		st := sp.httpStatus
		if m[st] != nil {
			continue
		}
		msg := http.StatusText(st)
		hb := &httpBody{message: msg, messageString: string(appendJSONString(nil, msg))}
		hb.body = []byte(`{"message":` + hb.messageString + `}`)
		hb.contentLength = []string{strconv.Itoa(len(hb.body))}
		m[st] = hb
	}
	return m
}()
