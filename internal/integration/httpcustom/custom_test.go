package httpcustom

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// echoed is what the echo backend saw, as httpbin reports it.
type echoed struct {
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Args    map[string][]string `json:"args"`
	Headers map[string]string   `json:"headers"`
	Host    string              `json:"host"`
	Data    string              `json:"data"`
}

// echoServer answers every request with what it received. /status/<code> answers with that
// status, /sleep waits for the client to give up, and every response carries headers the
// gateway must not pass on.
func echoServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sleep" {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		b, _ := io.ReadAll(r.Body)
		e := echoed{Method: r.Method, Path: r.URL.Path, Args: r.URL.Query(), Headers: map[string]string{}, Host: r.Host, Data: string(b)}
		for k, v := range r.Header {
			e.Headers[strings.ToLower(k)] = strings.Join(v, ",")
		}
		if r.ContentLength >= 0 && r.Method != "GET" {
			e.Headers["content-length"] = strconv.FormatInt(r.ContentLength, 10)
		}
		status := 200
		if code, ok := strings.CutPrefix(r.URL.Path, "/status/"); ok {
			status, _ = strconv.Atoi(code)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("X-Backend", "secret")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(e)
	}))
	t.Cleanup(srv.Close)
	return srv
}

const apiID = "a1b2c3d4e5"

func newCall(method, target, body string, header http.Header, params route.Params) *gateway.Call {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	for k, v := range header {
		r.Header[k] = v
	}
	ctx := &reqctx.Context{APIID: apiID, StageVariables: map[string]string{"backendPath": "status/201"}}
	return &gateway.Call{Req: r, Ctx: ctx, Params: params}
}

type result struct {
	status int
	header http.Header
	body   string
	echo   echoed
	err    error
}

func invoke(t *testing.T, spec *apimodel.Integration, c *gateway.Call) result {
	t.Helper()
	in, err := New(spec, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	res := result{err: in.Invoke(rec, c)}
	if res.err != nil {
		if rec.Code != 200 || rec.Body.Len() != 0 || len(rec.Header()) != 0 {
			t.Errorf("wrote a response before failing with %v", res.err)
		}
		return res
	}
	res.status, res.header, res.body = rec.Code, rec.Header(), rec.Body.String()
	_ = json.Unmarshal(rec.Body.Bytes(), &res.echo)
	return res
}

func defaultResponse() []*apimodel.IntegrationResponse {
	return []*apimodel.IntegrationResponse{{StatusCode: "200"}}
}

// test_http_integration_with_lambda[HTTP] and test_http_integration_method[HTTP]: none of the
// client's headers reach the backend, AWS adds its own, and none of the backend's headers
// reach the client.
func TestForwardsOnlyWhatIsMapped(t *testing.T) {
	srv := echoServer(t)
	spec := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: srv.URL + "/", Responses: defaultResponse()}
	c := newCall("PUT", "/test/test?client=query", `{"message": "hello world"}`, http.Header{
		"Content-Type": {"application/json"}, "Accept": {"application/xml"}, "User-Agent": {"test/integration"},
		"X-Client": {"not forwarded"}, "Authorization": {"Bearer x"},
	}, nil)
	res := invoke(t, spec, c)
	if res.err != nil {
		t.Fatal(res.err)
	}
	wantHeaders := map[string]string{
		"accept":                   "application/json",
		"content-length":           "26",
		"content-type":             "application/json",
		"user-agent":               "AmazonAPIGateway_" + apiID,
		"x-amzn-apigateway-api-id": apiID,
	}
	if !reflect.DeepEqual(res.echo.Headers, wantHeaders) {
		t.Errorf("backend saw headers %v,\nwant %v", res.echo.Headers, wantHeaders)
	}
	if res.echo.Method != "POST" || res.echo.Data != `{"message": "hello world"}` || len(res.echo.Args) != 0 {
		t.Errorf("backend saw %s %v %q", res.echo.Method, res.echo.Args, res.echo.Data)
	}
	if res.status != 200 || res.header.Get("Content-Type") != "application/json" ||
		res.header.Get("X-Backend") != "" || res.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("client got %d %v", res.status, res.header)
	}
	if c.Ctx.IntegrationStatus != 200 || c.Ctx.IntegrationLatency <= 0 {
		t.Errorf("$context.integration: status %d latency %v", c.Ctx.IntegrationStatus, c.Ctx.IntegrationLatency)
	}

	// ANY as integration method is the method request's; GET carries no body.
	spec.HTTPMethod = "ANY"
	res = invoke(t, spec, newCall("GET", "/test/test", "", http.Header{"Content-Type": {"application/json"}}, nil))
	if res.err != nil || res.echo.Method != "GET" || res.echo.Headers["content-type"] != "" {
		t.Errorf("ANY: %v %s %v", res.err, res.echo.Method, res.echo.Headers)
	}
}

// test_http_integration_invoke_status_code_passthrough[HTTP]: a greedy path parameter mapped
// into the URI, and a backend 400 answered 200 by the default integration response with the
// backend's body.
func TestStatusCodePassthrough(t *testing.T) {
	srv := echoServer(t)
	spec := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: srv.URL + "/{map}",
		RequestParameters: map[string]string{"integration.request.path.map": "method.request.path.map"},
		Responses:         defaultResponse()}
	for _, code := range []string{"200", "400"} {
		res := invoke(t, spec, newCall("POST", "/test/status/"+code, "", nil, route.Params{{Name: "map", Value: "status/" + code}}))
		if res.err != nil || res.status != 200 || res.echo.Path != "/status/"+code {
			t.Errorf("%s: %v %d %q", code, res.err, res.status, res.echo.Path)
		}
	}
}

// test_http_integration_status_code_selection: 4XX selected by pattern, the rest by default.
func TestStatusCodeSelection(t *testing.T) {
	srv := echoServer(t)
	spec := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "GET", URI: srv.URL + "/status/{status}",
		RequestParameters: map[string]string{"integration.request.path.status": "method.request.path.status"},
		Responses: []*apimodel.IntegrationResponse{
			{StatusCode: "200"},
			{StatusCode: "400", SelectionPattern: `4\d{2}`},
		}}
	for requested, want := range map[string]int{"404": 400, "201": 200, "500": 200} {
		res := invoke(t, spec, newCall("GET", "/test/"+requested, "", nil, route.Params{{Name: "status", Value: requested}}))
		if res.err != nil || res.status != want {
			t.Errorf("%s: %v %d, want %d", requested, res.err, res.status, want)
		}
	}
	spec.Responses = spec.Responses[1:]
	res := invoke(t, spec, newCall("GET", "/test/201", "", nil, route.Params{{Name: "status", Value: "201"}}))
	var ae *apierr.Error
	if !errors.As(res.err, &ae) || ae.Type != apierr.APIConfigurationError {
		t.Errorf("no match and no default: %v", res.err)
	}
}

// The mappings of test_http_proxy_integration_request_data_mappings (recorded against AWS for
// HTTP_PROXY), on an HTTP integration: URI placeholders take mapped path values, mapped query
// parameters follow the URI's own, a missing source leaves its target out, and — unlike the
// proxy — the client's own query string and headers stay behind.
func TestRequestDataMappings(t *testing.T) {
	srv := echoServer(t)
	spec := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST",
		URI: srv.URL + "/?testVar={pathVar}&testQs={qsVar}",
		RequestParameters: map[string]string{
			"integration.request.header.headerVar":        "method.request.header.foobar",
			"integration.request.path.qsVar":              "method.request.querystring.testVar",
			"integration.request.path.pathVar":            "method.request.path.pathVariable",
			"integration.request.querystring.queryString": "method.request.querystring.testQueryString",
			"integration.request.querystring.testQs":      "method.request.querystring.testQueryString",
			"integration.request.querystring.testEmptyQs": "method.request.header.emptyheader",
		},
		Responses: defaultResponse()}
	res := invoke(t, spec, newCall("POST", "/test/foobar?testQueryString=foo&testVar=bar", `{"message": "hello world"}`,
		http.Header{"Content-Type": {"application/json"}, "Foobar": {"mapped-value"}, "Headervar": {"request-value"}},
		route.Params{{Name: "pathVariable", Value: "foobar"}}))
	if res.err != nil {
		t.Fatal(res.err)
	}
	wantArgs := map[string][]string{"testVar": {"foobar"}, "testQs": {"bar", "foo"}, "queryString": {"foo"}}
	if !reflect.DeepEqual(res.echo.Args, wantArgs) {
		t.Errorf("args %v, want %v", res.echo.Args, wantArgs)
	}
	if res.echo.Headers["headervar"] != "mapped-value" || res.echo.Headers["foobar"] != "" {
		t.Errorf("headers %v", res.echo.Headers)
	}
}

// test_apigateway_header_remapping_http[HTTP], recorded against AWS: which mapped request
// headers reach the backend, which are dropped, which fail the request; and which mapped
// response headers are renamed x-amzn-Remapped-*.
func TestHeaderRemapping(t *testing.T) {
	srv := echoServer(t)
	client := http.Header{
		"Accept": {"application/json"}, "Accept-Charset": {"UTF-8"}, "Age": {"request_Age"},
		"Authorization": {"Unauthorized"}, "Content-Type": {"application/json"}, "Pragma": {"cache"},
		"Referer": {"https://example.com/"}, "User-Agent": {"localStack/0.0"}, "Host": {"gateway.example"},
	}
	noParam := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: srv.URL + "/post", Responses: defaultResponse()}
	res := invoke(t, noParam, newCall("GET", "/test/no-param", "", client, nil))
	want := map[string]string{"accept": "application/json", "content-length": "0",
		"user-agent": "AmazonAPIGateway_" + apiID, "x-amzn-apigateway-api-id": apiID}
	if res.err != nil || !reflect.DeepEqual(res.echo.Headers, want) {
		t.Errorf("no-param: %v\n got %v\nwant %v", res.err, res.echo.Headers, want)
	}

	full := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: srv.URL + "/post",
		RequestParameters: map[string]string{
			"integration.request.header.Accept":             "'text/html'",
			"integration.request.header.Accept-Charset":     "'UTF-16'",
			"integration.request.header.Authorization":      "'request_params_authorization'",
			"integration.request.header.Content-Type":       "'application/json'",
			"integration.request.header.Host":               "method.request.header.Host",
			"integration.request.header.User-Agent":         "'Override-Agent'",
			"integration.request.header.Connection":         "'keep-alive'",
			"integration.request.header.Proxy-Authenticate": "'Basic realm=\"x\"'",
			"integration.request.header.TE":                 "'gzip'",
			"integration.request.header.Via":                "'othersite.net'",
			"integration.request.header.Expect":             "'200-ok'",
		},
		Responses: []*apimodel.IntegrationResponse{{StatusCode: "200", ResponseParameters: map[string]string{
			"method.response.header.Content-Type":      "'response_param_Content-Type'",
			"method.response.header.Date":              "'response_param_Date'",
			"method.response.header.Server":            "'response_param_Server'",
			"method.response.header.User-Agent":        "'response_param_User-Agent'",
			"method.response.header.Pragma":            "'response_param_Pragma'",
			"method.response.header.Transfer-Encoding": "'response_param_Transfer-Encoding'",
			"method.response.header.X-Backend":         "integration.response.header.X-Backend",
		}}}}
	res = invoke(t, full, newCall("GET", "/test/full", "", client, nil))
	want = map[string]string{"accept": "text/html", "accept-charset": "UTF-16", "authorization": "request_params_authorization",
		"content-type": "application/json", "user-agent": "Override-Agent", "x-amzn-apigateway-api-id": apiID, "content-length": "0"}
	if res.err != nil || !reflect.DeepEqual(res.echo.Headers, want) || res.echo.Host != "gateway.example" {
		t.Errorf("full: %v\n got %v host %q\nwant %v", res.err, res.echo.Headers, res.echo.Host, want)
	}
	wantResp := http.Header{
		"Content-Type":               {"response_param_Content-Type"},
		"X-Amzn-Remapped-Date":       {"response_param_Date"},
		"X-Amzn-Remapped-Server":     {"response_param_Server"},
		"X-Amzn-Remapped-User-Agent": {"response_param_User-Agent"},
		"Pragma":                     {"response_param_Pragma"},
		"X-Backend":                  {"secret"},
		"Content-Length":             {strconv.Itoa(len(res.body))},
	}
	if !reflect.DeepEqual(res.header, wantResp) {
		t.Errorf("full response headers\n got %v\nwant %v", res.header, wantResp)
	}

	for _, h := range []string{"Content-Length", "Transfer-Encoding"} {
		refused := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: srv.URL + "/post",
			RequestParameters: map[string]string{"integration.request.header." + h: "'0'"}, Responses: defaultResponse()}
		res = invoke(t, refused, newCall("GET", "/test/x", "", client, nil))
		var ae *apierr.Error
		if !errors.As(res.err, &ae) || ae.Type != apierr.APIConfigurationError {
			t.Errorf("mapping %s: %v, want a 500 configuration error", h, res.err)
		}
	}
}

func TestTemplatesAndPassthrough(t *testing.T) {
	srv := echoServer(t)
	spec := func(pt string, req, resp map[string]string) *apimodel.Integration {
		return &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "POST", URI: srv.URL + "/",
			PassthroughBehavior: pt, RequestTemplates: req,
			Responses: []*apimodel.IntegrationResponse{{StatusCode: "202", ResponseTemplates: resp}}}
	}
	jsonTemplate := map[string]string{"application/json": `{"foo": "bar"}`}
	xml := http.Header{"Content-Type": {"application/xml"}}
	tests := []struct {
		name     string
		spec     *apimodel.Integration
		header   http.Header
		wantData string // what the backend received; "415" for a rejection
	}{
		{"template", spec("WHEN_NO_MATCH", jsonTemplate, nil), http.Header{"Content-Type": {"application/json; charset=utf-8"}}, `{"foo": "bar"}`},
		{"no content type means json", spec("NEVER", jsonTemplate, nil), nil, `{"foo": "bar"}`},
		{"when_no_match passes through", spec("WHEN_NO_MATCH", jsonTemplate, nil), xml, "<a>1</a>"},
		{"when_no_templates rejects", spec("WHEN_NO_TEMPLATES", jsonTemplate, nil), xml, "415"},
		{"when_no_templates without templates", spec("WHEN_NO_TEMPLATES", nil, nil), xml, "<a>1</a>"},
		{"never rejects", spec("NEVER", nil, nil), xml, "415"},
	}
	for _, tt := range tests {
		res := invoke(t, tt.spec, newCall("POST", "/test", "<a>1</a>", tt.header, nil))
		if tt.wantData == "415" {
			var ae *apierr.Error
			if !errors.As(res.err, &ae) || ae.Type != apierr.UnsupportedMediaType {
				t.Errorf("%s: %v, want 415", tt.name, res.err)
			}
			continue
		}
		if res.err != nil || res.status != 202 || res.echo.Data != tt.wantData {
			t.Errorf("%s: %v %d %q, want %q", tt.name, res.err, res.status, res.echo.Data, tt.wantData)
		}
	}

	res := invoke(t, spec("", nil, map[string]string{"application/json": `{"replaced": true}`, "text/plain": "plain"}),
		newCall("POST", "/test", "", http.Header{"Accept": {"text/plain"}}, nil))
	if res.err != nil || res.body != "plain" || res.header.Get("Content-Type") != "application/json" {
		t.Errorf("response template: %v %q %v", res.err, res.body, res.header)
	}
}

func TestStageVariableURI(t *testing.T) {
	srv := echoServer(t)
	spec := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "GET",
		URI: srv.URL + "/${stageVariables.backendPath}?missing=${stageVariables.none}&unmapped={nothing}", Responses: defaultResponse()}
	res := invoke(t, spec, newCall("GET", "/test", "", nil, nil))
	if res.err != nil || res.echo.Path != "/status/201" || c(res.echo.Args) != "missing=&unmapped={nothing}" {
		t.Errorf("%v %q %v", res.err, res.echo.Path, res.echo.Args)
	}
}

func c(args map[string][]string) string {
	return "missing=" + strings.Join(args["missing"], ",") + "&unmapped=" + strings.Join(args["unmapped"], ",")
}

func TestFailures(t *testing.T) {
	srv := echoServer(t)
	timeout := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "GET", URI: srv.URL + "/sleep", Responses: defaultResponse()}
	call := newCall("GET", "/test", "", nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	call.Req = call.Req.WithContext(ctx)
	res := invoke(t, timeout, call)
	var ae *apierr.Error
	if !errors.As(res.err, &ae) || ae.Type != apierr.IntegrationTimeout || ae.Message != "Endpoint request timed out" {
		t.Errorf("timeout: %v", res.err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	refused := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "GET", URI: closed + "/", Responses: defaultResponse()}
	res = invoke(t, refused, newCall("GET", "/test", "", nil, nil))
	if !errors.As(res.err, &ae) || ae.Type != apierr.IntegrationFailure {
		t.Errorf("connection refused: %v", res.err)
	}

	badHost := &apimodel.Integration{Type: apimodel.IntegrationHTTP, HTTPMethod: "GET", URI: "http://${stageVariables.none}/x", Responses: defaultResponse()}
	res = invoke(t, badHost, newCall("GET", "/test", "", nil, nil))
	if !errors.As(res.err, &ae) || ae.Type != apierr.APIConfigurationError {
		t.Errorf("empty host: %v", res.err)
	}
}

func TestNewProblems(t *testing.T) {
	pos := apimodel.Position{File: "api.yaml", Line: 3}
	_, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTP, URI: "http://x/", Pos: pos,
		RequestTemplates:  map[string]string{"application/json": `{"a": "$input.body"}`},
		RequestParameters: map[string]string{"integration.request.header.X": "method.request.nowhere.x"},
		Responses:         []*apimodel.IntegrationResponse{{StatusCode: "200", SelectionPattern: "("}},
	}, nil)
	var ps apimodel.Problems
	if !errors.As(err, &ps) || len(ps) != 3 {
		t.Fatalf("%v", err)
	}
	for _, p := range ps {
		if p.Pos != pos {
			t.Errorf("%v not at %v", p, pos)
		}
	}
}
