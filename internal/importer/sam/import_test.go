package sam

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// importString imports src as dir/template.yaml, after writing the extra files (name → content)
// beside it.
func importString(t *testing.T, src string, files ...string) (*apimodel.Config, error) {
	t.Helper()
	return importWith(t, Options{}, src, files...)
}

func importWith(t *testing.T, opt Options, src string, files ...string) (*apimodel.Config, error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "shop")
	for i := 0; i+1 < len(files); i += 2 {
		p := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	opt.File = filepath.Join(dir, "template.yaml")
	return Import([]byte(src), opt)
}

func mustImport(t *testing.T, src string, files ...string) *apimodel.Config {
	t.Helper()
	cfg, err := importString(t, src, files...)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return cfg
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("import succeeded, want an error containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func warned(cfg *apimodel.Config, part string) *apimodel.Warning {
	for i, w := range cfg.Warnings {
		if strings.Contains(w.Message, part) {
			return &cfg.Warnings[i]
		}
	}
	return nil
}

func routeKeys(api *apimodel.API) []string {
	var keys []string
	for _, r := range api.Routes {
		keys = append(keys, r.Key())
	}
	return keys
}

func stageNames(api *apimodel.API) []string {
	var names []string
	for _, s := range api.Stages {
		names = append(names, s.Name)
	}
	return names
}

const fnProps = `CodeUri: src/
      Handler: index.handler
      Runtime: nodejs20.x`

func TestImplicitAPIs(t *testing.T) {
	cfg := mustImport(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      `+fnProps+`
      Timeout: 10
      MemorySize: 256
      Events:
        Get:
          Type: Api
          Properties:
            Path: /hello/
            Method: any
        Http:
          Type: HttpApi
        HttpGet:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: GET
            PayloadFormatVersion: "1.0"
            TimeoutInMillis: 5000
        Queue:
          Type: SQS
          Properties: {Queue: arn:aws:sqs:us-east-1:123456789012:q}
`)
	if len(cfg.APIs) != 2 {
		t.Fatalf("got %d APIs, want the implicit REST and HTTP APIs", len(cfg.APIs))
	}
	rest, http := cfg.APIs[0], cfg.APIs[1]
	if rest.ID != "serverlessrestapi" || rest.Protocol != apimodel.ProtocolREST || strings.Join(stageNames(rest), ",") != "Prod,Stage" {
		t.Errorf("REST API = %s %s stages %v", rest.ID, rest.Protocol, stageNames(rest))
	}
	if got := strings.Join(routeKeys(rest), ","); got != "ANY /hello" {
		t.Errorf("REST routes = %s, want ANY /hello (trailing slash dropped)", got)
	}
	in := rest.Routes[0].Integration
	if in.Type != apimodel.IntegrationAWSProxy || in.URI != invocationURI("Hello") || in.PayloadFormatVersion != "" {
		t.Errorf("REST integration = %+v", in)
	}
	if http.ID != "serverlesshttpapi" || strings.Join(stageNames(http), ",") != "$default" {
		t.Errorf("HTTP API = %s stages %v", http.ID, stageNames(http))
	}
	if got := strings.Join(routeKeys(http), ","); got != "$default,GET /items/{id}" {
		t.Errorf("HTTP routes = %s", got)
	}
	if in := http.Routes[0].Integration; in.PayloadFormatVersion != "2.0" {
		t.Errorf("$default payload format = %q, want SAM's default 2.0", in.PayloadFormatVersion)
	}
	if in := http.Routes[1].Integration; in.PayloadFormatVersion != "1.0" || in.Timeout != 5*time.Second {
		t.Errorf("GET /items/{id} integration = %+v", in)
	}
	fn := cfg.Functions[0]
	if fn.Name != "Hello" || fn.Timeout != 10*time.Second || fn.MemoryMB != 256 || !filepath.IsAbs(fn.Code) || filepath.Base(fn.Code) != "src" {
		t.Errorf("function = %+v", fn)
	}
	if warned(cfg, "SQS events are not emulated") == nil {
		t.Errorf("no warning about the SQS event: %v", cfg.Warnings)
	}
}

func TestExplicitAPIs(t *testing.T) {
	cfg := mustImport(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Managed:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      OpenApiVersion: 3.0.1
      Variables: {color: blue, n: 3}
      AccessLogSetting:
        DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:x
        Format: $context.requestId
      GatewayResponses:
        DEFAULT_4XX:
          StatusCode: 418
          ResponseParameters:
            Headers: {Access-Control-Allow-Origin: "'*'"}
          ResponseTemplates: {application/json: '{"m":"$context.error.message"}'}
  Defined:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {title: defined}
        paths:
          /in:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: live
      StageVariables: {a: b}
      DefinitionBody:
        openapi: 3.0.1
        info: {title: http, version: "1"}
        paths:
          /documented:
            get:
              parameters: [{name: q, in: query}]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub ${AWS::StackName}-fn
      `+fnProps+`
      Events:
        M1: {Type: Api, Properties: {RestApiId: !Ref Managed, Path: /m, Method: post, RequestParameters: [method.request.header.X-Id, {method.request.querystring.page: {Required: true}}]}}
        D1: {Type: Api, Properties: {RestApiId: Defined, Path: /in, Method: get}}
        D2: {Type: Api, Properties: {RestApiId: !Ref Defined, Path: /out, Method: get}}
        H1: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /documented, Method: get}}
        H2: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /added, Method: post}}
`)
	byID := map[string]*apimodel.API{}
	for _, a := range cfg.APIs {
		byID[a.ID] = a
	}
	m := byID["managed"]
	if m == nil || strings.Join(stageNames(m), ",") != "v1" || strings.Join(routeKeys(m), ",") != "POST /m" {
		t.Fatalf("Managed = %+v", m)
	}
	if st := m.Stages[0]; st.Variables["color"] != "blue" || st.Variables["n"] != "3" || st.AccessLogFormat != "$context.requestId" {
		t.Errorf("Managed stage = %+v", st)
	}
	if gr := m.GatewayResponses["DEFAULT_4XX"]; gr == nil || gr.StatusCode != "418" || gr.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"] != "'*'" {
		t.Errorf("gateway response = %+v", gr)
	}
	if rp := m.Routes[0].RequestParameters; !rp["method.request.querystring.page"] || rp["method.request.header.X-Id"] {
		t.Errorf("request parameters = %v", rp)
	}
	d := byID["defined"]
	if d == nil || strings.Join(routeKeys(d), ",") != "GET /in" || d.Routes[0].Integration.URI != invocationURI("shop-fn") {
		t.Fatalf("Defined = %+v", d)
	}
	if w := warned(cfg, "GET /out is not in the definition of Defined"); w == nil {
		t.Errorf("no warning about the event missing from the DefinitionBody: %v", cfg.Warnings)
	}
	h := byID["http"]
	if h == nil || strings.Join(routeKeys(h), ",") != "GET /documented,POST /added" {
		t.Fatalf("Http routes = %v", routeKeys(h))
	}
	if h.Stages[0].Name != "live" || h.Stages[0].Variables["a"] != "b" {
		t.Errorf("Http stage = %+v", h.Stages[0])
	}
	if cfg.Functions[0].Name != "shop-fn" {
		t.Errorf("function name = %q, want FunctionName resolved", cfg.Functions[0].Name)
	}
}

func TestDuplicateEventRoute(t *testing.T) {
	_, err := importString(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      `+fnProps+`
      Events:
        A: {Type: Api, Properties: {Path: /x, Method: get}}
        B: {Type: Api, Properties: {Path: /x/, Method: GET}}
`)
	wantError(t, err, "template.yaml:12:9: Fn event B: API method \"get\" is defined more than once for path \"/x\"")
}

func TestDefinitionPositionsAndIncludes(t *testing.T) {
	cfg := mustImport(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      OpenApiVersion: "3.0"
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: ./api.yaml
  FromFile:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionUri: openapi/http.json
`, "api.yaml", `openapi: 3.0.1
info: {title: included}
paths:
  /pets:
    get:
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: !Sub "https://${AWS::Region}.example.com/pets"
`, "openapi/http.json", `{"openapi": "3.0.1", "info": {"title": "f"}, "paths": {"/x": {"get": {"x-amazon-apigateway-integration": {"type": "HTTP_PROXY", "httpMethod": "GET", "uri": "https://example.com", "payloadFormatVersion": "1.0"}}}}}`)
	api := cfg.APIs[0]
	r := api.Routes[0]
	if r.Integration.URI != "https://us-east-1.example.com/pets" {
		t.Errorf("uri = %q", r.Integration.URI)
	}
	if filepath.Base(r.Pos.File) != "api.yaml" || r.Pos.Line != 5 || r.Pos.Column != 5 {
		t.Errorf("route position = %s, want api.yaml:5:5", r.Pos)
	}
	if filepath.Base(r.Integration.Pos.File) != "api.yaml" || r.Integration.Pos.Line != 6 {
		t.Errorf("integration position = %s, want api.yaml:6", r.Integration.Pos)
	}
	if filepath.Base(api.Pos.File) != "template.yaml" || api.Pos.Line != 4 {
		t.Errorf("API position = %s, want template.yaml:4", api.Pos)
	}
	if len(api.Stages) != 1 {
		t.Errorf("stages = %v; OpenApiVersion removes SAM's extra Stage stage", stageNames(api))
	}
	f := cfg.APIs[1]
	if f.Protocol != apimodel.ProtocolHTTP || strings.Join(routeKeys(f), ",") != "GET /x" || filepath.Base(f.Routes[0].Pos.File) != "http.json" {
		t.Errorf("DefinitionUri API = %v at %s", routeKeys(f), f.Routes[0].Pos)
	}
}

func TestUnresolvableInDefinition(t *testing.T) {
	_, err := importString(t, `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Backend: {Type: String}
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        info: {title: t}
        x-amazon-apigateway-policy:
          Statement: [{Condition: {StringEquals: {aws:sourceVpce: !Ref Backend}}}]
        paths:
          /x:
            get:
              x-amazon-apigateway-integration:
                type: http_proxy
                httpMethod: GET
                uri: !Ref Backend
`)
	// The policy's Ref is never read; the uri's is, and fails where it is written.
	wantError(t, err, "template.yaml:21:22: x-amazon-apigateway-integration of GET /x uri cannot be resolved: Ref Backend: parameter Backend has no Default")
	if strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("want exactly one problem, got:\n%s", err)
	}
}

func TestFunctionProblems(t *testing.T) {
	tests := []struct{ name, props, want string }{
		{"unresolvable inline code", "InlineCode: !ImportValue src\n      Handler: index.h\n      Runtime: python3.12", "Fn.InlineCode: Fn::ImportValue src cannot be resolved"},
		{"code in s3", "CodeUri: {Bucket: b, Key: k}\n      Handler: h\n      Runtime: python3.12", "CodeUri points at S3"},
		{"s3 uri", "CodeUri: s3://b/k.zip\n      Handler: h\n      Runtime: python3.12", "is in S3"},
		{"image", "PackageType: Image\n      ImageUri: repo:tag", "PackageType Image"},
		{"no runtime", "CodeUri: src/\n      Handler: h", "Fn needs Runtime"},
		{"timeout", "CodeUri: src/\n      Handler: h\n      Runtime: go\n      Timeout: 901", "outside the 1-900 seconds"},
		{"no code", "Handler: h\n      Runtime: go", "needs CodeUri"},
		{"unresolvable handler", "CodeUri: src/\n      Handler: !ImportValue h\n      Runtime: go", "Fn.Handler: Fn::ImportValue h cannot be resolved"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importString(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      `+tc.props+`
`)
			wantError(t, err, tc.want)
		})
	}
}

func TestConditionsAndGeneratedStages(t *testing.T) {
	cfg := mustImport(t, `
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: !Ref Env, OpenApiVersion: "3.0.1"}
  ProdOnly:
    Type: AWS::Serverless::Function
    Condition: IsProd
    Properties:
      `+fnProps+`
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      `+fnProps+`
      Environment:
        Variables:
          STAGE: !Ref ApidevStage
          MODE: !If [IsProd, fast, careful]
      Events:
        E: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: get}}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: ApidevStage
    Properties: {ApiStages: [{ApiId: !Ref Api, Stage: !Ref ApidevStage}]}
`)
	if len(cfg.Functions) != 1 || cfg.Functions[0].Name != "Fn" {
		t.Fatalf("functions = %+v; ProdOnly's condition is false", cfg.Functions)
	}
	if env := cfg.Functions[0].Environment; env["STAGE"] != "dev" || env["MODE"] != "careful" {
		t.Errorf("environment = %v", env)
	}
	if warned(cfg, "ProdOnly is not created: its condition IsProd is false") == nil {
		t.Errorf("no warning about the skipped resource: %v", cfg.Warnings)
	}
	if w := warned(cfg, "DependsOn"); w != nil {
		t.Errorf("DependsOn on SAM's generated stage warned: %v", w)
	}
	if got := stageNames(cfg.APIs[0]); strings.Join(got, ",") != "dev" {
		t.Errorf("stages = %v", got)
	}
}

func TestStageOverride(t *testing.T) {
	cfg, err := importWith(t, Options{Stage: "local"}, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      `+fnProps+`
      Events:
        E: {Type: Api, Properties: {Path: /, Method: get}}
        H: {Type: HttpApi}
`)
	if err != nil {
		t.Fatal(err)
	}
	for _, api := range cfg.APIs {
		if got := strings.Join(stageNames(api), ","); got != "local" {
			t.Errorf("%s stages = %s, want local", api.ID, got)
		}
	}
}

func TestTemplateErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"not a map", "- a\n", "a template is an object"},
		{"no resources", "AWSTemplateFormatVersion: '2010-09-09'\n", "no Resources section"},
		{"alias", "Resources:\n  A: &x {Type: AWS::SNS::Topic}\n  B: *x\n", ":3:6: CloudFormation templates cannot use YAML aliases"},
		{"unknown tag", "Resources:\n  A:\n    Type: !Reff X\n", ":3:11: unknown tag !Reff"},
		{"empty tag", "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: !Ref\n      Runtime: go\n", ":5:16: !Ref has no value"},
		{"bad logical id", "Resources:\n  my-fn:\n    Type: AWS::SNS::Topic\n", `logical id "my-fn" must be letters and digits only`},
		{"sam type without transform", "Resources:\n  F:\n    Type: AWS::Serverless::Function\n", "needs Transform: AWS::Serverless-2016-10-31"},
		{"bad yaml", "Resources: [\n", "invalid YAML"},
		{"two documents", "Resources: {}\n---\nResources: {}\n", "more than one YAML document"},
		{"event to unknown api", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      " + fnProps + "\n      Events:\n        E: {Type: Api, Properties: {RestApiId: Nope, Path: /, Method: get}}\n", "RestApiId names Nope, which is not an AWS::Serverless::Api"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importString(t, tc.src)
			wantError(t, err, tc.want)
		})
	}
}

func TestTemplateWarnings(t *testing.T) {
	cfg := mustImport(t, `
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: a}
  Topic:
    Type: AWS::SQS::Queue
    Colour: red
    DependsOn: [Nope]
Outputs:
  X: {Value: !Ref Topic}
Nonsense: 1
`)
	for _, want := range []string{`key "Topic" is already defined at`, "Colour is not a resource attribute", "Nonsense is not a section", "DependsOn names Nope", "Topic (AWS::SQS::Queue)"} {
		if warned(cfg, want) == nil {
			t.Errorf("no warning containing %q in %v", want, cfg.Warnings)
		}
	}
}

func TestFlowMappingColons(t *testing.T) {
	// The YAML parser splits AWS::Region at its colons inside a flow mapping unless genkan
	// hides them.
	cfg := mustImport(t, `{Resources: {Fn: {Type: AWS::Lambda::Function, Properties: {Code: src, Handler: h, Runtime: go, Environment: {Variables: {R: {Ref: AWS::Region}}}}}}}`)
	if got := cfg.Functions[0].Environment["R"]; got != "us-east-1" {
		t.Errorf("R = %q", got)
	}
}

func TestJSONTemplate(t *testing.T) {
	cfg := mustImport(t, `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Resources": {
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": "src", "Handler": "h", "Runtime": "go", "Timeout": "30",
      "Environment": {"Variables": {"A": {"Fn::Join": ["", ["x", {"Ref": "AWS::AccountId"}]]}}}}}
  }
}`)
	fn := cfg.Functions[0]
	if fn.Timeout != 30*time.Second || fn.Environment["A"] != "x123456789012" || fn.Pos.Line != 4 || fn.Pos.Column != 5 {
		t.Errorf("function = %+v at %s", fn, fn.Pos)
	}
}

func TestEvaluationBudget(t *testing.T) {
	// Each level joins the next one twice: 2^25 evaluations unless a budget stops them.
	var b strings.Builder
	b.WriteString("Mappings:\n  M:\n    k:\n")
	for i := 0; i < 25; i++ {
		fmt.Fprintf(&b, "      l%d: !Join [\"\", [!FindInMap [M, k, l%d], !FindInMap [M, k, l%d]]]\n", i, i+1, i+1)
	}
	b.WriteString("      l25: x\nResources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties: {Code: x, Handler: h, Runtime: go, Environment: {Variables: {A: !FindInMap [M, k, l0]}}}\n")
	start := time.Now()
	cfg := mustImport(t, b.String())
	if warned(cfg, "more than 250000 intrinsic function evaluations") == nil {
		t.Errorf("no warning about the evaluation budget: %v", cfg.Warnings)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("import took %s", d)
	}
}

func TestMergeDefinitionsAndDefinitionURI(t *testing.T) {
	cfg := mustImport(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Merged:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      MergeDefinitions: true
      DefinitionBody:
        swagger: "2.0"
        info: {title: merged}
        paths:
          /doc:
            get:
              x-amazon-apigateway-integration: {type: mock}
  FromFile:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionUri: http.yaml
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      `+fnProps+`
      Events:
        A: {Type: Api, Properties: {RestApiId: !Ref Merged, Path: /doc, Method: get}}
        B: {Type: Api, Properties: {RestApiId: !Ref Merged, Path: /fn, Method: get}}
        C: {Type: HttpApi, Properties: {ApiId: !Ref FromFile, Path: /missing, Method: get}}
`, "http.yaml", "openapi: 3.0.1\ninfo: {title: f}\npaths: {}\n")
	merged := cfg.APIs[0]
	if got := strings.Join(routeKeys(merged), ","); got != "GET /doc,GET /fn" {
		t.Errorf("merged routes = %s", got)
	}
	if merged.Routes[0].Integration.Type != apimodel.IntegrationMock {
		t.Errorf("the definition's own integration must win: %+v", merged.Routes[0].Integration)
	}
	if warned(cfg, "GET /missing is not in the definition of FromFile") == nil {
		t.Errorf("no warning about the event SAM cannot add to a DefinitionUri API: %v", cfg.Warnings)
	}
	_, err := importString(t, `
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod, DefinitionUri: s3://bucket/api.yaml}
`)
	wantError(t, err, "s3://bucket/api.yaml is not a local file")
}

func TestGoBuildMethod(t *testing.T) {
	const src = `
Transform: AWS::Serverless-2016-10-31
Resources:
  Source:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: go1.x}
    Properties: {CodeUri: src/, Handler: bootstrap, Runtime: provided.al2023}
  Built:
    Type: AWS::Serverless::Function
    Metadata: {BuildMethod: go1.x}
    Properties: {CodeUri: built/, Handler: bootstrap, Runtime: provided.al2023}
`
	cfg := mustImport(t, src, "src/main.go", "package main\n", "built/bootstrap", "\x7fELF")
	if got := cfg.Functions[0].Runtime; got != "go" {
		t.Errorf("Source runtime = %q, want go: genkan builds it", got)
	}
	if got := cfg.Functions[1].Runtime; got != "provided.al2023" {
		t.Errorf("Built runtime = %q, want provided.al2023: it has its bootstrap", got)
	}
}
