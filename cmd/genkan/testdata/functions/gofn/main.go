// Command gofn is the Go test function of the end-to-end tests, built by genkan itself (runtime
// "go"). It speaks the same little protocol as ../node and ../python, so that one table of
// cases covers every runtime: the action comes from the route's {action} path parameter, or
// from "action" in a payload sent through the Invoke API, and defaults to echo.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type event struct {
	PathParameters        map[string]string `json:"pathParameters"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	Action                string            `json:"action"`
	Marker                string            `json:"marker"`
}

func handler(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, err
	}
	action := ev.Action
	if a := ev.PathParameters["action"]; a != "" {
		action = a
	}
	switch action {
	case "bare":
		// No statusCode: payload 2.0 infers a 200; REST rejects the unknown keys.
		return map[string]any{"runtime": "go", "bare": true}, nil
	case "cookies":
		return map[string]any{"statusCode": 200, "cookies": []string{"a=1; Path=/", "b=2"},
			"headers": map[string]string{"Content-Type": "text/plain"}, "body": "cookies"}, nil
	case "string":
		return "just a string", nil
	case "throw":
		return nil, errors.New("boom")
	case "crash":
		fmt.Println("crashing on purpose")
		os.Exit(1)
	case "sleep":
		ms, _ := strconv.Atoi(ev.QueryStringParameters["ms"])
		fmt.Println("sleeping", ms)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return reply(map[string]any{"slept": ms})
	case "log":
		fmt.Println("logged:", ev.Marker)
		return "logged", nil
	}
	return reply(map[string]any{"event": raw})
}

// reply is a proxy response whose body names the runtime and process, so tests can tell
// instances apart. 201 rather than 200 tells a status taken from the function from a default.
func reply(body map[string]any) (any, error) {
	body["runtime"] = "go"
	body["pid"] = os.Getpid()
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"statusCode":        201,
		"headers":           map[string]string{"Content-Type": "application/json", "X-Runtime": "go"},
		"multiValueHeaders": map[string][]string{"X-Multi": {"a", "b"}},
		"body":              string(b),
	}, nil
}

func main() { lambda.Start(handler) }
