package access_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/gateway"
)

// mockRoute answers 200 with body, so tests can tell which integration a request reached.
func mockRoute(method, path, body string, auth *apimodel.RouteAuth) *apimodel.Route {
	return &apimodel.Route{Method: method, Path: path, Auth: auth, Integration: &apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
		Responses: []*apimodel.IntegrationResponse{{
			StatusCode:        "200",
			ResponseTemplates: map[string]string{"application/json": body},
		}},
	}}
}

// serve compiles cfg and serves it through the real edge handler on a loopback port.
func serve(t *testing.T, cfg *apimodel.Config, deps compile.Deps) string {
	t.Helper()
	tbl, err := compile.Compile(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&gateway.Handler{Tables: gateway.NewHolder(tbl)})
	t.Cleanup(srv.Close)
	return srv.URL
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

func get(t *testing.T, url string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// memKeys is a one-key store for tests of the API-key stage.
type memKeys struct {
	value   string
	records atomic.Int64
}

func (m *memKeys) AuthorizeKey(value, apiID, stage string) (string, string, bool) {
	return "key1", "plan1", value == m.value
}

func (m *memKeys) Record(string, string, time.Time) { m.records.Add(1) }
