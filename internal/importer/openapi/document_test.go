package openapi

import (
	"strings"
	"testing"
)

func TestStageAndID(t *testing.T) {
	tests := []struct {
		name, doc string
		opt       Options
		stage, id string
		warning   string
	}{
		{"server url path", "openapi: 3.0.1\nservers: [{url: 'https://x.example.com/beta/'}]\n", Options{File: "a/b/Orders.API.yaml"}, "beta", "ordersapi", ""},
		{"relative server url", "openapi: 3.0.1\nservers: [{url: /v2}]\n", Options{File: "x.json"}, "v2", "x", ""},
		{"url variables", "openapi: 3.0.1\nservers: [{url: 'https://h/{stage}', variables: {stage: {default: qa}}}]\n", Options{}, "qa", "api", ""},
		{"nested base path", "swagger: '2.0'\nbasePath: /a/b\n", Options{File: "averyveryverylongname.yaml"}, "dev", "averyveryv", `base path "/a/b" is not a stage name`},
		{"no base path", "swagger: '2.0'\ninfo: {title: My Service!}\n", Options{}, "dev", "myservice", ""},
		{"explicit", "swagger: '2.0'\nbasePath: /prod\n", Options{Stage: "live", ID: "abc123"}, "live", "abc123", ""},
		{"servers as a map", "openapi: 3.0.1\nservers: {variables: {basePath: {default: /v1}}}\n", Options{}, "dev", "api", "servers must be a list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api, warnings, err := Import([]byte(tt.doc), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if api.Stages[0].Name != tt.stage || api.ID != tt.id {
				t.Errorf("stage %q id %q, want %q %q", api.Stages[0].Name, api.ID, tt.stage, tt.id)
			}
			if got := warningsText(warnings); tt.warning == "" && got != "" || !strings.Contains(got, tt.warning) {
				t.Errorf("warnings = %q, want %q", got, tt.warning)
			}
		})
	}
}

func TestDocumentProblems(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not openapi", "AWSTemplateFormatVersion: '2010-09-09'\n", `api.yaml:1:1: not an OpenAPI document`},
		{"list", "- openapi\n", "an OpenAPI document is an object"},
		{"swagger 3", "swagger: '3.0'\n", `api.yaml:1:10: swagger version "3.0" is not supported`},
		{"openapi 4", "openapi: 4.0.0\n", `OpenAPI version "4.0.0" is not supported`},
		{"both", "openapi: 3.0.1\nswagger: '2.0'\n", "api.yaml:2:1: the document has both"},
		{"syntax", "openapi: 3.0.1\npaths: {/a: [}\n", "api.yaml:2:"},
		{"duplicate key", "openapi: 3.0.1\npaths:\n  /a: {}\n  /a: {}\n", `api.yaml:4:3: invalid JSON/YAML: mapping key "/a" already defined at [3:3]`},
		{"two documents", "openapi: 3.0.1\n---\nopenapi: 3.0.1\n", "more than one YAML document"},
		{"empty", "", "the document is empty"},
		{"unknown alias", "openapi: 3.0.1\ninfo: *nope\n", "alias *nope"},
		{"bad in", "openapi: 3.0.1\npaths:\n  /a:\n    get:\n      parameters: [{name: a, in: body2}]\n      x-amazon-apigateway-integration: {type: mock}\n", `api.yaml:5:21: parameter "a" of GET /a: "in" must be path, query, header or cookie, got "body2"`},
		{"bad path", "openapi: 3.0.1\npaths:\n  /a/:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n", `api.yaml:4:5: path "/a/": must not end with '/'`},
		{"unknown gateway response", "openapi: 3.0.1\nx-amazon-apigateway-gateway-responses: {NOPE: {}}\n", `api.yaml:2:41: unknown gateway response type "NOPE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, _ := importErr(t, tt.doc, Options{})
			mustContain(t, msg, tt.want)
		})
	}
}

func TestIsOpenAPI(t *testing.T) {
	tests := []struct {
		doc  string
		want bool
	}{
		{`{"openapi": "3.0.1"}`, true},
		{`{"info": {"openapi": "nested"}, "swagger": "2.0"}`, true},
		{`{"info": {"openapi": "nested"}}`, false},
		{"\xef\xbb\xbf{\"swagger\":\"2.0\"}", true},
		{"# comment\nopenapi: 3.0.1\n", true},
		{"---\n\"swagger\" : '2.0'\n", true},
		{"{openapi: 3.0.1, info: {}}", true},
		{"AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Api:\n    Properties:\n      DefinitionBody:\n        openapi: 3.0.1\n", false},
		{"openapi_version: 3\n", false},
		{"", false},
		{"\x00\xff", false},
	}
	for _, tt := range tests {
		if got := IsOpenAPI([]byte(tt.doc)); got != tt.want {
			t.Errorf("IsOpenAPI(%q) = %v, want %v", tt.doc, got, tt.want)
		}
	}
}
