package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// The functions under testdata/functions speak one protocol (see gofn/main.go): the route's
// {action} path parameter picks what they do, and the default action answers a proxy response
// (status 201, X-Runtime and X-Multi headers) whose body holds the runtime, the process id and
// the event as received.

// fnRuntime is one of the test functions, and the prefix of the ids of the APIs that route to it.
type fnRuntime struct{ name, function string }

var fnRuntimes = []fnRuntime{{"go", "gofn"}, {"node", "node"}, {"python", "python"}}

// Bodies API Gateway answers for a failed Lambda proxy integration, byte for byte.
const (
	restInternalError = `{"message": "Internal server error"}`
	httpInternalError = `{"message":"Internal Server Error"}`
)

// functionsDir is testdata/functions as an absolute path, for configs written elsewhere.
func functionsDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("testdata", "functions"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

var warmGo struct {
	once sync.Once
	err  error
	out  []byte
}

// warmGoBuild builds the Go test function once with the flags genkan uses, so that the Go build
// cache holds the standard library for that configuration (CGO_ENABLED=0). On a cold cache that
// first build takes far longer than startGenkan's readiness budget, and genkan builds "go"
// functions before it serves.
func warmGoBuild(t *testing.T) {
	t.Helper()
	warmGo.once.Do(func() {
		cmd := exec.Command("go", "build", "-buildvcs=false", "-tags", "lambda.norpc", "-o", os.DevNull, ".")
		cmd.Dir = filepath.Join(functionsDir(t), "gofn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		warmGo.out, warmGo.err = cmd.CombinedOutput()
	})
	if warmGo.err != nil {
		t.Fatalf("building the Go test function: %v\n%s", warmGo.err, warmGo.out)
	}
}

// functionsConfig serves each test function through a REST API (stage dev) and an HTTP API
// ($default stage), told apart by Host, plus a REST API "limits" for functions whose timeout and
// concurrency are made small for the failure cases.
func functionsConfig(fnDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `functions:
  gofn:   { runtime: go, code: '%[1]s/gofn' }
  node:   { runtime: nodejs20.x, handler: index.handler, code: '%[1]s/node' }
  python: { runtime: python3.11, handler: app.handler, code: '%[1]s/python' }
  slow:   { runtime: nodejs20.x, handler: index.handler, code: '%[1]s/node', timeout: 1s }
  single: { runtime: nodejs20.x, handler: index.handler, code: '%[1]s/node', concurrency: 1 }
apis:
`, fnDir)
	for _, rt := range fnRuntimes {
		fmt.Fprintf(&b, `  - id: %[1]srest
    stages: { dev: {} }
    routes:
      GET /items/{id}: { function: %[2]s }
      POST /items/{id}: { function: %[2]s }
      ANY /do/{action}: { function: %[2]s }
  - id: %[1]shttp
    protocol: HTTP
    routes:
      GET /items/{id}: { function: %[2]s }
      ANY /do/{action}: { function: %[2]s }
`, rt.name, rt.function)
	}
	b.WriteString(`  - id: limits
    stages: { dev: {} }
    routes:
      ANY /slow/{action}: { function: slow }
      ANY /single/{action}: { function: single }
`)
	return b.String()
}

func apiHost(id string) string { return id + ".execute-api.localhost" }

// fnReply is the body of the test functions' proxy responses.
type fnReply struct {
	Runtime string          `json:"runtime"`
	PID     int             `json:"pid"`
	Version string          `json:"version"` // node only
	Slept   int             `json:"slept"`
	Waited  bool            `json:"waited"`
	Event   json.RawMessage `json:"event"`
}

func decodeReply(t *testing.T, r response) fnReply {
	t.Helper()
	if r.status != 201 {
		t.Fatalf("function answered %d %q, want its own 201", r.status, r.body)
	}
	var rep fnReply
	if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
		t.Fatalf("function reply: %v in %q", err, r.body)
	}
	return rep
}

// decodeEvent decodes the event a function received twice: into v (aws-lambda-go's type, what a
// Go function sees) and into a map, for what the type cannot tell apart (null from absent).
func decodeEvent(t *testing.T, raw json.RawMessage, v any) map[string]any {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("event: %v in %s", err, raw)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("event: %v in %s", err, raw)
	}
	return m
}

// pidGone reports whether a process has exited and been reaped (/proc keeps zombies, so this
// also shows that genkan waited for it).
func pidGone(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return errors.Is(err, os.ErrNotExist)
}

// get is a GET for other goroutines than the test's, which must not call t.Fatal.
func get(url, host string) (response, error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return response{}, err
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}, err
}

// hasLine reports whether a line of log starts with prefix and ends with suffix.
func hasLine(log, prefix, suffix string) bool {
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, prefix) && strings.HasSuffix(l, suffix) {
			return true
		}
	}
	return false
}

// requireInterpreters skips when node or python3 is missing: genkan would only warn and fail
// each invocation, which says nothing about genkan.
func requireInterpreters(t *testing.T) {
	t.Helper()
	for _, name := range []string{"node", "python3"} {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("CI must provide %s on PATH for the function runtimes (.ci/run installs it)", name)
			}
			t.Skipf("needs %s on PATH for the function runtimes", name)
		}
	}
}

func skipWithoutProc(t *testing.T) {
	t.Helper()
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("needs /proc to see function processes")
	}
}

// TestFunctionsThroughAPIs runs Go, Node.js and Python functions behind REST and HTTP APIs in one
// genkan process and checks the events they receive, the responses made of their output, the
// failures API Gateway reports for them, and Lambda's Invoke API on the admin listener.
func TestFunctionsThroughAPIs(t *testing.T) {
	skipWithoutProc(t)
	requireInterpreters(t)
	warmGoBuild(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "genkan.yaml"), functionsConfig(functionsDir(t)))
	g := startGenkan(t, dir)

	for _, rt := range fnRuntimes {
		host := apiHost(rt.name + "rest")
		t.Run("REST payload 1.0/"+rt.name, func(t *testing.T) {
			r := do(t, "GET", g.url("/dev/items/42?a=1&a=2"), nil, "Host", host, "X-Custom", "v")
			rep := decodeReply(t, r)
			if rep.Runtime != rt.name {
				t.Fatalf("answered by %q", rep.Runtime)
			}
			// The function's response: its status, headers and multiValueHeaders, and body.
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("X-Runtime") != rt.name ||
				!slices.Equal(r.header.Values("X-Multi"), []string{"a", "b"}) {
				t.Errorf("response headers %v", r.header)
			}
			var ev events.APIGatewayProxyRequest
			raw := decodeEvent(t, rep.Event, &ev)
			rc := ev.RequestContext
			for _, c := range []struct{ what, got, want string }{
				{"resource", ev.Resource, "/items/{id}"},
				{"path", ev.Path, "/items/42"},
				{"httpMethod", ev.HTTPMethod, "GET"},
				{"requestContext.stage", rc.Stage, "dev"},
				{"requestContext.path", rc.Path, "/dev/items/42"},
				{"requestContext.resourcePath", rc.ResourcePath, "/items/{id}"},
				{"requestContext.httpMethod", rc.HTTPMethod, "GET"},
				{"requestContext.apiId", rc.APIID, rt.name + "rest"},
				{"requestContext.requestId", rc.RequestID, r.header.Get("X-Amzn-Requestid")},
				{"headers.X-Custom", ev.Headers["X-Custom"], "v"},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if rc.RequestID == "" {
				t.Error("no request id")
			}
			if !reflect.DeepEqual(ev.PathParameters, map[string]string{"id": "42"}) ||
				!reflect.DeepEqual(ev.QueryStringParameters, map[string]string{"a": "2"}) ||
				!reflect.DeepEqual(ev.MultiValueQueryStringParameters, map[string][]string{"a": {"1", "2"}}) ||
				!slices.Equal(ev.MultiValueHeaders["X-Custom"], []string{"v"}) {
				t.Errorf("parameters: path %v query %v multi %v headers %v", ev.PathParameters,
					ev.QueryStringParameters, ev.MultiValueQueryStringParameters, ev.MultiValueHeaders)
			}
			// AWS sends "body": null for a request without one, and isBase64Encoded always.
			if b, ok := raw["body"]; !ok || b != nil || raw["isBase64Encoded"] != false {
				t.Errorf("body %v (present %v), isBase64Encoded %v", b, ok, raw["isBase64Encoded"])
			}

			r = do(t, "POST", g.url("/dev/items/7"), strings.NewReader(`{"name":"rex"}`),
				"Host", host, "Content-Type", "application/json")
			rep = decodeReply(t, r)
			var post events.APIGatewayProxyRequest
			raw = decodeEvent(t, rep.Event, &post)
			if post.HTTPMethod != "POST" || post.Body != `{"name":"rex"}` || raw["isBase64Encoded"] != false ||
				post.Headers["Content-Type"] != "application/json" || post.PathParameters["id"] != "7" {
				t.Errorf("POST event: %s", rep.Event)
			}
		})
	}

	for _, rt := range fnRuntimes {
		host := apiHost(rt.name + "http")
		t.Run("HTTP API payload 2.0/"+rt.name, func(t *testing.T) {
			r := do(t, "GET", g.url("/items/42?a=1&a=2"), nil, "Host", host, "X-Custom", "v", "Cookie", "c1=x; c2=y")
			rep := decodeReply(t, r)
			if r.header.Get("X-Runtime") != rt.name {
				t.Errorf("response headers %v", r.header)
			}
			// Payload 2.0 responses have no multiValueHeaders; a function's are ignored.
			if v := r.header.Values("X-Multi"); v != nil {
				t.Errorf("multiValueHeaders sent on an HTTP API 2.0 response: %v", v)
			}
			var ev events.APIGatewayV2HTTPRequest
			raw := decodeEvent(t, rep.Event, &ev)
			rc := ev.RequestContext
			for _, c := range []struct{ what, got, want string }{
				{"version", ev.Version, "2.0"},
				{"routeKey", ev.RouteKey, "GET /items/{id}"},
				{"rawPath", ev.RawPath, "/items/42"},
				{"rawQueryString", ev.RawQueryString, "a=1&a=2"},
				{"requestContext.routeKey", rc.RouteKey, "GET /items/{id}"},
				{"requestContext.stage", rc.Stage, "$default"},
				{"requestContext.http.method", rc.HTTP.Method, "GET"},
				{"requestContext.http.path", rc.HTTP.Path, "/items/42"},
				{"requestContext.apiId", rc.APIID, rt.name + "http"},
				{"requestContext.requestId", rc.RequestID, r.header.Get("Apigw-Requestid")},
				{"headers.x-custom", ev.Headers["x-custom"], "v"},
			} {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			// Cookies move out of the headers into their own list.
			if !slices.Equal(ev.Cookies, []string{"c1=x", "c2=y"}) {
				t.Errorf("cookies %q", ev.Cookies)
			}
			for k := range ev.Headers {
				if k != strings.ToLower(k) || k == "cookie" {
					t.Errorf("header %q in a 2.0 event", k)
				}
			}
			// Repeated query parameters are joined with commas; there is no multi-value map.
			if !reflect.DeepEqual(ev.QueryStringParameters, map[string]string{"a": "1,2"}) ||
				!reflect.DeepEqual(ev.PathParameters, map[string]string{"id": "42"}) {
				t.Errorf("query %v path %v", ev.QueryStringParameters, ev.PathParameters)
			}
			if _, ok := raw["multiValueQueryStringParameters"]; ok || raw["isBase64Encoded"] != false {
				t.Errorf("2.0 event keys: %s", rep.Event)
			}

			// A bare JSON object without statusCode is the body of a 200 (2.0 inference).
			r = do(t, "GET", g.url("/do/bare"), nil, "Host", host)
			var bare map[string]any
			if r.status != 200 || r.header.Get("Content-Type") != "application/json" ||
				json.Unmarshal([]byte(r.body), &bare) != nil || !reflect.DeepEqual(bare, map[string]any{"runtime": rt.name, "bare": true}) {
				t.Errorf("bare object: %d %v %q", r.status, r.header, r.body)
			}
			r = do(t, "GET", g.url("/do/cookies"), nil, "Host", host)
			if r.status != 200 || r.body != "cookies" || r.header.Get("Content-Type") != "text/plain" ||
				!slices.Equal(r.header.Values("Set-Cookie"), []string{"a=1; Path=/", "b=2"}) {
				t.Errorf("cookies: %d %v %q", r.status, r.header, r.body)
			}
		})
	}

	// What each protocol makes of a function error and of output that is not a proxy response.
	// REST answers all of them 502; payload 2.0 takes any JSON without statusCode as a body.
	for _, tc := range []struct {
		action     string
		rest, http string // "status body"; http "" where the 2.0 cases above cover it
	}{
		{"throw", "502 " + restInternalError, "500 " + httpInternalError},
		{"string", "502 " + restInternalError, "200 just a string"},
		// statusCode missing, and keys a REST proxy response does not have.
		{"bare", "502 " + restInternalError, ""},
	} {
		for _, rt := range fnRuntimes {
			t.Run("failure "+tc.action+"/"+rt.name, func(t *testing.T) {
				r := do(t, "GET", g.url("/dev/do/"+tc.action), nil, "Host", apiHost(rt.name+"rest"))
				if got := fmt.Sprint(r.status, " ", r.body); got != tc.rest || r.header.Get("X-Amzn-Errortype") != "InternalServerErrorException" {
					t.Errorf("REST: %s %v, want %s", got, r.header, tc.rest)
				}
				if tc.http == "" {
					return
				}
				r = do(t, "GET", g.url("/do/"+tc.action), nil, "Host", apiHost(rt.name+"http"))
				if got := fmt.Sprint(r.status, " ", r.body); got != tc.http {
					t.Errorf("HTTP API: %s, want %s", got, tc.http)
				}
			})
		}
	}

	for _, rt := range fnRuntimes {
		t.Run("crash then a new instance/"+rt.name, func(t *testing.T) {
			host := apiHost(rt.name + "rest")
			before := decodeReply(t, do(t, "GET", g.url("/dev/items/1"), nil, "Host", host)).PID
			r := do(t, "GET", g.url("/dev/do/crash"), nil, "Host", host)
			if r.status != 502 || r.body != restInternalError {
				t.Fatalf("crash: %d %q", r.status, r.body)
			}
			waitFor(t, "the crashed process to be gone", 5*time.Second, func() bool { return pidGone(before) })
			waitFor(t, "Runtime.ExitError in the log", 5*time.Second, func() bool {
				return hasLine(g.stderr(), "["+rt.function+"] REPORT ", "Status: error\tError Type: Runtime.ExitError")
			})
			after := decodeReply(t, do(t, "GET", g.url("/dev/items/1"), nil, "Host", host)).PID
			if after == before || pidGone(after) {
				t.Fatalf("after the crash pid %d (before %d)", after, before)
			}
		})
	}

	t.Run("timeout", func(t *testing.T) {
		r := do(t, "GET", g.url("/dev/slow/sleep?ms=3000"), nil, "Host", apiHost("limits"))
		if r.status != 502 || r.body != restInternalError {
			t.Fatalf("got %d %q", r.status, r.body)
		}
		const want = "Task timed out after 1.00 seconds"
		waitFor(t, "the timeout in the server's log", 5*time.Second, func() bool {
			return hasLine(g.stderr(), "[slow] ", want)
		})
		var out []byte
		waitFor(t, "the timeout in genkan logs slow", 5*time.Second, func() bool {
			cmd := exec.Command(genkanBin, "logs", "slow", "--state-dir", filepath.Join(dir, ".genkan"))
			// The race detector sleeps 1 s at exit by default; this command exits at once.
			cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
			var err error
			if out, err = cmd.CombinedOutput(); err != nil {
				t.Fatalf("genkan logs: %v\n%s", err, out)
			}
			return strings.Contains(string(out), want) && strings.Contains(string(out), "Status: timeout")
		})
		if !strings.Contains(string(out), "sleeping 3000") {
			t.Errorf("genkan logs slow lacks the function's own output:\n%s", out)
		}
	})

	t.Run("throttled beyond reserved concurrency", func(t *testing.T) {
		// concurrency: 1 and each invocation sleeps 1 s, so of three requests sent at once
		// one runs and the others find the function at its limit. Lambda answers those 429,
		// which API Gateway does not pass on: the client gets a 500.
		var wg sync.WaitGroup
		results := make([]response, 3)
		errs := make([]error, 3)
		start := make(chan struct{})
		for i := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i], errs[i] = get(g.url("/dev/single/sleep?ms=1000"), apiHost("limits"))
			}()
		}
		close(start)
		wg.Wait()
		var ok, throttled int
		for i, r := range results {
			switch {
			case errs[i] != nil:
				t.Errorf("request %d: %v", i, errs[i])
			case r.status == 201:
				ok++
			case r.status == 500 && r.body == restInternalError && r.header.Get("X-Amzn-Errortype") == "InternalServerErrorException":
				throttled++
			default:
				t.Errorf("unexpected answer %d %q %v", r.status, r.body, r.header)
			}
		}
		if ok != 1 || throttled != 2 {
			t.Fatalf("%d ran and %d were throttled, want 1 and 2", ok, throttled)
		}
	})

	t.Run("Invoke API", func(t *testing.T) {
		client := awslambda.New(awslambda.Options{
			BaseEndpoint: aws.String("http://" + g.admin),
			Region:       "us-east-1",
			Credentials:  aws.AnonymousCredentials{},
		})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()

		out, err := client.Invoke(ctx, &awslambda.InvokeInput{
			FunctionName: aws.String("gofn"),
			Payload:      []byte(`{"action":"echo","data":"x"}`),
			LogType:      types.LogTypeTail,
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.StatusCode != 200 || out.FunctionError != nil || aws.ToString(out.ExecutedVersion) != "$LATEST" {
			t.Errorf("status %d, function error %v, version %v", out.StatusCode, aws.ToString(out.FunctionError), aws.ToString(out.ExecutedVersion))
		}
		// The Go function answers a proxy response whose body holds the payload it was sent.
		var proxy struct {
			StatusCode int    `json:"statusCode"`
			Body       string `json:"body"`
		}
		var body struct {
			Runtime string         `json:"runtime"`
			Event   map[string]any `json:"event"`
		}
		if err := json.Unmarshal(out.Payload, &proxy); err != nil || json.Unmarshal([]byte(proxy.Body), &body) != nil {
			t.Fatalf("payload %s", out.Payload)
		}
		if proxy.StatusCode != 201 || body.Runtime != "go" || !reflect.DeepEqual(body.Event, map[string]any{"action": "echo", "data": "x"}) {
			t.Errorf("payload %s", out.Payload)
		}
		tail, err := base64.StdEncoding.DecodeString(aws.ToString(out.LogResult))
		if err != nil || !strings.Contains(string(tail), "START RequestId: ") || !strings.Contains(string(tail), "REPORT RequestId: ") {
			t.Errorf("log tail %q (%v)", tail, err)
		}

		out, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("gofn"), Payload: []byte(`{"action":"throw"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if out.StatusCode != 200 || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), `"errorMessage":"boom"`) {
			t.Errorf("function error: %d %v %s", out.StatusCode, aws.ToString(out.FunctionError), out.Payload)
		}

		_, err = client.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("nope")})
		var notFound *types.ResourceNotFoundException
		if !errors.As(err, &notFound) {
			t.Errorf("unknown function: %v", err)
		}

		// Event: accepted with 202 at once, run later; the function's output shows it ran.
		marker := fmt.Sprintf("event-%d", time.Now().UnixNano())
		out, err = client.Invoke(ctx, &awslambda.InvokeInput{
			FunctionName:   aws.String("gofn"),
			InvocationType: types.InvocationTypeEvent,
			Payload:        []byte(`{"action":"log","marker":"` + marker + `"}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.StatusCode != 202 || len(out.Payload) != 0 {
			t.Errorf("Event invocation: %d %q", out.StatusCode, out.Payload)
		}
		waitFor(t, "the Event invocation to run", 10*time.Second, func() bool {
			return strings.Contains(g.stderr(), "[gofn] logged: "+marker)
		})
	})
}
