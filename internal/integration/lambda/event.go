package lambda

import (
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// binaryBody reports whether the request body travels base64-encoded.
func (p *Proxy) binaryBody(call *gateway.Call) bool {
	ct := call.Req.Header.Get("Content-Type")
	if p.format == formatREST {
		// REST: only a Content-Type listed in binaryMediaTypes (developer guide, "Content type
		// conversions"; confirmed on AWS in ministackorg/ministack#767).
		return matchMediaType(p.binary, ct)
	}
	return !isTextForHTTPAPI(ct)
}

// v1Event builds a payload 1.0 event: REST's, or an HTTP API's, which has the same shape with
// the differences noted inline (HTTP API 1.0 events captured on AWS and published in test
// suites, e.g. "resourceId": "GET /calculate" with "path": "/Prod/calculate").
func (p *Proxy) v1Event(call *gateway.Call, body []byte) events.APIGatewayProxyRequest {
	c := call.Ctx
	headers, multiHeaders := v1Headers(call, p.format, len(body))
	ev := events.APIGatewayProxyRequest{
		Resource:          c.ResourcePath,
		HTTPMethod:        c.HTTPMethod,
		Headers:           headers,
		MultiValueHeaders: multiHeaders,
		PathParameters:    pathParameters(call.Params),
		StageVariables:    stageVariables(c.StageVariables),
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         c.AccountID,
			ResourceID:        c.ResourceID,
			Stage:             c.Stage,
			DomainName:        c.DomainName,
			DomainPrefix:      c.DomainPrefix,
			RequestID:         c.RequestID,
			ExtendedRequestID: c.ExtendedRequestID,
			Protocol:          c.Protocol,
			Identity:          identity(c),
			ResourcePath:      c.ResourcePath,
			HTTPMethod:        c.HTTPMethod,
			RequestTime:       c.RequestTimeString(),
			RequestTimeEpoch:  c.RequestTimeEpoch(),
			APIID:             c.APIID,
			Authorizer:        authorizerV1(&c.Authorizer),
		},
	}
	if p.format == formatREST {
		// REST: "path" is below the stage, requestContext.path is the request's, stage included.
		ev.Path = restPath(call)
		ev.RequestContext.Path = c.Path
		ev.RequestContext.OperationName = c.OperationName
	} else {
		// HTTP APIs: both are the request's decoded path, stage included, and the resource id
		// is the route key.
		ev.Path = httpAPIPath(c)
		ev.RequestContext.Path = ev.Path
		ev.RequestContext.ResourceID = c.RouteKey
	}
	keys, query := parseQuery(call.Req.URL.RawQuery)
	if query != nil {
		// REST's single-value map holds the last value (test_lambda_aws_proxy_integration:
		// category=electronics&category=books gives "books"; floci-io/floci#3548 measured
		// ?x=1&x= giving ""). HTTP API 1.0 holds the first: the developer guide's example has
		// "parameter1": "value1" for parameter1=value1&parameter1=value2 (while its headers keep
		// the last value, as REST's do).
		single := make(map[string]string, len(keys))
		for _, k := range keys {
			vs := query[k]
			if p.format == formatHTTPv1 {
				single[k] = vs[0]
			} else {
				single[k] = vs[len(vs)-1]
			}
		}
		ev.QueryStringParameters, ev.MultiValueQueryStringParameters = single, query
	}
	ev.Body, ev.IsBase64Encoded = eventBody(body, p.binaryBody(call))
	return ev
}

// v2Event builds a payload 2.0 event (developer guide, "Payload format version").
func (p *Proxy) v2Event(call *gateway.Call, body []byte) *events.APIGatewayV2HTTPRequest {
	c := call.Ctx
	headers, cookies := v2Headers(call, len(body))
	path := httpAPIPath(c)
	ev := &events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       c.RouteKey,
		RawPath:        path,
		RawQueryString: call.Req.URL.RawQuery,
		Cookies:        cookies,
		Headers:        headers,
		PathParameters: pathParameters(call.Params),
		StageVariables: stageVariables(c.StageVariables),
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     c.RouteKey,
			AccountID:    c.AccountID,
			Stage:        c.Stage,
			RequestID:    c.RequestID,
			APIID:        c.APIID,
			DomainName:   c.DomainName,
			DomainPrefix: c.DomainPrefix,
			Time:         c.RequestTimeString(),
			TimeEpoch:    c.RequestTimeEpoch(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    c.HTTPMethod,
				Path:      path,
				Protocol:  c.Protocol,
				SourceIP:  c.Identity.SourceIP,
				UserAgent: c.Identity.UserAgent,
			},
		},
	}
	keys, query := parseQuery(call.Req.URL.RawQuery)
	if query != nil {
		ev.QueryStringParameters = make(map[string]string, len(keys))
		for _, k := range keys {
			ev.QueryStringParameters[k] = strings.Join(query[k], ",")
		}
	}
	ev.Body, ev.IsBase64Encoded = eventBody(body, p.binaryBody(call))
	return ev
}

func identity(c *reqctx.Context) events.APIGatewayRequestIdentity {
	id := &c.Identity
	return events.APIGatewayRequestIdentity{
		CognitoIdentityPoolID:         id.CognitoIdentityPoolID,
		AccountID:                     id.AccountID,
		CognitoIdentityID:             id.CognitoIdentityID,
		Caller:                        id.Caller,
		APIKey:                        id.APIKey,
		APIKeyID:                      id.APIKeyID,
		AccessKey:                     id.AccessKey,
		SourceIP:                      id.SourceIP,
		CognitoAuthenticationType:     id.CognitoAuthenticationType,
		CognitoAuthenticationProvider: id.CognitoAuthenticationProvider,
		UserArn:                       id.UserARN,
		UserAgent:                     id.UserAgent,
		User:                          id.User,
	}
}
