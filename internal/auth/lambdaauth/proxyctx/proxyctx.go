// Package proxyctx renders what a Lambda authorizer established as the requestContext.authorizer
// member of the AWS_PROXY event that follows it. It is a leaf, apart from lambdaauth, so that
// the Lambda integration can import it while lambdaauth builds its events on the integration's.
package proxyctx

import "github.com/genkanhq/genkan/internal/reqctx"

// V1 is requestContext.authorizer of a payload 1.0 event after a Lambda authorizer:
//
//	{"principalId": "user", "integrationLatency": 422, "<context key>": "<value>", ...}
//
// Context values arrive as strings whatever their JSON type, as AWS documents ("Their values
// are stringified") and dherault/serverless-offline#1376 measured; integrationLatency is a number
// (powertools-lambda-typescript apigw-rest/lambda-authorizer-auth.json, recorded on AWS). A
// context key named principalId or integrationLatency does not replace AWS's own. HTTP APIs
// with payload 1.0 get the same shape: no capture of that case was found, and 1.0 exists for
// compatibility with REST. It returns nil when a is not a Lambda authorizer's result.
func V1(a *reqctx.Authorizer) map[string]any {
	if a == nil || a.Kind != reqctx.AuthorizerLambda {
		return nil
	}
	m := make(map[string]any, len(a.Context)+2)
	for k, v := range a.Context {
		m[k] = reqctx.Stringify(v)
	}
	m["principalId"] = a.PrincipalID
	m["integrationLatency"] = a.IntegrationLatency.Milliseconds()
	return m
}

// V2 is requestContext.authorizer of a payload 2.0 event after a Lambda authorizer:
// {"lambda": {<context as returned>}}, and {"lambda": null} when the function returned no
// context (aws-lambda-go apigw-v2-request-lambda-authorizer.json; powertools-lambda-typescript
// apigw-http/lambda-authorizer-auth.json, recorded on AWS with a simple response without
// context). It returns nil when a is not a Lambda authorizer's result.
func V2(a *reqctx.Authorizer) map[string]any {
	if a == nil || a.Kind != reqctx.AuthorizerLambda {
		return nil
	}
	if a.Context == nil {
		return map[string]any{"lambda": nil}
	}
	return map[string]any{"lambda": a.Context}
}
