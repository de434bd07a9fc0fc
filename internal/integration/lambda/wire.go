package lambda

import (
	"encoding/json"

	"github.com/aws/aws-lambda-go/events"

	"github.com/genkanhq/genkan/internal/reqctx"
)

// The events types describe what a function receives, but their JSON tags are written for
// decoding, and encoding them does not give what AWS sends. These wrappers embed the events
// value and shadow (encoding/json prefers the shallower field of one name) the fields whose
// encoding differs:
//
//	payload 1.0  body             "" where AWS sends null when there is no body
//	             isBase64Encoded  omitted when false (omitempty); AWS always sends it
//	             authorizer       null without an authorizer; AWS leaves the key out
//	             identity         absent fields omitted; AWS sends each as null, and adds
//	                              principalOrgId (and, on HTTP APIs, cognitoAmr), which the
//	                              type does not have
//	             deploymentId     not in the type; REST events carry it
//	             version          not in the type; HTTP API 1.0 events start with "1.0"
//	payload 2.0  authentication   a struct, so omitempty never omits it: {"clientCert":{…}}
//	                              with empty strings; AWS sends it only for mutual TLS
//
// Sources: localstack test_apigateway_lambda.snapshot.json (REST, recorded on AWS),
// powertools-lambda-typescript apigw-rest/no-auth.json and apigw-http/no-auth.json, aws-lambda-go
// apigw-v2-request-no-authorizer.json, and the developer guide's examples.

type wireV1 struct {
	Version string `json:"version,omitempty"`
	*events.APIGatewayProxyRequest
	RequestContext  wireV1Context `json:"requestContext"`
	Body            *string       `json:"body"`
	IsBase64Encoded bool          `json:"isBase64Encoded"`
}

type wireV1Context struct {
	*events.APIGatewayProxyRequestContext
	DeploymentID string         `json:"deploymentId,omitempty"`
	Identity     identityWire   `json:"identity"`
	Authorizer   map[string]any `json:"authorizer,omitempty"`
}

// identityWire is requestContext.identity with AWS's nulls; keys in AWS's (alphabetical) order.
type identityWire struct {
	AccessKey                     *string         `json:"accessKey"`
	AccountID                     *string         `json:"accountId"`
	APIKey                        *string         `json:"apiKey,omitempty"`
	APIKeyID                      *string         `json:"apiKeyId,omitempty"`
	Caller                        *string         `json:"caller"`
	CognitoAmr                    json.RawMessage `json:"cognitoAmr,omitempty"`
	CognitoAuthenticationProvider *string         `json:"cognitoAuthenticationProvider"`
	CognitoAuthenticationType     *string         `json:"cognitoAuthenticationType"`
	CognitoIdentityID             *string         `json:"cognitoIdentityId"`
	CognitoIdentityPoolID         *string         `json:"cognitoIdentityPoolId"`
	PrincipalOrgID                *string         `json:"principalOrgId"`
	SourceIP                      string          `json:"sourceIp"`
	User                          *string         `json:"user"`
	UserAgent                     *string         `json:"userAgent"`
	UserArn                       *string         `json:"userArn"`

	ClientCert *events.APIGatewayCustomAuthorizerRequestTypeRequestIdentityClientCert `json:"clientCert,omitempty"`
}

var jsonNull = json.RawMessage("null")

func v1Wire(ev *events.APIGatewayProxyRequest, f format, c *reqctx.Context) *wireV1 {
	w := &wireV1{APIGatewayProxyRequest: ev, IsBase64Encoded: ev.IsBase64Encoded}
	if ev.Body != "" {
		w.Body = &ev.Body
	}
	rc := &ev.RequestContext
	w.RequestContext = wireV1Context{APIGatewayProxyRequestContext: rc, Authorizer: rc.Authorizer}
	id := &rc.Identity
	w.RequestContext.Identity = identityWire{
		AccessKey:                     nullable(id.AccessKey),
		AccountID:                     nullable(id.AccountID),
		APIKey:                        nullable(id.APIKey),
		APIKeyID:                      nullable(id.APIKeyID),
		Caller:                        nullable(id.Caller),
		CognitoAuthenticationProvider: nullable(id.CognitoAuthenticationProvider),
		CognitoAuthenticationType:     nullable(id.CognitoAuthenticationType),
		CognitoIdentityID:             nullable(id.CognitoIdentityID),
		CognitoIdentityPoolID:         nullable(id.CognitoIdentityPoolID),
		PrincipalOrgID:                nullable(c.Identity.PrincipalOrgID),
		SourceIP:                      id.SourceIP,
		User:                          nullable(id.User),
		UserAgent:                     nullable(id.UserAgent),
		UserArn:                       nullable(id.UserArn),
		ClientCert:                    id.ClientCert,
	}
	if f == formatREST {
		w.RequestContext.DeploymentID = c.DeploymentID
	} else {
		w.Version = "1.0"
		w.RequestContext.Identity.CognitoAmr = jsonNull
	}
	return w
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type wireV2 struct {
	*events.APIGatewayV2HTTPRequest
	RequestContext wireV2Context `json:"requestContext"`
}

type wireV2Context struct {
	*events.APIGatewayV2HTTPRequestContext
	Authentication *events.APIGatewayV2HTTPRequestContextAuthentication `json:"authentication,omitempty"`
	Authorizer     any                                                  `json:"authorizer,omitempty"`
}

func v2Wire(ev *events.APIGatewayV2HTTPRequest, c *reqctx.Context) *wireV2 {
	rc := &ev.RequestContext
	w := &wireV2{APIGatewayV2HTTPRequest: ev, RequestContext: wireV2Context{APIGatewayV2HTTPRequestContext: rc, Authorizer: authorizerV2(c)}}
	if rc.Authentication.ClientCert.ClientCertPem != "" {
		w.RequestContext.Authentication = &rc.Authentication
	}
	return w
}
