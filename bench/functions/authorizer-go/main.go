// Command authorizer-go is the Lambda authorizer of bench/auth.sh: a REST TOKEN authorizer
// that allows the token "allow" on every method of the API and returns a small context, so
// the benchmark measures genkan's authorizer path (cached after the first call), not a
// policy engine.
package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handler(_ context.Context, ev events.APIGatewayCustomAuthorizerRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	if ev.AuthorizationToken != "allow" {
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	}
	// arn:aws:execute-api:region:account:api/stage/VERB/path → every method of the API.
	arn := ev.MethodArn
	if i := strings.Index(arn, "/"); i > 0 {
		arn = arn[:i] + "/*"
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "bench-user",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version:   "2012-10-17",
			Statement: []events.IAMPolicyStatement{{Action: []string{"execute-api:Invoke"}, Effect: "Allow", Resource: []string{arn}}},
		},
		Context: map[string]any{"tier": "bench"},
	}, nil
}

func main() { lambda.Start(handler) }
