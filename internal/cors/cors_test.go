package cors_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/integration/httpproxy"
)

func intp(n int) *int { return &n }

// An HTTP API with CORS, one GET route proxied to a backend that sends its own (wrong) CORS
// headers, and no OPTIONS route at all.
func serve(t *testing.T, c *apimodel.CORS) string {
	t.Helper()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "https://backend.example")
		w.Header().Set("access-control-allow-methods", "DELETE")
		w.Write([]byte("pets"))
	}))
	t.Cleanup(backend.Close)
	cfg := &apimodel.Config{APIs: []*apimodel.API{{
		ID: "corsapi", Protocol: apimodel.ProtocolHTTP, CORS: c,
		Stages: []*apimodel.Stage{{Name: apimodel.DefaultStage}},
		Routes: []*apimodel.Route{{Method: "GET", Path: "/pets", Integration: &apimodel.Integration{
			Type: apimodel.IntegrationHTTPProxy, URI: backend.URL + "/pets", PayloadFormatVersion: "1.0"}}},
	}}}
	tr := httpproxy.NewTransport(httpproxy.TransportOptions{})
	t.Cleanup(func() { tr.Close() })
	tbl, err := compile.Compile(cfg, compile.Deps{Proxy: tr})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&gateway.Handler{Tables: gateway.NewHolder(tbl)})
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestCORS(t *testing.T) {
	cfg := &apimodel.CORS{
		AllowOrigins: []string{"https://app.example", "https://*.tenant.example"},
		AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"Authorization", "Content-Type"},
		ExposeHeaders: []string{"X-Request-Id"}, MaxAge: intp(600), AllowCredentials: true,
	}
	base := serve(t, cfg)
	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		status  int
		want    map[string]string // "" means the header must be absent
		body    string
	}{
		{"preflight without an OPTIONS route", "OPTIONS", "/pets", map[string]string{
			"Origin": "https://app.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
			204, map[string]string{
				"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "GET,POST",
				"Access-Control-Allow-Headers": "authorization,content-type", "Access-Control-Max-Age": "600",
				"Access-Control-Allow-Credentials": "true"}, ""},
		{"preflight for an unknown path", "OPTIONS", "/nowhere", map[string]string{
			"Origin": "https://app.example", "Access-Control-Request-Method": "GET"},
			204, map[string]string{"Access-Control-Allow-Origin": "https://app.example"}, ""},
		{"preflight from a wildcard subdomain", "OPTIONS", "/pets", map[string]string{
			"Origin": "https://a.tenant.example", "Access-Control-Request-Method": "GET"},
			204, map[string]string{"Access-Control-Allow-Origin": "https://a.tenant.example"}, ""},
		{"preflight from another origin", "OPTIONS", "/pets", map[string]string{
			"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
			204, map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}, ""},
		{"preflight for a method not allowed", "OPTIONS", "/pets", map[string]string{
			"Origin": "https://app.example", "Access-Control-Request-Method": "DELETE"},
			204, map[string]string{"Access-Control-Allow-Origin": ""}, ""},
		{"preflight asking for a header not allowed", "OPTIONS", "/pets", map[string]string{
			"Origin": "https://app.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-secret"},
			204, map[string]string{"Access-Control-Allow-Origin": ""}, ""},
		{"actual request: backend CORS headers replaced", "GET", "/pets", map[string]string{"Origin": "https://app.example"},
			200, map[string]string{
				"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Expose-Headers": "x-request-id",
				"Access-Control-Allow-Credentials": "true", "Access-Control-Allow-Methods": ""}, "pets"},
		{"actual request from another origin: backend's removed", "GET", "/pets", map[string]string{"Origin": "https://evil.example"},
			200, map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}, "pets"},
		{"gateway 404 carries CORS too", "GET", "/nowhere", map[string]string{"Origin": "https://app.example"},
			404, map[string]string{"Access-Control-Allow-Origin": "https://app.example"}, `{"message":"Not Found"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status || string(b) != tc.body {
				t.Fatalf("got %d %q, want %d %q", res.StatusCode, b, tc.status, tc.body)
			}
			for k, v := range tc.want {
				if got := res.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	base := serve(t, &apimodel.CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"}, AllowHeaders: []string{"*"}})
	req, _ := http.NewRequest("OPTIONS", base+"/pets", nil)
	req.Header.Set("Origin", "https://x.example")
	req.Header.Set("Access-Control-Request-Method", "PATCH")
	req.Header.Set("Access-Control-Request-Headers", "x-anything")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" || res.Header.Get("Access-Control-Allow-Methods") != "*" {
		t.Fatalf("got %d %v", res.StatusCode, res.Header)
	}
}
