package access_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/jwt/jwttest"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/integration/lambda"
)

// BenchmarkAccess is the cost access control adds to a request through the edge handler, with
// no sockets: the same MOCK route open, behind a JWT authorizer (keys and token verification
// cached, as for a client that reuses its token), behind a cached Lambda authorizer, and with
// an API key. bench/auth.sh measures the same routes against a real process with wrk.
func BenchmarkAccess(b *testing.B) {
	p := jwttest.New(b)
	token := "Bearer " + p.Token(b, p.Claims())
	allow := []byte(`{"principalId":"u","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]},"context":{"tier":"gold"}}`)
	inv := lambda.InvokerFunc(func(context.Context, string, []byte) ([]byte, string, error) { return allow, "", nil })
	keys := &memKeys{value: "bench-key-0123456789abcdef"}

	rest := &apimodel.API{
		ID: "rest", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: "dev"}},
		Authorizers: []*apimodel.Authorizer{{Name: "tok", Type: apimodel.AuthorizerToken, FunctionURI: "authz",
			IdentitySources: []string{"method.request.header.Authorization"}}},
		Routes: []*apimodel.Route{
			mockRoute("GET", "/open", "ok", nil),
			mockRoute("GET", "/lambda", "ok", &apimodel.RouteAuth{Type: apimodel.AuthCustom, Authorizer: "tok"}),
			mockRoute("GET", "/key", "ok", &apimodel.RouteAuth{Type: apimodel.AuthNone, APIKeyRequired: true}),
		},
	}
	cfg := jwtAPI(p)
	cfg.APIs = append(cfg.APIs, rest)
	cfg.Functions = []*apimodel.Function{{Name: "authz", Runtime: "provided.al2023", Code: "/nonexistent"}}
	tbl, err := compile.Compile(cfg, compile.Deps{Lambda: inv, Keys: keys})
	if err != nil {
		b.Fatal(err)
	}
	h := &gateway.Handler{Tables: gateway.NewHolder(tbl)}
	cases := []struct {
		name, host, path string
		header           http.Header
	}{
		{"open-rest", "rest.execute-api.local", "/dev/open", nil},
		{"apikey", "rest.execute-api.local", "/dev/key", http.Header{"X-Api-Key": {keys.value}}},
		{"lambda-cached", "rest.execute-api.local", "/dev/lambda", http.Header{"Authorization": {"allow"}}},
		{"open-http", "jwtapi.execute-api.local", "/open", nil},
		{"jwt", "jwtapi.execute-api.local", "/pets", http.Header{"Authorization": {token}}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "http://"+tc.host+tc.path, nil)
			req.Header = tc.header
			if req.Header == nil {
				req.Header = http.Header{}
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != 200 {
				b.Fatalf("%s: %d %s", tc.name, w.Code, w.Body)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				w := discard{h: http.Header{}}
				h.ServeHTTP(&w, req)
			}
		})
	}
}

type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}
