package gateway_test

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/route"
)

// TestContextSeenByIntegration checks every $context field the edge fills before it calls the
// integration, over a real connection (so SourceIP and Protocol are what a listener reports).
// The cases run in sequence on one handler, which also shows that pooled state (path
// parameters above all) does not leak from one request into the next.
func TestContextSeenByIntegration(t *testing.T) {
	tbl := mustCompile(t, multiConfig())
	c := &capture{}
	setIntegrations(tbl, func(gateway.Integration) gateway.Integration { return c })
	clock := time.Date(2024, 3, 9, 17, 4, 5, 0, time.UTC)
	srv := httptest.NewServer(&gateway.Handler{
		Tables: gateway.NewHolder(tbl),
		Logger: quietLogger(),
		Now:    func() time.Time { return clock },
	})
	defer srv.Close()

	type want struct {
		apiID, stage, resourcePath, routeKey, path, domain, prefix, callPath string
		vars                                                                 map[string]string
		params                                                               route.Params
		proto                                                                apimodel.Protocol
	}
	tests := []struct {
		name, method, host, target string
		want                       want
	}{
		{"rest by id host", "GET", "rest1.execute-api.localhost:3000", "/prod/pets/7?x=1",
			want{"rest1", "prod", "/pets/{id}", "", "/prod/pets/7", "rest1.execute-api.localhost", "rest1", "/pets/7",
				map[string]string{"backend": "b1"}, route.Params{{Name: "id", Value: "7"}}, rest}},
		{"rest greedy, escaped path", "PUT", "rest1.execute-api.localhost:3000", "/dev/files/a%2Fb/c",
			want{"rest1", "dev", "/files/{p+}", "", "/dev/files/a%2Fb/c", "rest1.execute-api.localhost", "rest1", "/files/a%2Fb/c",
				map[string]string{}, route.Params{{Name: "p", Value: "a%2Fb/c"}}, rest}},
		{"rest without parameters after one with", "GET", "rest1.execute-api.localhost:3000", "/prod/pets",
			want{"rest1", "prod", "/pets", "", "/prod/pets", "rest1.execute-api.localhost", "rest1", "/pets",
				map[string]string{"backend": "b1"}, nil, rest}},
		{"http $default stage", "GET", "http1.execute-api.localhost", "/items/42",
			want{"http1", "$default", "/items/{id}", "GET /items/{id}", "/items/42", "http1.execute-api.localhost", "http1", "/items/42",
				map[string]string{}, route.Params{{Name: "id", Value: "42"}}, htp}},
		{"http $default route", "PATCH", "http2.execute-api.localhost", "/live/a/b",
			want{"http2", "live", "$default", "$default", "/live/a/b", "http2.execute-api.localhost", "http2", "/a/b",
				map[string]string{}, nil, htp}},
		{"custom domain, multi-segment base path", "GET", "API.example.com:8443", "/v1/orders/5",
			want{"rest2", "v2", "/{id}", "", "/v1/orders/5", "api.example.com", "api", "/5",
				map[string]string{}, route.Params{{Name: "id", Value: "5"}}, rest}},
		{"custom domain to an HTTP API", "GET", "api.example.com", "/h/items",
			want{"http1", "beta", "/items", "GET /items", "/h/items", "api.example.com", "api", "/items",
				map[string]string{}, nil, htp}},
		{"path only", "GET", "127.0.0.1:9", "/v2/",
			want{"rest2", "v2", "/", "", "/v2/", "127.0.0.1", "127", "/",
				map[string]string{}, nil, rest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tt.host
			req.Header.Set("User-Agent", "genkan-test/1.0 ("+tt.name+")")
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("status %d, want 204 from the integration", resp.StatusCode)
			}
			got := c.last(t)
			x, w := &got.ctx, tt.want
			id := checkIDs(t, resp.Header, w.proto)
			wantExt := resp.Header.Get("X-Amz-Apigw-Id")
			if w.proto != rest {
				wantExt = id // HTTP APIs know the request by the short id alone
			}
			for _, f := range []struct{ name, got, want string }{
				{"RequestID", x.RequestID, id},
				{"ExtendedRequestID", x.ExtendedRequestID, wantExt},
				{"APIID", x.APIID, w.apiID},
				{"AccountID", x.AccountID, apimodel.DefaultAccountID},
				{"Stage", x.Stage, w.stage},
				{"ResourcePath", x.ResourcePath, w.resourcePath},
				{"RouteKey", x.RouteKey, w.routeKey},
				{"HTTPMethod", x.HTTPMethod, tt.method},
				{"Path", x.Path, w.path},
				{"Protocol", x.Protocol, "HTTP/1.1"},
				{"SourceIP", x.Identity.SourceIP, "127.0.0.1"},
				{"UserAgent", x.Identity.UserAgent, "genkan-test/1.0 (" + tt.name + ")"},
				{"DomainName", x.DomainName, w.domain},
				{"DomainPrefix", x.DomainPrefix, w.prefix},
				{"Call.Path", got.path, w.callPath},
			} {
				if f.got != f.want {
					t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
				}
			}
			if !x.RequestTime.Equal(clock) {
				t.Errorf("RequestTime = %s, want the handler clock's %s", x.RequestTime, clock)
			}
			if !maps.Equal(x.StageVariables, w.vars) || x.StageVariables == nil {
				t.Errorf("StageVariables = %v, want %v", x.StageVariables, w.vars)
			}
			if len(got.params) != len(w.params) || (len(w.params) > 0 && !equalParams(got.params, w.params)) {
				t.Errorf("Params = %v, want %v", got.params, w.params)
			}
			if x.Status != 0 || x.ResponseLength != 0 {
				t.Errorf("response fields set before the integration answered: %d %d", x.Status, x.ResponseLength)
			}
		})
	}
}

func equalParams(a, b route.Params) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestRequestIDs: every request gets fresh ids of AWS's shapes, on success and on error.
func TestRequestIDs(t *testing.T) {
	tbl := mustCompile(t, multiConfig())
	h := &gateway.Handler{Tables: gateway.NewHolder(tbl), Logger: quietLogger()}
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		host, target, p := "rest1.execute-api.localhost", "/prod/pets", rest
		switch i % 4 {
		case 1:
			target = "/prod/missing"
		case 2:
			host, target, p = "http1.execute-api.localhost", "/items", htp
		case 3:
			host, target, p = "http1.execute-api.localhost", "/missing", htp
		}
		rec := serve(h, "GET", host, target, nil)
		id := checkIDs(t, rec.Header(), p)
		ids := []string{id}
		if p == rest {
			ids = append(ids, rec.Header().Get("X-Amz-Apigw-Id"))
		}
		for _, v := range ids {
			if seen[v] {
				t.Fatalf("id %s was issued twice", v)
			}
			seen[v] = true
		}
		if t.Failed() {
			t.Fatalf("request %d (%s %s)", i, host, target)
		}
	}
	if !strings.Contains(serve(h, "GET", "rest1.execute-api.localhost", "/prod/pets", nil).Body.String(), "rest1") {
		t.Error("the MOCK route did not answer")
	}
}
