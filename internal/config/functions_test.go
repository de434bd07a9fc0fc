package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func abs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDecodeFunctions(t *testing.T) {
	cfg := mustLoad(t, `
functions:
  hello:
    runtime: provided.al2023
    handler: bootstrap
    code: testdata/functions/hello
    timeout: 10s
    memory: 256
    environment: { GREETING: hi, PORT: 8080, URL: "${env:BACKEND}" }
    concurrency: 10
    minWarm: 10
  bin: { runtime: provided, code: testdata/functions/bootstrap }
  node-fn: { handler: src/index.handler, runtime: nodejs22.x, code: ./testdata/functions/hello/, concurrency: 0 }
  Go_1: { runtime: go, code: testdata/functions/gohello }
`)
	equal(t, "functions", cfg.Functions, []*apimodel.Function{
		{Name: "hello", Runtime: "provided.al2023", Handler: "bootstrap", Code: abs(t, "testdata/functions/hello"),
			Timeout: 10 * time.Second, MemoryMB: 256, ReservedConcurrency: 10, MinWarm: 10,
			Environment: map[string]string{"GREETING": "hi", "PORT": "8080", "URL": testEnv["BACKEND"]}, Pos: at(3, 3)},
		{Name: "bin", Runtime: "provided", Code: abs(t, "testdata/functions/bootstrap"), Timeout: 3 * time.Second, MemoryMB: 128, Pos: at(12, 3)},
		{Name: "node-fn", Runtime: "nodejs22.x", Handler: "src/index.handler", Code: abs(t, "testdata/functions/hello"),
			Timeout: 3 * time.Second, MemoryMB: 128, Pos: at(13, 3)},
		{Name: "Go_1", Runtime: "go", Code: abs(t, "testdata/functions/gohello"), Timeout: 3 * time.Second, MemoryMB: 128, Pos: at(14, 3)},
	})
}

func TestDecodeFunctionRoutes(t *testing.T) {
	arn := func(region, account, name string) string {
		return "arn:aws:apigateway:" + region + ":lambda:path/2015-03-31/functions/arn:aws:lambda:" + region + ":" + account + ":function:" + name + "/invocations"
	}
	cfg := mustLoad(t, `
functions:
  hello: { runtime: provided.al2023, code: testdata/functions/hello }
apis:
  - id: rest
    routes:
      GET /a: { function: hello }
      GET /b:
        function: { name: hello, timeout: 5s, payloadFormatVersion: "1.0" }
      GET /c: { function: "fn-${stageVariables.fn}" }
  - id: http
    routes:
      GET /a: { function: hello }
      GET /b: { function: { name: hello, payloadFormatVersion: 1.0 } }
    protocol: HTTP
`)
	rest, http := cfg.APIs[0].Routes, cfg.APIs[1].Routes
	equal(t, "rest short", rest[0].Integration, &apimodel.Integration{Type: apimodel.IntegrationAWSProxy,
		URI: arn("us-east-1", "123456789012", "hello"), PayloadFormatVersion: "1.0", Pos: at(7, 27)})
	equal(t, "rest long", rest[1].Integration, &apimodel.Integration{Type: apimodel.IntegrationAWSProxy,
		URI: arn("us-east-1", "123456789012", "hello"), PayloadFormatVersion: "1.0", Timeout: 5 * time.Second, Pos: at(9, 9)})
	equal(t, "templated", rest[2].Integration.URI, arn("us-east-1", "123456789012", "fn-${stageVariables.fn}"))
	equal(t, "http short", http[0].Integration, &apimodel.Integration{Type: apimodel.IntegrationAWSProxy,
		URI: arn("us-east-1", "123456789012", "hello"), PayloadFormatVersion: "2.0", Pos: at(13, 27)})
	equal(t, "http long", http[1].Integration.PayloadFormatVersion, "1.0")

	// Settings apply wherever they are declared, even after the routes.
	cfg = mustLoad(t, `
apis: [{ id: a, routes: { GET /: { function: hello } } }]
functions: { hello: { runtime: go, code: testdata/functions/gohello } }
settings: { region: eu-west-3, accountId: "210987654321" }
`)
	equal(t, "settings", cfg.APIs[0].Routes[0].Integration.URI, arn("eu-west-3", "210987654321", "hello"))
}

func TestDecodeFunctionErrors(t *testing.T) {
	const hello = "functions:\n  hello: { runtime: provided.al2023, code: testdata/functions/hello }\n"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"functions not a mapping", "functions: [hello]\n", []string{
			`test.yaml:1:12: functions: expected a mapping, got a sequence`}},
		{"function not a mapping", "functions:\n  hello: go\n", []string{
			`test.yaml:2:10: functions.hello: expected a mapping, got string "go"`}},
		{"bad function name", "functions:\n  my.fn: { runtime: go, code: testdata/functions/gohello }\n", []string{
			`test.yaml:2:3: function name "my.fn" must be 1-64 letters, digits, '-' or '_'`}},
		{"long function name", "functions:\n  " + strings.Repeat("f", 65) + ": { runtime: go, code: testdata/functions/gohello }\n", []string{
			`test.yaml:2:3: function name "` + strings.Repeat("f", 57) + `..." must be 1-64 letters, digits, '-' or '_'`}},
		{"missing keys", "functions:\n  hello: {}\n", []string{
			`test.yaml:2:3: missing key "runtime" in function "hello"`,
			`test.yaml:2:3: missing key "code" in function "hello"`}},
		{"unknown key", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, memorySize: 256 }\n", []string{
			`test.yaml:2:59: unknown key "memorySize" in function "hello" (did you mean "memory"?)`}},
		{"runtime typo", "functions:\n  hello: { runtime: nodejs20.z, handler: index.handler, code: testdata/functions/hello }\n", []string{
			`test.yaml:2:21: runtime: "nodejs20.z" is not a Lambda runtime (did you mean "nodejs20.x"?)`}},
		{"runtime upper case", "functions:\n  hello: { runtime: Provided.AL2023, code: testdata/functions/hello }\n", []string{
			`test.yaml:2:21: runtime: "Provided.AL2023" is not a Lambda runtime (did you mean "provided.al2023"?)`}},
		{"unknown runtime", "functions:\n  hello: { runtime: cobol, code: testdata/functions/hello }\n", []string{
			`test.yaml:2:21: runtime: "cobol" is not a Lambda runtime (such as nodejs22.x, python3.13, java21 or provided.al2023) or "go"`}},
		{"missing handler", "functions:\n  hello: { runtime: nodejs22.x, code: testdata/functions/hello }\n", []string{
			`test.yaml:2:3: missing key "handler" in function "hello": runtime nodejs22.x needs file.export, such as index.handler`}},
		{"missing handler go1.x", "functions:\n  hello:\n    code: testdata/functions/hello\n    runtime: go1.x\n", []string{
			`test.yaml:2:3: missing key "handler" in function "hello": runtime go1.x needs the executable's name, such as main`}},
		{"handler without export", "functions:\n  hello: { runtime: python3.13, handler: app, code: testdata/functions/hello }\n", []string{
			`test.yaml:2:42: handler: "app" must be module.function, such as app.handler`}},
		{"handler with space", "functions:\n  hello: { runtime: provided, handler: my bootstrap, code: testdata/functions/hello }\n", []string{
			`test.yaml:2:40: handler: "my bootstrap" must be 1-128 characters without spaces`}},
		{"handler null", "functions:\n  hello: { runtime: java21, handler: null, code: testdata/functions/hello }\n", []string{
			`test.yaml:2:38: handler: expected a string, got null`}},
		{"code missing", "functions:\n  hello: { runtime: go, code: testdata/functions/nope }\n", []string{
			`test.yaml:2:31: code: testdata/functions/nope does not exist (looked for ` + abs(t, "testdata/functions/nope") + `)`}},
		{"code empty", "functions:\n  hello: { runtime: go, code: \"\" }\n", []string{
			`test.yaml:2:31: code: needs the path of the function's code`}},
		{"code env unset", "functions:\n  hello: { runtime: go, code: \"${env:NOPE}\" }\n", []string{
			`test.yaml:2:31: code: environment variable NOPE is not set (write ${env:NOPE:-fallback} for a default)`}},
		{"code file for node", "functions:\n  hello: { runtime: nodejs22.x, handler: index.handler, code: testdata/functions/hello/index.js }\n", []string{
			`test.yaml:2:63: code: testdata/functions/hello/index.js is a file; runtime nodejs22.x needs the function's directory`}},
		{"code file not executable", "functions:\n  hello: { runtime: provided.al2, code: testdata/functions/hello/index.js }\n", []string{
			`test.yaml:2:41: code: testdata/functions/hello/index.js is not executable (chmod +x it, or give its directory)`}},
		{"timeout too long", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, timeout: 16m }\n", []string{
			`test.yaml:2:68: timeout: 16m0s is more than Lambda's maximum of 900s`}},
		{"timeout unitless", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, timeout: 30 }\n", []string{
			`test.yaml:2:68: timeout: 30 has no unit; write it like 30ms or 30s`}},
		{"memory too small", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, memory: 64 }\n", []string{
			`test.yaml:2:67: memory: 64 is outside Lambda's 128-10240 MB`}},
		{"memory too large", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, memory: 10241 }\n", []string{
			`test.yaml:2:67: memory: 10241 is outside Lambda's 128-10240 MB`}},
		{"memory with unit", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, memory: 1GB }\n", []string{
			`test.yaml:2:67: memory: expected a whole number, got string "1GB"`}},
		{"negative concurrency", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, concurrency: -1, minWarm: 1 }\n", []string{
			`test.yaml:2:72: concurrency: -1 is less than 0`}},
		{"concurrency out of range", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, concurrency: 4294967296 }\n", []string{
			`test.yaml:2:72: concurrency: 4294967296 is out of range`}},
		{"minWarm above concurrency", "functions:\n  hello:\n    runtime: go\n    code: testdata/functions/gohello\n    minWarm: 3\n    concurrency: 2\n", []string{
			`test.yaml:5:14: minWarm: 3 is more than concurrency 2 allows`}},
		{"environment name", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, environment: { 1X: a, _HANDLER: b, X: c, OK: d } }\n", []string{
			`test.yaml:2:74: environment: "1X" is not a Lambda variable name (a letter, then letters, digits or '_')`,
			`test.yaml:2:81: environment: "_HANDLER" is not a Lambda variable name (a letter, then letters, digits or '_')`,
			`test.yaml:2:94: environment: "X" is not a Lambda variable name (a letter, then letters, digits or '_')`}},
		{"environment value", "functions:\n  hello: { runtime: go, code: testdata/functions/gohello, environment: { A1: [x] } }\n", []string{
			`test.yaml:2:78: environment.A1: expected a string, got a sequence`}},
		{"function in two keys", hello + "  hello: { runtime: go, code: testdata/functions/gohello }\n", []string{
			`test.yaml:3:3: duplicate key "hello": already declared at test.yaml:2:3`}},
		{"undeclared function", hello + "apis:\n  - id: a\n    routes: { GET /: { function: helo } }\n", []string{
			`test.yaml:5:34: function: "helo" is not declared in functions (did you mean "hello"?)`}},
		{"undeclared function, long form", "apis:\n  - id: a\n    routes:\n      GET /:\n        function: { name: nope }\n", []string{
			`test.yaml:5:27: name: "nope" is not declared in functions`}},
		{"templated function is not checked", "apis:\n  - id: a\n    routes: { GET /: { function: \"${stageVariables.fn}\" } }\n", nil},
		{"bad function reference", "apis:\n  - id: a\n    routes: { GET /: { function: \"arn:aws:lambda:us-east-1:1:function:f\" } }\n", []string{
			`test.yaml:3:34: function: "arn:aws:lambda:us-east-1:1:function:f" is not a function name (1-64 letters, digits, '-' or '_', and ${stageVariables.name})`}},
		{"broken template", "apis:\n  - id: a\n    routes: { GET /: { function: \"${stageVariables.}\" } }\n", []string{
			`test.yaml:3:34: function: "${stageVariables.}" is not a function name (1-64 letters, digits, '-' or '_', and ${stageVariables.name})`}},
		{"function null", "apis:\n  - id: a\n    routes:\n      GET /:\n        function:\n", []string{
			`test.yaml:5:19: function: expected a string, got null`}},
		{"long form without name", "apis:\n  - id: a\n    routes:\n      GET /:\n        function: { timeout: 1s }\n", []string{
			`test.yaml:5:9: missing key "name" in function`}},
		{"long form unknown key", hello + "apis:\n  - id: a\n    routes:\n      GET /:\n        function: { name: hello, qualifier: prod }\n", []string{
			`test.yaml:7:34: unknown key "qualifier" in function`}},
		{"integration timeout", hello + "apis:\n  - id: a\n    routes:\n      GET /:\n        function: { name: hello, timeout: 30s }\n", []string{
			`test.yaml:7:9: timeoutInMillis 30000 is outside 50-29000`}},
		{"payload 2.0 on REST", hello + "apis:\n  - id: a\n    routes:\n      GET /:\n        function: { name: hello, payloadFormatVersion: \"2.0\" }\n", []string{
			`test.yaml:7:56: payloadFormatVersion: 2.0 is for HTTP APIs; REST APIs send Lambda the 1.0 format`}},
		{"function and proxy", hello + "apis:\n  - id: a\n    routes:\n      GET /:\n        proxy: http://127.0.0.1:1\n        function: hello\n", []string{
			`test.yaml:8:9: route GET /: "proxy" and "function" both declare the integration; keep one`}},
		{"sam with other keys", "apis:\n  - sam: template.yaml\n    stages: { prod: {} }\n    id: a\n", []string{
			`test.yaml:2:10: sam: template.yaml: cannot read: no such file or directory`,
			`test.yaml:3:5: key "stages" cannot be used with sam: a SAM template declares its own APIs`,
			`test.yaml:4:5: key "id" cannot be used with sam: a SAM template declares its own APIs`}},
		{"sam path empty", "apis: [{ sam: \"\" }]\n", []string{
			`test.yaml:1:15: sam: needs the path of a SAM template`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := loadString(t, tc.src)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}
