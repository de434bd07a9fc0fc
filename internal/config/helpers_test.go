package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml/ast"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// fakeImport stands in for importer/openapi: it returns one API with one route and one
// stage, and fails on demand, which is all the loader needs to be tested against.
func fakeImport(data []byte, file, id, stage string, protocol apimodel.Protocol) (*apimodel.API, []apimodel.Warning, error) {
	switch {
	case bytes.Contains(data, []byte("FAIL_PLAIN")):
		return nil, nil, errors.New("paths./pets: no operations")
	case bytes.Contains(data, []byte("FAIL_PROBLEMS")):
		return nil, nil, apimodel.Problems{{Pos: apimodel.Position{File: file, Line: 3, Column: 5}, Message: "x-amazon-apigateway-integration: unknown type \"SOAP\""}}
	}
	if id == "" {
		id = "petstore"
	}
	if stage == "" {
		stage = "v1"
	}
	if protocol == "" {
		protocol = apimodel.ProtocolREST
	}
	at := func(line int) apimodel.Position { return apimodel.Position{File: file, Line: line, Column: 1} }
	return &apimodel.API{
			ID: id, Name: "Petstore", Protocol: protocol, Pos: at(1),
			Stages: []*apimodel.Stage{{Name: stage, Variables: map[string]string{"imported": "yes", "backend": "imported"}, AccessLogFormat: "$context.requestId", Pos: at(1)}},
			Routes: []*apimodel.Route{{Method: "GET", Path: "/pets", Pos: at(4),
				Integration: &apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: "http://127.0.0.1:9/pets", Pos: at(5)}}},
			GatewayResponses: map[string]*apimodel.GatewayResponse{"DEFAULT_4XX": {StatusCode: "400", Pos: at(6)}},
			BinaryMediaTypes: []string{"image/png"},
		},
		[]apimodel.Warning{{Pos: at(1), Message: "imported by the fake"}}, nil
}

// fakeSAM stands in for importer/sam: one API and one function, or a failure on demand.
func fakeSAM(data []byte, file, stage string) (*apimodel.Config, error) {
	switch {
	case bytes.Contains(data, []byte("FAIL_PLAIN")):
		return nil, errors.New("Resources.HelloFunction: CodeUri is required")
	case bytes.Contains(data, []byte("FAIL_PROBLEMS")):
		return nil, apimodel.Problems{{Pos: apimodel.Position{File: file, Line: 4, Column: 7}, Message: "Runtime: \"cobol\" is not a Lambda runtime"}}
	case bytes.Contains(data, []byte("PANIC")):
		panic("boom")
	case bytes.Contains(data, []byte("NOTHING")):
		return nil, nil
	}
	if stage == "" {
		stage = "Prod"
	}
	at := func(line int) apimodel.Position { return apimodel.Position{File: file, Line: line, Column: 3} }
	return &apimodel.Config{
		APIs: []*apimodel.API{{ID: "samapi", Name: "sam", Protocol: apimodel.ProtocolREST, Pos: at(6),
			Stages: []*apimodel.Stage{{Name: stage, Pos: at(6)}},
			Routes: []*apimodel.Route{{Method: "GET", Path: "/sam", Pos: at(7),
				Integration: &apimodel.Integration{Type: apimodel.IntegrationMock, Pos: at(7)}}}}},
		Functions: []*apimodel.Function{{Name: "HelloFunction", Runtime: "python3.13", Handler: "app.handler",
			Code: filepath.Join(filepath.Dir(file), "hello"), Pos: at(4)}},
		Warnings: []apimodel.Warning{{Pos: at(1), Message: "imported by the fake SAM importer"}},
	}, nil
}

const samTemplate = "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n  HelloFunction:\n    Type: AWS::Serverless::Function\n"

var testEnv = map[string]string{"BACKEND": "http://127.0.0.1:8080", "EMPTY": ""}

func testLoader() *Loader {
	return &Loader{
		ImportOpenAPI: fakeImport,
		ImportSAM:     fakeSAM,
		LookupEnv: func(k string) (string, bool) {
			v, ok := testEnv[k]
			return v, ok
		},
	}
}

// loadString decodes src as the file name "test.yaml" and returns the config or the
// problems as lines.
func loadString(t testing.TB, src string) (*apimodel.Config, []string) {
	t.Helper()
	ld := testLoader().newLoad()
	ld.track("test.yaml")
	ld.genkan("test.yaml", []byte(src))
	cfg, err := ld.finish()
	return cfg, errLines(err)
}

func errLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// writeFiles creates files (name → content) under a new temporary directory.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func compileSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../../docs/genkan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("genkan.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("genkan.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// jsonValue turns YAML into the JSON value an editor's schema validator sees, with
// anchors, aliases and merge keys resolved the way the decoder resolves them. ok is false
// when the document cannot be represented (it then fails to decode as well).
func jsonValue(data []byte) (v any, ok bool) {
	d := newDecoder("schema.yaml", func(string) (string, bool) { return "", false })
	root := d.parse(data)
	if root == nil || len(d.ps) > 0 {
		return nil, false
	}
	ok = true
	var conv func(n ast.Node) any
	conv = func(n ast.Node) any {
		switch n := d.value(n).(type) {
		case *ast.MappingNode:
			es, _ := d.entries("", n)
			m := make(map[string]any, len(es))
			for _, e := range es {
				m[e.key] = conv(e.val)
			}
			return m
		case *ast.SequenceNode:
			s := make([]any, 0, len(n.Values))
			for _, item := range n.Values {
				s = append(s, conv(item))
			}
			return s
		case *ast.BoolNode:
			return n.Value
		case *ast.IntegerNode:
			return n.Value
		case *ast.FloatNode:
			return n.Value
		case *ast.StringNode:
			return n.Value
		case *ast.LiteralNode:
			if n.Value == nil {
				return ""
			}
			return n.Value.Value
		case *ast.InfinityNode, *ast.NanNode:
			return n.GetToken().Value
		case *ast.NullNode:
			return nil
		default:
			ok = false
			return nil
		}
	}
	v = conv(root)
	return v, ok && len(d.ps) == 0
}
