package params

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

func TestCompile(t *testing.T) {
	tests := []struct {
		src     string
		side    Side
		wantErr string // substring; "" means it compiles
	}{
		{"'static'", Request, ""},
		{"''", Request, ""},
		{"'with \"quotes\" inside'", Response, ""},
		{"method.request.path.id", Request, ""},
		{"method.request.querystring.q", Request, ""},
		{"method.request.multivaluequerystring.q", Request, ""},
		{"method.request.header.X-User", Request, ""},
		{"method.request.multivalueheader.Accept", Request, ""},
		{"method.request.body", Request, ""},
		{"method.request.body.petstore.pets[0].name", Request, ""},
		{"method.request.body.a['b c']", Request, ""},
		{"stageVariables.backend_host", Request, ""},
		{"context.requestId", Request, ""},
		{"context.identity.sourceIp", Response, ""},
		{"integration.response.header.X-Id", Response, ""},
		{"integration.response.multivalueheader.Set-Cookie", Response, ""},
		{"integration.response.body", Response, ""},
		{"integration.response.body.redirect.url", Response, ""},
		{"method.request.header.Origin", Gateway, ""},

		{"", Request, "empty"},
		{"'", Request, "not a mapping expression"},
		{"static", Request, "not a mapping expression"},
		{"method.request.cookie.x", Request, "unknown method request location"},
		{"method.request.path", Request, "expected method.request"},
		{"method.request.path.", Request, "expected method.request"},
		{"method.request.header.a b", Request, "expected method.request"},
		{"method.request.body.", Request, "empty JSONPath"},
		{"method.request.body.a[", Request, "JSONPath"},
		{"method.request.header.Origin", Response, "cannot map method request values"},
		{"integration.response.header.X", Request, "only be mapped in an integration response"},
		{"integration.response.status.x", Response, "unknown integration response location"},
		{"stageVariables.bad-name", Request, "stage variable names"},
		{"stageVariables.", Request, "stage variable names"},
		{"context.noSuchVariable", Request, "unknown or unsupported context variable"},
		{"$request.header.x", Request, "not a mapping expression"},
	}
	for _, tt := range tests {
		e, err := Compile(tt.src, tt.side)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Compile(%q, %d): %v", tt.src, tt.side, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Compile(%q, %d) = %v, want error containing %q", tt.src, tt.side, err, tt.wantErr)
		case err == nil && e.String() != tt.src:
			t.Errorf("Compile(%q).String() = %q", tt.src, e.String())
		}
	}
}

func testEnv() *Env {
	c := &reqctx.Context{RequestID: "req-1", StageVariables: map[string]string{"host": "backend.local"}}
	c.Identity.SourceIP = "10.0.0.1"
	return &Env{
		Header: http.Header{"Foobar": {"first", "mapped-value"}, "Accept": {"a/b", "c/d"}},
		Query:  url.Values{"testQueryString": {"foo"}, "testVar": {"bar"}, "multi": {"1", "", "2"}},
		Path:   route.Params{{Name: "pathVariable", Value: "foobar"}},
		Body:   []byte(` {"petstore": {"pets": [{"name": "rex", "age": 3, "tags": ["a"]}]}, "ok": true, "nil": null} `),
		Ctx:    c,
		RespHeader: http.Header{
			"X-Userid":   {"u-1"},
			"Set-Cookie": {"a=1", "b=2"},
		},
		RespBody: []byte(`{"redirect": {"url": "https://example.com/next"}, "n": 1.50}`),
	}
}

func TestAppendValues(t *testing.T) {
	tests := []struct {
		src  string
		side Side
		want []string
	}{
		{"'literal'", Request, []string{"literal"}},
		{"''", Request, nil}, // an empty value leaves the target out
		{"method.request.path.pathVariable", Request, []string{"foobar"}},
		{"method.request.path.missing", Request, nil},
		{"method.request.querystring.testVar", Request, []string{"bar"}},
		{"method.request.querystring.multi", Request, []string{"2"}}, // last value
		{"method.request.multivaluequerystring.multi", Request, []string{"1", "2"}},
		{"method.request.querystring.none", Request, nil},
		{"method.request.header.foobar", Request, []string{"mapped-value"}}, // last value
		{"method.request.header.FOOBAR", Request, []string{"mapped-value"}}, // Go canonicalizes names
		{"method.request.multivalueheader.accept", Request, []string{"a/b,c/d"}},
		{"method.request.header.emptyheader", Request, nil},
		{"method.request.body", Request, []string{`{"petstore": {"pets": [{"name": "rex", "age": 3, "tags": ["a"]}]}, "ok": true, "nil": null}`}},
		{"method.request.body.petstore.pets[0].name", Request, []string{"rex"}},
		{"method.request.body.petstore.pets[0].age", Request, []string{"3"}},
		{"method.request.body.petstore.pets[0].tags", Request, []string{`["a"]`}},
		{"method.request.body.ok", Request, []string{"true"}},
		{"method.request.body.nil", Request, nil},
		{"method.request.body.petstore.pets[*].name", Request, []string{`["rex"]`}},
		{"method.request.body.nope", Request, nil},
		{"stageVariables.host", Request, []string{"backend.local"}},
		{"stageVariables.none", Request, nil},
		{"context.requestId", Request, []string{"req-1"}},
		{"context.identity.sourceIp", Request, []string{"10.0.0.1"}},
		{"integration.response.header.x-userid", Response, []string{"u-1"}},
		{"integration.response.header.Set-Cookie", Response, []string{"b=2"}},
		{"integration.response.multivalueheader.Set-Cookie", Response, []string{"a=1,b=2"}},
		{"integration.response.body.redirect.url", Response, []string{"https://example.com/next"}},
		{"integration.response.body.n", Response, []string{"1.50"}},
		{"integration.response.body.redirect", Response, []string{`{"url":"https://example.com/next"}`}},
	}
	env := testEnv()
	for _, tt := range tests {
		e, err := Compile(tt.src, tt.side)
		if err != nil {
			t.Fatalf("Compile(%q): %v", tt.src, err)
		}
		got, err := e.AppendValues(nil, env)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %q, want %q", tt.src, got, tt.want)
		}
	}
}

func TestBodies(t *testing.T) {
	req, _ := Compile("method.request.body.a", Request)
	resp, _ := Compile("integration.response.body.a", Response)
	tests := []struct {
		body       string
		want       []string
		wantStatus int // of the *apierr.Error, 0 for none
	}{
		{``, nil, 0},
		{`plain text`, nil, 0}, // not JSON-looking: no fields, no error
		{`<a>xml</a>`, nil, 0},
		{`{"a": "x"}`, []string{"x"}, 0},
		{`["a"]`, nil, 0},
		{`{"a": `, nil, -1},
		{`'single'`, nil, -1},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			e      Expr
			env    *Env
			status int
		}{{req, &Env{Body: []byte(tt.body)}, 400}, {resp, &Env{RespBody: []byte(tt.body)}, 500}} {
			got, err := c.e.AppendValues(nil, c.env)
			if tt.wantStatus == 0 {
				if err != nil || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("%s on %q = %q, %v; want %q", c.e, tt.body, got, err, tt.want)
				}
				continue
			}
			var ae *apierr.Error
			if !errors.As(err, &ae) || ae.Status != c.status {
				t.Errorf("%s on %q: err %v, want an apierr with status %d", c.e, tt.body, err, c.status)
			}
		}
	}
}

func TestCompileRequestProblems(t *testing.T) {
	pos := apimodel.Position{File: "api.yaml", Line: 7, Column: 3}
	_, ps := CompileRequest(map[string]string{
		"integration.request.header.ok":        "'x'",
		"integration.request.cookie.x":         "'x'",
		"integration.request.path":             "'x'",
		"method.request.header.x":              "'x'",
		"integration.request.querystring.bad":  "nope",
		"integration.request.querystring.good": "method.request.querystring.q",
	}, pos)
	if len(ps) != 4 {
		t.Fatalf("got %d problems, want 4: %v", len(ps), ps)
	}
	for _, p := range ps {
		if p.Pos != pos {
			t.Errorf("problem at %v, want %v", p.Pos, pos)
		}
	}
	if !strings.Contains(ps.Error(), `requestParameters "integration.request.cookie.x": unknown integration request location "cookie"`) {
		t.Errorf("unexpected messages:\n%v", ps)
	}
	_, ps = CompileResponse(map[string]string{
		"method.response.body.x":       "'x'",
		"method.response.header.X":     "method.request.header.Origin",
		"method.response.header.Fine":  "integration.response.header.Fine",
		"method.response.header.Fine2": "'x'",
	}, pos)
	if len(ps) != 2 {
		t.Fatalf("got %d problems, want 2: %v", len(ps), ps)
	}
}

// The mapping of localstack's test_http_proxy_integration_request_data_mappings, recorded
// against AWS: a missing source leaves its target out.
func TestRequestApply(t *testing.T) {
	m, ps := CompileRequest(map[string]string{
		"integration.request.header.headerVar":          "method.request.header.foobar",
		"integration.request.path.qsVar":                "method.request.querystring.testVar",
		"integration.request.path.pathVar":              "method.request.path.pathVariable",
		"integration.request.querystring.queryString":   "method.request.querystring.testQueryString",
		"integration.request.querystring.testQs":        "method.request.querystring.testQueryString",
		"integration.request.querystring.testEmptyQs":   "method.request.header.emptyheader",
		"integration.request.multivaluequerystring.all": "method.request.multivaluequerystring.multi",
		"integration.request.header.X-Multi":            "method.request.multivaluequerystring.multi",
	}, apimodel.Position{})
	if ps != nil {
		t.Fatal(ps)
	}
	if m.Needs()&NeedQuery == 0 || m.Needs()&NeedBody != 0 {
		t.Errorf("Needs = %b", m.Needs())
	}
	var out RequestValues
	if err := m.Apply(testEnv(), &out); err != nil {
		t.Fatal(err)
	}
	wantHeader := http.Header{"Headervar": {"mapped-value"}, "X-Multi": {"1,2"}}
	if !reflect.DeepEqual(out.Header, wantHeader) {
		t.Errorf("Header = %v, want %v", out.Header, wantHeader)
	}
	wantQuery := []Pair{{"all", "1"}, {"all", "2"}, {"queryString", "foo"}, {"testQs", "foo"}}
	if !reflect.DeepEqual(out.Query, wantQuery) {
		t.Errorf("Query = %v, want %v", out.Query, wantQuery)
	}
	wantPath := []Pair{{"pathVar", "foobar"}, {"qsVar", "bar"}}
	if !reflect.DeepEqual(out.Path, wantPath) {
		t.Errorf("Path = %v, want %v", out.Path, wantPath)
	}
	if v, ok := out.PathValue("qsVar"); !ok || v != "bar" {
		t.Errorf("PathValue(qsVar) = %q, %v", v, ok)
	}
	out.Reset()
	if len(out.Header)+len(out.Query)+len(out.Path) != 0 {
		t.Errorf("Reset left %v", out)
	}
}

// The response half of localstack's test_apigateway_header_remapping_http[HTTP] snapshot,
// recorded against AWS: every header mapped to 'response_param_<name>'.
func TestResponseRemap(t *testing.T) {
	headers := []string{"Accept", "Accept-Charset", "Accept-Encoding", "Age", "Authorization",
		"Connection", "Content-Encoding", "Content-Length", "Content-MD5", "Content-Type", "Date",
		"Expect", "Host", "Max-Forwards", "Pragma", "Proxy-Authenticate", "Range", "Referer",
		"Server", "TE", "Transfer-Encoding", "Trailer", "Upgrade", "User-Agent", "Via", "Warn",
		"WWW-Authenticate"}
	spec := map[string]string{}
	for _, h := range headers {
		spec["method.response.header."+h] = "'response_param_" + h + "'"
	}
	m, ps := CompileResponse(spec, apimodel.Position{})
	if ps != nil {
		t.Fatal(ps)
	}
	if !m.Static() {
		t.Error("literal-only mapping is not Static")
	}
	got := http.Header{}
	if err := m.Apply(&Env{}, got, RemapNonProxy); err != nil {
		t.Fatal(err)
	}
	passed := []string{"Accept", "Accept-Charset", "Accept-Encoding", "Age", "Content-Encoding",
		"Content-Type", "Pragma", "Range", "Referer", "TE", "Via", "Warn"}
	remapped := []string{"Authorization", "Connection", "Content-Length", "Content-MD5", "Date",
		"Expect", "Host", "Max-Forwards", "Proxy-Authenticate", "Server", "Trailer", "Upgrade",
		"User-Agent", "WWW-Authenticate"}
	want := http.Header{}
	for _, h := range passed {
		want.Set(h, "response_param_"+h)
	}
	for _, h := range remapped {
		want.Set("x-amzn-Remapped-"+h, "response_param_"+h)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	// Other integrations remap only the connection-level headers.
	common := http.Header{}
	_ = m.Apply(&Env{}, common, RemapCommon)
	if common.Get("Authorization") != "response_param_Authorization" || common.Get("X-Amzn-Remapped-Date") != "response_param_Date" {
		t.Errorf("RemapCommon: %v", common)
	}
}

func TestHTTPRequestHeaderRule(t *testing.T) {
	for name, want := range map[string]RequestHeaderRule{
		"Accept": Send, "Host": Send, "User-Agent": Send, "Authorization": Send, "Date": Send,
		"Connection": Drop, "Expect": Drop, "Proxy-Authenticate": Drop, "Te": Drop, "Via": Drop,
		"Content-Length": Fail, "Transfer-Encoding": Fail,
	} {
		if got := HTTPRequestHeaderRule(name); got != want {
			t.Errorf("%s: %d, want %d", name, got, want)
		}
	}
}

func TestResponsesSelect(t *testing.T) {
	specs := []*apimodel.IntegrationResponse{
		{StatusCode: "200"},
		{StatusCode: "400", SelectionPattern: `4\d{2}`},
		{StatusCode: "502", SelectionPattern: `5.*`},
		{StatusCode: "201", SelectionPattern: `20`},
	}
	rs, ps := CompileResponses(specs, nil)
	if ps != nil {
		t.Fatal(ps)
	}
	for value, want := range map[string]int{
		"200": 200, "201": 200, "404": 400, "4000": 200, "503": 502, "20": 201, "-1000": 200,
	} {
		r, err := rs.Select(value)
		if err != nil || r.Status != want {
			t.Errorf("Select(%q) = %v, %v; want %d", value, r, err, want)
		}
	}
	rs, _ = CompileResponses(specs[1:2], nil)
	_, err := rs.Select("200")
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Type != apierr.APIConfigurationError {
		t.Errorf("no match: %v, want API_CONFIGURATION_ERROR", err)
	}
	_, ps = CompileResponses([]*apimodel.IntegrationResponse{
		{StatusCode: "abc", Pos: apimodel.Position{Line: 3}},
		{StatusCode: "200", SelectionPattern: "(", Pos: apimodel.Position{Line: 4}},
		{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": "$input.body"}, Pos: apimodel.Position{Line: 5}},
	}, nil)
	if len(ps) != 3 || !strings.Contains(ps[2].Message, "needs mapping templates (VTL)") || ps[2].Pos.Line != 5 {
		t.Errorf("problems: %v", ps)
	}
}
