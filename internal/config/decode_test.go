package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func at(line, col int) apimodel.Position {
	return apimodel.Position{File: "test.yaml", Line: line, Column: col}
}

func mustLoad(t *testing.T, src string) *apimodel.Config {
	t.Helper()
	cfg, problems := loadString(t, src)
	if problems != nil {
		t.Fatalf("unexpected problems:\n%s", strings.Join(problems, "\n"))
	}
	return cfg
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s:\ngot  %s\nwant %s", what, g, w)
	}
}

func TestDecodeSettings(t *testing.T) {
	cfg := mustLoad(t, `
settings:
  accountId: 210987654321
  region: eu-west-3
  limits: { maxBodyBytes: 1048576, maxHeaderBytes: 4096, maxUrlBytes: 2048 }
  maxIntegrationTimeout: 2m
apis: [{ id: a }]
`)
	equal(t, "settings", cfg.Settings, apimodel.Settings{
		AccountID: "210987654321", Region: "eu-west-3", MaxBodyBytes: 1048576,
		MaxHeaderBytes: 4096, MaxURLBytes: 2048, MaxIntegrationTimeout: 2 * time.Minute,
	})
}

func TestDecodeAPIDefaults(t *testing.T) {
	cfg := mustLoad(t, `
apis:
  - id: rest
  - id: http
    protocol: HTTP
  - id: full
    name: Full
    description: Everything
    stages: { prod: { variables: { n: 1 }, accessLogFormat: $context.status } }
    binaryMediaTypes: [image/png, "*/*"]
    disableExecuteApiEndpoint: true
`)
	equal(t, "rest", cfg.APIs[0], &apimodel.API{ID: "rest", Name: "rest", Protocol: apimodel.ProtocolREST,
		Stages: []*apimodel.Stage{{Name: "dev", Pos: at(3, 5)}}, Pos: at(3, 5)})
	equal(t, "http", cfg.APIs[1], &apimodel.API{ID: "http", Name: "http", Protocol: apimodel.ProtocolHTTP,
		Stages: []*apimodel.Stage{{Name: "$default", Pos: at(4, 5)}}, Pos: at(4, 5)})
	equal(t, "full", cfg.APIs[2], &apimodel.API{ID: "full", Name: "Full", Description: "Everything", Protocol: apimodel.ProtocolREST,
		Stages:           []*apimodel.Stage{{Name: "prod", Variables: map[string]string{"n": "1"}, AccessLogFormat: "$context.status", Pos: at(9, 15)}},
		BinaryMediaTypes: []string{"image/png", "*/*"}, DisableExecuteAPIEndpoint: true, Pos: at(6, 5)})
}

func TestDecodeShorthands(t *testing.T) {
	cfg := mustLoad(t, `
apis:
  - id: s
    routes:
      GET /p/{id}:
        proxy: http://127.0.0.1:8080/p/{id}
      GET /m:
        mock:
          statusCode: "201"
          body: '{"ok":true}'
          headers: { Content-Type: "'application/json'", X-Id: context.requestId }
      GET /empty:
        mock:
`)
	routes := cfg.APIs[0].Routes
	equal(t, "proxy", routes[0], &apimodel.Route{Method: "GET", Path: "/p/{id}", Pos: at(5, 7),
		Integration: &apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: "http://127.0.0.1:8080/p/{id}", Pos: at(6, 16)}})
	equal(t, "mock", routes[1].Integration, &apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 201}`},
		Responses: []*apimodel.IntegrationResponse{{
			StatusCode: "201",
			ResponseParameters: map[string]string{
				"method.response.header.Content-Type": "'application/json'",
				"method.response.header.X-Id":         "context.requestId",
			},
			ResponseTemplates: map[string]string{"application/json": `{"ok":true}`},
			Pos:               at(8, 9),
		}},
		Pos: at(8, 9),
	})
	equal(t, "empty mock", routes[2].Integration, &apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
		Responses:        []*apimodel.IntegrationResponse{{StatusCode: "200", Pos: at(13, 9)}},
		Pos:              at(13, 9),
	})
}

func TestDecodeIntegration(t *testing.T) {
	cfg := mustLoad(t, `
apis:
  - id: i
    routes:
      POST /o:
        operationName: CreateOrder
        requestParameters: { method.request.header.x-id: true, method.request.querystring.q: false }
        integration:
          type: HTTP
          httpMethod: PUT
          uri: https://backend.test/o
          timeoutInMillis: "1500"
          requestParameters: { integration.request.header.X-Id: method.request.header.x-id }
          requestTemplates: { application/json: '{"a":1}' }
          passthroughBehavior: NEVER
          contentHandling: CONVERT_TO_TEXT
          connectionType: INTERNET
          tlsConfig: { insecureSkipVerification: true }
          responses:
            - statusCode: 200
            - statusCode: "500"
              selectionPattern: '5\d{2}'
              responseParameters: { method.response.header.X: "'y'" }
              responseTemplates: { application/json: '{}' }
              contentHandling: CONVERT_TO_BINARY
      POST /l:
        integration: { type: AWS_PROXY, uri: "arn:aws:lambda", payloadFormatVersion: 1.0, timeout: 20s }
`)
	r := cfg.APIs[0].Routes[0]
	equal(t, "route", r.RequestParameters, map[string]bool{"method.request.header.x-id": true, "method.request.querystring.q": false})
	equal(t, "operationName", r.OperationName, "CreateOrder")
	equal(t, "integration", r.Integration, &apimodel.Integration{
		Type: apimodel.IntegrationHTTP, HTTPMethod: "PUT", URI: "https://backend.test/o", Timeout: 1500 * time.Millisecond,
		RequestParameters:   map[string]string{"integration.request.header.X-Id": "method.request.header.x-id"},
		RequestTemplates:    map[string]string{"application/json": `{"a":1}`},
		PassthroughBehavior: "NEVER", ContentHandling: "CONVERT_TO_TEXT", ConnectionType: "INTERNET",
		TLSInsecureSkipVerify: true,
		Responses: []*apimodel.IntegrationResponse{
			{StatusCode: "200", Pos: at(20, 15)},
			{StatusCode: "500", SelectionPattern: `5\d{2}`, ResponseParameters: map[string]string{"method.response.header.X": "'y'"},
				ResponseTemplates: map[string]string{"application/json": "{}"}, ContentHandling: "CONVERT_TO_BINARY", Pos: at(21, 15)},
		},
		Pos: at(8, 9),
	})
	equal(t, "lambda", cfg.APIs[0].Routes[1].Integration, &apimodel.Integration{
		Type: apimodel.IntegrationAWSProxy, URI: "arn:aws:lambda", PayloadFormatVersion: "1.0", Timeout: 20 * time.Second, Pos: at(27, 9)})
}

func TestDecodeGatewayResponses(t *testing.T) {
	cfg := mustLoad(t, `
apis:
  - id: g
    gatewayResponses:
      DEFAULT_4XX:
        statusCode: 400
        headers: { Access-Control-Allow-Origin: "'*'" }
        body: '{"message":$context.error.messageString}'
        responseParameters: { gatewayresponse.header.X: method.request.header.x }
        responseTemplates: { text/plain: oops }
      THROTTLED:
`)
	equal(t, "gateway responses", cfg.APIs[0].GatewayResponses, map[string]*apimodel.GatewayResponse{
		"DEFAULT_4XX": {
			StatusCode: "400",
			ResponseParameters: map[string]string{
				"gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
				"gatewayresponse.header.X":                           "method.request.header.x",
			},
			ResponseTemplates: map[string]string{"application/json": `{"message":$context.error.messageString}`, "text/plain": "oops"},
			Pos:               at(5, 7),
		},
		"THROTTLED": {Pos: at(11, 7)},
	})
}

func TestDecodeDomains(t *testing.T) {
	cfg := mustLoad(t, `
apis: [{ id: a, stages: { prod: {} } }]
domains:
  - name: API.Example.Test
    mappings:
      - { basePath: v1, api: a, stage: prod }
      - api: a
`)
	equal(t, "domains", cfg.Domains, []*apimodel.Domain{{
		Name: "api.example.test", Pos: at(4, 5),
		Mappings: []*apimodel.BasePathMapping{
			{BasePath: "v1", APIID: "a", Stage: "prod", Pos: at(6, 9)},
			{APIID: "a", Pos: at(7, 9)},
		},
	}})
}

func TestDecodeScalarsAndAliases(t *testing.T) {
	cfg := mustLoad(t, `
apis:
  - id: 42
    name: no
    stages:
      dev: { variables: { port: 8080, hex: 0x1F, on: true, f: 1.50, s: !!str 7, url: "${env:BACKEND}", d: "${env:NOPE:-x}" } }
    routes:
      GET /a:
        integration: &i { type: MOCK, timeout: 1s }
      GET /b:
        integration: { <<: *i, timeout: 2s }
      GET /c: { integration: *i }
`)
	api := cfg.APIs[0]
	equal(t, "id", api.ID, "42")
	equal(t, "name", api.Name, "no")
	equal(t, "variables", api.Stages[0].Variables, map[string]string{
		"port": "8080", "hex": "0x1F", "on": "true", "f": "1.50", "s": "7", "url": testEnv["BACKEND"], "d": "x"})
	for i, want := range []time.Duration{time.Second, 2 * time.Second, time.Second} {
		if in := api.Routes[i].Integration; in == nil || in.Type != apimodel.IntegrationMock || in.Timeout != want {
			t.Errorf("route %d: integration %+v, want MOCK with timeout %s", i, in, want)
		}
	}
}

func TestDecodeByteOrderMark(t *testing.T) {
	if cfg := mustLoad(t, "\ufeffapis: [{ id: bom }]\n"); cfg.APIs[0].ID != "bom" {
		t.Errorf("api %q", cfg.APIs[0].ID)
	}
	if !looksLikeGenkan([]byte("\ufeffapis: []\n")) {
		t.Error("a config with a byte order mark is not recognised")
	}
}

func TestExpandEnv(t *testing.T) {
	lookup := func(k string) (string, bool) { v, ok := testEnv[k]; return v, ok }
	for _, tc := range []struct{ in, want, err string }{
		{in: "plain ${stageVariables.x} $context.y", want: "plain ${stageVariables.x} $context.y"},
		{in: "${env:BACKEND}/x", want: "http://127.0.0.1:8080/x"},
		{in: "a${env:EMPTY}b", want: "ab"},
		{in: "${env:EMPTY:-d}", want: "d"},
		{in: "${env:UNSET:-}", want: ""},
		{in: "${env:UNSET:-a:-b}", want: "a:-b"},
		{in: "${env:BACKEND}${env:BACKEND}", want: "http://127.0.0.1:8080http://127.0.0.1:8080"},
		{in: "${env:UNSET}", err: "environment variable UNSET is not set (write ${env:UNSET:-fallback} for a default)"},
		{in: "x ${env:BACKEND", err: `"${env:BACKEND" is not closed with '}'`},
		{in: "${env:1X}", err: `"${env:1X}": "1X" is not an environment variable name`},
	} {
		got, err := expandEnv(tc.in, lookup)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("expandEnv(%q): error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("expandEnv(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"syntax", "apis:\n\t- id: x\n", []string{"test.yaml:2:1: YAML syntax: found character '\t' that cannot start any token"}},
		{"unclosed flow", "apis: [{ id: a }\n", []string{"test.yaml:1:7: YAML syntax: sequence end token ']' not found"}},
		{"empty", "# nothing\n", []string{"test.yaml:1:1: the file is empty"}},
		{"not a mapping", "- id: a\n", []string{"test.yaml:1:1: expected a mapping, got a sequence"}},
		{"two documents", "apis: [{id: a}]\n---\napis: [{id: b}]\n", []string{
			"test.yaml:3:1: a genkan config is a single YAML document; split documents into separate files"}},
		{"no apis", "settings: { region: us-east-2 }\n", []string{"test.yaml:1:1: no apis or functions declared: nothing to serve"}},
		{"apis not a list", "apis: { id: a }\n", []string{"test.yaml:1:7: apis: expected a sequence, got a mapping"}},
		{"unknown settings key", "settings: { regoin: x }\napis: [{id: a}]\n", []string{
			`test.yaml:1:13: unknown key "regoin" in settings (did you mean "region"?)`}},
		{"unknown limits key", "settings: { limits: { maxBody: 1 } }\napis: [{id: a}]\n", []string{
			`test.yaml:1:23: unknown key "maxBody" in limits (did you mean "maxBodyBytes"?)`}},
		{"limit zero", "settings: { limits: { maxUrlBytes: 0 } }\napis: [{id: a}]\n", []string{
			"test.yaml:1:36: maxUrlBytes: 0 is less than 1"}},
		{"timeout ceiling lowered", "settings: { maxIntegrationTimeout: 10s }\napis: [{id: a}]\n", []string{
			"test.yaml:1:36: maxIntegrationTimeout: 10s is below AWS's 29s ceiling, which this setting can only raise"}},
		{"bad region", "settings: { region: Frankfurt }\napis: [{id: a}]\n", []string{
			`test.yaml:1:21: region: "Frankfurt" is not an AWS region such as us-east-1`}},
		{"duplicate api key", "apis:\n  - id: a\n    id: b\n", []string{
			`test.yaml:3:5: duplicate key "id": already declared at test.yaml:2:5`}},
		{"duplicate route", "apis:\n  - id: a\n    routes:\n      GET /x: { mock: {} }\n      GET /x: { mock: {} }\n", []string{
			`test.yaml:5:7: duplicate key "GET /x": already declared at test.yaml:4:7`}},
		{"duplicate stage", "apis:\n  - id: a\n    stages:\n      dev: {}\n      dev: {}\n", []string{
			`test.yaml:5:7: duplicate key "dev": already declared at test.yaml:4:7`}},
		{"api id reused", "apis:\n  - id: a\n  - id: a\n", []string{
			`test.yaml:3:5: api id "a" is already used by test.yaml:2:5`}},
		{"route value not a mapping", "apis:\n  - id: a\n    routes: { GET /x: http://x }\n", []string{
			`test.yaml:3:23: GET /x: expected a mapping, got string "http://x"`}},
		{"lower-case method", "apis:\n  - id: a\n    routes: { get /x: { mock: {} } }\n", []string{
			`test.yaml:3:15: route key "get /x": method "get" is not one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, ANY`}},
		{"missing slash", "apis:\n  - id: a\n    routes: { GET/x: { mock: {} } }\n", []string{
			`test.yaml:3:15: route key "GET/x" must be "METHOD /path" or "$default"`}},
		{"bad path", "apis:\n  - id: a\n    routes:\n      GET /a/{p+}/b: { mock: {} }\n", []string{
			`test.yaml:4:7: path "/a/{p+}/b": greedy parameter {p+} must be the last segment`}},
		{"$default on REST", "apis:\n  - id: a\n    routes: { $default: { mock: {} } }\n", []string{
			`test.yaml:3:15: the $default route is only for HTTP APIs`}},
		{"no integration", "apis:\n  - id: a\n    routes: { GET /a: { operationName: x } }\n", []string{
			`test.yaml:3:15: route GET /a has no integration`}},
		{"$default stage on REST", "apis:\n  - id: a\n    stages: { $default: {} }\n", []string{
			`test.yaml:3:15: stage "$default" is only for HTTP APIs`}},
		{"stage not a mapping", "apis:\n  - id: a\n    stages: { dev: prod }\n", []string{
			`test.yaml:3:20: stages.dev: expected a mapping, got string "prod"`}},
		{"unknown stage key", "apis:\n  - id: a\n    stages: { dev: { vars: {} } }\n", []string{
			`test.yaml:3:22: unknown key "vars" in stage "dev"`}},
		{"bad duration", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: MOCK, timeout: 5x } } }\n", []string{
			`test.yaml:3:60: timeout: "5x" is not a duration such as 5s, 1500ms or 1m30s`}},
		{"negative duration", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: MOCK, timeout: -5s } } }\n", []string{
			`test.yaml:3:60: timeout: "-5s" is not a duration such as 5s, 1500ms or 1m30s`}},
		{"zero duration", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: MOCK, timeout: 0s } } }\n", []string{
			`test.yaml:3:60: timeout: "0s" must be longer than zero`}},
		{"timeout over ceiling", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: MOCK, timeout: 30s } } }\n", []string{
			`test.yaml:3:24: timeoutInMillis 30000 is outside 50-29000`}},
		{"unknown integration key", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: MOCK, credentials: x } } }\n", []string{
			`test.yaml:3:51: unknown key "credentials" in integration`}},
		{"bad integration type", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: LAMBDA } } }\n", []string{
			`test.yaml:3:45: type: "LAMBDA" is not one of HTTP, HTTP_PROXY, MOCK, AWS, AWS_PROXY`}},
		{"relative uri", "apis:\n  - id: a\n    routes: { GET /: { proxy: /x } }\n", []string{
			`test.yaml:3:31: HTTP_PROXY integration uri "/x" must be an absolute http(s) URL`}},
		{"proxy not a string", "apis:\n  - id: a\n    routes: { GET /: { proxy: [a] } }\n", []string{
			`test.yaml:3:31: proxy: expected a string, got a sequence`}},
		{"response without status", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: MOCK, responses: [{ selectionPattern: x }] } } }\n", []string{
			`test.yaml:3:63: missing key "statusCode" in integration response`}},
		{"status text", "apis:\n  - id: a\n    routes: { GET /: { mock: { statusCode: OK } } }\n", []string{
			`test.yaml:3:44: statusCode: "OK" is not an HTTP status code (100-599)`}},
		{"status fraction", "apis:\n  - id: a\n    routes: { GET /: { mock: { statusCode: 200.5 } } }\n", []string{
			`test.yaml:3:44: statusCode: expected a whole number, got number 200.5`}},
		{"payload version", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: AWS_PROXY, uri: arn, payloadFormatVersion: 3.0 } } }\n", []string{
			`test.yaml:3:88: payloadFormatVersion: 3.0 is not one of 1.0, 2.0`}},
		{"bool as string", "apis:\n  - id: a\n    disableExecuteApiEndpoint: \"yes\"\n", []string{
			`test.yaml:3:32: disableExecuteApiEndpoint: expected true or false, got string "yes"`}},
		{"null string", "apis:\n  - id: a\n    name:\n", []string{
			`test.yaml:3:11: name: expected a string, got null`}},
		{"header twice", "apis:\n  - id: a\n    routes: { GET /: { mock: { headers: { X-A: \"'1'\", x-a: \"'2'\" } } } }\n", []string{
			`test.yaml:3:55: headers: header x-a is already set at test.yaml:3:43`}},
		{"header both ways", "apis:\n  - id: a\n    gatewayResponses:\n      THROTTLED:\n        headers: { X: \"'1'\" }\n        responseParameters: { gatewayresponse.header.x: \"'2'\" }\n", []string{
			`test.yaml:5:9: header X is set by both headers and responseParameters`}},
		{"body both ways", "apis:\n  - id: a\n    gatewayResponses:\n      THROTTLED:\n        body: a\n        responseTemplates: { application/json: b }\n", []string{
			`test.yaml:5:9: body and responseTemplates both set application/json; keep one`}},
		{"env unset", "apis:\n  - id: a\n    routes: { GET /: { proxy: \"${env:NOPE}/x\" } }\n", []string{
			`test.yaml:3:31: proxy: environment variable NOPE is not set (write ${env:NOPE:-fallback} for a default)`}},
		{"env not expanded in templates", "apis:\n  - id: a\n    routes: { GET /: { integration: { type: MOCK, requestTemplates: { a/b: \"${env:NOPE}\" } } } }\n", nil},
		{"unknown alias", "apis:\n  - id: a\n    routes: { GET /: { integration: *nope } }\n", []string{
			`test.yaml:3:37: alias *nope refers to no anchor &nope before it`}},
		{"self alias", "apis: &a\n  - id: a\n  - *a\n", []string{
			`test.yaml:3:5: alias *a is inside the value it refers to`}},
		{"merge non-mapping", "apis:\n  - id: a\n    <<: x\n", []string{
			`test.yaml:3:9: the merge key << takes a mapping or a list of mappings, got string "x"`}},
		{"custom tag", "apis:\n  - id: !Ref ApiId\n", []string{
			`test.yaml:2:9: YAML tag !Ref is not supported`}},
		{"complex key", "? apis\n: []\n", []string{
			`test.yaml:1:1: complex keys (? key) are not supported`}},
		{"bad host", "apis: [{id: a}]\ndomains: [{ name: \"api.example.com:8443\" }]\n", []string{
			`test.yaml:2:19: name: "api.example.com:8443" is not a host name such as api.example.com`}},
		{"domain twice", "apis: [{id: a}]\ndomains: [{ name: a.test }, { name: A.test }]\n", []string{
			`test.yaml:2:31: domain a.test is already declared at test.yaml:2:13`}},
		{"mapping to unknown api", "apis: [{id: a}]\ndomains: [{ name: a.test, mappings: [{ api: b }] }]\n", []string{
			`test.yaml:2:38: domain a.test: base path "" maps to unknown api "b"`}},
		{"mapping to unknown stage", "apis: [{id: a}]\ndomains: [{ name: a.test, mappings: [{ api: a, stage: prod }] }]\n", []string{
			`test.yaml:2:38: domain a.test: api "a" has no stage "prod"`}},
		{"openapi path empty", "apis: [{ openapi: \"\" }]\n", []string{
			`test.yaml:1:19: openapi: needs the path of an OpenAPI or Swagger file`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := loadString(t, tc.src)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("x0: &a0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("x" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	start := time.Now()
	_, got := loadString(t, b.String())
	if !strings.Contains(strings.Join(got, "\n"), "test.yaml:2:10: aliases expand this document by more than 131072 nodes") {
		t.Errorf("problems %q, want the expansion limit", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}
