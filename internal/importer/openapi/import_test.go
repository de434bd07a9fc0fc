package openapi

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// importOK imports a document that must import, failing the test otherwise.
func importOK(t *testing.T, doc string, opt Options) (*apimodel.API, []apimodel.Warning) {
	t.Helper()
	if opt.File == "" {
		opt.File = "api.yaml"
	}
	api, warnings, err := Import([]byte(doc), opt)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return api, warnings
}

// importErr imports a document that must fail and returns the error text.
func importErr(t *testing.T, doc string, opt Options) (string, []apimodel.Warning) {
	t.Helper()
	if opt.File == "" {
		opt.File = "api.yaml"
	}
	api, warnings, err := Import([]byte(doc), opt)
	if err == nil {
		t.Fatalf("Import succeeded, want an error; api: %+v", api)
	}
	if api != nil {
		t.Errorf("Import returned an API along with an error")
	}
	return err.Error(), warnings
}

func warningsText(ws []apimodel.Warning) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.Pos.String() + ": " + w.Message + "\n")
	}
	return b.String()
}

func mustContain(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in:\n%s", w, got)
		}
	}
}

const mockIntegration = `
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}`

func TestRoutesAndMethods(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: Pets, description: A pet store}
paths:
  /:
    get:` + mockIntegration + `
  /pets/{id}:
    x-amazon-apigateway-any-method:
      operationId: anyPet` + mockIntegration + `
    head:` + mockIntegration + `
`
	api, warnings := importOK(t, doc, Options{File: "petstore.yaml"})
	if len(warnings) != 0 {
		t.Errorf("warnings:\n%s", warningsText(warnings))
	}
	if api.ID != "petstore" || api.Name != "Pets" || api.Description != "A pet store" || api.Protocol != apimodel.ProtocolREST {
		t.Errorf("api = %q %q %q %s", api.ID, api.Name, api.Description, api.Protocol)
	}
	var got []string
	for _, r := range api.Routes {
		got = append(got, r.Key()+" "+r.OperationName)
	}
	want := []string{"GET / ", "ANY /pets/{id} anyPet", "HEAD /pets/{id} "}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("routes = %q, want %q", got, want)
	}
	if p := api.Routes[1].Pos; p.File != "petstore.yaml" || p.Line != 11 || p.Column != 5 {
		t.Errorf("ANY route position = %s, want petstore.yaml:11:5", p)
	}
}

func TestHTTPAPIDefaultRoute(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: h}
x-amazon-apigateway-importexport-version: "1.0"
paths:
  $default:
    x-amazon-apigateway-any-method:
      isDefaultRoute: true
      x-amazon-apigateway-integration:
        type: AWS_PROXY
        httpMethod: POST
        uri: arn:aws:lambda:us-east-1:123456789012:function:fn
        payloadFormatVersion: 2.0
        timeoutInMillis: 30000
  /pets:
    get:
      responses: {default: {description: none}}
`
	api, warnings := importOK(t, doc, Options{})
	if api.Protocol != apimodel.ProtocolHTTP || api.Stages[0].Name != apimodel.DefaultStage {
		t.Fatalf("protocol %s stage %s, want HTTP $default", api.Protocol, api.Stages[0].Name)
	}
	if len(api.Routes) != 1 {
		t.Fatalf("routes = %d, want only $default (GET /pets has no integration)", len(api.Routes))
	}
	r := api.Routes[0]
	if r.Key() != apimodel.DefaultRouteKey || r.Method != "" {
		t.Errorf("route %q method %q", r.Key(), r.Method)
	}
	in := r.Integration
	if in.Type != apimodel.IntegrationAWSProxy || in.PayloadFormatVersion != "2.0" || in.Timeout != 30*time.Second {
		t.Errorf("integration = %+v", in)
	}
	mustContain(t, warningsText(warnings), "api.yaml:15:5: route GET /pets has no x-amazon-apigateway-integration")

	msg, _ := importErr(t, strings.Replace(doc, "x-amazon-apigateway-any-method:", "get:", 1), Options{})
	mustContain(t, msg, "api.yaml:6:5: the $default route catches every method")
	msg, _ = importErr(t, doc, Options{Protocol: apimodel.ProtocolREST})
	mustContain(t, msg, "api.yaml:5:3: $default is an HTTP API route", "api.yaml:15:5: method GET /pets has no x-amazon-apigateway-integration")
}

func TestIntegrationFields(t *testing.T) {
	doc := `swagger: "2.0"
info: {title: t}
basePath: /prod
paths:
  /p/{proxy+}:
    get:
      x-amazon-apigateway-integration:
        type: Http_Proxy
        httpMethod: any
        uri: https://${stageVariables.host}/{proxy}
        connectionType: internet
        timeoutInMillis: "1500"
        passthroughBehavior: when_no_templates
        contentHandling: convert_to_text
        tlsConfig: {insecureSkipVerification: True}
        cacheNamespace: abc123
        cacheKeyParameters: []
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
          integration.request.header.x-flag: true
          integration.request.header.x-n: 3
        requestTemplates:
          application/json: |
            {"a": "$input.params('a')"}
        responses:
          default: {statusCode: 200}
          "4\\d{2}":
            statusCode: "400"
            contentHandling: CONVERT_TO_BINARY
            responseParameters: {method.response.header.X-A: "'a'"}
            responseTemplates: {application/json: "{}"}
          "5\\d{2}": {statusCode: 200}
`
	api, warnings := importOK(t, doc, Options{})
	if api.Stages[0].Name != "prod" {
		t.Errorf("stage = %q, want prod (Swagger basePath)", api.Stages[0].Name)
	}
	in := api.Routes[0].Integration
	want := &apimodel.Integration{
		Type:                  apimodel.IntegrationHTTPProxy,
		HTTPMethod:            "ANY",
		URI:                   "https://${stageVariables.host}/{proxy}",
		Timeout:               1500 * time.Millisecond,
		RequestParameters:     map[string]string{"integration.request.path.proxy": "method.request.path.proxy"},
		RequestTemplates:      map[string]string{"application/json": "{\"a\": \"$input.params('a')\"}\n"},
		PassthroughBehavior:   "WHEN_NO_TEMPLATES",
		ContentHandling:       "CONVERT_TO_TEXT",
		ConnectionType:        "INTERNET",
		TLSInsecureSkipVerify: true,
		Responses: []*apimodel.IntegrationResponse{
			{StatusCode: "200", SelectionPattern: `5\d{2}`},
			{
				SelectionPattern:   `4\d{2}`,
				StatusCode:         "400",
				ContentHandling:    "CONVERT_TO_BINARY",
				ResponseParameters: map[string]string{"method.response.header.X-A": "'a'"},
				ResponseTemplates:  map[string]string{"application/json": "{}"},
			},
		},
	}
	in.Pos = apimodel.Position{}
	for _, r := range in.Responses {
		r.Pos = apimodel.Position{}
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("integration\n got %+v\nwant %+v", in, want)
	}
	mustContain(t, warningsText(warnings),
		`api.yaml:20:46: x-amazon-apigateway-integration of GET /p/{proxy+} requestParameters "integration.request.header.x-flag" must be a string, got true; AWS drops it`,
		`api.yaml:21:43: x-amazon-apigateway-integration of GET /p/{proxy+} requestParameters "integration.request.header.x-n" must be a string, got 3`,
		`api.yaml:32:11: x-amazon-apigateway-integration of GET /p/{proxy+}: responses "default" and "5\\d{2}" both have statusCode 200`,
	)
	if strings.Contains(warningsText(warnings), "cache") {
		t.Errorf("an empty cacheKeyParameters and cacheNamespace need no warning:\n%s", warningsText(warnings))
	}
}

func TestIntegrationProblems(t *testing.T) {
	base := `openapi: 3.0.1
info: {title: t}
paths:
  /a:
    post:
      x-amazon-apigateway-integration:
`
	tests := []struct {
		name, integration string
		opt               Options
		want              []string
	}{
		{"no type", `        uri: https://example.com`, Options{}, []string{"api.yaml:6:7: x-amazon-apigateway-integration of POST /a has no type"}},
		{"bad type", `        type: lambda`, Options{}, []string{`api.yaml:7:15: x-amazon-apigateway-integration of POST /a: type "lambda" is not one of http, http_proxy, mock, aws, aws_proxy for REST APIs`}},
		{"http api rejects mock", `        type: mock`, Options{Protocol: apimodel.ProtocolHTTP}, []string{`type "mock" is not one of http_proxy, aws_proxy for HTTP APIs`}},
		{"timeout", "        type: mock\n        timeoutInMillis: 1.5", Options{}, []string{"api.yaml:8:26: x-amazon-apigateway-integration of POST /a: timeoutInMillis must be a whole number of milliseconds, got 1.5"}},
		{"timeout floor", "        type: mock\n        timeoutInMillis: 10", Options{}, []string{"timeoutInMillis 10 is outside 50-"}},
		{"subtype", "        type: aws_proxy\n        integrationSubtype: SQS-SendMessage", Options{Protocol: apimodel.ProtocolHTTP}, []string{"api.yaml:8:9: x-amazon-apigateway-integration of POST /a: AWS service integrations (integrationSubtype SQS-SendMessage) are not supported yet"}},
		{"intrinsic", "        type: aws_proxy\n        httpMethod: POST\n        uri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/fn", Options{}, []string{"api.yaml:9:14: x-amazon-apigateway-integration of POST /a uri is the CloudFormation intrinsic Fn::Sub"}},
		{"intrinsic long form", "        type: aws_proxy\n        uri:\n          Fn::GetAtt: [Fn, Arn]", Options{}, []string{"api.yaml:9:11: x-amazon-apigateway-integration of POST /a uri is the CloudFormation intrinsic Fn::GetAtt"}},
		{"uri required", `        type: http`, Options{}, []string{"api.yaml:6:7: HTTP integration needs a uri"}},
		{"not an object", `        "mock"`, Options{}, []string{`api.yaml:7:9: x-amazon-apigateway-integration of POST /a must be an object, got "mock"`}},
		{"rest rejects $ref", `        $ref: '#/components/x-amazon-apigateway-integrations/a'`, Options{}, []string{"api.yaml:6:7: x-amazon-apigateway-integration of POST /a is a $ref; reusable integrations"}},
		{"bad status", "        type: mock\n        responses: {default: {statusCode: abc}}", Options{}, []string{`integration response status code "abc" is not an HTTP status`}},
		{"bad pattern", "        type: mock\n        responses: {'(': {statusCode: '200'}}", Options{}, []string{`selectionPattern "("`}},
		{"template object", "        type: mock\n        requestTemplates: {application/json: !Sub '${X}'}", Options{}, []string{`requestTemplates "application/json" is the CloudFormation intrinsic Fn::Sub`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, _ := importErr(t, base+tt.integration+"\n", tt.opt)
			mustContain(t, msg, tt.want...)
		})
	}
}

func TestHTTPIntegrationRefAndIgnoredRESTFields(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: t}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {$ref: '#/components/x-amazon-apigateway-integrations/backend'}
components:
  x-amazon-apigateway-integrations:
    backend:
      type: http_proxy
      httpMethod: GET
      uri: https://example.com/a
      payloadFormatVersion: 1.0
      requestParameters:
        overwrite:header.x-a: $request.header.b
      responseParameters: {"200": {"overwrite:statuscode": "204"}}
      requestTemplates: {application/json: "{}"}
      tlsConfig: {serverNameToVerify: example.com}
      credentials: arn:aws:iam::123456789012:role/r
    unused: {type: http_proxy}
`
	api, warnings := importOK(t, doc, Options{Protocol: apimodel.ProtocolHTTP})
	in := api.Routes[0].Integration
	if in.URI != "https://example.com/a" || in.PayloadFormatVersion != "1.0" || in.RequestParameters["overwrite:header.x-a"] != "$request.header.b" || in.RequestTemplates != nil {
		t.Errorf("integration = %+v", in)
	}
	if in.Pos.Line != 6 {
		t.Errorf("integration position %s, want the operation's key (line 6)", in.Pos)
	}
	mustContain(t, warningsText(warnings),
		"api.yaml:16:7: x-amazon-apigateway-integration of GET /a: responseParameters (HTTP API response parameter mapping) is not supported yet",
		"api.yaml:17:7: x-amazon-apigateway-integration of GET /a: requestTemplates is a REST API feature that HTTP APIs ignore",
		"api.yaml:18:19: x-amazon-apigateway-integration of GET /a: tlsConfig.serverNameToVerify",
		"api.yaml:19:7: x-amazon-apigateway-integration of GET /a: credentials",
	)
	if len(warnings) != 4 {
		t.Errorf("want 4 warnings, got:\n%s", warningsText(warnings))
	}
}

func TestRequestParameters(t *testing.T) {
	doc := `swagger: "2.0"
info: {title: t}
parameters:
  limit: {name: limit, in: query, required: true, type: integer}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, type: string}
      - {name: X-Trace, in: header, required: true, type: string}
    put:
      parameters:
        - $ref: '#/parameters/limit'
        - {name: X-Trace, in: header, required: false, type: string}
        - {name: body, in: body, schema: {type: object}}
        - {name: q, in: query, type: string}` + mockIntegration + `
`
	api, warnings := importOK(t, doc, Options{})
	want := map[string]bool{
		"method.request.path.id":           true,
		"method.request.header.X-Trace":    false,
		"method.request.querystring.limit": true,
		"method.request.querystring.q":     false,
	}
	if got := api.Routes[0].RequestParameters; !reflect.DeepEqual(got, want) {
		t.Errorf("requestParameters = %v, want %v", got, want)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings:\n%s", warningsText(warnings))
	}

	cookie := strings.Replace(doc, "in: query, type: string}", "in: cookie}", 1)
	_, warnings = importOK(t, cookie, Options{})
	mustContain(t, warningsText(warnings), `api.yaml:15:12: cookie parameter "q" of PUT /items/{id}`)

	msg, _ := importErr(t, strings.Replace(doc, "'#/parameters/limit'", "'#/parameters/nope'", 1), Options{})
	mustContain(t, msg, `api.yaml:12:11: $ref "#/parameters/nope": no "nope" in the referenced document`)

	http := strings.Replace(doc, `swagger: "2.0"`, "swagger: \"2.0\"\nx-amazon-apigateway-importexport-version: \"1.0\"", 1)
	http = strings.ReplaceAll(http, "type: mock", "type: http_proxy\n        uri: https://example.com")
	http = strings.ReplaceAll(http, "requestTemplates: {application/json: '{\"statusCode\": 200}'}\n", "")
	http = strings.ReplaceAll(http, "        responses: {default: {statusCode: \"200\"}}\n", "")
	api, _ = importOK(t, http, Options{})
	if api.Routes[0].RequestParameters != nil {
		t.Errorf("HTTP APIs have no method request parameters, got %v", api.Routes[0].RequestParameters)
	}
}

func TestCircularAndExternalRefs(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: t}
components:
  parameters:
    a: {$ref: '#/components/parameters/b'}
    b: {$ref: '#/components/parameters/a'}
paths:
  /x:
    get:
      parameters: [{$ref: '#/components/parameters/a'}]` + mockIntegration + `
`
	msg, _ := importErr(t, doc, Options{})
	mustContain(t, msg, "circular $ref")

	dir := t.TempDir()
	main := filepath.Join(dir, "main.yaml")
	shared := `page: {name: page, in: query, required: true}
`
	mainDoc := `openapi: 3.0.1
info: {title: t}
paths:
  /x:
    get:
      parameters: [{$ref: 'shared/params.yaml#/page'}]` + mockIntegration + `
  /y: {$ref: 'shared/paths.yaml#/y'}
`
	paths := `y:
  x-amazon-apigateway-any-method:
    x-amazon-apigateway-integration: {type: mock}
    x-amazon-apigateway-unknown: 1
`
	if err := os.MkdirAll(filepath.Join(dir, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{main: mainDoc, filepath.Join(dir, "shared", "params.yaml"): shared, filepath.Join(dir, "shared", "paths.yaml"): paths} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	api, warnings := importOK(t, mainDoc, Options{File: main})
	if got := api.Routes[0].RequestParameters["method.request.querystring.page"]; !got {
		t.Errorf("parameter from the referenced file: %v", api.Routes[0].RequestParameters)
	}
	if r := api.Routes[1]; r.Key() != "ANY /y" || r.Pos.File != filepath.Join(dir, "shared", "paths.yaml") || r.Pos.Line != 2 {
		t.Errorf("route from the referenced file: %s at %s", r.Key(), r.Pos)
	}
	mustContain(t, warningsText(warnings), "paths.yaml:4:5: x-amazon-apigateway-unknown is not an API Gateway extension")

	_, _, err := Import([]byte(mainDoc), Options{})
	if err == nil || !strings.Contains(err.Error(), "without Options.File") {
		t.Errorf("file $ref without Options.File: %v", err)
	}
	if _, _, err := Import([]byte(strings.Replace(mainDoc, "shared/params.yaml", "https://example.com/p.yaml", 1)), Options{File: main}); err == nil || !strings.Contains(err.Error(), "only local files") {
		t.Errorf("remote $ref: %v", err)
	}
}

func TestExtensionsAreMappedOrWarned(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: t}
servers:
  - url: https://abc.execute-api.us-east-1.amazonaws.com/{basePath}
    variables: {basePath: {default: /v1}}
    x-amazon-apigateway-endpoint-configuration:
      disableExecuteApiEndpoint: true
      vpcEndpointIds: [vpce-1]
x-amazon-apigateway-binary-media-types: ["image/png", "*/*"]
x-amazon-apigateway-gateway-responses:
  DEFAULT_4XX:
    statusCode: 400
    responseParameters: {gatewayresponse.header.Access-Control-Allow-Origin: "'*'"}
    responseTemplates: {application/json: '{"message": $context.error.messageString}'}
x-amazon-apigateway-policy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*"}]}
x-amazon-apigateway-minimum-compression-size: 0
X-Amazon-Apigateway-Integration: {}
paths:
  /a:
    x-amazon-apigateway-integration: {type: mock}
    get:
      x-amazon-apigateway-request-validator: all
      security: [{api_key: []}]` + mockIntegration + `
    post:
      security: []` + mockIntegration + `
components:
  schemas:
    Deep:
      properties:
        p: {x-amazon-apigateway-documentation: {}}
  securitySchemes:
    api_key: {type: apiKey, name: x-api-key, in: header}
`
	api, warnings := importOK(t, doc, Options{File: "my_API-v2.json"})
	if api.ID != "myapiv2" || api.Stages[0].Name != "v1" || !api.DisableExecuteAPIEndpoint {
		t.Errorf("id %q stage %q disable %v", api.ID, api.Stages[0].Name, api.DisableExecuteAPIEndpoint)
	}
	if !reflect.DeepEqual(api.BinaryMediaTypes, []string{"image/png", "*/*"}) {
		t.Errorf("binary media types = %q", api.BinaryMediaTypes)
	}
	gr := api.GatewayResponses["DEFAULT_4XX"]
	if gr == nil || gr.StatusCode != "400" || gr.ResponseParameters["gatewayresponse.header.Access-Control-Allow-Origin"] != "'*'" || gr.Pos.Line != 11 {
		t.Errorf("gateway response = %+v", gr)
	}
	if want := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`; api.ResourcePolicy != want || api.ResourcePolicyPos.Line != 15 {
		t.Errorf("resource policy = %s at %s, want %s at line 15", api.ResourcePolicy, api.ResourcePolicyPos, want)
	}
	if a := api.Routes[0].Auth; a == nil || !a.APIKeyRequired || a.Type != apimodel.AuthNone || api.Routes[1].Auth != nil {
		t.Errorf("auth of GET /a = %+v, of POST /a = %+v; want an API key on GET only", api.Routes[0].Auth, api.Routes[1].Auth)
	}
	mustContain(t, warningsText(warnings),
		"my_API-v2.json:8:7: x-amazon-apigateway-endpoint-configuration.vpcEndpointIds",
		"my_API-v2.json:16:1: x-amazon-apigateway-minimum-compression-size",
		"my_API-v2.json:17:1: X-Amazon-Apigateway-Integration is not an API Gateway extension (AWS's extension names are lower-case)",
		"my_API-v2.json:20:5: x-amazon-apigateway-integration is ignored here: AWS reads it only on an operation",
		"my_API-v2.json:22:7: x-amazon-apigateway-request-validator: request validation is not supported yet",
		"my_API-v2.json:38:13: x-amazon-apigateway-documentation",
	)
	if len(warnings) != 6 {
		t.Errorf("want 6 warnings, got:\n%s", warningsText(warnings))
	}

	// The same extensions mean nothing to an HTTP API, and AWS ignores them.
	httpDoc := `openapi: 3.0.1
info: {title: t}
x-amazon-apigateway-binary-media-types: ["image/png"]
x-amazon-apigateway-gateway-responses: {DEFAULT_4XX: {statusCode: 400}}
`
	api, warnings = importOK(t, httpDoc, Options{Protocol: apimodel.ProtocolHTTP})
	if api.BinaryMediaTypes != nil || api.GatewayResponses != nil {
		t.Errorf("HTTP API got REST-only settings: %+v", api)
	}
	mustContain(t, warningsText(warnings),
		"api.yaml:3:1: x-amazon-apigateway-binary-media-types is a REST API feature",
		"api.yaml:4:1: x-amazon-apigateway-gateway-responses is a REST API feature",
	)
}

func TestMisspelledIntegrationFails(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: t}
paths:
  /a:
    get:
      x-amazon-apigateway-integraton: {type: mock}
`
	msg, warnings := importErr(t, doc, Options{})
	mustContain(t, msg, "api.yaml:5:5: method GET /a has no x-amazon-apigateway-integration")
	mustContain(t, warningsText(warnings), "api.yaml:6:7: x-amazon-apigateway-integraton is not an API Gateway extension genkan knows")
}

func TestYAMLAnchorsAndMergeKeys(t *testing.T) {
	doc := `openapi: 3.0.1
info: {title: t}
x-shared: &lambda
  type: aws_proxy
  httpMethod: POST
  uri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations
paths:
  /a:
    get:
      x-amazon-apigateway-integration: *lambda
  /b:
    get:
      x-amazon-apigateway-integration:
        <<: *lambda
        httpMethod: PUT
`
	api, warnings := importOK(t, doc, Options{})
	if len(warnings) != 0 {
		t.Errorf("warnings:\n%s", warningsText(warnings))
	}
	if a, b := api.Routes[0].Integration, api.Routes[1].Integration; a.Type != apimodel.IntegrationAWSProxy || a.HTTPMethod != "POST" || b.HTTPMethod != "PUT" || b.URI != a.URI {
		t.Errorf("integrations %+v %+v", a, b)
	}
}

// The LocalStack HTTP API fixture has no x-amazon-apigateway-importexport-version, so it needs
// the protocol set to import as an HTTP API (its golden file shows the REST import failing).
// Its authorizer is written the REST way, which an HTTP API refuses; written the HTTP API way
// the document imports.
func TestHTTPFixtureWithExplicitProtocol(t *testing.T) {
	path := filepath.Join(fixturesDir, "localstack/files/openapi.spec.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	_, _, err = Import(data, Options{File: path, Protocol: apimodel.ProtocolHTTP})
	if err == nil {
		t.Fatal("the REST-style authorizer imported into an HTTP API")
	}
	mustContain(t, err.Error(),
		"openapi.spec.json:158:9: x-amazon-apigateway-authorizer of myAuthorizer has no authorizerPayloadFormatVersion",
		`openapi.spec.json:159:29: x-amazon-apigateway-authorizer of myAuthorizer: identity source "method.request.header.Authorization" must start with $request.header.`)
	fixed := strings.Replace(strings.ReplaceAll(string(data), ":account-id:", ":111111111111:"), `"identitySource": "method.request.header.Authorization",`,
		`"identitySource": "$request.header.Authorization", "authorizerPayloadFormatVersion": "2.0",`, 1)
	api, warnings, err := Import([]byte(fixed), Options{File: path, Protocol: apimodel.ProtocolHTTP})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range api.Routes {
		keys = append(keys, r.Key()+" "+string(r.Integration.Type)+" "+r.Integration.PayloadFormatVersion)
	}
	want := []string{"GET /pets HTTP_PROXY 1.0", "POST /pets HTTP_PROXY 1.0", "GET /pets/{petId} HTTP_PROXY 1.0"}
	if !reflect.DeepEqual(keys, want) || api.Stages[0].Name != apimodel.DefaultStage {
		t.Errorf("routes %q stage %q, want %q $default", keys, api.Stages[0].Name, want)
	}
	if text := warningsText(warnings); strings.Contains(text, "x-amazon-apigateway-integrations") {
		t.Errorf("reusable integrations are mapped for HTTP APIs:\n%s", text)
	}
	if a := api.Routes[2].Auth; a == nil || a.Type != apimodel.AuthCustom || a.Authorizer != "myAuthorizer" {
		t.Errorf("auth of GET /pets/{petId} = %+v", a)
	}
	if c := api.CORS; c == nil || !reflect.DeepEqual(c.AllowMethods, []string{"GET", "OPTIONS", "POST"}) || c.Pos.Line != 134 {
		t.Errorf("cors = %+v", c)
	}
}

// AWS adds the parameters of the resource path to the method request even when the document
// does not list them (LocalStack's AWS snapshot of swagger-mock-cors.json shows it).
func TestUndeclaredPathParameters(t *testing.T) {
	doc := `swagger: "2.0"
paths:
  /product/{product_id}/{rest+}:
    get:` + mockIntegration + `
`
	api, _ := importOK(t, doc, Options{})
	want := map[string]bool{"method.request.path.product_id": true, "method.request.path.rest": true}
	if got := api.Routes[0].RequestParameters; !reflect.DeepEqual(got, want) {
		t.Errorf("requestParameters = %v, want %v", got, want)
	}
}
