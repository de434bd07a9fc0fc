package main

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestSAMTemplate serves testdata/sam/template.yaml as `sam local start-api` would: one Go
// function (built from its source, as sam build would) behind SAM's implicit REST API (stage
// Prod) and implicit HTTP API, both on one listener.
func TestSAMTemplate(t *testing.T) {
	warmGoBuild(t)
	template, err := filepath.Abs(filepath.Join("testdata", "sam", "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	g := startGenkan(t, t.TempDir(), template)

	// Two APIs share the listener, so the listing gives each route both its path on the
	// listener's own address and its API's host name.
	_, port, _ := strings.Cut(g.addr, ":")
	listing := g.stdout()
	for _, url := range []string{
		"http://" + g.addr + "/Prod/hello",
		"http://serverlessrestapi.execute-api.localhost:" + port + "/Prod/hello",
		"http://" + g.addr + "/hello",
		"http://serverlesshttpapi.execute-api.localhost:" + port + "/hello",
	} {
		if !strings.Contains(listing, url+" ") {
			t.Errorf("listing lacks %s:\n%s", url, listing)
		}
	}

	// Each API is reached by path alone and by its host name; the function gets a REST payload
	// 1.0 event from the one and an HTTP API payload 2.0 event from the other.
	for _, tc := range []struct{ name, host, path string }{
		{"REST by path", "", "/Prod/hello"},
		{"REST by host", "serverlessrestapi.execute-api.localhost", "/Prod/hello"},
		{"HTTP API by path", "", "/hello"},
		{"HTTP API by host", "serverlesshttpapi.execute-api.localhost", "/hello"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			if tc.host != "" {
				headers = []string{"Host", tc.host}
			}
			rep := decodeReply(t, do(t, "GET", g.url(tc.path+"?q=1"), nil, headers...))
			if rep.Runtime != "go" {
				t.Fatalf("answered by %q", rep.Runtime)
			}
			var probe struct {
				Version string `json:"version"`
			}
			if err := json.Unmarshal(rep.Event, &probe); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(tc.name, "REST") {
				var ev events.APIGatewayProxyRequest
				raw := decodeEvent(t, rep.Event, &ev)
				_, hasRawPath := raw["rawPath"]
				if probe.Version != "" || hasRawPath || ev.Resource != "/hello" || ev.Path != "/hello" ||
					ev.RequestContext.Stage != "Prod" || ev.RequestContext.Path != "/Prod/hello" ||
					ev.RequestContext.APIID != "serverlessrestapi" || !slices.Equal(ev.MultiValueQueryStringParameters["q"], []string{"1"}) {
					t.Fatalf("not a REST payload 1.0 event: %s", rep.Event)
				}
				return
			}
			var ev events.APIGatewayV2HTTPRequest
			raw := decodeEvent(t, rep.Event, &ev)
			_, hasResource := raw["resource"]
			if probe.Version != "2.0" || hasResource || ev.RouteKey != "GET /hello" || ev.RawPath != "/hello" ||
				ev.RawQueryString != "q=1" || ev.RequestContext.Stage != "$default" ||
				ev.RequestContext.APIID != "serverlesshttpapi" || ev.RequestContext.HTTP.Method != "GET" {
				t.Fatalf("not an HTTP API payload 2.0 event: %s", rep.Event)
			}
		})
	}

	// With its host name, a path is looked up in that API alone: /hello is no REST route.
	r := do(t, "GET", g.url("/hello"), nil, "Host", "serverlessrestapi.execute-api.localhost")
	if r.status != 403 || r.body != `{"message":"Missing Authentication Token"}` {
		t.Errorf("REST API host, HTTP API path: %d %q", r.status, r.body)
	}
}
