package sam

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const restResources = `
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
      ApiKeySourceType: AUTHORIZER
      Policy:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: !Sub "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:*/*"}]
  Tok:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: token-auth
      Type: TOKEN
      AuthorizerUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Auth.Arn}/invocations
      IdentitySource: method.request.header.Authorization
      IdentityValidationExpression: "^Bearer "
      AuthorizerResultTtlInSeconds: 0
  Pool:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: pool
      Type: COGNITO_USER_POOLS
      IdentitySource: method.request.header.Authorization
      ProviderARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC]
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Tok
      ApiKeyRequired: true
      Integration: {Type: MOCK}
  Post:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: POST
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !Ref Pool
      AuthorizationScopes: [email]
      Integration: {Type: MOCK}
  Put:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: PUT
      AuthorizationType: AWS_IAM
      Integration: {Type: MOCK}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: Stage}
  Auth:
    Type: AWS::Lambda::Function
    Properties: {Code: ./auth, Handler: index.handler, Runtime: nodejs20.x}`

func TestCloudFormationRESTAuth(t *testing.T) {
	cfg := mustImport(t, "Resources:"+restResources+`
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Value: abcdefghijklmnopqrstuvwxyz}
  Enabled:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: partner, Enabled: true, Description: for a partner, StageKeys: [{RestApiId: !Ref Api, StageName: Stage}]}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: Deployment
    Properties:
      UsagePlanName: gold
      ApiStages:
        - ApiId: !Ref Api
          Stage: Stage
          Throttle: {"/*/*": {RateLimit: 1.5, BurstLimit: 3}}
        - ApiId: !ImportValue other-api
          Stage: prod
      Throttle: {RateLimit: 10, BurstLimit: 20}
      Quota: {Limit: 1000, Period: week, Offset: 1}
  KeyInPlan:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}
  PartnerInPlan:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref Enabled, KeyType: API_KEY, UsagePlanId: !Ref Plan}
`)
	api := cfg.APIs[0]
	if got, want := authSummary(api), []string{"GET / CUSTOM:token-auth+key", "POST / COGNITO_USER_POOLS:pool[email]", "PUT / AWS_IAM"}; !reflect.DeepEqual(got, want) {
		t.Errorf("routes %q, want %q", got, want)
	}
	if got, want := authorizerSummary(api), []string{
		"token-auth TOKEN [method.request.header.Authorization] ttl=0 fn=Auth/invocations re=^Bearer ",
		"pool COGNITO_USER_POOLS [method.request.header.Authorization] ttl=- [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC]",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("authorizers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if api.APIKeySource != "AUTHORIZER" || api.ResourcePolicy != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:*/*"}]}` {
		t.Errorf("key source %q, policy %s", api.APIKeySource, api.ResourcePolicy)
	}
	var keys []string
	for _, k := range cfg.APIKeys {
		keys = append(keys, fmt.Sprintf("%s %s %v disabled=%v %q %q", k.Name, k.ID, k.Plans, k.Disabled, k.Value, k.Description))
	}
	// CloudFormation creates a key disabled unless Enabled says otherwise.
	want := []string{`Key key [plan] disabled=true "abcdefghijklmnopqrstuvwxyz" ""`, `partner enabled [plan] disabled=false "" "for a partner"`}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("keys:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	up := cfg.UsagePlans[0]
	if up.Name != "gold" || up.ID != "plan" || len(up.Stages) != 1 || up.Stages[0].APIID != "api" || up.Stages[0].Stage != "Stage" ||
		fmt.Sprint(*up.Stages[0].Throttle["/*/*"]) != "{1.5 3}" || up.Throttle.RateLimit != 10 || up.Throttle.BurstLimit != 20 || up.Quota.Limit != 1000 || up.Quota.Period != "WEEK" || up.Quota.Offset != 1 {
		t.Errorf("plan = %+v, stages %+v", up, up.Stages)
	}
	for _, w := range []string{
		"Enabled: StageKeys tie a key to stages without a usage plan",
		"Plan ApiStages: ApiId Fn::ImportValue other-api is no API of this template; genkan cannot see it, so the stage is left out",
	} {
		if warned(cfg, w) == nil {
			t.Errorf("no warning %q in %+v", w, cfg.Warnings)
		}
	}
	for _, w := range cfg.Warnings {
		if strings.Contains(w.Message, "not supported yet") || strings.Contains(w.Message, "belongs to no API") {
			t.Errorf("unexpected warning %s: %s", w.Pos, w.Message)
		}
	}
}

func TestCloudFormationRESTAuthProblems(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"custom without an authorizer", "      AuthorizerId: !Ref Tok\n", "", "Get: AuthorizationType CUSTOM needs an AuthorizerId"},
		{"unknown authorization type", "      AuthorizationType: CUSTOM\n", "      AuthorizationType: OAUTH\n", `Get: AuthorizationType must be NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS, got "OAUTH"`},
		{"authorizer of another kind", "      AuthorizerId: !Ref Pool\n", "      AuthorizerId: !Ref Tok\n", `authorization type COGNITO_USER_POOLS does not match authorizer "token-auth"`},
		{"authorizer of no API", "      RestApiId: !Ref Api\n      Name: pool\n", "      Name: pool\n", "Post: AuthorizerId names Pool, which is not an authorizer of the same API"},
		{"authorizer without a type", "      Type: TOKEN\n", "", "Tok needs a Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "Resources:" + restResources
			if !strings.Contains(src, tt.from) {
				t.Fatalf("the template has no %q", tt.from)
			}
			_, err := importString(t, strings.Replace(src, tt.from, tt.to, 1))
			wantError(t, err, tt.want)
		})
	}
}

func TestCloudFormationHTTPAuth(t *testing.T) {
	cfg := mustImport(t, `Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: quick
      ProtocolType: HTTP
      Target: arn:aws:lambda:us-east-1:123456789012:function:fn
      CorsConfiguration: {AllowOrigins: ["https://app.example.com"], AllowMethods: [GET], MaxAge: 60, Bogus: 1}
  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      Name: jwt
      AuthorizerType: JWT
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration: {Issuer: !GetAtt UserPool.ProviderURL, Audience: [client]}
  Lambda:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref Api
      Name: lambda
      AuthorizerType: REQUEST
      AuthorizerUri: arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations
      AuthorizerPayloadFormatVersion: "2.0"
      EnableSimpleResponses: true
      AuthorizerResultTtlInSeconds: 60
      IdentitySource: [$request.header.X-Key]
  Overrides:
    Type: AWS::ApiGatewayV2::ApiGatewayManagedOverrides
    Properties:
      ApiId: !Ref Api
      Route: {AuthorizationType: JWT, AuthorizerId: !Ref Jwt, AuthorizationScopes: [read], OperationName: quick}
  Integration:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: !Ref Api, IntegrationType: HTTP_PROXY, IntegrationUri: "https://example.com", IntegrationMethod: GET}
  Custom:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Api
      RouteKey: GET /custom
      Target: !Sub integrations/${Integration}
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Lambda
  Iam:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref Api, RouteKey: GET /iam, Target: !Sub "integrations/${Integration}", AuthorizationType: AWS_IAM}
  UserPool:
    Type: AWS::Cognito::UserPool
`)
	api := cfg.APIs[0]
	if got, want := authSummary(api), []string{"$default JWT:jwt[read]", "GET /custom CUSTOM:lambda", "GET /iam AWS_IAM"}; !reflect.DeepEqual(got, want) {
		t.Errorf("routes %q, want %q", got, want)
	}
	if got, want := authorizerSummary(api), []string{
		"jwt JWT [$request.header.Authorization] ttl=- https://cognito-idp.us-east-1.amazonaws.com/us-east-1_UserPool [client]",
		"lambda REQUEST [$request.header.X-Key] ttl=60 fn=auth/invocations v2.0 simple",
	}; !reflect.DeepEqual(got, want) {
		t.Errorf("authorizers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if api.Routes[0].OperationName != "quick" {
		t.Errorf("quick-create route = %+v", api.Routes[0])
	}
	c := api.CORS
	if c == nil || !reflect.DeepEqual(c.AllowOrigins, []string{"https://app.example.com"}) || *c.MaxAge != 60 || c.Pos.Line != 8 {
		t.Errorf("cors = %+v", c)
	}
	if warned(cfg, "Api.CorsConfiguration has no property Bogus") == nil {
		t.Errorf("warnings %+v", cfg.Warnings)
	}
}

// A usage plan that depends on the stage SAM generates ({Api}{StageName}Stage) names it
// without complaint, and its Stage Ref is the stage's name.
func TestUsagePlanOnSAMStage(t *testing.T) {
	cfg := mustImport(t, `Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties: {StageName: Prod, Auth: {ApiKeyRequired: true}}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    DependsOn: MyApiProdStage
    Properties:
      ApiStages: [{ApiId: !Ref MyApi, Stage: !Ref MyApiProdStage}]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./fn
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref MyApi, Path: /, Method: get}}
`)
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings: %+v", cfg.Warnings)
	}
	if st := cfg.UsagePlans[0].Stages; len(st) != 1 || st[0].APIID != "myapi" || st[0].Stage != "Prod" {
		t.Errorf("stages = %+v", st)
	}
}
