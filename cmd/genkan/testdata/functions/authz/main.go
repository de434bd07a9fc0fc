// Command authz is the Lambda TOKEN authorizer of the access-control end-to-end tests, built
// by genkan itself (runtime "go"). The token picks the answer: "allow-items" allows GET on
// /items/* only, "deny" is an explicit Deny, "unauthorized" fails the way AWS's convention
// turns into a 401, "boom" fails otherwise, and "key:<value>" allows everything and returns
// <value> as the usageIdentifierKey.
package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func policy(effect, resource string) events.APIGatewayCustomAuthorizerPolicy {
	return events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{
		{Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{resource}},
	}}
}

func handler(_ context.Context, ev events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	// arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/{path}
	parts := strings.SplitN(ev.MethodArn, "/", 3)
	api, stage := parts[0], parts[1]
	resp := events.APIGatewayCustomAuthorizerResponse{PrincipalID: "user-1", Context: map[string]any{"tier": "gold", "n": 7, "ok": true}}
	switch tok := ev.AuthorizationToken; {
	case tok == "allow-items":
		resp.PolicyDocument = policy("Allow", api+"/"+stage+"/GET/items/*")
	case tok == "deny":
		resp.PolicyDocument = policy("Deny", api+"/*")
	case tok == "unauthorized":
		return resp, errors.New("Unauthorized")
	case strings.HasPrefix(tok, "key:"):
		resp.PolicyDocument = policy("Allow", api+"/*")
		resp.UsageIdentifierKey = strings.TrimPrefix(tok, "key:")
	default:
		return resp, errors.New("boom")
	}
	return resp, nil
}

func main() { lambda.Start(handler) }
