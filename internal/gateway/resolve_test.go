package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
)

type resolveCase struct {
	name, host, method, path string
	status                   int
	body                     string
	// api, stage and rest are what the integration was called with; checked when status is 200.
	api, stage, rest string
	// proto decides which request-id headers (and so which error flavour) the answer carries.
	proto apimodel.Protocol
}

const (
	rest = apimodel.ProtocolREST
	htp  = apimodel.ProtocolHTTP
)

// TestResolution drives a real listener with every way a request can name an API: the Host
// header ({apiId}.execute-api.…, custom domains with base paths) and the path alone.
func TestResolution(t *testing.T) {
	tbl := mustCompile(t, multiConfig())
	setIntegrations(tbl, func(in gateway.Integration) gateway.Integration { return tagged{in} })
	srv := httptest.NewServer(&gateway.Handler{Tables: gateway.NewHolder(tbl), Logger: quietLogger()})
	defer srv.Close()

	const restHost, httpHost, http2Host = "rest1.execute-api.localhost:3000", "http1.execute-api.localhost:3000", "http2.execute-api.localhost"
	tests := []resolveCase{
		// {apiId}.execute-api hosts pin the API; the first path segment is the stage.
		{"rest id host", restHost, "GET", "/prod/pets", 200, "rest1 GET /pets", "rest1", "prod", "/pets", rest},
		{"rest id host, other stage, path parameter", restHost, "GET", "/dev/pets/7", 200, "rest1 GET /pets/{id}", "rest1", "dev", "/pets/7", rest},
		{"rest stage root", restHost, "GET", "/prod", 200, "rest1 GET /", "rest1", "prod", "/", rest},
		{"rest stage root with slash", restHost, "GET", "/prod/", 200, "rest1 GET /", "rest1", "prod", "/", rest},
		{"rest greedy ANY", restHost, "DELETE", "/prod/files/a/b.txt", 200, "rest1 ANY /files/{p+}", "rest1", "prod", "/files/a/b.txt", rest},
		{"id host without port", "rest1.execute-api.us-east-1.amazonaws.com", "GET", "/dev/pets", 200, "rest1 GET /pets", "rest1", "dev", "/pets", rest},
		{"http $default stage at the root", httpHost, "GET", "/items", 200, "http1 GET /items", "http1", "$default", "/items", htp},
		{"http named stage beside $default", httpHost, "GET", "/beta/items/9", 200, "http1 GET /items/{id}", "http1", "beta", "/items/9", htp},
		{"http named stage only", http2Host, "GET", "/live/things", 200, "http2 GET /things", "http2", "live", "/things", htp},
		{"http $default route", http2Host, "POST", "/live/any/thing", 200, "http2 default route", "http2", "live", "/any/thing", htp},

		// Unknown stage or route: REST answers 403 MISSING_AUTHENTICATION_TOKEN, HTTP APIs 404.
		{"id host pins the api: another api's stage", restHost, "GET", "/v2/", 403, missingToken, "", "", "", rest},
		{"rest unknown stage", restHost, "GET", "/staging/pets", 403, missingToken, "", "", "", rest},
		{"rest unknown route", restHost, "GET", "/prod/nope", 403, missingToken, "", "", "", rest},
		{"rest method not declared", restHost, "POST", "/prod/pets", 403, missingToken, "", "", "", rest},
		{"rest no stage at all", restHost, "GET", "/", 403, missingToken, "", "", "", rest},
		{"http unknown route", httpHost, "GET", "/nope", 404, notFound, "", "", "", htp},
		{"http unknown route in named stage", httpHost, "POST", "/beta/items", 404, notFound, "", "", "", htp},
		{"http unknown stage, no $default stage", http2Host, "GET", "/prod/things", 404, notFound, "", "", "", htp},
		// Host names are case-insensitive. Path-only routing would send /prod/pets to rest1, so
		// only host resolution gives rest2's 403.
		{"id host in upper case", "REST2.Execute-Api.LOCALHOST:3000", "GET", "/prod/pets", 403, missingToken, "", "", "", rest},

		// Custom domains: longest base path first, on segment boundaries, root mapping last.
		{"domain root mapping", "api.example.com", "GET", "/pets", 200, "rest1 GET /pets", "rest1", "prod", "/pets", rest},
		{"domain with port", "api.example.com:8443", "GET", "/pets/3", 200, "rest1 GET /pets/{id}", "rest1", "prod", "/pets/3", rest},
		{"domain multi-segment base path", "api.example.com", "GET", "/v1/orders/42", 200, "rest2 GET /{id}", "rest2", "v2", "/42", rest},
		{"domain base path alone", "api.example.com", "GET", "/v1/orders", 200, "rest2 GET /", "rest2", "v2", "/", rest},
		{"domain base path with slash", "api.example.com", "GET", "/v1/orders/", 200, "rest2 GET /", "rest2", "v2", "/", rest},
		{"domain mapping without stage takes it from the path", "api.example.com", "GET", "/v1/dev/pets", 200, "rest1 GET /pets", "rest1", "dev", "/pets", rest},
		{"domain mapping without stage, unknown stage", "api.example.com", "GET", "/v1/staging/pets", 403, missingToken, "", "", "", rest},
		// v1/ordersx is not below v1/orders: the shorter v1 mapping gets it, where "ordersx"
		// names no stage.
		{"base path matches whole segments only", "api.example.com", "GET", "/v1/ordersx/1", 403, missingToken, "", "", "", rest},
		{"prefix of a base path goes to the root", "api.example.com", "GET", "/v1x/pets", 403, missingToken, "", "", "", rest},
		{"domain base path to an HTTP API", "api.example.com", "GET", "/h/items", 200, "http1 GET /items", "http1", "beta", "/items", htp},
		{"domain HTTP mapping, unknown route", "api.example.com", "GET", "/h/nope", 404, notFound, "", "", "", htp},
		{"domain root mapping without stage", "stageless.example.com", "GET", "/dev/pets/1", 200, "rest1 GET /pets/{id}", "rest1", "dev", "/pets/1", rest},
		{"domain root mapping without stage, no stage", "stageless.example.com", "GET", "/pets", 403, missingToken, "", "", "", rest},
		{"domain serves an api hidden from execute-api", "hidden.example.com", "GET", "/secret", 200, "hidden GET /secret", "hidden", "s", "/secret", rest},
		// Path-only routing would answer 404 from http1; only the domain gives rest2.
		{"domain host in upper case", "API.Example.COM", "GET", "/v1/orders/5", 200, "rest2 GET /{id}", "rest2", "v2", "/5", rest},

		// Any other host: APIs by path alone, tried in declaration order.
		{"path: rest stage", "localhost:3000", "GET", "/prod/pets", 200, "rest1 GET /pets", "rest1", "prod", "/pets", rest},
		{"path: second rest api", "localhost:3000", "GET", "/v2/5", 200, "rest2 GET /{id}", "rest2", "v2", "/5", rest},
		{"path: http $default stage at the root", "localhost:3000", "GET", "/items/1", 200, "http1 GET /items/{id}", "http1", "$default", "/items/1", htp},
		{"path: http named stage", "localhost:3000", "GET", "/beta/items", 200, "http1 GET /items", "http1", "beta", "/items", htp},
		{"path: later api's stage", "localhost:3000", "GET", "/live/things", 200, "http2 GET /things", "http2", "live", "/things", htp},
		// The first API whose stage matched answers for a route that no API has.
		{"path: rest stage, unknown route", "localhost:3000", "GET", "/prod/nope", 403, missingToken, "", "", "", rest},
		{"path: hidden api is not reachable", "localhost:3000", "GET", "/s/secret", 404, notFound, "", "", "", htp},
		{"path: unknown api id host falls back to paths", "nosuch.execute-api.localhost", "GET", "/v2/", 200, "rest2 GET /", "rest2", "v2", "/", rest},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := do(t, srv, tt.method, tt.host, tt.path)
			id := checkResolved(t, tt, got)
			if prev, dup := seen[id]; dup && id != "" {
				t.Errorf("request id %s was also given to %q", id, prev)
			}
			seen[id] = tt.name
		})
	}
}

// TestResolutionUnresolved covers requests that reach no API at all: the answer follows the
// flavour of the configuration, with matching request-id headers.
func TestResolutionUnresolved(t *testing.T) {
	restOnly := &apimodel.Config{APIs: []*apimodel.API{
		{ID: "r1", Protocol: rest, Stages: stages("prod"), Routes: []*apimodel.Route{mockRoute("GET", "/a", "r1")}},
		{ID: "r2", Protocol: rest, Stages: stages("dev"), Routes: []*apimodel.Route{mockRoute("GET", "/a", "r2")}},
	}}
	httpOnly := &apimodel.Config{APIs: []*apimodel.API{
		{ID: "h1", Protocol: htp, Stages: stages("prod"), Routes: []*apimodel.Route{mockRoute("GET", "/a", "h1")}},
		{ID: "h2", Protocol: htp, Stages: stages("dev"), Routes: []*apimodel.Route{mockRoute("GET", "/a", "h2")}},
	}}
	oneHTTP := &apimodel.Config{APIs: []*apimodel.API{
		{ID: "h1", Protocol: htp, Stages: stages("prod"), Routes: []*apimodel.Route{mockRoute("GET", "/a", "h1")}},
	}}
	tests := []struct {
		name   string
		cfg    *apimodel.Config
		host   string
		path   string
		status int
		body   string
		proto  apimodel.Protocol
	}{
		{"no apis at all", &apimodel.Config{}, "localhost", "/prod/a", 403, missingToken, rest},
		{"rest apis, unknown stage", restOnly, "localhost", "/staging/a", 403, missingToken, rest},
		{"rest apis, root", restOnly, "localhost", "/", 403, missingToken, rest},
		{"rest apis, known stage", restOnly, "localhost", "/dev/a", 200, "r2", rest},
		{"rest apis, unknown custom domain", restOnly, "www.example.com", "/x", 403, missingToken, rest},
		{"http apis, unknown stage", httpOnly, "localhost", "/staging/a", 404, notFound, htp},
		{"http apis, known stage", httpOnly, "localhost", "/dev/a", 200, "h2", htp},
		{"one http api, unknown stage", oneHTTP, "localhost", "/staging/a", 404, notFound, htp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &gateway.Handler{Tables: gateway.NewHolder(mustCompile(t, tt.cfg)), Logger: quietLogger()}
			rec := serve(h, "GET", tt.host, tt.path, nil)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			checkIDs(t, rec.Header(), tt.proto)
			checkErrorType(t, rec.Header(), tt.status, tt.proto)
		})
	}
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, srv *httptest.Server, method, host, path string) response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func checkResolved(t *testing.T, tt resolveCase, got response) string {
	t.Helper()
	if got.status != tt.status || got.body != tt.body {
		t.Errorf("got %d %s, want %d %s", got.status, got.body, tt.status, tt.body)
	}
	if tt.status == 200 {
		for k, want := range map[string]string{"X-Test-Api": tt.api, "X-Test-Stage": tt.stage, "X-Test-Path": tt.rest} {
			if v := got.header.Get(k); v != want {
				t.Errorf("%s = %q, want %q", k, v, want)
			}
		}
	}
	checkErrorType(t, got.header, tt.status, tt.proto)
	return checkIDs(t, got.header, tt.proto)
}

// checkErrorType: REST gateway responses name their type in x-amzn-ErrorType; HTTP APIs and
// successful responses send none.
func checkErrorType(t *testing.T, h http.Header, status int, p apimodel.Protocol) {
	t.Helper()
	want := ""
	if p == rest && status == 403 {
		want = "MissingAuthenticationTokenException"
	}
	if got := errorType(h); got != want {
		t.Errorf("x-amzn-ErrorType = %q, want %q", got, want)
	}
}
