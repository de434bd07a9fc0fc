package lambda

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

var httpNatural = []string{
	"requestContext.requestId", "requestContext.time", "requestContext.timeEpoch",
	"requestContext.apiId", "requestContext.domainName", "requestContext.domainPrefix",
	"requestContext.accountId", "requestContext.http.sourceIp",
	"headers.host", "headers.x-amzn-trace-id", "headers.x-forwarded-*",
}

func v2Spec(version string) *apimodel.Integration {
	return &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, PayloadFormatVersion: version,
		URI: "arn:aws:lambda:us-east-1:111111111111:function:test-fn"}
}

func TestHTTPv2EventsMatchAWS(t *testing.T) {
	cases := []struct {
		name, fixture, method, route, target, body string
		header                                     map[string][]string
		stageVars                                  map[string]string
		rules                                      diffRules
	}{{
		// Captured from AWS (mutual TLS on, no authorizer): curl GET /.
		name: "no authorizer", fixture: "aws-lambda-go/apigw-v2-request-no-authorizer.json",
		method: "GET", route: "$default", target: "/",
		header: map[string][]string{"Accept": {"*/*"}, "User-Agent": {"curl/7.58.0"}},
		rules: diffRules{skip: []string{
			// Mutual TLS: genkan has no client certificates to report.
			"requestContext.authentication",
		}},
	}, {
		// Recorded by Powertools on AWS: HTTPie POST /lambda, no body.
		name: "powertools no-auth", fixture: "powertools-lambda-typescript/apigw-http/no-auth.json",
		method: "POST", route: "POST /lambda", target: "/lambda",
		header: map[string][]string{"Accept": {"*/*"}, "Accept-Encoding": {"gzip, deflate"},
			"Authorization": {"Bearer foo"}, "User-Agent": {"HTTPie/3.2.2"}},
		rules: diffRules{skip: []string{
			// That route had a Lambda authorizer returning no context; this one has none.
			"requestContext.authorizer",
		}},
	}, {
		// The developer guide's example, abbreviated by hand: it lists two client headers and
		// none of those AWS adds, so headers is compared as a subset.
		name: "developer guide", fixture: "awsdocs-apigateway-devguide/http-api-develop-integrations-lambda__01.json",
		method: "POST", route: "POST /my/{parameter1}", target: "/my/value1?parameter1=value1&parameter1=value2&parameter2=value",
		body: "Hello from Lambda",
		header: map[string][]string{"Header1": {"value1"}, "Header2": {"value1", "value2"},
			"Cookie": {"cookie1; cookie2"}, "User-Agent": {"agent"}, "Content-Type": {"text/plain"}},
		stageVars: map[string]string{"stageVariable1": "value1", "stageVariable2": "value2"},
		rules: diffRules{
			open: []string{"headers"},
			skip: []string{"requestContext.authentication", "requestContext.authorizer"},
			// The example's path has no parameter; the route here puts one at the same place.
			replace: map[string]any{"rawPath": "/my/value1", "requestContext.http.path": "/my/value1",
				"routeKey": "POST /my/{parameter1}", "requestContext.routeKey": "POST /my/{parameter1}"},
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var want map[string]any
			if err := json.Unmarshal(readFixture(t, tc.fixture), &want); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			method, path, _ := strings.Cut(tc.route, " ")
			if tc.route == "$default" {
				method, path = "", "$default"
			}
			srv := newServer(t, apimodel.ProtocolHTTP, map[string]map[string]string{"$default": tc.stageVars},
				[]testRoute{{method, path, v2Spec("2.0")}}, rec)
			send(t, srv, tc.method, tc.target, tc.header, tc.body)
			got := decode(t, rec.last(t).payload)
			rules := tc.rules
			rules.anyValue = httpNatural
			for _, d := range diffJSON("", want, got, &rules) {
				t.Error(d)
			}
		})
	}
}

// The developer guide's HTTP API 1.0 example is abbreviated too; where it differs from events
// captured on AWS, the captures win (HTTP API 1.0 events published in test suites, e.g.
// "resourceId": "GET /api/core/services", "path": "/dev/api/core/services", identity with
// "cognitoAmr": null, no authorizer key without an authorizer).
func TestHTTPv1EventMatchesAWS(t *testing.T) {
	var want map[string]any
	if err := json.Unmarshal(readFixture(t, "awsdocs-apigateway-devguide/http-api-develop-integrations-lambda__02.json"), &want); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	srv := newServer(t, apimodel.ProtocolHTTP, map[string]map[string]string{"$default": nil},
		[]testRoute{{"GET", "/my/path", v2Spec("1.0")}}, rec)
	send(t, srv, "GET", "/my/path?parameter1=value1&parameter1=value2&parameter2=value", map[string][]string{
		"header1": {"value1"}, "header2": {"value1", "value2"}, "User-Agent": {"user-agent"},
		"Content-Type": {"text/plain"},
	}, "Hello from Lambda!")
	got := decode(t, rec.last(t).payload)
	rules := diffRules{
		open: []string{"headers", "multiValueHeaders"},
		skip: []string{"requestContext.authorizer", "requestContext.identity.clientCert"},
		anyValue: []string{"requestContext.requestId", "requestContext.extendedRequestId",
			"requestContext.requestTime", "requestContext.requestTimeEpoch", "requestContext.apiId",
			"requestContext.domainName", "requestContext.domainPrefix", "requestContext.accountId",
			"requestContext.identity.sourceIp"},
		rename:  map[string]string{"header1": "Header1", "header2": "Header2"},
		replace: map[string]any{"requestContext.resourceId": "GET /my/path"},
	}
	// The example has no cognitoAmr; captures do.
	want["requestContext"].(map[string]any)["identity"].(map[string]any)["cognitoAmr"] = nil
	for _, d := range diffJSON("", want, got, &rules) {
		t.Error(d)
	}
	h := got["headers"].(map[string]any)
	for _, k := range []string{"Content-Length", "Host", "User-Agent", "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto"} {
		if _, ok := h[k]; !ok {
			t.Errorf("headers lack %s, which AWS adds", k)
		}
	}
	if h["Content-Length"] != "18" {
		t.Errorf("Content-Length = %v", h["Content-Length"])
	}
}

// Named stages appear in HTTP API paths, which are decoded; payload 1.0 takes the route key as
// resourceId.
func TestHTTPPathsWithStage(t *testing.T) {
	rec := &recorder{}
	srv := newServer(t, apimodel.ProtocolHTTP, map[string]map[string]string{"dev": {"fn": "x"}},
		[]testRoute{{"GET", "/items/{id}", v2Spec("1.0")}, {"GET", "/v2/{id}", v2Spec("2.0")}}, rec)

	send(t, srv, "GET", "/dev/items/a%40b", nil, "")
	v1 := decode(t, rec.last(t).payload)
	rc := v1["requestContext"].(map[string]any)
	if v1["path"] != "/dev/items/a@b" || rc["path"] != "/dev/items/a@b" || rc["resourceId"] != "GET /items/{id}" ||
		v1["resource"] != "/items/{id}" || v1["pathParameters"].(map[string]any)["id"] != "a@b" || v1["version"] != "1.0" {
		t.Errorf("payload 1.0: %s", show(v1))
	}

	send(t, srv, "GET", "/dev/v2/a%40b?x=1+2&x=3", map[string][]string{"Cookie": {"a=1; b=2", "c=3"}}, "")
	v2 := decode(t, rec.last(t).payload)
	if v2["rawPath"] != "/dev/v2/a@b" || v2["rawQueryString"] != "x=1+2&x=3" ||
		v2["queryStringParameters"].(map[string]any)["x"] != "1 2,3" || show(v2["cookies"]) != `["a=1","b=2","c=3"]` ||
		v2["stageVariables"].(map[string]any)["fn"] != "x" {
		t.Errorf("payload 2.0: %s", show(v2))
	}
	if _, ok := v2["headers"].(map[string]any)["cookie"]; ok {
		t.Error("payload 2.0 kept the cookie header")
	}
	if _, ok := v2["body"]; ok || v2["isBase64Encoded"] != false {
		t.Errorf("payload 2.0 without a body: %v %v", v2["body"], v2["isBase64Encoded"])
	}
}
