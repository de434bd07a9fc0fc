// Command hello is a Lambda function written for AWS with aws-lambda-go. genkan builds it with
// the local Go toolchain and runs it through the Lambda Runtime API, unchanged.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	name := req.PathParameters["name"]
	if name == "" {
		name = "world"
	}
	out := map[string]string{
		"message":   os.Getenv("GREETING") + ", " + name,
		"requestId": req.RequestContext.RequestID,
		"function":  lambdacontext.FunctionName,
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		out["awsRequestId"] = lc.AwsRequestID
	}
	body, err := json.Marshal(out)
	if err != nil {
		return events.APIGatewayProxyResponse{}, err
	}
	return events.APIGatewayProxyResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       string(body),
	}, nil
}

func main() { lambda.Start(handle) }
