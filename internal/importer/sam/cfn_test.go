package sam

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func TestLambdaFunctions(t *testing.T) {
	cfg := mustImport(t, `
Resources:
  Local:
    Type: AWS::Lambda::Function
    Properties:
      Code: ./build/local
      Handler: bootstrap
      Runtime: provided.al2023
      ReservedConcurrentExecutions: 2
      Environment: {Variables: {A: 1, B: true}}
  FromCDK:
    Type: AWS::Lambda::Function
    Metadata:
      aws:asset:path: asset.abc123
      aws:asset:property: Code
    Properties:
      Code: {S3Bucket: cdk-bucket, S3Key: abc123.zip}
      Handler: index.handler
      Runtime: nodejs20.x
`)
	if len(cfg.Functions) != 2 {
		t.Fatalf("functions = %+v", cfg.Functions)
	}
	l, c := cfg.Functions[0], cfg.Functions[1]
	if !strings.HasSuffix(l.Code, filepath.Join("shop", "build", "local")) || l.ReservedConcurrency != 2 || l.Environment["A"] != "1" || l.Environment["B"] != "true" {
		t.Errorf("Local = %+v", l)
	}
	if !strings.HasSuffix(c.Code, "asset.abc123") {
		t.Errorf("FromCDK code = %q, want the CDK asset path", c.Code)
	}
	// Inline code is kept as source; the server writes it where Lambda would (index.js).
	inline := mustImport(t, `
Resources:
  Inline:
    Type: AWS::Lambda::Function
    Properties:
      Code: {ZipFile: "exports.handler = async () => 1"}
      Handler: index.handler
      Runtime: nodejs20.x
`)
	if len(inline.Functions) != 1 || inline.Functions[0].InlineCode != "exports.handler = async () => 1" || inline.Functions[0].Code != "" {
		t.Errorf("inline function = %+v", inline.Functions)
	}
}

func TestCloudFormationREST(t *testing.T) {
	cfg := mustImport(t, `
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: shop, BinaryMediaTypes: [image/png]}
  Pets:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: pets}
  Pet:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Pets, PathPart: "{id}"}
  GetPet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Pet
      HttpMethod: GET
      AuthorizationType: NONE
      RequestParameters: {method.request.path.id: true}
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: 200
            SelectionPattern: ""
            ResponseTemplates: {application/json: '{"id": "$input.params(''id'')"}'}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: GetPet
    Properties:
      RestApiId: !Ref Api
      StageName: dev
      StageDescription: {Variables: {v: "1"}}
  Live:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: live, AccessLogSetting: {Format: $context.status}}
  Orphan:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !ImportValue other-api, ResourceId: x, HttpMethod: GET}
  Role:
    Type: AWS::IAM::Role
  Table:
    Type: AWS::DynamoDB::Table
`)
	api := cfg.APIs[0]
	if api.ID != "api" || api.Name != "shop" || strings.Join(stageNames(api), ",") != "dev,live" || strings.Join(routeKeys(api), ",") != "GET /pets/{id}" {
		t.Fatalf("API = %s %s stages %v routes %v", api.ID, api.Name, stageNames(api), routeKeys(api))
	}
	if api.Stages[0].Variables["v"] != "1" || api.Stages[1].AccessLogFormat != "$context.status" {
		t.Errorf("stages = %+v %+v", api.Stages[0], api.Stages[1])
	}
	r := api.Routes[0]
	if !r.RequestParameters["method.request.path.id"] || r.Integration.Type != apimodel.IntegrationMock || len(r.Integration.Responses) != 1 || r.Integration.Responses[0].StatusCode != "200" {
		t.Errorf("route = %+v, integration %+v", r, r.Integration)
	}
	if warned(cfg, "Orphan (AWS::ApiGateway::Method) belongs to no API") == nil {
		t.Errorf("no warning about the orphan method: %v", cfg.Warnings)
	}
	if w := warned(cfg, "these resources are ignored: Role (AWS::IAM::Role), Table (AWS::DynamoDB::Table)"); w == nil || w.Pos.Line != 41 {
		t.Errorf("ignored resources warning = %+v in %v", w, cfg.Warnings)
	}
}

func TestCloudFormationHTTP(t *testing.T) {
	cfg := mustImport(t, `
Resources:
  Quick:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: q, ProtocolType: HTTP, Target: !GetAtt Fn.Arn, RouteKey: "ANY /{proxy+}"}
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: HTTP}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Api, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn, PayloadFormatVersion: "1.0"}
  Route:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: GET /items, Target: !Join [/, [integrations, !Ref Integration]]}
  Stage:
    Type: AWS::ApiGatewayV2::Stage
    Properties: {ApiId: !Ref Api, StageName: $default, AutoDeploy: true, StageVariables: {x: y}}
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Code: src, Handler: h, Runtime: go}
`)
	q, a := cfg.APIs[0], cfg.APIs[1]
	if strings.Join(routeKeys(q), ",") != "ANY /{proxy+}" || q.Routes[0].Integration.URI != functionARN("Fn") || q.Routes[0].Integration.PayloadFormatVersion != "2.0" || strings.Join(stageNames(q), ",") != "$default" {
		t.Errorf("quick create = %v %+v %v", routeKeys(q), q.Routes[0].Integration, stageNames(q))
	}
	if strings.Join(routeKeys(a), ",") != "GET /items" || a.Routes[0].Integration.PayloadFormatVersion != "1.0" || a.Stages[0].Variables["x"] != "y" {
		t.Errorf("routes = %v, %+v", routeKeys(a), a.Routes[0].Integration)
	}
	_, err := importString(t, `
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: a, ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.action}
`)
	wantError(t, err, "template.yaml:5:41: Api: WebSocket APIs are not supported yet")
}

func TestDomains(t *testing.T) {
	cfg := mustImport(t, `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: a}
  M:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !GetAtt Api.RootResourceId, HttpMethod: GET, Integration: {Type: MOCK}}
  D:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: v1}
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties: {DomainName: api.example.com}
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {DomainName: !Ref Domain, RestApiId: !Ref Api, BasePath: shop, Stage: v1}
`)
	if len(cfg.Domains) != 1 || cfg.Domains[0].Name != "api.example.com" || cfg.Domains[0].Mappings[0].APIID != "api" || cfg.Domains[0].Mappings[0].BasePath != "shop" {
		t.Errorf("domains = %+v", cfg.Domains)
	}
}

func TestRestAPIExtras(t *testing.T) {
	cfg := mustImport(t, `
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        info: {title: from-body}
        basePath: /v2
        paths:
          /x: {get: {x-amazon-apigateway-integration: {type: mock, requestTemplates: {application/json: '{"statusCode": 200}'}}}}
  NotFound:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: RESOURCE_NOT_FOUND
      StatusCode: "404"
      ResponseTemplates: {application/json: '{"error": "nope"}'}
`)
	api := cfg.APIs[0]
	if api.Name != "from-body" || strings.Join(stageNames(api), ",") != "v2" {
		t.Errorf("API %q stages %v; an undeployed API is served under the Body's base path", api.Name, stageNames(api))
	}
	if warned(cfg, "no AWS::ApiGateway::Deployment or Stage") == nil {
		t.Errorf("no warning about the missing deployment: %v", cfg.Warnings)
	}
	if gr := api.GatewayResponses["RESOURCE_NOT_FOUND"]; gr == nil || gr.StatusCode != "404" || gr.ResponseTemplates["application/json"] != `{"error": "nope"}` {
		t.Errorf("gateway responses = %+v", api.GatewayResponses)
	}
}
