// Command hello-go is the Go function of bench/functions.sh: an aws-lambda-go handler for API
// Gateway's REST (payload 1.0) events that answers every request with the same 100-byte JSON
// body, the size bench/backend answers with, so that the function rows and the HTTP_PROXY
// row move the same bytes.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// body is exactly 100 bytes, newline included, as bench/backend's.
const body = `{"message":"hello from the genkan bench function, a fixed body of one hundred bytes.............."}` + "\n"

var headers = map[string]string{"Content-Type": "application/json"}

func handler(_ context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Headers: headers, Body: body}, nil
}

func main() {
	if len(body) != 100 {
		panic("body is not 100 bytes")
	}
	lambda.Start(handler)
}
