package mock

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/mapping/tmpl"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// fakeVTL stands in for the VTL engine so that AWS recordings whose templates read
// $input.params can run: it knows exactly those two spellings and nothing else.
func fakeVTL(src string) (tmpl.Template, error) {
	if !strings.ContainsAny(src, "$#") {
		return tmpl.Static(src), nil
	}
	return fakeTemplate(src), nil
}

type fakeTemplate string

var paramRef = regexp.MustCompile(`\$input\.params\(\)\.path\.(\w+)|\$input\.params\('(\w+)'\)`)

func (f fakeTemplate) Render(dst []byte, in *tmpl.Input) ([]byte, error) {
	out := paramRef.ReplaceAllStringFunc(string(f), func(m string) string {
		sm := paramRef.FindStringSubmatch(m)
		name := sm[1] + sm[2]
		if v, ok := in.Params.Get(name); ok {
			return v
		}
		if v := in.Req.URL.Query().Get(name); v != "" {
			return v
		}
		return in.Req.Header.Get(name)
	})
	return append(dst, out...), nil
}

func call(method, target string, header http.Header, params route.Params) *gateway.Call {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	return &gateway.Call{Req: r, Ctx: &reqctx.Context{StageVariables: map[string]string{"v": "stage-value"}}, Params: params}
}

type want struct {
	status  int
	body    string
	header  http.Header // checked with Get; other headers are not
	errType apierr.Type
}

func check(t *testing.T, name string, m *Mock, c *gateway.Call, w want) {
	t.Helper()
	rec := httptest.NewRecorder()
	err := m.Invoke(rec, c)
	if w.errType != "" {
		var ae *apierr.Error
		if !errors.As(err, &ae) || ae.Type != w.errType {
			t.Errorf("%s: err = %v, want %s", name, err, w.errType)
		}
		if rec.Code != 200 || rec.Body.Len() != 0 || len(rec.Header()) != 0 {
			t.Errorf("%s: wrote a response before failing", name)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if rec.Code != w.status || rec.Body.String() != w.body {
		t.Errorf("%s: %d %q, want %d %q", name, rec.Code, rec.Body.String(), w.status, w.body)
	}
	for k := range w.header {
		if got := rec.Header().Get(k); got != w.header.Get(k) {
			t.Errorf("%s: header %s = %q, want %q", name, k, got, w.header.Get(k))
		}
	}
}

// AWS recordings from localstack's snapshots (test_apigateway_basic, test_apigateway_integrations).
func TestSnapshots(t *testing.T) {
	// test_mock_integration_response[<passthrough>-<url type>-<method>]: the same answer for
	// every passthrough behavior, since the request's Content-Type has a template.
	for _, pt := range []string{"WHEN_NO_MATCH", "NEVER", "WHEN_NO_TEMPLATES"} {
		for _, method := range []string{"GET", "POST"} {
			spec := &apimodel.Integration{
				Type: apimodel.IntegrationMock, HTTPMethod: method, PassthroughBehavior: pt,
				RequestTemplates: map[string]string{"application/json": `{"statusCode":200}`},
				Responses: []*apimodel.IntegrationResponse{{StatusCode: "200",
					ResponseTemplates: map[string]string{"application/json": `{"statusCode": 200, "id": $input.params().path.id}`}}},
			}
			m, err := newMock(spec, fakeVTL)
			if err != nil {
				t.Fatal(err)
			}
			c := call(method, "/local/42", http.Header{"Content-Type": {"application/json"}}, route.Params{{Name: "id", Value: "42"}})
			check(t, pt+"-"+method, m, c, want{status: 200, body: `{"statusCode": 200, "id": 42}`,
				header: http.Header{"Content-Type": {"application/json"}}})
		}
	}

	// test_api_gateway_mock_integration (openapi-mock.json): no Content-Type means
	// application/json, so the template applies even with when_no_templates.
	spec := &apimodel.Integration{
		Type: apimodel.IntegrationMock, PassthroughBehavior: "when_no_templates",
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
		Responses: []*apimodel.IntegrationResponse{{StatusCode: "200",
			ResponseTemplates: map[string]string{"application/json": `{"echo": "$input.params('data')", "response": "mocked"}`}}},
	}
	m, err := newMock(spec, fakeVTL)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "openapi-mock", m, call("GET", "/latest/echo/foobar", nil, route.Params{{Name: "data", Value: "foobar"}}),
		want{status: 200, body: `{"echo": "foobar", "response": "mocked"}`})

	// test_integration_mock_with_path_param: a bare statusCode key, and request parameters
	// that a MOCK integration validates but has nowhere to send.
	spec = &apimodel.Integration{
		Type: apimodel.IntegrationMock, PassthroughBehavior: "WHEN_NO_MATCH",
		RequestParameters: map[string]string{"integration.request.path.integrationPath": "method.request.path.testPath"},
		RequestTemplates:  map[string]string{"application/json": "{statusCode: 200}"},
		Responses:         []*apimodel.IntegrationResponse{{StatusCode: "200"}},
	}
	m, err = New(spec)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "path-param", m, call("GET", "/dev/test-path", nil, route.Params{{Name: "testPath", Value: "test-path"}}),
		want{status: 200, body: "", header: http.Header{"Content-Type": {"application/json"}, "Content-Length": {"0"}}})
}

// swagger-mock-cors.json: the CORS preflight every generated API carries.
var corsSpec = &apimodel.Integration{
	Type:             apimodel.IntegrationMock,
	RequestTemplates: map[string]string{"application/json": "{\n  \"statusCode\" : 200\n}\n"},
	Responses: []*apimodel.IntegrationResponse{{
		StatusCode:        "200",
		ResponseTemplates: map[string]string{"application/json": "{}\n"},
		ResponseParameters: map[string]string{
			"method.response.header.Access-Control-Allow-Origin":  "'http://localhost:8080'",
			"method.response.header.Access-Control-Allow-Methods": "'OPTIONS,POST,GET'",
			"method.response.header.Access-Control-Allow-Headers": "'Content-Type'",
		},
	}},
}

func TestPassthroughAndSelection(t *testing.T) {
	cors, err := New(corsSpec)
	if err != nil {
		t.Fatal(err)
	}
	selecting, err := New(&apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 404}`, "text/plain": `{"statusCode": 201, "x": {"a": [1, "}"]}}`},
		Responses: []*apimodel.IntegrationResponse{
			{StatusCode: "200", ResponseParameters: map[string]string{
				"method.response.header.X-Stage":   "stageVariables.v",
				"method.response.header.X-Missing": "integration.response.header.X-Anything",
			}},
			{StatusCode: "404", SelectionPattern: `4\d{2}`, ResponseTemplates: map[string]string{
				"application/json": `{"message": "not here"}`, "application/xml": "<message>not here</message>"},
				ResponseParameters: map[string]string{"method.response.header.Content-Type": "'application/problem+json'"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	never, err := New(&apimodel.Integration{Type: apimodel.IntegrationMock, PassthroughBehavior: "NEVER",
		Responses: []*apimodel.IntegrationResponse{{StatusCode: "200"}}})
	if err != nil {
		t.Fatal(err)
	}
	noTemplates, err := New(&apimodel.Integration{Type: apimodel.IntegrationMock, PassthroughBehavior: "WHEN_NO_TEMPLATES",
		Responses: []*apimodel.IntegrationResponse{{StatusCode: "200", ResponseTemplates: map[string]string{"text/plain": "ok"}}}})
	if err != nil {
		t.Fatal(err)
	}
	onlyPatterned, err := New(&apimodel.Integration{Type: apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
		Responses:        []*apimodel.IntegrationResponse{{StatusCode: "500", SelectionPattern: `5\d{2}`}}})
	if err != nil {
		t.Fatal(err)
	}
	xml := http.Header{"Content-Type": {"application/xml"}}
	tests := []struct {
		name string
		m    *Mock
		c    *gateway.Call
		want want
	}{
		{"cors preflight", cors, call("OPTIONS", "/", nil, nil), want{status: 200, body: "{}\n", header: http.Header{
			"Access-Control-Allow-Origin": {"http://localhost:8080"}, "Access-Control-Allow-Methods": {"OPTIONS,POST,GET"},
			"Access-Control-Allow-Headers": {"Content-Type"}, "Content-Type": {"application/json"}, "Content-Length": {"3"}}}},
		// An unmapped Content-Type passes the client's body through (WHEN_NO_MATCH); an empty
		// body has no statusCode, which AWS answers with a 500.
		{"cors with xml body", cors, call("OPTIONS", "/", xml, nil), want{errType: apierr.APIConfigurationError}},
		{"selected by pattern", selecting, call("GET", "/", nil, nil), want{status: 404, body: `{"message": "not here"}`,
			header: http.Header{"Content-Type": {"application/problem+json"}}}},
		{"response template by Accept", selecting, call("GET", "/", http.Header{"Accept": {"application/xml"}}, nil),
			want{status: 404, body: "<message>not here</message>"}},
		{"default response", selecting, call("POST", "/", http.Header{"Content-Type": {"text/plain; charset=utf-8"}}, nil),
			want{status: 200, body: "", header: http.Header{"X-Stage": {"stage-value"}, "X-Missing": nil, "Content-Type": {"application/json"}}}},
		{"never without templates", never, call("GET", "/", nil, nil), want{errType: apierr.UnsupportedMediaType}},
		{"when_no_templates without templates passes through", noTemplates,
			withBody(call("POST", "/", nil, nil), `{statusCode: 200, 'other': "x"}`), want{status: 200, body: "ok"}},
		{"passthrough body without statusCode", noTemplates, withBody(call("POST", "/", nil, nil), `{"status": 200}`),
			want{errType: apierr.APIConfigurationError}},
		{"no match, no default", onlyPatterned, call("GET", "/", nil, nil), want{errType: apierr.APIConfigurationError}},
	}
	for _, tt := range tests {
		check(t, tt.name, tt.m, tt.c, tt.want)
	}
}

func withBody(c *gateway.Call, body string) *gateway.Call {
	c.Req = httptest.NewRequest(c.Req.Method, c.Req.URL.String(), strings.NewReader(body))
	return c
}

func TestStatusCode(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{`{"statusCode": 200}`, 200, true},
		{`{"statusCode":200}`, 200, true},
		{"{\n  \"statusCode\" : 200\n}\n", 200, true},
		{`{statusCode: 200}`, 200, true},
		{`{'statusCode': 201}`, 201, true},
		{`{"a": {"b": [1, 2, "}"]}, "statusCode": 204, "c": 'x,y'}`, 204, true},
		{`{"statusCode": 0}`, 0, true}, // any integer will do (localstack unit test)
		{`{"statusCode": -1000}`, -1000, true},
		{`{"statusCode": "200"}`, 0, false}, // must be an integer
		{`{"statusCode": 200.5}`, 0, false},
		{`{"statusCode": 200`, 0, false},
		{`{"status": 200}`, 0, false},
		{``, 0, false},
		{`[{"statusCode": 200}]`, 0, false},
		{`{"statusCode": 99999999999999999999}`, 0, false},
	}
	for _, tt := range tests {
		got, ok := statusCode([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("statusCode(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNewProblems(t *testing.T) {
	pos := apimodel.Position{File: "api.yaml", Line: 12, Column: 5}
	_, err := New(&apimodel.Integration{
		Type: apimodel.IntegrationMock, Pos: pos,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": $input.params('code')}`},
		Responses: []*apimodel.IntegrationResponse{{StatusCode: "200",
			ResponseTemplates: map[string]string{"application/json": "#set($x = 1)"}}},
	})
	var ps apimodel.Problems
	if !errors.As(err, &ps) || len(ps) != 2 {
		t.Fatalf("err = %v, want 2 problems", err)
	}
	for _, p := range ps {
		if p.Pos != pos || !strings.Contains(p.Message, "needs mapping templates (VTL), not supported yet") {
			t.Errorf("problem %v", p)
		}
	}
}
