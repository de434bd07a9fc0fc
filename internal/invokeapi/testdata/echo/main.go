// Command echo is a Lambda function built with aws-lambda-go for the Invoke API tests: it
// returns its event, appends a line to the file named by "touch", and fails with "fail".
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, in map[string]any) (map[string]any, error) {
	if p, ok := in["touch"].(string); ok {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, err
		}
		f.WriteString("x\n")
		f.Close()
	}
	if msg, ok := in["fail"].(string); ok {
		return nil, errors.New(msg)
	}
	return in, nil
}

func main() { lambda.Start(handle) }
