package lambda

import (
	"github.com/genkanhq/genkan/internal/auth/lambdaauth/proxyctx"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// authorizerV1 is a payload 1.0 event's requestContext.authorizer: a Lambda authorizer's
// principal and context, or a Cognito user pool's claims ({"claims": {...}}, rendered as REST
// renders them: powertools-lambda-typescript apigw-rest/jwt-authorizer-auth.json, recorded on
// AWS). An HTTP API JWT authorizer on payload 1.0 gives claims and scopes side by side
// (unverified: no capture of that combination was found). nil leaves the key out.
func authorizerV1(a *reqctx.Authorizer) map[string]any {
	switch a.Kind {
	case reqctx.AuthorizerLambda:
		return proxyctx.V1(a)
	case reqctx.AuthorizerCognito:
		return map[string]any{"claims": a.Claims}
	case reqctx.AuthorizerJWT:
		return map[string]any{"claims": a.Claims, "scopes": a.Scopes}
	}
	return nil
}

// authorizerV2 is a payload 2.0 event's requestContext.authorizer, in the shapes recorded on
// AWS (powertools-lambda-typescript apigw-http/*-auth.json, aws-lambda-go
// apigw-v2-request-*.json): {"jwt": {"claims", "scopes"}}, {"lambda": context} and
// {"iam": {...}}. nil leaves the key out, as AWS does without an authorizer.
func authorizerV2(c *reqctx.Context) any {
	a := &c.Authorizer
	switch a.Kind {
	case reqctx.AuthorizerLambda:
		return proxyctx.V2(a)
	case reqctx.AuthorizerJWT:
		return map[string]any{"jwt": map[string]any{"claims": a.Claims, "scopes": a.Scopes}}
	case reqctx.AuthorizerIAM:
		id := &c.Identity
		return map[string]any{"iam": map[string]any{
			"accessKey": id.AccessKey, "accountId": id.AccountID, "callerId": id.Caller,
			"cognitoIdentity": nil, "principalOrgId": nullable(id.PrincipalOrgID),
			"userArn": id.UserARN, "userId": id.User,
		}}
	}
	return nil
}
