package lambdaauth

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Fixtures recorded on AWS are compared member by member; documentation examples, which are
// abbreviated and not always consistent with themselves, are compared "open" (genkan may send
// members they leave out) with their inconsistencies named in the rules.
var eventCases = []struct {
	file     string
	protocol apimodel.Protocol
	spec     apimodel.Authorizer
	region   string
	// identityHeaders: the fixture's identitySource values are sent as headers X-Identity-<i>
	// and configured as the identity sources, since the fixture does not say where they came from.
	identityHeaders bool
	// fixtureARN passes the fixture's methodArn/routeArn instead of building it: documentation
	// ARNs disagree with the rest of their example (method, stage).
	fixtureARN bool
	rules      diffRules
}{
	// Recorded on AWS.
	// A TOKEN event says nothing of the request but its ARN, so the ARN is the fixture's.
	{file: "powertools-lambda-typescript/apigw-rest/authorizer-token.json", protocol: apimodel.ProtocolREST,
		spec: tokenAuthorizer(), region: "eu-west-1", fixtureARN: true},
	{file: "powertools-lambda-typescript/apigw-rest/authorizer-request.json", protocol: apimodel.ProtocolREST, region: "eu-west-1",
		spec: requestAuthorizer("method.request.header.Authorization"),
		rules: diffRules{
			// An edge-optimized API's requests pass through CloudFront, which adds these and its
			// own address to X-Forwarded-For; genkan answers like a regional endpoint.
			skip:     []string{"headers.CloudFront-*", "multiValueHeaders.CloudFront-*", "headers.Via", "multiValueHeaders.Via", "headers.X-Amz-Cf-Id", "multiValueHeaders.X-Amz-Cf-Id"},
			anyValue: []string{"headers.X-Forwarded-For", "multiValueHeaders.X-Forwarded-For"},
		}},
	{file: "powertools-lambda-typescript/apigw-http/authorizer-request.json", protocol: apimodel.ProtocolHTTP, region: "eu-west-1",
		spec: httpAuthorizer("2.0", "$request.header.Authorization")},

	// Documentation examples and test data derived from them.
	{file: "aws-lambda-go/apigw-custom-auth-request.json", protocol: apimodel.ProtocolREST, spec: tokenAuthorizer(), fixtureARN: true},
	{file: "awsdocs-apigateway-devguide/api-gateway-lambda-authorizer-input__02.json", protocol: apimodel.ProtocolREST, spec: tokenAuthorizer(), fixtureARN: true},
	{file: "powertools-lambda-python/apiGatewayAuthorizerTokenEvent.json", protocol: apimodel.ProtocolREST, spec: tokenAuthorizer(), fixtureARN: true},
	{file: "aws-lambda-go/apigw-custom-auth-request-type-request.json", protocol: apimodel.ProtocolREST, fixtureARN: true,
		spec:  requestAuthorizer("method.request.header.HeaderAuth1", "method.request.querystring.QueryString1", "stageVariables.StageVar1"),
		rules: docRules(nil)},
	{file: "awsdocs-apigateway-devguide/api-gateway-lambda-authorizer-input__03.json", protocol: apimodel.ProtocolREST, fixtureARN: true,
		spec:  requestAuthorizer("method.request.header.HeaderAuth1"),
		rules: docRules([]string{""})},
	{file: "aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json", protocol: apimodel.ProtocolHTTP, fixtureARN: true,
		spec: httpAuthorizer("1.0"), identityHeaders: true, rules: docRules([]string{""}, "path")},
	{file: "awsdocs-apigateway-devguide/http-api-lambda-authorizer__02.json", protocol: apimodel.ProtocolHTTP, fixtureARN: true,
		spec: httpAuthorizer("1.0"), identityHeaders: true, rules: docRules([]string{""}, "path")},
	// Its multiValueHeaders do not belong to its headers; they are left out of the request.
	{file: "powertools-lambda-python/apiGatewayAuthorizerRequestEvent.json", protocol: apimodel.ProtocolHTTP, fixtureARN: true,
		spec: httpAuthorizer("1.0"), identityHeaders: true,
		rules: func() diffRules {
			r := docRules([]string{""}, "path")
			r.skip = append(r.skip, "multiValueHeaders")
			return r
		}()},
	{file: "aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json", protocol: apimodel.ProtocolHTTP, fixtureARN: true,
		spec: httpAuthorizer("2.0"), identityHeaders: true, rules: v2DocRules()},
	{file: "awsdocs-apigateway-devguide/http-api-lambda-authorizer__01.json", protocol: apimodel.ProtocolHTTP, fixtureARN: true,
		spec: httpAuthorizer("2.0"), identityHeaders: true, rules: v2DocRules()},
	{file: "powertools-lambda-python/apiGatewayAuthorizerV2Event.json", protocol: apimodel.ProtocolHTTP, fixtureARN: true,
		spec: httpAuthorizer("2.0"), identityHeaders: true, rules: v2DocRules()},
}

func tokenAuthorizer() apimodel.Authorizer {
	return apimodel.Authorizer{Name: "tok", Type: apimodel.AuthorizerToken, IdentitySources: []string{"method.request.header.Authorization"}}
}

func requestAuthorizer(sources ...string) apimodel.Authorizer {
	return apimodel.Authorizer{Name: "req", Type: apimodel.AuthorizerRequest, IdentitySources: sources}
}

func httpAuthorizer(version string, sources ...string) apimodel.Authorizer {
	return apimodel.Authorizer{Name: "http", Type: apimodel.AuthorizerRequest, PayloadFormatVersion: version, IdentitySources: sources}
}

// docRules: the examples show a handful of requestContext members, clientCert from a
// mutual-TLS call genkan does not serve, placeholder trace ids and a requestContext.path
// without the stage. open lists further abbreviated objects ("" is the event itself);
// anyValue further members that disagree with the rest of their example.
func docRules(open []string, anyValue ...string) diffRules {
	return diffRules{
		open: append([]string{"requestContext", "requestContext.identity", "headers", "multiValueHeaders"}, open...),
		fold: []string{"headers", "multiValueHeaders"},
		// CloudFront's headers, as in the recorded REST event.
		skip: []string{"requestContext.identity.clientCert", "headers.CloudFront-*", "multiValueHeaders.CloudFront-*",
			"headers.Via", "multiValueHeaders.Via", "headers.X-Amz-Cf-Id", "multiValueHeaders.X-Amz-Cf-Id"},
		anyValue: append([]string{"requestContext.path", "requestContext.resourceId",
			"headers.X-Forwarded-For", "multiValueHeaders.X-Forwarded-For",
			"headers.X-Amzn-Trace-Id", "multiValueHeaders.X-Amzn-Trace-Id"}, anyValue...),
	}
}

// v2DocRules: the payload 2.0 examples show capitalised header names (2.0 lower-cases them),
// clientCert, a request time that is not its timeEpoch, and a routeArn whose method is not the
// request's.
func v2DocRules() diffRules {
	return diffRules{
		open:     []string{"headers"},
		fold:     []string{"headers"},
		skip:     []string{"requestContext.authentication"},
		anyValue: []string{"requestContext.time", "headers.x-forwarded-for"},
	}
}

func TestEventsMatchFixtures(t *testing.T) {
	for _, tc := range eventCases {
		t.Run(tc.file, func(t *testing.T) {
			want := decodeJSON(t, readFixture(t, tc.file))
			spec := tc.spec
			req := requestFor(t, want, tc.protocol, &spec, tc.identityHeaders)
			if tc.fixtureARN {
				req.MethodARN = str(want["methodArn"]) + str(want["routeArn"])
			}
			region := tc.region
			if region == "" {
				region = testRegion
			}
			inv := &fakeInvoker{out: answer(allowOutput("u", "*"), "")}
			a, err := New(Config{Spec: &spec, Protocol: tc.protocol, Function: testFunction, Invoker: inv, Region: region})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Authorize(context.Background(), req); err != nil {
				t.Fatalf("Authorize: %v", err)
			}
			got := decodeJSON(t, inv.last(t).payload)
			for _, d := range diffJSON("", want, got, &tc.rules) {
				t.Error(d)
			}
			if t.Failed() {
				t.Logf("event: %s", inv.last(t).payload)
			}
		})
	}
}

// requestFor builds the request a fixture describes, as the edge would hand it over.
func requestFor(t *testing.T, ev map[string]any, protocol apimodel.Protocol, spec *apimodel.Authorizer, identityHeaders bool) *Request {
	t.Helper()
	rc, _ := ev["requestContext"].(map[string]any)
	httpDesc, _ := rc["http"].(map[string]any)
	headers := map[string]any{}
	if h, ok := ev["headers"].(map[string]any); ok {
		headers = h
	}

	method := firstOf(str(ev["httpMethod"]), str(httpDesc["method"]), "GET")
	stage := firstOf(str(rc["stage"]), "prod")
	below := firstOf(str(ev["path"]), str(ev["rawPath"]), "/")
	full := below
	if protocol == apimodel.ProtocolREST || stage != apimodel.DefaultStage {
		full = "/" + stage + below
	}
	query := str(ev["rawQueryString"])
	if query == "" {
		q := url.Values{}
		for k, v := range asMap(ev["queryStringParameters"]) {
			q.Set(k, str(v))
		}
		for k, vs := range asMap(ev["multiValueQueryStringParameters"]) {
			q.Del(k)
			for _, v := range vs.([]any) {
				q.Add(k, str(v))
			}
		}
		query = q.Encode()
	}
	host := firstOf(str(headers["Host"]), str(headers["host"]), "example.execute-api.us-east-1.amazonaws.com")
	target := "https://" + host + full
	if query != "" {
		target += "?" + query
	}
	r := httptest.NewRequest(method, target, nil)
	if firstOf(str(headers["X-Forwarded-Proto"]), str(headers["x-forwarded-proto"])) != "https" {
		r.TLS = nil
	} else if r.TLS == nil {
		r.TLS = &tls.ConnectionState{}
	}
	for k, v := range headers {
		if clientSent(k) {
			r.Header.Set(k, str(v))
		}
	}
	if mv, ok := ev["multiValueHeaders"].(map[string]any); ok && sameHeaders(headers, mv) {
		for k, vs := range mv {
			if !clientSent(k) {
				continue
			}
			r.Header.Del(k)
			for _, v := range vs.([]any) {
				r.Header.Add(k, str(v))
			}
		}
	}
	if cookies, ok := ev["cookies"].([]any); ok {
		var parts []string
		for _, c := range cookies {
			parts = append(parts, str(c))
		}
		r.Header.Set("Cookie", strings.Join(parts, "; "))
	}
	if tok := str(ev["authorizationToken"]); tok != "" && spec.Type == apimodel.AuthorizerToken {
		r.Header.Set("Authorization", tok)
	}
	if identityHeaders {
		var vals []string
		switch v := ev["identitySource"].(type) {
		case string:
			vals = strings.Split(v, ",")
		case []any:
			for _, x := range v {
				vals = append(vals, str(x))
			}
		}
		for i, v := range vals {
			name := fmt.Sprintf("X-Identity-%d", i)
			r.Header.Set(name, v)
			spec.IdentitySources = append(spec.IdentitySources, "$request.header."+name)
		}
	}

	c := &reqctx.Context{HTTPMethod: method, Path: full, Protocol: "HTTP/1.1", Stage: stage}
	ctxFromFixture(c, rc)
	c.ResourcePath = firstOf(str(ev["resource"]), str(rc["resourcePath"]))
	c.RouteKey = str(ev["routeKey"])
	if c.RouteKey == "" && protocol == apimodel.ProtocolHTTP {
		c.RouteKey = firstOf(str(rc["resourceId"]), "ANY "+c.ResourcePath)
	}
	if vars := asMap(ev["stageVariables"]); len(vars) > 0 {
		c.StageVariables = map[string]string{}
		for k, v := range vars {
			c.StageVariables[k] = str(v)
		}
	}
	var params route.Params
	for _, k := range sortedKeys(asMap(ev["pathParameters"])) {
		params = append(params, route.Param{Name: k, Value: str(asMap(ev["pathParameters"])[k])})
	}
	return &Request{HTTP: r, Ctx: c, Params: params, Path: below}
}

// clientSent reports whether a fixture's header came from the client rather than from AWS or
// CloudFront (the Host header becomes the request's host).
func clientSent(name string) bool {
	k := strings.ToLower(name)
	switch {
	case k == "host", k == "x-forwarded-for", k == "via", k == "x-amz-cf-id", strings.HasPrefix(k, "cloudfront-"):
		return false
	}
	return true
}

// ctxFromFixture sets the $context values the edge decides (ids, times, the caller).
func ctxFromFixture(c *reqctx.Context, rc map[string]any) {
	set := func(dst *string, v any) {
		if s := str(v); s != "" {
			*dst = s
		}
	}
	set(&c.RequestID, rc["requestId"])
	set(&c.ExtendedRequestID, rc["extendedRequestId"])
	set(&c.APIID, rc["apiId"])
	set(&c.AccountID, rc["accountId"])
	set(&c.DomainName, rc["domainName"])
	set(&c.DomainPrefix, rc["domainPrefix"])
	set(&c.ResourceID, rc["resourceId"])
	set(&c.DeploymentID, rc["deploymentId"])
	set(&c.Protocol, rc["protocol"])
	for _, k := range []string{"requestTimeEpoch", "timeEpoch"} {
		if ms, ok := rc[k].(float64); ok {
			c.RequestTime = time.UnixMilli(int64(ms))
		}
	}
	for _, who := range []map[string]any{asMap(rc["identity"]), asMap(rc["http"])} {
		set(&c.Identity.SourceIP, who["sourceIp"])
		set(&c.Identity.UserAgent, who["userAgent"])
		set(&c.Identity.APIKey, who["apiKey"])
	}
}

// sameHeaders reports whether a fixture's multiValueHeaders describe its headers.
func sameHeaders(single, multi map[string]any) bool {
	for k, vs := range multi {
		list, _ := vs.([]any)
		if len(list) == 0 || str(single[k]) != str(list[len(list)-1]) {
			return false
		}
	}
	return true
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// TestEventDetails covers what the fixtures do not show.
func TestEventDetails(t *testing.T) {
	inv := &fakeInvoker{out: answer(allowOutput("u", "*"), "")}

	// REST REQUEST without query, path parameters or stage variables: {} rather than null;
	// repeated headers and query parameters as the proxy event reports them.
	a := mustNew(t, &apimodel.Authorizer{Name: "r", Type: apimodel.AuthorizerRequest, ResultTTLSeconds: seconds(0)}, apimodel.ProtocolREST, inv, nil)
	req := newRequest(apimodel.ProtocolREST, "GET", "/prod/pets", nil)
	if err := a.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	ev := decodeJSON(t, inv.last(t).payload)
	for _, k := range []string{"queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables"} {
		if m, ok := ev[k].(map[string]any); !ok || len(m) != 0 {
			t.Errorf("%s = %s, want {}", k, show(ev[k]))
		}
	}
	for _, k := range []string{"body", "isBase64Encoded", "version", "identitySource"} {
		if _, ok := ev[k]; ok {
			t.Errorf("REST REQUEST event has %s", k)
		}
	}
	if _, ok := asMap(ev["requestContext"])["authorizer"]; ok {
		t.Error("REST REQUEST event has requestContext.authorizer")
	}
	if ev["methodArn"] != arnFor("prod", "GET", "/pets") {
		t.Errorf("methodArn = %v", ev["methodArn"])
	}

	// HTTP 2.0: identitySource in the configured order, values of repeated sources joined.
	spec := httpAuthorizer("2.0", "$request.querystring.b", "$request.header.X-A")
	a = mustNew(t, &spec, apimodel.ProtocolHTTP, inv, nil)
	req = newRequest(apimodel.ProtocolHTTP, "GET", "/pets?b=1&b=2", map[string]string{"X-A": "a"})
	if err := a.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	ev = decodeJSON(t, inv.last(t).payload)
	if show(ev["identitySource"]) != `["1,2","a"]` || ev["routeArn"] != arnFor("$default", "GET", "/pets") {
		t.Errorf("identitySource %s, routeArn %v", show(ev["identitySource"]), ev["routeArn"])
	}
	for _, k := range []string{"body", "isBase64Encoded", "cookies", "pathParameters", "stageVariables", "methodArn"} {
		if _, ok := ev[k]; ok {
			t.Errorf("HTTP 2.0 event has %s", k)
		}
	}

	// REST: a repeated header's last value is the identity, as single-value mappings read it.
	spec2 := requestAuthorizer("method.request.header.X-A")
	spec2.ResultTTLSeconds = seconds(0)
	a = mustNew(t, &spec2, apimodel.ProtocolREST, inv, nil)
	req = newRequest(apimodel.ProtocolREST, "GET", "/prod/pets", nil)
	req.HTTP.Header.Add("X-A", "first")
	req.HTTP.Header.Add("X-A", "last")
	if err := a.Authorize(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	ev = decodeJSON(t, inv.last(t).payload)
	if h := asMap(ev["headers"]); h["X-A"] != "last" {
		t.Errorf("headers.X-A = %v", h["X-A"])
	}
	if show(asMap(ev["multiValueHeaders"])["X-A"]) != `["first","last"]` {
		t.Errorf("multiValueHeaders = %s", show(ev["multiValueHeaders"]))
	}
}
