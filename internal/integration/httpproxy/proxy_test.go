package httpproxy

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
)

type echoed struct {
	Method  string      `json:"method"`
	URI     string      `json:"uri"`
	Host    string      `json:"host"`
	Header  http.Header `json:"header"`
	Body    string      `json:"body"`
	Length  int64       `json:"length"`
	Chunked bool        `json:"chunked"`
}

func echoHandler(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e := echoed{Method: r.Method, URI: r.RequestURI, Host: r.Host, Header: r.Header, Body: string(b),
		Length: r.ContentLength, Chunked: len(r.TransferEncoding) > 0}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(e)
}

func getEcho(t *testing.T, req *http.Request) (echoed, *http.Response) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var e echoed
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return e, resp
}

func TestForwardsPathQueryMethodAndBody(t *testing.T) {
	url, _, _ := setup(t, http.HandlerFunc(echoHandler), "http://%s/base/{proxy}?fixed=1", TransportOptions{})
	req, _ := http.NewRequest("PATCH", url+"/stage/a%20b/c%2Fd/e?x=1&y=%26", strings.NewReader("hello"))
	e, _ := getEcho(t, req)
	if e.Method != "PATCH" || e.Body != "hello" || e.Length != 5 {
		t.Errorf("method/body: %+v", e)
	}
	if want := "/base/a%20b/c%2Fd/e?fixed=1&x=1&y=%26"; e.URI != want {
		t.Errorf("uri %q, want %q", e.URI, want)
	}
	if !strings.HasPrefix(url, "http://"+e.Host) && e.Host == "" {
		t.Errorf("host %q", e.Host)
	}
}

func TestIntegrationMethodOverridesClientMethod(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(echoHandler))
	defer be.Close()
	p := mustNew(t, &apimodel.Integration{URI: be.URL + "/x", HTTPMethod: "post"})
	fs := httptest.NewServer(&front{p: p})
	defer fs.Close()
	req, _ := http.NewRequest("GET", fs.URL+"/s/", nil)
	e, _ := getEcho(t, req)
	if e.Method != "POST" || e.Header.Get("Content-Length") != "" && e.Length != 0 {
		t.Errorf("%+v", e)
	}
	// AWS announces an empty POST body with Content-Length: 0 (header-remapping snapshot).
	if e.Length != 0 || e.Chunked {
		t.Errorf("length %d chunked %v", e.Length, e.Chunked)
	}
}

func TestRequestHeaders(t *testing.T) {
	url, _, be := setup(t, http.HandlerFunc(echoHandler), "http://%s/{proxy}", TransportOptions{})
	req, _ := http.NewRequest("GET", url+"/s/h", nil)
	for k, v := range map[string]string{
		"Connection":          "X-Hop, keep-alive",
		"X-Hop":               "1",
		"Keep-Alive":          "timeout=5",
		"Te":                  "trailers",
		"Trailer":             "Expires",
		"Upgrade":             "h2c",
		"Proxy-Authorization": "Basic x",
		"Via":                 "1.1 cdn",
		"Content-Md5":         "abc",
		"Max-Forwards":        "2",
		"Server":              "client",
		"Www-Authenticate":    "Basic",
		"Content-Encoding":    "deflate",
		"X-Forwarded-For":     "1.2.3.4",
		"Authorization":       "Bearer token",
		"Accept":              "application/json",
		"Pragma":              "cache",
		"Range":               "bytes=0-1",
		"User-Agent":          "test/1",
		"X-Custom":            "kept",
	} {
		req.Header.Set(k, v)
	}
	req.Header.Add("X-Multi", "a")
	req.Header.Add("X-Multi", "b")
	e, _ := getEcho(t, req)
	for _, k := range []string{"X-Hop", "Keep-Alive", "Te", "Trailer", "Upgrade", "Proxy-Authorization", "Via",
		"Content-Md5", "Max-Forwards", "Server", "Www-Authenticate", "Content-Encoding"} {
		if v, ok := e.Header[k]; ok {
			t.Errorf("%s forwarded: %q", k, v)
		}
	}
	for k, want := range map[string]string{
		"X-Forwarded-For":          "1.2.3.4, 127.0.0.1",
		"Authorization":            "Bearer token",
		"Accept":                   "application/json",
		"Pragma":                   "cache",
		"Range":                    "bytes=0-1",
		"User-Agent":               "test/1",
		"X-Custom":                 "kept",
		"X-Amzn-Apigateway-Api-Id": "abc123",
		"X-Forwarded-Proto":        "http",
	} {
		if got := strings.Join(e.Header[k], ","); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if got := strings.Join(e.Header["X-Multi"], ","); got != "a,b" {
		t.Errorf("X-Multi = %q", got)
	}
	if tid := e.Header.Get("X-Amzn-Trace-Id"); !strings.HasPrefix(tid, "Root=1-") || len(tid) != len("Root=1-")+8+1+24 {
		t.Errorf("trace id %q", tid)
	}
	if e.Host != strings.TrimPrefix(be.URL, "http://") {
		t.Errorf("Host %q, want the backend's %q", e.Host, be.URL)
	}
	// No User-Agent from the client: AWS sends its own.
	req, _ = http.NewRequest("GET", url+"/s/h", nil)
	req.Header.Set("User-Agent", "")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x/y, SignedHeaders=host, Signature=z")
	e, _ = getEcho(t, req)
	if ua := e.Header.Get("User-Agent"); ua != "AmazonAPIGateway_abc123" {
		t.Errorf("default User-Agent %q", ua)
	}
	if a := e.Header.Get("Authorization"); a != "" {
		t.Errorf("SigV4 Authorization forwarded: %q", a)
	}
}

func TestResponseHeaderRemapping(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range map[string]string{
			"Server":                      "gunicorn/19.9.0",
			"Date":                        "Mon, 01 Jan 2024 00:00:00 GMT",
			"Www-Authenticate":            "Basic",
			"Authorization":               "secret",
			"X-Amzn-Requestid":            "backend-id",
			"Content-Md5":                 "md5",
			"Max-Forwards":                "3",
			"User-Agent":                  "ua",
			"Via":                         "1.1 backend",
			"Proxy-Authenticate":          "Basic",
			"Upgrade":                     "h2c",
			"Content-Encoding":            "identity",
			"Connection":                  "X-Private",
			"X-Private":                   "hop",
			"Access-Control-Allow-Origin": "*",
		} {
			w.Header().Set(k, v)
		}
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("hello"))
	})
	url, _, _ := setup(t, h, "http://%s/", TransportOptions{})
	resp, err := http.Get(url + "/s")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello" {
		t.Fatalf("body %q", b)
	}
	// Go's client canonicalises names; the raw casing is checked in TestEmitHeaders.
	for k, want := range map[string]string{
		"X-Amzn-Remapped-Server":           "gunicorn/19.9.0",
		"X-Amzn-Remapped-Date":             "Mon, 01 Jan 2024 00:00:00 GMT",
		"X-Amzn-Remapped-Www-Authenticate": "Basic",
		"X-Amzn-Remapped-Authorization":    "secret",
		"X-Amzn-Remapped-X-Amzn-Requestid": "backend-id",
		"X-Amzn-Remapped-Content-Md5":      "md5",
		"X-Amzn-Remapped-Max-Forwards":     "3",
		"X-Amzn-Remapped-User-Agent":       "ua",
		"X-Amzn-Remapped-Content-Length":   "5",
		"X-Amzn-Remapped-Connection":       "X-Private",
		"Content-Length":                   "5",
		"Content-Encoding":                 "identity",
		"Access-Control-Allow-Origin":      "*",
		"Set-Cookie":                       "a=1,b=2",
	} {
		if got := strings.Join(resp.Header.Values(k), ","); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"Server", "Www-Authenticate", "Authorization", "X-Amzn-Requestid", "Via",
		"Proxy-Authenticate", "Upgrade", "X-Private", "Max-Forwards", "User-Agent", "Content-Md5"} {
		if v := resp.Header.Values(k); len(v) > 0 {
			t.Errorf("%s passed through: %q", k, v)
		}
	}
	if d := resp.Header.Get("Date"); d == "" || d == "Mon, 01 Jan 2024 00:00:00 GMT" {
		t.Errorf("Date should be the gateway's, got %q", d)
	}
}

func mustReq(method, url string, body io.Reader) *http.Request {
	r, err := http.NewRequest(method, url, body)
	if err != nil {
		panic(err)
	}
	return r
}

func TestHeadAndNoContent(t *testing.T) {
	url, _, _ := setup(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/none" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Length", "1234")
		if r.Method != "HEAD" {
			w.Write(make([]byte, 1234))
		}
	}), "http://%s/{proxy}", TransportOptions{})
	for i := 0; i < 3; i++ { // the connection must stay usable after each
		resp, err := http.Head(url + "/s/x")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.ContentLength != 1234 {
			t.Errorf("HEAD: %d length %d", resp.StatusCode, resp.ContentLength)
		}
		resp, err = http.Get(url + "/s/none")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 {
			t.Errorf("204: %d", resp.StatusCode)
		}
	}
}

func TestStageVariablesAndParameterMappings(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(echoHandler))
	defer be.Close()
	tr := NewTransport(TransportOptions{})
	defer tr.Close()
	p, err := New(&apimodel.Integration{
		Type: apimodel.IntegrationHTTPProxy,
		URI:  "http://${stageVariables.backend}/${stageVariables.version}/items/{id}?q={q}",
		RequestParameters: map[string]string{
			"integration.request.path.id":          "method.request.path.proxy",
			"integration.request.path.q":           "method.request.header.x-query",
			"integration.request.header.X-Stage":   "stageVariables.version",
			"integration.request.header.X-Fixed":   "'static value'",
			"integration.request.querystring.from": "method.request.querystring.src",
		},
	}, tr)
	if err != nil {
		t.Fatal(err)
	}
	f := &front{p: p, timeout: 20 * time.Second, stageVars: map[string]string{
		"backend": strings.TrimPrefix(be.URL, "http://"), "version": "v2"}}
	fs := httptest.NewServer(f)
	defer fs.Close()
	req := mustReq("GET", fs.URL+"/s/42?src=web", nil)
	req.Header.Set("X-Query", "a&b c")
	req.Header.Set("X-Fixed", "from client")
	e, _ := getEcho(t, req)
	if want := "/v2/items/42?q=a%26b%20c&src=web&from=web"; e.URI != want {
		t.Errorf("uri %q, want %q", e.URI, want)
	}
	if e.Header.Get("X-Stage") != "v2" || strings.Join(e.Header["X-Fixed"], "|") != "static value" {
		t.Errorf("mapped headers %v", e.Header)
	}
	// A stage variable that is not a host is a configuration error, not a request to send.
	f.stageVars = map[string]string{"backend": "bad host\r\n"}
	resp, err := http.Get(fs.URL + "/s/1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("X-Test-Error-Type") != string(apierr.APIConfigurationError) {
		t.Errorf("bad host: %d %s", resp.StatusCode, resp.Header.Get("X-Test-Error-Type"))
	}
}

func TestNewProblems(t *testing.T) {
	tr := NewTransport(TransportOptions{})
	defer tr.Close()
	pos := apimodel.Position{File: "g.yaml", Line: 3, Column: 5}
	for _, spec := range []*apimodel.Integration{
		{Type: apimodel.IntegrationHTTP, URI: "http://x/"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "ftp://x/"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http:///path"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http://x/{unterminated"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http://x/${context.requestId}"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http://{p}.example.com/"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http://user:pw@x/"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http://x/", HTTPMethod: "GE T"},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http://x/", RequestParameters: map[string]string{
			"integration.request.header.X": "method.request.body.field"}},
		{Type: apimodel.IntegrationHTTPProxy, URI: "http://x/", RequestParameters: map[string]string{
			"integration.response.header.X": "'a'"}},
	} {
		spec.Pos = pos
		_, err := New(spec, tr)
		var pr apimodel.Problem
		if !errors.As(err, &pr) || pr.Pos != pos {
			t.Errorf("%+v: error %v, want a Problem at %v", spec, err, pos)
		}
	}
}

// A stage variable may hold the whole base URL, scheme included: the integration compiles
// per value, and a value that is not a URL is a configuration error for that request only.
func TestStageVariableBaseURL(t *testing.T) {
	be := httptest.NewServer(http.HandlerFunc(echoHandler))
	defer be.Close()
	tr := NewTransport(TransportOptions{})
	defer tr.Close()
	if _, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: "${stageVariables.base}/x/{bad"}, tr); err == nil {
		t.Fatal("a malformed rest of the URI was accepted")
	}
	p, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: "${stageVariables.base}/items/{proxy}"}, tr)
	if err != nil {
		t.Fatal(err)
	}
	f := &front{p: p, timeout: 20 * time.Second}
	fs := httptest.NewServer(f)
	defer fs.Close()
	for _, tc := range []struct {
		base, path, wantURI string
		wantErr             apierr.Type
	}{
		{be.URL + "/v1", "/s/a/b", "/v1/items/a/b", ""},
		{be.URL, "/s/c", "/items/c", ""},
		{be.URL + "/v1", "/s/d", "/v1/items/d", ""}, // cached variant
		{"not a url", "/s/e", "", apierr.APIConfigurationError},
		{"", "/s/f", "", apierr.APIConfigurationError},
	} {
		f.stageVars = map[string]string{"base": tc.base}
		if tc.wantErr != "" {
			resp, err := http.Get(fs.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("X-Test-Error-Type"); got != string(tc.wantErr) {
				t.Errorf("base %q: error type %q, want %s", tc.base, got, tc.wantErr)
			}
			continue
		}
		e, _ := getEcho(t, mustReq("GET", fs.URL+tc.path, nil))
		if e.URI != tc.wantURI {
			t.Errorf("base %q: backend saw %q, want %q", tc.base, e.URI, tc.wantURI)
		}
	}
}
