package lambda

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func constant(out string, fnErr string, err error) func([]byte) ([]byte, string, error) {
	return func([]byte) ([]byte, string, error) { return []byte(out), fnErr, err }
}

// Failures, as REST and HTTP APIs answer them.
func TestFailures(t *testing.T) {
	cases := []struct {
		name     string
		inv      *recorder
		timeout  time.Duration
		verb     string
		rest     string // status and body of a REST API
		restType string
		http     string // … and of an HTTP API
	}{
		{name: "function error", inv: &recorder{out: constant(`{"errorMessage":"boom","errorType":"Error"}`, "Unhandled", nil)},
			rest: `502 {"message": "Internal server error"}`, restType: "InternalServerErrorException",
			http: `500 {"message":"Internal Server Error"}`},
		{name: "malformed", inv: &recorder{out: constant(`{"statusCode": "x"}`, "", nil)},
			rest: `502 {"message": "Internal server error"}`, restType: "InternalServerErrorException",
			http: `500 {"message":"Internal Server Error"}`},
		{name: "throttled", inv: &recorder{out: constant("", "", fmt.Errorf("reserved concurrency 1: %w", ErrThrottled))},
			rest: `500 {"message": "Internal server error"}`, restType: "InternalServerErrorException",
			http: `500 {"message":"Internal Server Error"}`},
		{name: "invoke error", inv: &recorder{out: constant("", "", errors.New("runtime crashed"))},
			rest: `500 {"message": "Internal server error"}`, restType: "InternalServerErrorException",
			http: `500 {"message":"Internal Server Error"}`},
		{name: "timeout", inv: &recorder{blocking: true}, timeout: 50 * time.Millisecond,
			rest: `504 {"message": "Endpoint request timed out"}`, restType: "InternalServerErrorException",
			http: `503 {"message":"Service Unavailable"}`},
		{name: "integration method GET", inv: &recorder{}, verb: "GET",
			rest: `500 {"message": "Internal server error"}`, restType: "InternalServerErrorException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			verb := tc.verb
			if verb == "" {
				verb = "POST"
			}
			spec := &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, HTTPMethod: verb, URI: testFunctionURI, Timeout: tc.timeout}
			srv := newServer(t, apimodel.ProtocolREST, map[string]map[string]string{"prod": nil}, []testRoute{{"GET", "/x", spec}}, tc.inv)
			resp := send(t, srv, "GET", "/prod/x", nil, "")
			if got := fmt.Sprint(resp.StatusCode, " ", readAll(t, resp)); got != tc.rest {
				t.Errorf("REST: %s, want %s", got, tc.rest)
			}
			if et := resp.Header.Get("X-Amzn-Errortype"); et != tc.restType {
				t.Errorf("REST x-amzn-ErrorType %q", et)
			}
			if tc.http == "" {
				return
			}
			hspec := v2Spec("2.0")
			hspec.Timeout = tc.timeout
			hsrv := newServer(t, apimodel.ProtocolHTTP, map[string]map[string]string{"$default": nil}, []testRoute{{"GET", "/x", hspec}}, tc.inv)
			resp = send(t, hsrv, "GET", "/x", nil, "")
			if got := fmt.Sprint(resp.StatusCode, " ", readAll(t, resp)); got != tc.http {
				t.Errorf("HTTP API: %s, want %s", got, tc.http)
			}
		})
	}
}

// Binary bodies: REST decides by binaryMediaTypes (request Content-Type, response's first
// Accept), HTTP APIs by the request's Content-Type and always decode responses.
func TestBinary(t *testing.T) {
	png := []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}
	b64 := base64.StdEncoding.EncodeToString(png)
	out := constant(`{"statusCode": 200, "headers": {"Content-Type": "image/png"}, "isBase64Encoded": true, "body": "`+b64+`"}`, "", nil)

	rec := &recorder{out: out}
	srv := newServer(t, apimodel.ProtocolREST, map[string]map[string]string{"prod": nil},
		[]testRoute{{"POST", "/img", nil}}, rec, WithBinaryMediaTypes([]string{"image~1png", "application/octet-stream"}))
	for _, tc := range []struct {
		contentType, accept string
		binaryIn, binaryOut bool
	}{
		{"image/png", "image/png, */*", true, true},
		{"application/octet-stream; x=1", "*/*", true, false},
		{"application/json", "text/html, image/png", false, false},
	} {
		resp := send(t, srv, "POST", "/prod/img", map[string][]string{"Content-Type": {tc.contentType}, "Accept": {tc.accept}}, string(png))
		body := readAll(t, resp)
		ev := decode(t, rec.last(t).payload)
		if ev["isBase64Encoded"] != tc.binaryIn || tc.binaryIn && ev["body"] != b64 {
			t.Errorf("REST %s: event body %v %v", tc.contentType, ev["isBase64Encoded"], ev["body"])
		}
		if want := map[bool]string{true: string(png), false: b64}[tc.binaryOut]; body != want {
			t.Errorf("REST Accept %s: body %q", tc.accept, body)
		}
	}

	rec = &recorder{out: out}
	hsrv := newServer(t, apimodel.ProtocolHTTP, map[string]map[string]string{"$default": nil},
		[]testRoute{{"POST", "/img", v2Spec("2.0")}}, rec)
	for ct, binary := range map[string]bool{"application/json": false, "text/csv": false, "application/xml": false,
		"application/x-www-form-urlencoded": true, "image/png": true, "": true} {
		h := map[string][]string{}
		if ct != "" {
			h["Content-Type"] = []string{ct}
		}
		resp := send(t, hsrv, "POST", "/img", h, "a=b")
		if body := readAll(t, resp); body != string(png) {
			t.Errorf("HTTP API: body %q", body)
		}
		ev := decode(t, rec.last(t).payload)
		if ev["isBase64Encoded"] != binary {
			t.Errorf("HTTP API %q: isBase64Encoded %v", ct, ev["isBase64Encoded"])
		}
	}
}

// HTTP API responses: payload 2.0 inference, cookies, and 1.0's requirement of statusCode.
func TestHTTPAPIResponses(t *testing.T) {
	cases := []struct {
		version, out, want string
		cookies            []string
	}{
		{"2.0", `"Hello from Lambda!"`, "200 application/json Hello from Lambda!", nil},
		{"2.0", `{"message":"hi"}`, `200 application/json {"message":"hi"}`, nil},
		{"2.0", `{"statusCode": 201, "headers": {"content-type": "text/plain"}, "body": "ok", "cookies": ["a=1; Path=/", "b=2"]}`,
			"201 text/plain ok", []string{"a=1; Path=/", "b=2"}},
		{"1.0", `{"statusCode": 202, "body": "ok", "multiValueHeaders": {"X-A": ["1", "2"]}, "unknown": true}`, "202 application/json ok", nil},
		{"1.0", `{"body": "ok"}`, `500 application/json {"message":"Internal Server Error"}`, nil},
	}
	for _, tc := range cases {
		srv := newServer(t, apimodel.ProtocolHTTP, map[string]map[string]string{"$default": nil},
			[]testRoute{{"GET", "/r", v2Spec(tc.version)}}, &recorder{out: constant(tc.out, "", nil)})
		resp := send(t, srv, "GET", "/r", nil, "")
		got := fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("Content-Type"), " ", readAll(t, resp))
		if got != tc.want || fmt.Sprint(resp.Header["Set-Cookie"]) != fmt.Sprint(tc.cookies) {
			t.Errorf("%s %s: %s %v, want %s %v", tc.version, tc.out, got, resp.Header["Set-Cookie"], tc.want, tc.cookies)
		}
		if tc.version == "1.0" && resp.StatusCode == 202 && fmt.Sprint(resp.Header["X-A"]) != "[1 2]" {
			t.Errorf("multiValueHeaders: %v", resp.Header)
		}
	}
}

// A function named by a stage variable is resolved per request; the invoker is told the trace
// id the event carries.
func TestStageVariableFunction(t *testing.T) {
	rec := &recorder{}
	spec := &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, HTTPMethod: "POST",
		URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111111111111:function:${stageVariables.fn}:live/invocations"}
	known := map[string]bool{"orders": true}
	p, err := New(spec, apimodel.ProtocolREST, rec, func(n string) bool { return known[n] })
	if err != nil {
		t.Fatal(err)
	}
	call := func(vars map[string]string) (*httptest.ResponseRecorder, *reqctx.Context, error) {
		c := &reqctx.Context{APIID: "a1b2c3d4e5", Stage: "prod", Path: "/prod/x", ResourcePath: "/x", HTTPMethod: "GET",
			RequestID: "r", RequestTime: time.Now(), StageVariables: vars}
		r := httptest.NewRequest("GET", "/prod/x", nil)
		r.Header.Set("X-Amzn-Trace-Id", "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c")
		w := httptest.NewRecorder()
		return w, c, p.Invoke(w, &gateway.Call{Req: r, Ctx: c, Path: "/x"})
	}
	w, c, err := call(map[string]string{"fn": "orders"})
	if err != nil || w.Code != 200 {
		t.Fatalf("%v %d", err, w.Code)
	}
	last := rec.last(t)
	if last.function != "arn:aws:lambda:us-east-1:111111111111:function:orders:live" {
		t.Errorf("invoked %q", last.function)
	}
	ev := decode(t, last.payload)
	trace := "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c"
	if last.inv.TraceID != trace || ev["headers"].(map[string]any)["X-Amzn-Trace-Id"] != trace || c.TraceID != trace || w.Header().Get("X-Amzn-Trace-Id") != trace {
		t.Errorf("trace ids: %q %v %q", last.inv.TraceID, ev["headers"], c.TraceID)
	}
	if c.IntegrationStatus != 200 || c.IntegrationLatency <= 0 || c.ResourceID == "" || c.DeploymentID == "" {
		t.Errorf("$context: %+v", c)
	}
	for _, vars := range []map[string]string{{"fn": "missing"}, {"fn": "bad name!"}, nil} {
		if _, _, err := call(vars); err == nil || !strings.Contains(fmt.Sprintf("%#v", err), "API_CONFIGURATION_ERROR") {
			t.Errorf("%v: %#v", vars, err)
		}
	}
}

// $context.integrationStatus is Lambda's status: 429 when throttled.
func TestThrottledStatus(t *testing.T) {
	p, err := New(v2Spec("2.0"), apimodel.ProtocolHTTP, InvokerFunc(func(context.Context, string, []byte) ([]byte, string, error) {
		return nil, "", fmt.Errorf("x: %w", ErrThrottled)
	}), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &reqctx.Context{Path: "/", RequestTime: time.Now()}
	err = p.Invoke(httptest.NewRecorder(), &gateway.Call{Req: httptest.NewRequest("GET", "/", nil), Ctx: c, Path: "/"})
	if err == nil || c.IntegrationStatus != 429 {
		t.Errorf("%v, integrationStatus %d", err, c.IntegrationStatus)
	}
}

func TestNewRejects(t *testing.T) {
	inv := &recorder{}
	cases := []struct {
		protocol apimodel.Protocol
		spec     apimodel.Integration
		exists   func(string) bool
		msg      string
	}{
		{apimodel.ProtocolREST, apimodel.Integration{URI: "test-fn"}, nil, "REST APIs name the function by ARN"},
		{apimodel.ProtocolREST, apimodel.Integration{URI: testFunctionURI, PayloadFormatVersion: "2.0"}, nil, "payload format 1.0"},
		{apimodel.ProtocolHTTP, apimodel.Integration{URI: "test-fn", PayloadFormatVersion: "3.0"}, nil, "1.0 or 2.0"},
		{apimodel.ProtocolHTTP, apimodel.Integration{URI: "arn:aws:s3:::bucket"}, nil, "not a Lambda function"},
		{apimodel.ProtocolHTTP, apimodel.Integration{URI: "test-fn"}, func(string) bool { return false }, `function "test-fn" is not defined`},
		{apimodel.ProtocolWebSocket, apimodel.Integration{URI: "test-fn"}, nil, "not supported yet"},
	}
	for _, tc := range cases {
		_, err := New(&tc.spec, tc.protocol, inv, tc.exists)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s %s: %v, want %q", tc.protocol, tc.spec.URI, err, tc.msg)
		}
	}
	if _, err := New(&apimodel.Integration{URI: "test-fn"}, apimodel.ProtocolHTTP, nil, nil); err == nil {
		t.Error("accepted a nil invoker")
	}
}

// invokeDirect runs p on a hand-built call, filled the way the edge fills it.
func invokeDirect(t *testing.T, p *Proxy, r *http.Request, c *reqctx.Context, restPath string) map[string]any {
	t.Helper()
	rec := p.inv.(*recorder)
	if err := p.Invoke(httptest.NewRecorder(), &gateway.Call{Req: r, Ctx: c, Path: restPath}); err != nil {
		t.Fatal(err)
	}
	return decode(t, rec.last(t).payload)
}

// On a custom domain a REST event's path keeps the base path; over HTTP/2 the client's header
// names were lower case, and AWS's own stay Pascal-cased.
func TestCustomDomainAndHTTP2(t *testing.T) {
	p, err := New(&apimodel.Integration{URI: testFunctionURI}, apimodel.ProtocolREST, &recorder{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "https://api.example.com/v1/pets/1", nil)
	r.ProtoMajor, r.Proto = 2, "HTTP/2.0"
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Authorization", "x")
	c := &reqctx.Context{Stage: "prod", Path: "/v1/pets/1", ResourcePath: "/pets/{id}", RequestTime: time.Now(), Protocol: r.Proto}
	ev := invokeDirect(t, p, r, c, "/pets/1")
	h := ev["headers"].(map[string]any)
	if ev["path"] != "/v1/pets/1" || ev["requestContext"].(map[string]any)["path"] != "/v1/pets/1" ||
		h["content-type"] != "text/plain" || h["Authorization"] != "x" || h["Host"] != "api.example.com" ||
		h["X-Forwarded-Proto"] != "https" || h["X-Forwarded-Port"] != "443" {
		t.Errorf("%s", show(ev))
	}
}
