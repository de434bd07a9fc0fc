// Command gofn is a test function built with aws-lambda-go, one action per event.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// version is set with -ldflags -X to make a different binary of the same source.
var version = "v1"

type event struct {
	Action string `json:"action"`
	Ms     int    `json:"ms"`
	Size   int    `json:"size"`
	MB     int    `json:"mb"`
	Data   any    `json:"data"`
}

var keep [][]byte

func handler(ctx context.Context, ev event) (any, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	deadline, _ := ctx.Deadline()
	switch ev.Action {
	case "echo":
		env := map[string]string{}
		for _, k := range []string{"AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
			"AWS_REGION", "AWS_DEFAULT_REGION", "LAMBDA_TASK_ROOT", "_HANDLER", "AWS_LAMBDA_LOG_GROUP_NAME",
			"AWS_LAMBDA_LOG_STREAM_NAME", "TZ", "LANG", "AWS_LAMBDA_INITIALIZATION_TYPE", "USER_VAR", "AWS_EXECUTION_ENV", "GOMAXPROCS"} {
			env[k] = os.Getenv(k)
		}
		wd, _ := os.Getwd()
		return map[string]any{
			"data": ev.Data, "pid": os.Getpid(), "version": version, "requestId": lc.AwsRequestID,
			"arn": lc.InvokedFunctionArn, "env": env, "wd": wd, "trace": ctx.Value("x-amzn-trace-id"),
			"deadlineInMs": time.Until(deadline).Milliseconds(),
		}, nil
	case "error":
		return nil, errors.New("boom")
	case "panic":
		panic("kaboom")
	case "exit":
		fmt.Println("exiting now")
		os.Exit(1)
	case "sleep":
		fmt.Println("sleeping", ev.Ms)
		time.Sleep(time.Duration(ev.Ms) * time.Millisecond)
		return map[string]any{"slept": ev.Ms, "pid": os.Getpid(), "version": version}, nil
	case "log":
		fmt.Println("hello from go")
		fmt.Fprintln(os.Stderr, "to stderr")
		return "logged", nil
	case "big":
		return strings.Repeat("x", ev.Size), nil
	case "alloc":
		for range ev.MB {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		return "allocated", nil
	}
	return json.RawMessage(`{"unknown":true}`), nil
}

func main() {
	if f := os.Getenv("GOFN_INIT_FAIL"); f != "" {
		fh, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(fh, os.Getpid())
			fh.Close()
		}
		fmt.Println("init failing on purpose")
		os.Exit(3)
	}
	if os.Getenv("GOFN_INIT_LOG") != "" {
		fmt.Println("init log line")
	}
	lambda.Start(handler)
}
