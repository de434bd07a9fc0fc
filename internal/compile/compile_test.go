package compile

import (
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func mockRoute(path string) *apimodel.Route {
	return &apimodel.Route{Method: "GET", Path: path, Integration: &apimodel.Integration{Type: apimodel.IntegrationMock}}
}

// An API with disableExecuteApiEndpoint answers on its custom domains only: neither its
// execute-api host nor a bare path reaches it.
func TestDisableExecuteAPIEndpoint(t *testing.T) {
	cfg := &apimodel.Config{
		APIs: []*apimodel.API{
			{ID: "open", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: "s"}}, Routes: []*apimodel.Route{mockRoute("/a")}},
			{ID: "hidden", Protocol: apimodel.ProtocolREST, DisableExecuteAPIEndpoint: true, Stages: []*apimodel.Stage{{Name: "s"}}, Routes: []*apimodel.Route{mockRoute("/b")}},
		},
		Domains: []*apimodel.Domain{{Name: "API.Example.test", Mappings: []*apimodel.BasePathMapping{{BasePath: "h", APIID: "hidden", Stage: "s"}}}},
	}
	tbl, err := Compile(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := tbl.ByID["hidden"]; ok {
		t.Error("hidden API is addressable by its execute-api host")
	}
	if len(tbl.PathAPIs) != 1 || tbl.PathAPIs[0].ID != "open" {
		t.Errorf("path APIs = %v", tbl.PathAPIs)
	}
	d := tbl.Domains["api.example.test"]
	if d == nil || len(d.Mappings) != 1 || d.Mappings[0].API.ID != "hidden" || d.Mappings[0].Stage.Name != "s" {
		t.Errorf("domain = %+v", d)
	}
}

// Every problem of every route is reported at once, with positions, not just the first.
func TestCompileReportsAllProblems(t *testing.T) {
	pos := func(line int) apimodel.Position { return apimodel.Position{File: "api.yaml", Line: line, Column: 3} }
	cfg := &apimodel.Config{APIs: []*apimodel.API{{
		ID: "x", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: "s"}},
		Routes: []*apimodel.Route{
			{Method: "GET", Path: "/a", Pos: pos(3), Integration: &apimodel.Integration{Type: apimodel.IntegrationAWS, URI: "arn:aws:apigateway:us-east-1:s3:path/b", Pos: pos(4)}},
			{Method: "GET", Path: "/b", Pos: pos(7), Integration: &apimodel.Integration{Type: apimodel.IntegrationAWSProxy, URI: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:1:function:f/invocations", Pos: pos(8)}},
		},
	}}}
	_, err := Compile(cfg, Deps{})
	if err == nil {
		t.Fatal("compiled")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "api.yaml:4:3: AWS integration") || !strings.HasPrefix(lines[1], "api.yaml:8:3: AWS_PROXY integration") {
		t.Errorf("problems:\n%s", err)
	}
}
