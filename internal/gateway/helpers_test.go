package gateway_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Bodies AWS sends when nothing routes; tests compare them byte for byte because clients do.
const (
	missingToken = `{"message":"Missing Authentication Token"}`
	notFound     = `{"message":"Not Found"}`
)

var (
	// uuidV4 is the shape of a REST API's $context.requestId (x-amzn-RequestId).
	uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	// shortID is the shape of $context.extendedRequestId (x-amz-apigw-id), which HTTP APIs
	// also use as their request id (apigw-requestid).
	shortID = regexp.MustCompile(`^[A-Za-z0-9+/]{15}=$`)
)

// mockRoute is a MOCK route whose static response body names the route, so a test sees which
// route of which API answered without running any backend. body must not contain '$' or '#'
// (that would make it a VTL template).
func mockRoute(method, path, body string) *apimodel.Route {
	return &apimodel.Route{Method: method, Path: path, Integration: &apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
		Responses: []*apimodel.IntegrationResponse{{
			StatusCode:        "200",
			ResponseTemplates: map[string]string{"application/json": body},
		}},
	}}
}

func stages(names ...string) []*apimodel.Stage {
	out := make([]*apimodel.Stage, len(names))
	for i, n := range names {
		out[i] = &apimodel.Stage{Name: n}
	}
	return out
}

func mustCompile(t testing.TB, cfg *apimodel.Config) *gateway.Table {
	t.Helper()
	tbl, err := compile.Compile(cfg, compile.Deps{})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return tbl
}

// multiConfig has every way of reaching an API at once: REST and HTTP APIs by execute-api
// host and by path alone, an API hidden from both, and custom domains with root, single- and
// multi-segment base paths, with and without a stage.
func multiConfig() *apimodel.Config {
	prod := &apimodel.Stage{Name: "prod", Variables: map[string]string{"backend": "b1"}}
	return &apimodel.Config{
		APIs: []*apimodel.API{
			{ID: "rest1", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{prod, {Name: "dev"}}, Routes: []*apimodel.Route{
				mockRoute("GET", "/", "rest1 GET /"),
				mockRoute("GET", "/pets", "rest1 GET /pets"),
				mockRoute("GET", "/pets/{id}", "rest1 GET /pets/{id}"),
				mockRoute("ANY", "/files/{p+}", "rest1 ANY /files/{p+}"),
			}},
			{ID: "rest2", Protocol: apimodel.ProtocolREST, Stages: stages("v2"), Routes: []*apimodel.Route{
				mockRoute("GET", "/", "rest2 GET /"),
				mockRoute("GET", "/{id}", "rest2 GET /{id}"),
			}},
			{ID: "http1", Protocol: apimodel.ProtocolHTTP, Stages: stages("$default", "beta"), Routes: []*apimodel.Route{
				mockRoute("GET", "/items", "http1 GET /items"),
				mockRoute("GET", "/items/{id}", "http1 GET /items/{id}"),
			}},
			{ID: "http2", Protocol: apimodel.ProtocolHTTP, Stages: stages("live"), Routes: []*apimodel.Route{
				mockRoute("GET", "/things", "http2 GET /things"),
				mockRoute("", "$default", "http2 default route"),
			}},
			{ID: "hidden", Protocol: apimodel.ProtocolREST, DisableExecuteAPIEndpoint: true, Stages: stages("s"), Routes: []*apimodel.Route{
				mockRoute("GET", "/secret", "hidden GET /secret"),
			}},
		},
		Domains: []*apimodel.Domain{
			{Name: "api.example.com", Mappings: []*apimodel.BasePathMapping{
				{BasePath: "(none)", APIID: "rest1", Stage: "prod"},
				{BasePath: "v1", APIID: "rest1"},
				{BasePath: "/v1/orders/", APIID: "rest2", Stage: "v2"},
				{BasePath: "h", APIID: "http1", Stage: "beta"},
			}},
			{Name: "Stageless.Example.com", Mappings: []*apimodel.BasePathMapping{{BasePath: "", APIID: "rest1"}}},
			{Name: "hidden.example.com", Mappings: []*apimodel.BasePathMapping{{BasePath: "/", APIID: "hidden", Stage: "s"}}},
		},
	}
}

// tagged reports in response headers what the edge resolved — API, stage and the path below
// the stage or base path — which a MOCK body alone cannot show, then lets the MOCK answer.
type tagged struct{ next gateway.Integration }

func (t tagged) Invoke(w http.ResponseWriter, c *gateway.Call) error {
	h := w.Header()
	h.Set("X-Test-Api", c.Ctx.APIID)
	h.Set("X-Test-Stage", c.Ctx.Stage)
	h.Set("X-Test-Path", c.Path)
	return t.next.Invoke(w, c)
}

// setIntegrations replaces the integration of every route of tbl. The table is not being
// served yet, so this is not the mutation of a live table that Table forbids.
func setIntegrations(tbl *gateway.Table, f func(gateway.Integration) gateway.Integration) {
	for _, a := range tbl.APIs {
		for _, r := range a.RouteList {
			r.Integration = f(r.Integration)
		}
	}
}

// setRoute replaces the integration of one route, found by resource path.
func setRoute(t testing.TB, tbl *gateway.Table, apiID, resource string, in gateway.Integration) {
	t.Helper()
	for _, r := range tbl.ByID[apiID].RouteList {
		if r.Resource == resource {
			r.Integration = in
			return
		}
	}
	t.Fatalf("api %s has no route %s", apiID, resource)
}

// handTable builds a one-route table without compile, so that a test can give the route an
// integration and a timeout that no configuration could: the API "hand", stage "s", GET /r.
func handTable(t testing.TB, p apimodel.Protocol, in gateway.Integration, timeout time.Duration) *gateway.Table {
	t.Helper()
	kind := route.REST
	if p != apimodel.ProtocolREST {
		kind = route.HTTP
	}
	b := route.NewBuilder(kind)
	if err := b.Add("GET", "/r", 0); err != nil {
		t.Fatal(err)
	}
	responses, err := apierr.Compile(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	stage := &gateway.Stage{Name: "s", Variables: map[string]string{"v": "stage-value"}}
	api := &gateway.API{
		ID: "hand", Protocol: p,
		Stages:    map[string]*gateway.Stage{"s": stage},
		Routes:    b.Build(),
		RouteList: []*gateway.Route{{Method: "GET", Resource: "/r", Key: "GET /r", Integration: in, Timeout: timeout}},
		Responses: responses,
	}
	return &gateway.Table{
		Settings: apimodel.Settings{}.WithDefaults(),
		APIs:     []*gateway.API{api},
		ByID:     map[string]*gateway.API{api.ID: api},
		Domains:  map[string]*gateway.Domain{},
		PathAPIs: []*gateway.API{api},
	}
}

// integrationFunc adapts a function to gateway.Integration.
type integrationFunc func(w http.ResponseWriter, c *gateway.Call) error

func (f integrationFunc) Invoke(w http.ResponseWriter, c *gateway.Call) error { return f(w, c) }

// echo answers 200 with the request body it read, or fails with the read error, as an
// integration that forwards a body does.
var echo = integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
	b, err := io.ReadAll(c.Req.Body)
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	return nil
})

// captured is what an integration saw of one request. The edge recycles its *reqctx.Context
// after the request, so the capture copies it during Invoke.
type captured struct {
	ctx    reqctx.Context
	path   string
	params route.Params
	// deadline is how long the integration had left when it was called.
	deadline time.Duration
	hasDL    bool
}

// capture is an integration that records every call and answers 204.
type capture struct {
	mu    sync.Mutex
	calls []captured
}

func (c *capture) Invoke(w http.ResponseWriter, call *gateway.Call) error {
	got := captured{ctx: *call.Ctx, path: call.Path, params: append(route.Params(nil), call.Params...)}
	if dl, ok := call.Req.Context().Deadline(); ok {
		got.deadline, got.hasDL = time.Until(dl), true
	}
	c.mu.Lock()
	c.calls = append(c.calls, got)
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (c *capture) last(t testing.TB) captured {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.calls) == 0 {
		t.Fatal("the integration was not called")
	}
	return c.calls[len(c.calls)-1]
}

func (c *capture) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.calls)
}

// lockedBuffer lets a logger write from request goroutines while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// serve runs one request through h without sockets.
func serve(h http.Handler, method, host, target string, body io.Reader) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	if host != "" {
		r.Host = host
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// checkIDs asserts the request-id headers of protocol p and returns the request id. REST APIs
// send a UUID in x-amzn-RequestId plus x-amz-apigw-id; HTTP APIs send only apigw-requestid,
// in the short form.
func checkIDs(t testing.TB, h http.Header, p apimodel.Protocol) string {
	t.Helper()
	if p == apimodel.ProtocolREST {
		id, ext := h.Get("X-Amzn-Requestid"), h.Get("X-Amz-Apigw-Id")
		if !uuidV4.MatchString(id) {
			t.Errorf("x-amzn-RequestId = %q, want a UUID v4", id)
		}
		if !shortID.MatchString(ext) {
			t.Errorf("x-amz-apigw-id = %q, want 16 base64 characters", ext)
		}
		if v := h.Get("Apigw-Requestid"); v != "" {
			t.Errorf("REST response carries apigw-requestid %q", v)
		}
		return id
	}
	id := h.Get("Apigw-Requestid")
	if !shortID.MatchString(id) {
		t.Errorf("apigw-requestid = %q, want the short form (16 base64 characters)", id)
	}
	for _, k := range []string{"X-Amzn-Requestid", "X-Amz-Apigw-Id"} {
		if v := h.Get(k); v != "" {
			t.Errorf("HTTP API response carries %s %q", k, v)
		}
	}
	return id
}

// errorType reads x-amzn-ErrorType, which apierr stores under AWS's spelling rather than the
// canonical key, so Header.Get would miss it on a recorder.
func errorType(h http.Header) string {
	for k, v := range h {
		if strings.EqualFold(k, "x-amzn-ErrorType") && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}
