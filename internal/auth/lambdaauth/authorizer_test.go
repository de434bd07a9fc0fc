package lambdaauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/integration/lambda"
	"github.com/genkanhq/genkan/internal/reqctx"
)

func TestNewRejects(t *testing.T) {
	inv := &fakeInvoker{out: answer("{}", "")}
	cases := []struct {
		name     string
		spec     apimodel.Authorizer
		protocol apimodel.Protocol
		want     string
	}{
		{"JWT type", apimodel.Authorizer{Type: apimodel.AuthorizerJWT}, apimodel.ProtocolREST, "not a Lambda authorizer type"},
		{"TOKEN without source", apimodel.Authorizer{Type: apimodel.AuthorizerToken}, apimodel.ProtocolREST, "exactly one header"},
		{"TOKEN from query", apimodel.Authorizer{Type: apimodel.AuthorizerToken, IdentitySources: []string{"method.request.querystring.t"}}, apimodel.ProtocolREST, "exactly one header"},
		{"TOKEN with two headers", apimodel.Authorizer{Type: apimodel.AuthorizerToken, IdentitySources: []string{"method.request.header.A, method.request.header.B"}}, apimodel.ProtocolREST, "exactly one header"},
		{"HTTP syntax on REST", apimodel.Authorizer{Type: apimodel.AuthorizerRequest, IdentitySources: []string{"$request.header.A"}}, apimodel.ProtocolREST, "REST APIs accept method.request.header.<name>"},
		{"REST syntax on HTTP", apimodel.Authorizer{Type: apimodel.AuthorizerRequest, IdentitySources: []string{"method.request.header.A"}}, apimodel.ProtocolHTTP, "HTTP APIs accept $request.header.<name>"},
		{"unknown context variable", apimodel.Authorizer{Type: apimodel.AuthorizerRequest, IdentitySources: []string{"context.nope"}}, apimodel.ProtocolREST, "not a context variable"},
		{"empty header name", apimodel.Authorizer{Type: apimodel.AuthorizerRequest, IdentitySources: []string{"method.request.header."}}, apimodel.ProtocolREST, "names nothing"},
		{"bad regex", apimodel.Authorizer{Type: apimodel.AuthorizerToken, IdentitySources: []string{"method.request.header.A"}, IdentityValidationExpression: `^(?=x)`}, apimodel.ProtocolREST, "identityValidationExpression"},
		{"TTL too long", apimodel.Authorizer{Type: apimodel.AuthorizerToken, IdentitySources: []string{"method.request.header.A"}, ResultTTLSeconds: seconds(3601)}, apimodel.ProtocolREST, "must be 0 (no caching) to 3600"},
		{"cache without sources", apimodel.Authorizer{Type: apimodel.AuthorizerRequest}, apimodel.ProtocolREST, "needs at least one identity source"},
		{"simple responses on REST", apimodel.Authorizer{Type: apimodel.AuthorizerToken, IdentitySources: []string{"method.request.header.A"}, EnableSimpleResponses: true}, apimodel.ProtocolREST, "HTTP API setting"},
		{"simple responses with 1.0", apimodel.Authorizer{Type: apimodel.AuthorizerRequest, PayloadFormatVersion: "1.0", EnableSimpleResponses: true, ResultTTLSeconds: seconds(0)}, apimodel.ProtocolHTTP, "needs payloadFormatVersion 2.0"},
		{"HTTP TOKEN", apimodel.Authorizer{Type: apimodel.AuthorizerToken, IdentitySources: []string{"$request.header.A"}}, apimodel.ProtocolHTTP, "REQUEST authorizers"},
		{"HTTP payload 3.0", apimodel.Authorizer{Type: apimodel.AuthorizerRequest, PayloadFormatVersion: "3.0", ResultTTLSeconds: seconds(0)}, apimodel.ProtocolHTTP, "accept 1.0 or 2.0"},
		{"WebSocket", apimodel.Authorizer{Type: apimodel.AuthorizerRequest}, apimodel.ProtocolWebSocket, "not supported yet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := tc.spec
			spec.Name = "auth"
			spec.Pos = apimodel.Position{File: "genkan.yaml", Line: 7, Column: 5}
			_, err := New(Config{Spec: &spec, Protocol: tc.protocol, Function: testFunction, Invoker: inv})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "genkan.yaml:7:5") || !strings.Contains(err.Error(), `authorizer "auth"`) {
				t.Errorf("err = %v, want the position and the authorizer's name", err)
			}
		})
	}
	if _, err := New(Config{Spec: tokenSpec(), Protocol: apimodel.ProtocolREST, Function: testFunction}); err == nil {
		t.Error("New accepted a config without an invoker")
	}
}

// TestRESTOutcomes checks each outcome of a REST TOKEN authorizer down to the response AWS
// renders for it.
func TestRESTOutcomes(t *testing.T) {
	arn := arnFor("prod", "GET", "/pets/42")
	cases := []struct {
		name    string
		header  map[string]string
		valid   string // identityValidationExpression
		out     string
		fnErr   string
		invErr  error
		status  int
		errType string
		body    string
		invoked bool
	}{
		{name: "allow", out: allowOutput("user", arn), status: 200, invoked: true},
		{name: "allow by wildcard", out: allowOutput("user", "arn:aws:execute-api:us-east-1:123456789012:"+testAPI+"/*/GET/*"), status: 200, invoked: true},
		{name: "allow by ? wildcard", out: allowOutput("user", arnFor("prod", "GET", "/pets/4?")), status: 200, invoked: true},
		{name: "allow from a resource list", out: allowOutput("user", arnFor("prod", "POST", "/pets"), arn), status: 200, invoked: true},
		{name: "action list and single statement object", status: 200, invoked: true,
			out: `{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":{"Action":["s3:GetObject","execute-api:Invoke"],"Effect":"Allow","Resource":"*"}}}`},
		{name: "explicit deny", out: `{"principalId":"u","policyDocument":` + policyJSON("Deny", arn) + `}`,
			status: 403, errType: "AccessDeniedException", body: `{"Message":"User is not authorized to access this resource with an explicit deny"}`, invoked: true},
		{name: "deny wins over allow", status: 403, errType: "AccessDeniedException", invoked: true,
			body: `{"Message":"User is not authorized to access this resource with an explicit deny"}`,
			out: `{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[` +
				`{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},` +
				`{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"` + arnFor("*", "GET", "/pets/*") + `"}]}}`},
		{name: "allow of another method", out: allowOutput("user", arnFor("prod", "POST", "/pets/42")),
			status: 403, errType: "AccessDeniedException", body: `{"Message":"User is not authorized to access this resource"}`, invoked: true},
		{name: "function fails with Unauthorized", out: `{"errorMessage":"Unauthorized","errorType":"Error"}`, fnErr: "Unhandled",
			status: 401, errType: "UnauthorizedException", body: `{"message":"Unauthorized"}`, invoked: true},
		{name: "function fails otherwise", out: `{"errorMessage":"Error: Invalid token","errorType":"Error"}`, fnErr: "Unhandled",
			status: 500, errType: "AuthorizerConfigurationException", body: `{"message": null}`, invoked: true},
		{name: "Unauthorized with more text", out: `{"errorMessage":"Unauthorized: expired"}`, fnErr: "Unhandled",
			status: 500, errType: "AuthorizerConfigurationException", body: `{"message": null}`, invoked: true},
		{name: "proxy-style output", out: `{"statusCode":401,"body":"no"}`,
			status: 500, errType: "AuthorizerConfigurationException", body: `{"message": null}`, invoked: true},
		{name: "null output", out: `null`, status: 500, errType: "AuthorizerConfigurationException", body: `{"message": null}`, invoked: true},
		{name: "object in context", out: `{"principalId":"u","policyDocument":` + policyJSON("Allow", arn) + `,"context":{"a":["hello"]}}`,
			status: 500, errType: "AuthorizerConfigurationException", body: `{"message": null}`, invoked: true},
		{name: "invoke fails", invErr: errors.New("connection refused"),
			status: 500, errType: "AuthorizerConfigurationException", body: `{"message": null}`, invoked: true},
		{name: "throttled", invErr: lambda.ErrThrottled,
			status: 500, errType: "AuthorizerConfigurationException", body: `{"message": null}`, invoked: true},
		{name: "no token", header: map[string]string{},
			status: 401, errType: "UnauthorizedException", body: `{"message":"Unauthorized"}`},
		{name: "empty token", header: map[string]string{"Authorization": ""},
			status: 401, errType: "UnauthorizedException", body: `{"message":"Unauthorized"}`},
		{name: "token matches the validation expression", valid: `Bearer [a-z]+`, out: allowOutput("user", arn), status: 200, invoked: true},
		{name: "token fails the validation expression", valid: `Bearer [0-9]+`,
			status: 401, errType: "UnauthorizedException", body: `{"message":"Unauthorized"}`},
		{name: "validation expression matches the whole token", valid: `Bearer`,
			status: 401, errType: "UnauthorizedException", body: `{"message":"Unauthorized"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := &fakeInvoker{out: func([]byte) ([]byte, string, error) { return []byte(tc.out), tc.fnErr, tc.invErr }}
			spec := tokenSpec()
			spec.IdentityValidationExpression = tc.valid
			a := mustNew(t, spec, apimodel.ProtocolREST, inv, nil)
			header := tc.header
			if header == nil {
				header = map[string]string{"Authorization": "Bearer abc"}
			}
			req := newRequest(apimodel.ProtocolREST, "GET", "/prod/pets/42", header)
			err := a.Authorize(context.Background(), req)
			if got := inv.count() > 0; got != tc.invoked {
				t.Errorf("invoked = %v, want %v", got, tc.invoked)
			}
			au := &req.Ctx.Authorizer
			if au.Kind != reqctx.AuthorizerLambda || au.Status != tc.status {
				t.Errorf("$context.authorizer kind %d status %d, want lambda, %d", au.Kind, au.Status, tc.status)
			}
			if tc.status == 200 {
				if err != nil {
					t.Fatalf("Authorize: %v", err)
				}
				if au.Error != "" {
					t.Errorf("$context.authorizer.error = %q on success", au.Error)
				}
				return
			}
			if err == nil {
				t.Fatal("Authorize allowed the request")
			}
			if au.Error == "" {
				t.Error("$context.authorizer.error is empty on a failure")
			}
			status, errType, body := render(t, apimodel.ProtocolREST, err)
			if status != tc.status || errType != tc.errType || body != tc.body {
				t.Errorf("rendered %d %s %s, want %d %s %s", status, errType, body, tc.status, tc.errType, tc.body)
			}
		})
	}
}

// TestAllowFillsContext checks what an Allow records for events, logs and usage plans.
func TestAllowFillsContext(t *testing.T) {
	clk := newClock()
	inv := &fakeInvoker{}
	inv.out = func([]byte) ([]byte, string, error) {
		clk.advance(42 * time.Millisecond) // the function's run time
		return []byte(`{"principalId":"jane","policyDocument":` + policyJSON("Allow", "*") +
			`,"context":{"s":"v","n":1.5,"b":false,"gone":null},"usageIdentifierKey":"key-123"}`), "", nil
	}
	spec := tokenSpec()
	a := mustNew(t, spec, apimodel.ProtocolREST, inv, clk)
	req := newRequest(apimodel.ProtocolREST, "GET", "/prod/pets", map[string]string{"Authorization": "t"})
	if err := a.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	au := req.Ctx.Authorizer
	wantCtx := map[string]any{"s": "v", "n": json.Number("1.5"), "b": false}
	if au.PrincipalID != "jane" || au.UsageIdentifierKey != "key-123" || show(au.Context) != show(wantCtx) {
		t.Errorf("authorizer = %+v", au)
	}
	if au.IntegrationLatency != 42*time.Millisecond || au.Latency != 42*time.Millisecond {
		t.Errorf("latency %v, integration latency %v, want 42ms each", au.Latency, au.IntegrationLatency)
	}
	for name, want := range map[string]string{"principalId": "jane", "n": "1.5", "b": "false", "integrationLatency": "42", "status": "200"} {
		if got, _ := req.Ctx.Lookup("authorizer." + name); got != want {
			t.Errorf("$context.authorizer.%s = %q, want %q", name, got, want)
		}
	}
	call := inv.last(t)
	if call.function != testFunction {
		t.Errorf("invoked %q, want %q", call.function, testFunction)
	}
	if call.inv.TraceID == "" || call.inv.TraceID != req.Ctx.TraceID || call.inv.APIRequestID != req.Ctx.RequestID {
		t.Errorf("invocation %+v, want the request's trace id %q and request id", call.inv, req.Ctx.TraceID)
	}

	// From the cache: the same principal and context, no integration latency.
	req2 := newRequest(apimodel.ProtocolREST, "GET", "/prod/pets", map[string]string{"Authorization": "t"})
	if err := a.Authorize(context.Background(), req2); err != nil {
		t.Fatal(err)
	}
	if au2 := req2.Ctx.Authorizer; au2.PrincipalID != "jane" || au2.IntegrationLatency != 0 || au2.Status != 200 {
		t.Errorf("cached authorizer = %+v", au2)
	}
}

// TestResourcePolicy checks the two phases of a Lambda authorizer under a resource policy.
func TestResourcePolicy(t *testing.T) {
	deny, allow := policy.Deny, policy.Allow
	inv := &fakeInvoker{out: answer(allowOutput("u", arnFor("prod", "POST", "/other")), "")}
	a := mustNew(t, tokenSpec(), apimodel.ProtocolREST, inv, nil)

	req := newRequest(apimodel.ProtocolREST, "GET", "/prod/pets", map[string]string{"Authorization": "t"})
	req.ResourcePolicy = &deny
	err := a.Authorize(context.Background(), req)
	if status, _, _ := render(t, apimodel.ProtocolREST, err); status != 403 || inv.count() != 0 {
		t.Errorf("resource policy Deny: status %d after %d invocations, want 403 before any", status, inv.count())
	}

	// Table A: the resource policy's Allow admits what the authorizer's policy leaves out.
	req = newRequest(apimodel.ProtocolREST, "GET", "/prod/pets", map[string]string{"Authorization": "t"})
	req.ResourcePolicy = &allow
	if err := a.Authorize(context.Background(), req); err != nil {
		t.Errorf("resource policy Allow + authorizer implicit deny: %v, want allowed", err)
	}
}

func TestHTTPOutcomes(t *testing.T) {
	cases := []struct {
		name    string
		spec    apimodel.Authorizer
		header  map[string]string
		out     string
		fnErr   string
		status  int
		body    string
		invoked bool
	}{
		{name: "simple allow", spec: simpleSpec(), out: `{"isAuthorized":true,"context":{"tenant":{"id":7}}}`, status: 200, invoked: true},
		{name: "simple deny", spec: simpleSpec(), out: `{"isAuthorized":false}`, status: 403, body: `{"message":"Forbidden"}`, invoked: true},
		{name: "isAuthorized as a string", spec: simpleSpec(), out: `{"isAuthorized":"true"}`, status: 500, body: `{"message":"Internal Server Error"}`, invoked: true},
		{name: "policy where a simple response is expected", spec: simpleSpec(), out: allowOutput("u", "*"), status: 500, body: `{"message":"Internal Server Error"}`, invoked: true},
		{name: "missing identity source", spec: simpleSpec(), header: map[string]string{}, status: 401, body: `{"message":"Unauthorized"}`},
		{name: "function fails with Unauthorized", spec: simpleSpec(), out: `{"errorMessage":"Unauthorized"}`, fnErr: "Unhandled", status: 401, body: `{"message":"Unauthorized"}`, invoked: true},
		{name: "2.0 policy allow", spec: policySpec("2.0"), out: allowOutput("u", "arn:aws:execute-api:us-east-1:123456789012:"+testAPI+"/$default/GET/pets"), status: 200, invoked: true},
		{name: "2.0 policy for another route", spec: policySpec("2.0"), out: allowOutput("u", arnFor("$default", "GET", "/other")), status: 403, body: `{"message":"Forbidden"}`, invoked: true},
		{name: "1.0 policy deny", spec: policySpec("1.0"), out: `{"principalId":"u","policyDocument":` + policyJSON("Deny", "*") + `}`, status: 403, body: `{"message":"Forbidden"}`, invoked: true},
		{name: "1.0 nested context passes", spec: policySpec("1.0"), out: `{"principalId":"u","policyDocument":` + policyJSON("Allow", "*") + `,"context":{"creds":{"k":"v"}}}`, status: 200, invoked: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := &fakeInvoker{out: answer(tc.out, tc.fnErr)}
			spec := tc.spec
			a := mustNew(t, &spec, apimodel.ProtocolHTTP, inv, nil)
			header := tc.header
			if header == nil {
				header = map[string]string{"Authorization": "Bearer abc"}
			}
			req := newRequest(apimodel.ProtocolHTTP, "GET", "/pets", header)
			err := a.Authorize(context.Background(), req)
			if got := inv.count() > 0; got != tc.invoked {
				t.Errorf("invoked = %v, want %v", got, tc.invoked)
			}
			if tc.status == 200 {
				if err != nil {
					t.Fatalf("Authorize: %v", err)
				}
				return
			}
			status, _, body := render(t, apimodel.ProtocolHTTP, err)
			if status != tc.status || body != tc.body {
				t.Errorf("rendered %d %s, want %d %s", status, body, tc.status, tc.body)
			}
		})
	}
}

func simpleSpec() apimodel.Authorizer {
	return apimodel.Authorizer{Name: "simple", Type: apimodel.AuthorizerRequest, PayloadFormatVersion: "2.0",
		EnableSimpleResponses: true, IdentitySources: []string{"$request.header.Authorization"}}
}

func policySpec(version string) apimodel.Authorizer {
	return apimodel.Authorizer{Name: "iam", Type: apimodel.AuthorizerRequest, PayloadFormatVersion: version,
		IdentitySources: []string{"$request.header.Authorization"}}
}

// TestClientGone: a client that goes away mid-invocation gets no gateway response.
func TestClientGone(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	inv := &fakeInvoker{out: func([]byte) ([]byte, string, error) { cancel(); return nil, "", context.Canceled }}
	a := mustNew(t, tokenSpec(), apimodel.ProtocolREST, inv, nil)
	err := a.Authorize(ctx, newRequest(apimodel.ProtocolREST, "GET", "/prod/x", map[string]string{"Authorization": "t"}))
	var e *apierr.Error
	if !errors.Is(err, context.Canceled) || errors.As(err, &e) {
		t.Errorf("err = %v, want the bare context error", err)
	}
}

func TestSourcesOfRequestAuthorizer(t *testing.T) {
	inv := &fakeInvoker{out: answer(allowOutput("u", "*"), "")}
	spec := &apimodel.Authorizer{Name: "req", Type: apimodel.AuthorizerRequest, IdentitySources: []string{
		"method.request.header.X-Tenant, method.request.querystring.user", "stageVariables.env", "context.httpMethod"}}
	a := mustNew(t, spec, apimodel.ProtocolREST, inv, nil)
	cases := []struct {
		target  string
		header  map[string]string
		vars    map[string]string
		invoked bool
	}{
		{"/prod/x?user=u1", map[string]string{"X-Tenant": "t1"}, map[string]string{"env": "dev"}, true},
		{"/prod/x?user=", map[string]string{"X-Tenant": "t1"}, map[string]string{"env": "dev"}, false},
		{"/prod/x", map[string]string{"X-Tenant": "t1"}, map[string]string{"env": "dev"}, false},
		{"/prod/x?user=u1", map[string]string{}, map[string]string{"env": "dev"}, false},
		{"/prod/x?user=u1", map[string]string{"X-Tenant": "t1"}, nil, false},
	}
	for i, tc := range cases {
		before := inv.count()
		req := newRequest(apimodel.ProtocolREST, "GET", tc.target, tc.header)
		req.Ctx.StageVariables = tc.vars
		err := a.Authorize(context.Background(), req)
		if invoked := inv.count() > before; invoked != tc.invoked || (err == nil) != tc.invoked {
			t.Errorf("case %d: invoked %v, err %v; want invoked %v", i, invoked, err, tc.invoked)
		}
		if !tc.invoked && req.Ctx.Authorizer.Status != http.StatusUnauthorized {
			t.Errorf("case %d: status %d, want 401", i, req.Ctx.Authorizer.Status)
		}
	}
}
