package apierr

import (
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// loadFixture reads an x-amazon-apigateway-gateway-responses block as the OpenAPI importer
// would hand it over.
func loadFixture(t *testing.T, path string) map[string]*apimodel.GatewayResponse {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Responses map[string]*apimodel.GatewayResponse `json:"x-amazon-apigateway-gateway-responses"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Responses
}

// The AWS documentation's example: DEFAULT_4XX adds CORS and a body; INVALID_API_KEY has its own
// status and body and therefore none of DEFAULT_4XX's headers.
func TestDocsFixture(t *testing.T) {
	s := mustCompile(t, apimodel.ProtocolREST, loadFixture(t, "testdata/api-gateway-swagger-extensions-gateway-responses__01.json"))
	tests := []struct {
		typ    Type
		status int
		body   string
		acao   string
	}{
		{InvalidAPIKey, 429, `{"message": test forbidden }`, ""},
		{MissingAuthenticationToken, 403, `{"message": test 4xx b }`, "domain.com"},
		{Throttled, 429, `{"message": test 4xx b }`, "domain.com"},
		{Default4XX, 400, `{"message": test 4xx b }`, "domain.com"},
		{IntegrationTimeout, 504, `{"message": "Endpoint request timed out"}`, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			got := render(t, s, httptest.NewRequest("GET", "/x", nil), nil, New(tt.typ, ""))
			if got.status != tt.status || got.body != tt.body {
				t.Errorf("got %d %s, want %d %s", got.status, got.body, tt.status, tt.body)
			}
			if a := got.header.Get("Access-Control-Allow-Origin"); a != tt.acao {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", a, tt.acao)
			}
			if v := got.header["x-amzn-ErrorType"]; len(v) != 1 || v[0] != specs[tt.typ].errorType {
				t.Errorf("x-amzn-ErrorType = %q", v)
			}
		})
	}
}

func TestDefaultStatusFallback(t *testing.T) {
	s := mustCompile(t, apimodel.ProtocolREST, map[string]*apimodel.GatewayResponse{
		"DEFAULT_4XX":                  {StatusCode: "444"},
		"DEFAULT_5XX":                  {ResponseTemplates: map[string]string{"application/json": `{"error":"$context.error.responseType"}`}},
		"MISSING_AUTHENTICATION_TOKEN": {ResponseParameters: map[string]string{"gatewayresponse.header.x-hint": "'no such route'"}},
		"RESOURCE_NOT_FOUND":           {StatusCode: "404"},
	})
	tests := []struct {
		name   string
		err    *Error
		status int
		body   string
	}{
		{"4XX without a customization takes DEFAULT_4XX's status", New(Throttled, ""), 444, `{"message":"Too Many Requests"}`},
		{"own customization without status still takes it", New(MissingAuthenticationToken, ""), 444, `{"message":"Missing Authentication Token"}`},
		{"own status wins", New(ResourceNotFound, ""), 404, `{"message":"Not Found"}`},
		{"error's own status loses to DEFAULT_4XX's", &Error{Type: Default4XX, Status: 403}, 444, `{"message":"Bad Request"}`},
		{"5XX keeps its status, takes DEFAULT_5XX's body", New(IntegrationTimeout, ""), 504, `{"error":"INTEGRATION_TIMEOUT"}`},
		{"5XX with a status from the raiser", New(Default5XX, "").WithStatus(502), 502, `{"error":"DEFAULT_5XX"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, s, nil, nil, tt.err)
			if got.status != tt.status || got.body != tt.body {
				t.Errorf("got %d %s, want %d %s", got.status, got.body, tt.status, tt.body)
			}
		})
	}
	if got := render(t, s, nil, nil, New(MissingAuthenticationToken, "")); got.header.Get("X-Hint") != "no such route" {
		t.Errorf("own header missing: %v", got.header)
	}
}

// The gateway response AWS itself stores in localstack's recorded test_gateway_response_crud.
func TestHeaderMappingAndTemplateVariables(t *testing.T) {
	s := mustCompile(t, apimodel.ProtocolREST, map[string]*apimodel.GatewayResponse{
		"MISSING_AUTHENTICATION_TOKEN": {
			StatusCode: "404",
			ResponseParameters: map[string]string{
				"gatewayresponse.header.Access-Control-Allow-Origin": "'a.b.c'",
				"gatewayresponse.header.x-request-header":            "method.request.header.Accept",
				"gatewayresponse.header.x-request-path":              "method.request.path.petId",
				"gatewayresponse.header.x-request-query":             "method.request.querystring.q",
				"gatewayresponse.header.x-tags":                      "method.request.multivaluequerystring.tag",
				"gatewayresponse.header.x-stage-var":                 "stageVariables.a",
				"gatewayresponse.header.x-request-id":                "context.requestId",
				"gatewayresponse.header.x-error":                     "context.error.responseType",
				"gatewayresponse.header.x-absent":                    "method.request.header.X-Not-Sent",
			},
			ResponseTemplates: map[string]string{
				"application/json": "{\n     \"message\": $context.error.messageString,\n     \"type\":  \"$context.error.responseType\",\n     \"stage\":  \"$context.stage\",\n     \"resourcePath\":  \"$context.resourcePath\",\n     \"stageVariables.a\":  \"$stageVariables.a\",\n     \"statusCode\": \"'404'\"\n}",
			},
		},
	})
	r := httptest.NewRequest("GET", "/dev/pets/7?q=first&q=last&tag=a&tag=b", nil)
	r.Header.Add("Accept", "application/json")
	r.SetPathValue("petId", "7")
	c := &reqctx.Context{RequestID: "req-1", Stage: "dev", ResourcePath: "/pets/{petId}", StageVariables: map[string]string{"a": "stageA"}}
	got := render(t, s, r, c, New(MissingAuthenticationToken, ""))
	wantBody := "{\n     \"message\": \"Missing Authentication Token\",\n     \"type\":  \"MISSING_AUTHENTICATION_TOKEN\",\n     \"stage\":  \"dev\",\n     \"resourcePath\":  \"/pets/{petId}\",\n     \"stageVariables.a\":  \"stageA\",\n     \"statusCode\": \"'404'\"\n}"
	if got.status != 404 || got.body != wantBody {
		t.Errorf("got %d\n%s\nwant\n%s", got.status, got.body, wantBody)
	}
	for k, v := range map[string]string{
		"Access-Control-Allow-Origin": "a.b.c",
		"X-Request-Header":            "application/json",
		"X-Request-Path":              "7",
		"X-Request-Query":             "last",
		"X-Tags":                      "a,b",
		"X-Stage-Var":                 "stageA",
		"X-Request-Id":                "req-1",
		"X-Error":                     "MISSING_AUTHENTICATION_TOKEN",
		"X-Absent":                    "",
	} {
		if g := got.header.Get(k); g != v {
			t.Errorf("%s = %q, want %q", k, g, v)
		}
	}
	if _, sent := got.header["X-Absent"]; sent {
		t.Error("a header mapped from an absent value must not be sent")
	}
}

func TestTemplateSelection(t *testing.T) {
	s := mustCompile(t, apimodel.ProtocolREST, map[string]*apimodel.GatewayResponse{
		"UNAUTHORIZED": {ResponseTemplates: map[string]string{
			"application/xml":  "<error>$context.error.message</error>",
			"application/json": `{"error":$context.error.messageString}`,
			"text/plain":       "denied",
		}},
	})
	tests := []struct{ accept, contentType, body string }{
		{"", "application/json", `{"error":"Unauthorized"}`},
		{"application/xml", "application/xml", "<error>Unauthorized</error>"},
		{"text/html, application/XML;q=0.9", "application/xml", "<error>Unauthorized</error>"},
		{"text/plain", "text/plain", "denied"},
		{"image/png", "application/json", `{"error":"Unauthorized"}`}, // the first template
		{"*/*", "application/json", `{"error":"Unauthorized"}`},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.accept != "" {
			r.Header.Set("Accept", tt.accept)
		}
		got := render(t, s, r, nil, New(Unauthorized, ""))
		if got.body != tt.body || got.header.Get("Content-Type") != tt.contentType {
			t.Errorf("Accept %q: got %s %q, want %s %q", tt.accept, got.header.Get("Content-Type"), got.body, tt.contentType, tt.body)
		}
	}
}

// Gateway response templates are not VTL: only $context and $stageVariables are substituted.
func TestTemplateSubstitution(t *testing.T) {
	tests := []struct{ template, want string }{
		{`$context.requestId`, `r1`},
		{`${context.requestId}|${stageVariables.v}`, `r1|sv`},
		{`ends with $context.stage.`, `ends with dev.`},
		{`$context.identity.sourceIp:$context.status`, `10.0.0.1:403`},
		{`$input.body $util.escapeJavaScript("x") #if(true)x#end`, `$input.body $util.escapeJavaScript("x") #if(true)x#end`},
		{`costs $5, $ alone, $$`, `costs $5, $ alone, $$`},
		{`$context.noSuchThing $context.identity.nope ${context.nope} ${context.requestId`, `$context.noSuchThing $context.identity.nope ${context.nope} ${context.requestId`},
		{`$stageVariables.missing|$stageVariables.v.x`, `|sv.x`},
		{`$context.requestIdX`, `$context.requestIdX`},
		{`{"m":$context.error.messageString,"t":"$context.error.responseType"}`, `{"m":"Missing Authentication Token","t":"MISSING_AUTHENTICATION_TOKEN"}`},
		{``, ``},
	}
	for _, tt := range tests {
		s := mustCompile(t, apimodel.ProtocolREST, map[string]*apimodel.GatewayResponse{
			"MISSING_AUTHENTICATION_TOKEN": {ResponseTemplates: map[string]string{"application/json": tt.template}},
		})
		c := &reqctx.Context{RequestID: "r1", Stage: "dev", Identity: reqctx.Identity{SourceIP: "10.0.0.1"}, StageVariables: map[string]string{"v": "sv"}}
		if got := render(t, s, nil, c, New(MissingAuthenticationToken, "")); got.body != tt.want {
			t.Errorf("%q rendered %q, want %q", tt.template, got.body, tt.want)
		}
	}
}

func TestCompileRejects(t *testing.T) {
	pos := apimodel.Position{File: "api.yaml", Line: 7, Column: 3}
	tests := []struct {
		name     string
		protocol apimodel.Protocol
		typ      string
		gr       apimodel.GatewayResponse
		want     string
	}{
		{"unknown type", apimodel.ProtocolREST, "NOT_A_TYPE", apimodel.GatewayResponse{}, "unknown gateway response type"},
		{"status not a number", apimodel.ProtocolREST, "THROTTLED", apimodel.GatewayResponse{StatusCode: "4xx"}, `statusCode "4xx"`},
		{"status out of range", apimodel.ProtocolREST, "THROTTLED", apimodel.GatewayResponse{StatusCode: "600"}, `statusCode "600"`},
		{"parameter not a header", apimodel.ProtocolREST, "THROTTLED",
			apimodel.GatewayResponse{ResponseParameters: map[string]string{"gatewayresponse.querystring.x": "'1'"}}, "only gatewayresponse.header"},
		{"bad header name", apimodel.ProtocolREST, "THROTTLED",
			apimodel.GatewayResponse{ResponseParameters: map[string]string{"gatewayresponse.header.a b": "'1'"}}, "not a header name"},
		{"unquoted literal", apimodel.ProtocolREST, "THROTTLED",
			apimodel.GatewayResponse{ResponseParameters: map[string]string{"gatewayresponse.header.x": "literal"}}, `value "literal"`},
		{"legacy method.input.params", apimodel.ProtocolREST, "THROTTLED",
			apimodel.GatewayResponse{ResponseParameters: map[string]string{"gatewayresponse.header.x": "method.input.params.petId"}}, "method.input.params.petId"},
		{"unknown context variable", apimodel.ProtocolREST, "THROTTLED",
			apimodel.GatewayResponse{ResponseParameters: map[string]string{"gatewayresponse.header.x": "context.nope"}}, "unknown variable $context.nope"},
		{"template key not a content type", apimodel.ProtocolREST, "THROTTLED",
			apimodel.GatewayResponse{ResponseTemplates: map[string]string{"json": "{}"}}, `responseTemplates key "json"`},
		{"HTTP APIs have none", apimodel.ProtocolHTTP, "DEFAULT_4XX", apimodel.GatewayResponse{StatusCode: "400"}, "HTTP APIs have no customizable gateway responses"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gr := tt.gr
			gr.Pos = pos
			_, err := Compile(tt.protocol, map[string]*apimodel.GatewayResponse{tt.typ: &gr})
			if err == nil {
				t.Fatal("Compile accepted it")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) || !strings.Contains(msg, "gateway response "+tt.typ) || !strings.HasPrefix(msg, "api.yaml:7:3: ") {
				t.Errorf("error %q should name %s, say %q and carry the position", msg, tt.typ, tt.want)
			}
		})
	}
	if _, err := Compile("SOAP", nil); err == nil {
		t.Error("unknown protocol accepted")
	}
}

// All literal forms AWS documents must compile.
func TestCompileAccepts(t *testing.T) {
	_, err := Compile(apimodel.ProtocolREST, map[string]*apimodel.GatewayResponse{
		"DEFAULT_4XX": {StatusCode: "400", ResponseParameters: map[string]string{
			"gatewayresponse.header.A": "''",
			"gatewayresponse.header.B": "'*.example.domain'",
			"gatewayresponse.header.C": "method.request.multivalueheader.Accept",
			"gatewayresponse.header.D": "context.identity.sourceIp",
		}, ResponseTemplates: map[string]string{"application/json; charset=utf-8": "x", "application/xml": ""}},
		"WAF_FILTERED": nil,
	})
	if err != nil {
		t.Fatal(err)
	}
}
