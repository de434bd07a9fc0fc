package lambda

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// remoteInvoker calls Lambda's Invoke API.
type remoteInvoker struct {
	client *awslambda.Client
}

// NewRemoteInvoker returns an Invoker for AWS Lambda in region, or, when endpoint is set, for
// any Lambda-compatible Invoke API there (a local emulator, or AWS through a VPC endpoint).
// Credentials come from the SDK's default chain; with an endpoint and no credentials at all,
// requests go unsigned, which local emulators accept.
//
// Calls are not retried: API Gateway makes one Invoke call per request and answers the client
// with whatever it got, throttling included.
func NewRemoteInvoker(ctx context.Context, endpoint, region string) (Invoker, error) {
	if region == "" {
		region = "us-east-1"
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region), config.WithRetryer(func() aws.Retryer {
		return aws.NopRetryer{}
	}))
	if err != nil {
		return nil, fmt.Errorf("lambda: loading AWS configuration: %w", err)
	}
	if endpoint != "" {
		if cfg.Credentials == nil {
			cfg.Credentials = aws.AnonymousCredentials{}
		} else if _, err := cfg.Credentials.Retrieve(ctx); err != nil {
			cfg.Credentials = aws.AnonymousCredentials{}
		}
	}
	client := awslambda.NewFromConfig(cfg, func(o *awslambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &remoteInvoker{client: client}, nil
}

func (r *remoteInvoker) Invoke(ctx context.Context, function string, payload []byte) ([]byte, string, error) {
	out, err := r.client.Invoke(ctx, &awslambda.InvokeInput{
		FunctionName:   aws.String(function),
		InvocationType: types.InvocationTypeRequestResponse,
		Payload:        payload,
	})
	if err != nil {
		var throttled *types.TooManyRequestsException
		if errors.As(err, &throttled) {
			return nil, "", fmt.Errorf("%w: %w", ErrThrottled, err)
		}
		return nil, "", err
	}
	return out.Payload, aws.ToString(out.FunctionError), nil
}
