package lambdaauth

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/integration/lambda"
)

// The events a Lambda authorizer receives. Each REQUEST event is the proxy event of the same
// request (built by internal/integration/lambda) without a body, with these differences, all
// seen in recordings made on AWS (powertools-lambda-typescript apigw-rest/authorizer-request.json,
// apigw-rest/authorizer-token.json and apigw-http/authorizer-request.json, compared with the
// same project's proxy events of the same APIs):
//
//	REST REQUEST  "type", "methodArn"; no body, isBase64Encoded or authorizer; the client's
//	              Content-Length is kept where the proxy event drops it; an absent query
//	              string, path parameters or stage variables are {} where the proxy event
//	              has null
//	REST TOKEN    only "type", "methodArn" and "authorizationToken"
//	HTTP 2.0      "type", "routeArn", "identitySource" (a list); no body or isBase64Encoded;
//	              cookies, query string, path parameters and stage variables left out when
//	              there are none, as in the proxy event
//	HTTP 1.0      "version", "type", "methodArn", and "identitySource" and
//	              "authorizationToken" both holding the sources' values joined with ","
//	              (developer guide and aws-lambda-go apigw-v2-custom-authorizer-v1-request.json;
//	              no recording was found, so the rest follows the REST REQUEST event)
//
// The events types name these members, but their tags would send null for absent maps and
// a requestContext without most of what AWS reports, so the wrappers below shadow those
// fields (encoding/json prefers the shallower of two fields with one name).

type restRequestWire struct {
	*events.APIGatewayCustomAuthorizerRequestTypeRequest
	RequestContext any `json:"requestContext"`
}

type httpV1Wire struct {
	*events.APIGatewayV2CustomAuthorizerV1Request
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
	RequestContext                  any                 `json:"requestContext"`
}

type httpV2Wire struct {
	*events.APIGatewayV2CustomAuthorizerV2Request
	Cookies               []string          `json:"cookies,omitempty"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
	RequestContext        any               `json:"requestContext"`
}

// event encodes the event for one invocation; vals are the identity sources' values and arn
// the request's method (or route) ARN.
func (a *Authorizer) event(req *Request, vals []string, arn string) ([]byte, error) {
	call := &gateway.Call{Req: req.HTTP, Ctx: req.Ctx, Params: req.Params, Path: req.Path}
	switch a.kind {
	case kindToken:
		return encode(&events.APIGatewayCustomAuthorizerRequest{Type: "TOKEN", AuthorizationToken: vals[0], MethodArn: arn})
	case kindRESTRequest:
		return encode(restRequestEvent(call, arn))
	case kindHTTPv1:
		return encode(httpV1Event(call, vals, arn))
	default:
		return encode(httpV2Event(call, vals, arn))
	}
}

func restRequestEvent(call *gateway.Call, arn string) *restRequestWire {
	ev, rc := lambda.EventV1(call, lambda.EventREST, 0)
	headers, multi := ev.Headers, ev.MultiValueHeaders
	if vs := call.Req.Header.Values("Content-Length"); len(vs) > 0 {
		name := "Content-Length"
		if call.Req.ProtoMajor >= 2 {
			name = "content-length" // as the proxy event reports an HTTP/2 client's headers
		}
		headers[name], multi[name] = vs[len(vs)-1], vs
	}
	return &restRequestWire{
		APIGatewayCustomAuthorizerRequestTypeRequest: &events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type:                            "REQUEST",
			MethodArn:                       arn,
			Resource:                        ev.Resource,
			Path:                            ev.Path,
			HTTPMethod:                      ev.HTTPMethod,
			Headers:                         headers,
			MultiValueHeaders:               multi,
			QueryStringParameters:           orEmpty(ev.QueryStringParameters),
			MultiValueQueryStringParameters: orEmpty(ev.MultiValueQueryStringParameters),
			PathParameters:                  orEmpty(ev.PathParameters),
			StageVariables:                  orEmpty(ev.StageVariables),
		},
		RequestContext: rc,
	}
}

func httpV1Event(call *gateway.Call, vals []string, arn string) *httpV1Wire {
	ev, rc := lambda.EventV1(call, lambda.EventHTTPv1, bodyLen(call))
	joined := strings.Join(vals, ",")
	return &httpV1Wire{
		APIGatewayV2CustomAuthorizerV1Request: &events.APIGatewayV2CustomAuthorizerV1Request{
			Version:               "1.0",
			Type:                  "REQUEST",
			MethodArn:             arn,
			IdentitySource:        joined,
			AuthorizationToken:    joined,
			Resource:              ev.Resource,
			Path:                  ev.Path,
			HTTPMethod:            ev.HTTPMethod,
			Headers:               ev.Headers,
			QueryStringParameters: orEmpty(ev.QueryStringParameters),
			PathParameters:        orEmpty(ev.PathParameters),
			StageVariables:        orEmpty(ev.StageVariables),
		},
		MultiValueHeaders:               ev.MultiValueHeaders,
		MultiValueQueryStringParameters: orEmpty(ev.MultiValueQueryStringParameters),
		RequestContext:                  rc,
	}
}

func httpV2Event(call *gateway.Call, vals []string, arn string) *httpV2Wire {
	ev, rc := lambda.EventV2(call, bodyLen(call))
	return &httpV2Wire{
		APIGatewayV2CustomAuthorizerV2Request: &events.APIGatewayV2CustomAuthorizerV2Request{
			Version:        "2.0",
			Type:           "REQUEST",
			RouteArn:       arn,
			IdentitySource: vals,
			RouteKey:       ev.RouteKey,
			RawPath:        ev.RawPath,
			RawQueryString: ev.RawQueryString,
			Headers:        ev.Headers,
		},
		Cookies:               ev.Cookies,
		QueryStringParameters: ev.QueryStringParameters,
		PathParameters:        ev.PathParameters,
		StageVariables:        ev.StageVariables,
		RequestContext:        rc,
	}
}

// bodyLen is the content-length HTTP API events report. The authorizer runs before anything
// reads the body, so it is the declared length; a chunked body of unknown length reports 0.
func bodyLen(call *gateway.Call) int {
	if n := call.Req.ContentLength; n > 0 {
		return int(n)
	}
	return 0
}

func orEmpty[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

// encode writes JSON as AWS's encoder does, leaving '<', '>' and '&' as they are.
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}
