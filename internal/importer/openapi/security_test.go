package openapi

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

const lambdaURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations"

// authOf describes a route's authorization the way the tests below spell it.
func authOf(r *apimodel.Route) string {
	a := r.Auth
	if a == nil {
		return "NONE"
	}
	s := string(a.Type)
	if a.Authorizer != "" {
		s += ":" + a.Authorizer
	}
	if len(a.Scopes) > 0 {
		s += fmt.Sprint(a.Scopes)
	}
	if a.APIKeyRequired {
		s += "+key"
	}
	return s
}

func routeAuths(api *apimodel.API) map[string]string {
	out := map[string]string{}
	for _, r := range api.Routes {
		out[r.Key()] = authOf(r)
	}
	return out
}

func TestSecurity(t *testing.T) {
	tests := []struct {
		name     string
		doc      string
		protocol apimodel.Protocol
		routes   map[string]string
		// authorizers are "name TYPE sources ttl" lines.
		authorizers []string
		warnings    []string
	}{{
		name: "swagger token authorizer, api key and IAM",
		doc: `swagger: "2.0"
securityDefinitions:
  tok:
    type: apiKey
    name: X-Token
    in: header
    x-amazon-apigateway-authtype: oauth2
    x-amazon-apigateway-authorizer:
      type: TOKEN
      authorizerUri: ` + lambdaURI + `
      identityValidationExpression: "^Bearer .+"
      authorizerResultTtlInSeconds: 60
  api_key: {type: apiKey, name: X-API-Key, in: header}
  sigv4: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /a:
    get:
      security: [{tok: []}]` + mockIntegration + `
    post:
      security: [{tok: []}, {api_key: []}]` + mockIntegration + `
    put:
      security: [{sigv4: []}, {api_key: []}]` + mockIntegration + `
    delete:` + mockIntegration + `
`,
		routes:      map[string]string{"GET /a": "CUSTOM:tok", "POST /a": "CUSTOM:tok+key", "PUT /a": "AWS_IAM+key", "DELETE /a": "NONE"},
		authorizers: []string{"tok TOKEN [method.request.header.X-Token] 60 ^Bearer .+"},
	}, {
		name: "global security, its scopes, and an empty list that turns it off",
		doc: `openapi: 3.0.1
security: [{pool: [email]}]
components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123]
paths:
  /default:
    get:` + mockIntegration + `
  /own-scopes:
    get:
      security: [{pool: [openid, profile]}]` + mockIntegration + `
  /open:
    get:
      security: []` + mockIntegration + `
`,
		routes:      map[string]string{"GET /default": "COGNITO_USER_POOLS:pool[email]", "GET /own-scopes": "COGNITO_USER_POOLS:pool[openid profile]", "GET /open": "NONE"},
		authorizers: []string{"pool COGNITO_USER_POOLS [method.request.header.Authorization] - "},
	}, {
		name: "request authorizer sources and x-amazon-apigateway-auth",
		doc: `openapi: 3.0.1
components:
  securitySchemes:
    req:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: ` + lambdaURI + `
        identitySource: "method.request.header.Auth, method.request.querystring.q,stageVariables.s, context.requestId"
paths:
  /iam:
    get:
      x-amazon-apigateway-auth: {type: aws_iam}` + mockIntegration + `
  /none:
    get:
      security: [{req: []}]
      x-amazon-apigateway-auth: {type: NONE}` + mockIntegration + `
`,
		routes:      map[string]string{"GET /iam": "AWS_IAM", "GET /none": "NONE"},
		authorizers: []string{"req REQUEST [method.request.header.Auth method.request.querystring.q stageVariables.s context.requestId] -"},
		warnings:    []string{"api.yaml:24:7: GET /none: x-amazon-apigateway-auth sets authorization NONE, replacing the CUSTOM its security asks for"},
	}, {
		name:     "HTTP API JWT and Lambda authorizers",
		protocol: apimodel.ProtocolHTTP,
		doc: `openapi: 3.0.1
components:
  securitySchemes:
    jwt:
      type: oauth2
      x-amazon-apigateway-authorizer:
        type: jwt
        jwtConfiguration: {issuer: "https://issuer.example.com", audience: [a1, a2]}
        identitySource: $request.header.Authorization
    discovered:
      type: openIdConnect
      openIdConnectUrl: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC/.well-known/openid-configuration
      x-amazon-apigateway-authorizer:
        type: jwt
        jwtConfiguration: {audience: a3}
        identitySource: $request.querystring.token
    lambda:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: ` + lambdaURI + `
        identitySource: [$request.header.Authorization, $context.routeKey]
        authorizerPayloadFormatVersion: "2.0"
        enableSimpleResponses: true
        authorizerResultTtlInSeconds: 0
    api_key: {type: apiKey, name: x-api-key, in: header}
    iam: {type: apiKey, name: Authorization, in: header, x-amazon-apigateway-authtype: awsSigv4}
paths:
  /jwt:
    get:
      security: [{jwt: [read]}]` + httpIntegration + `
  /lambda:
    get:
      security: [{lambda: []}, {api_key: []}]` + httpIntegration + `
  /iam:
    get:
      security: [{iam: []}]` + httpIntegration + `
`,
		routes: map[string]string{"GET /jwt": "JWT:jwt[read]", "GET /lambda": "CUSTOM:lambda", "GET /iam": "AWS_IAM"},
		authorizers: []string{
			"jwt JWT [$request.header.Authorization] - https://issuer.example.com [a1 a2]",
			"discovered JWT [$request.querystring.token] - https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC [a3]",
			"lambda REQUEST [$request.header.Authorization $context.routeKey] 0 2.0 simple",
		},
		warnings: []string{`api.yaml:37:33: GET /lambda: HTTP APIs have no API keys; security scheme "api_key" is ignored`},
	}, {
		name: "what AWS ignores",
		doc: `swagger: "2.0"
securityDefinitions:
  oauth: {type: oauth2, flow: implicit, authorizationUrl: "https://example.com/auth"}
  tok:
    type: apiKey
    name: Authorization
    in: header
    x-amazon-apigateway-authorizer:
      type: token
      authorizerUri: ` + lambdaURI + `
      identitySource: method.request.header.Other
      authorizerCredentials: arn:aws:iam::123456789012:role/invoke
paths:
  /a:
    get:
      security: [{undefined: []}, {oauth: []}]` + mockIntegration + `
    post:
      security: [{tok: [scope]}]` + mockIntegration + `
`,
		routes:      map[string]string{"GET /a": "NONE", "POST /a": "CUSTOM:tok"},
		authorizers: []string{"tok TOKEN [method.request.header.Authorization] - "},
		warnings: []string{
			"api.yaml:3:3: security scheme oauth has no x-amazon-apigateway-authorizer and is neither awsSigv4 nor an x-api-key header; API Gateway does not enforce it, and neither does genkan",
			`api.yaml:11:7: x-amazon-apigateway-authorizer of tok: AWS takes a token authorizer's header from the security scheme's name; identitySource "method.request.header.Other" is ignored for method.request.header.Authorization`,
			"api.yaml:12:7: x-amazon-apigateway-authorizer of tok: authorizerCredentials (an IAM role for API Gateway to assume) are ignored",
			`api.yaml:16:19: GET /a: security scheme "undefined" is not defined; AWS ignores it, and so does genkan`,
			"api.yaml:22:24: POST /a: authorization scopes apply to JWT and Cognito user pool authorizers; with CUSTOM they are ignored",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, warnings := importOK(t, tt.doc, Options{Protocol: tt.protocol})
			if got := routeAuths(api); !reflect.DeepEqual(got, tt.routes) {
				t.Errorf("route auth = %v, want %v", got, tt.routes)
			}
			var azs []string
			for _, az := range api.Authorizers {
				azs = append(azs, describeAz(az))
			}
			if !reflect.DeepEqual(azs, tt.authorizers) {
				t.Errorf("authorizers:\n%s\nwant:\n%s", strings.Join(azs, "\n"), strings.Join(tt.authorizers, "\n"))
			}
			text := warningsText(warnings)
			mustContain(t, text, tt.warnings...)
			if len(warnings) != len(tt.warnings) {
				t.Errorf("want %d warnings, got:\n%s", len(tt.warnings), text)
			}
		})
	}
}

const httpIntegration = `
      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "https://example.com", payloadFormatVersion: "1.0"}`

func describeAz(az *apimodel.Authorizer) string {
	ttl := "-"
	if az.ResultTTLSeconds != nil {
		ttl = fmt.Sprint(*az.ResultTTLSeconds)
	}
	s := fmt.Sprintf("%s %s %v %s", az.Name, az.Type, az.IdentitySources, ttl)
	switch az.Type {
	case apimodel.AuthorizerToken:
		s += " " + az.IdentityValidationExpression
	case apimodel.AuthorizerJWT:
		s += fmt.Sprintf(" %s %v", az.Issuer, az.Audience)
	case apimodel.AuthorizerRequest:
		if az.PayloadFormatVersion != "" {
			s += " " + az.PayloadFormatVersion
		}
		if az.EnableSimpleResponses {
			s += " simple"
		}
	default:
		s += " "
	}
	if (az.Type == apimodel.AuthorizerToken || az.Type == apimodel.AuthorizerRequest) && az.FunctionURI != lambdaURI {
		s += " uri=" + az.FunctionURI
	}
	return s
}

func TestSecurityProblems(t *testing.T) {
	scheme := func(ext string) string {
		return `openapi: 3.0.1
components:
  securitySchemes:
    s:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authorizer:
` + ext + `
paths: {}
`
	}
	tests := []struct {
		name     string
		doc      string
		protocol apimodel.Protocol
		want     string
	}{
		{"unknown type", scheme("        type: basic"), "", `api.yaml:9:15: x-amazon-apigateway-authorizer of s: type "basic" is not one of token, request or cognito_user_pools for REST APIs`},
		{"jwt in a REST API", scheme("        type: jwt"), "", `type "jwt" is not one of token, request or cognito_user_pools`},
		{"token in an HTTP API", scheme("        type: token"), apimodel.ProtocolHTTP, `type "token" is not one of request or jwt for HTTP APIs`},
		{"no type", scheme("        authorizerUri: x"), "", "api.yaml:8:7: x-amazon-apigateway-authorizer of s has no type"},
		{"no function", scheme("        type: token"), "", "api.yaml:8:7: x-amazon-apigateway-authorizer of s has no authorizerUri"},
		{"ttl out of range", scheme("        type: token\n        authorizerUri: " + lambdaURI + "\n        authorizerResultTtlInSeconds: 3601"), "", "api.yaml:11:39: x-amazon-apigateway-authorizer of s: authorizerResultTtlInSeconds must be from 0 to 3600, got 3601"},
		{"ttl not a number", scheme("        type: token\n        authorizerUri: " + lambdaURI + "\n        authorizerResultTtlInSeconds: soon"), "", "authorizerResultTtlInSeconds must be a whole number"},
		{"cached request without sources", scheme("        type: request\n        authorizerUri: " + lambdaURI), "", "a request authorizer whose results are cached needs an identitySource"},
		{"REST source in an HTTP API", scheme("        type: request\n        authorizerUri: " + lambdaURI + "\n        authorizerPayloadFormatVersion: '2.0'\n        identitySource: method.request.header.A"), apimodel.ProtocolHTTP, `identity source "method.request.header.A" must start with $request.header.`},
		{"HTTP Lambda without payload format", scheme("        type: request\n        authorizerUri: " + lambdaURI), apimodel.ProtocolHTTP, "has no authorizerPayloadFormatVersion"},
		{"simple responses with 1.0", scheme("        type: request\n        authorizerUri: " + lambdaURI + "\n        authorizerPayloadFormatVersion: '1.0'\n        enableSimpleResponses: true"), apimodel.ProtocolHTTP, "enableSimpleResponses needs authorizerPayloadFormatVersion 2.0, got 1.0"},
		{"bad payload format", scheme("        type: request\n        authorizerUri: " + lambdaURI + "\n        authorizerPayloadFormatVersion: '3.0'"), apimodel.ProtocolHTTP, "authorizerPayloadFormatVersion must be 1.0 or 2.0"},
		{"jwt without audience", scheme("        type: jwt\n        identitySource: $request.header.A\n        jwtConfiguration: {issuer: 'https://i'}"), apimodel.ProtocolHTTP, "jwtConfiguration needs an audience"},
		{"jwt without issuer", scheme("        type: jwt\n        identitySource: $request.header.A\n        jwtConfiguration: {audience: [a]}"), apimodel.ProtocolHTTP, "jwtConfiguration needs an issuer"},
		{"jwt with two sources", scheme("        type: jwt\n        identitySource: [$request.header.A, $request.header.B]\n        jwtConfiguration: {issuer: 'https://i', audience: [a]}"), apimodel.ProtocolHTTP, "a jwt authorizer takes one identitySource, the token, got 2"},
		{"jwt spelt like CloudFormation", scheme("        type: jwt\n        identitySource: $request.header.A\n        jwtConfiguration: {Issuer: 'https://i', audience: [a]}"), apimodel.ProtocolHTTP, "jwtConfiguration takes issuer in lower case, got Issuer"},
		{"cognito without pools", scheme("        type: cognito_user_pools"), "", "has no providerARNs"},
		{"cognito pool from CloudFormation", scheme("        type: cognito_user_pools\n        providerARNs:\n          - Fn::GetAtt: [Pool, Arn]"), "", "is the CloudFormation intrinsic Fn::GetAtt"},
		{"token read from a query", `swagger: "2.0"
securityDefinitions:
  s: {type: apiKey, name: t, in: query, x-amazon-apigateway-authorizer: {type: token, authorizerUri: ` + lambdaURI + `}}
paths: {}
`, "", "a token authorizer reads its token from a header, but the security scheme is \"in\" query"},
		{"auth type", `swagger: "2.0"
paths:
  /a:
    get:
      x-amazon-apigateway-auth: {type: CUSTOM}` + mockIntegration + `
`, "", `api.yaml:5:40: x-amazon-apigateway-auth of GET /a: type must be NONE or AWS_IAM, got "CUSTOM"`},
		{"security not a list", `swagger: "2.0"
paths:
  /a:
    get:
      security: {api_key: []}` + mockIntegration + `
`, "", "api.yaml:5:18: GET /a: security must be a list of security requirements, got an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, _ := importErr(t, tt.doc, Options{Protocol: tt.protocol})
			mustContain(t, msg, tt.want)
		})
	}
}

func TestAccessExtensions(t *testing.T) {
	doc := `swagger: "2.0"
x-amazon-apigateway-api-key-source: authorizer
x-amazon-apigateway-policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Deny
      Principal: "*"
      Action: "execute-api:Invoke"
      Resource: "execute-api:/*"
      Condition: {NotIpAddress: {"aws:SourceIp": ["192.0.2.0/24"]}}
x-amazon-apigateway-cors: {allowOrigins: ["*"]}
paths: {}
`
	api, warnings := importOK(t, doc, Options{})
	if api.APIKeySource != apimodel.APIKeySourceAuthorizer {
		t.Errorf("api key source = %q", api.APIKeySource)
	}
	want := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}}]}`
	if api.ResourcePolicy != want || api.ResourcePolicyPos.Line != 4 {
		t.Errorf("policy = %s at %s, want %s at line 4", api.ResourcePolicy, api.ResourcePolicyPos, want)
	}
	if api.CORS != nil {
		t.Errorf("a REST API got CORS %+v", api.CORS)
	}
	mustContain(t, warningsText(warnings), "api.yaml:11:1: x-amazon-apigateway-cors configures HTTP APIs; AWS ignores it for REST APIs")

	// A policy given as JSON text is taken as written; one with an intrinsic is left out.
	api, _ = importOK(t, `swagger: "2.0"
x-amazon-apigateway-policy: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}]}'
paths: {}
`, Options{})
	if !strings.HasPrefix(api.ResourcePolicy, `{"Version": "2012-10-17"`) {
		t.Errorf("policy from text = %s", api.ResourcePolicy)
	}
	api, warnings = importOK(t, `swagger: "2.0"
x-amazon-apigateway-policy:
  Statement:
    - Effect: Allow
      Resource:
        Fn::Sub: "execute-api:/${Stage}/*"
paths: {}
`, Options{})
	if api.ResourcePolicy != "" {
		t.Errorf("policy with an intrinsic = %s", api.ResourcePolicy)
	}
	mustContain(t, warningsText(warnings), "api.yaml:6:9: x-amazon-apigateway-policy holds the CloudFormation intrinsic Fn::Sub, which only CloudFormation resolves; the resource policy is not applied")

	http := `openapi: 3.0.1
x-amazon-apigateway-importexport-version: "1.0"
x-amazon-apigateway-api-key-source: HEADER
x-amazon-apigateway-policy: {Statement: []}
x-amazon-apigateway-cors:
  allowOrigins: ["https://app.example.com"]
  allowMethods: [GET, POST]
  allowHeaders: [authorization]
  exposeHeaders: [x-request-id]
  allowCredentials: true
  maxAge: 600
paths: {}
`
	api, warnings = importOK(t, http, Options{})
	c := api.CORS
	if c == nil || !reflect.DeepEqual(c.AllowOrigins, []string{"https://app.example.com"}) || !reflect.DeepEqual(c.AllowMethods, []string{"GET", "POST"}) ||
		!reflect.DeepEqual(c.AllowHeaders, []string{"authorization"}) || !reflect.DeepEqual(c.ExposeHeaders, []string{"x-request-id"}) ||
		!c.AllowCredentials || c.MaxAge == nil || *c.MaxAge != 600 || c.Pos.Line != 5 {
		t.Errorf("cors = %+v", c)
	}
	if api.APIKeySource != "" || api.ResourcePolicy != "" {
		t.Errorf("an HTTP API got REST settings: %q %q", api.APIKeySource, api.ResourcePolicy)
	}
	mustContain(t, warningsText(warnings),
		"api.yaml:3:1: x-amazon-apigateway-api-key-source is a REST API feature",
		"api.yaml:4:1: x-amazon-apigateway-policy is a REST API feature")

	for doc, want := range map[string]string{
		"swagger: \"2.0\"\nx-amazon-apigateway-api-key-source: BODY\npaths: {}\n":                                                                                   `api.yaml:2:37: x-amazon-apigateway-api-key-source must be HEADER or AUTHORIZER, got "BODY"`,
		"swagger: \"2.0\"\nx-amazon-apigateway-policy: [1]\npaths: {}\n":                                                                                            "api.yaml:2:29: x-amazon-apigateway-policy must be an IAM policy (an object), got a list",
		"swagger: \"2.0\"\nx-amazon-apigateway-policy: '{not json'\npaths: {}\n":                                                                                    "x-amazon-apigateway-policy must be an IAM policy (a JSON object)",
		"openapi: 3.0.1\nx-amazon-apigateway-importexport-version: \"1.0\"\nx-amazon-apigateway-cors: {allowOrigins: [\"*\"], allowCredentials: true}\npaths: {}\n": "allowCredentials cannot be true",
	} {
		msg, _ := importErr(t, doc, Options{})
		mustContain(t, msg, want)
	}
}
