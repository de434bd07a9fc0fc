package sam

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// authSummary describes each route's authorization as "METHOD /path TYPE[:authorizer][scopes][+key]".
func authSummary(api *apimodel.API) []string {
	var out []string
	for _, r := range api.Routes {
		s := r.Key() + " NONE"
		if a := r.Auth; a != nil {
			s = r.Key() + " " + string(a.Type)
			if a.Authorizer != "" {
				s += ":" + a.Authorizer
			}
			if len(a.Scopes) > 0 {
				s += fmt.Sprint(a.Scopes)
			}
			if a.APIKeyRequired {
				s += "+key"
			}
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func authorizerSummary(api *apimodel.API) []string {
	var out []string
	for _, az := range api.Authorizers {
		ttl := "-"
		if az.ResultTTLSeconds != nil {
			ttl = fmt.Sprint(*az.ResultTTLSeconds)
		}
		s := fmt.Sprintf("%s %s %v ttl=%s", az.Name, az.Type, az.IdentitySources, ttl)
		if az.FunctionURI != "" {
			s += " fn=" + az.FunctionURI[strings.LastIndex(az.FunctionURI, ":")+1:]
		}
		if az.IdentityValidationExpression != "" {
			s += " re=" + az.IdentityValidationExpression
		}
		if az.PayloadFormatVersion != "" {
			s += " v" + az.PayloadFormatVersion
		}
		if az.EnableSimpleResponses {
			s += " simple"
		}
		if az.Issuer != "" || len(az.Audience) > 0 {
			s += fmt.Sprintf(" %s %v", az.Issuer, az.Audience)
		}
		if len(az.ProviderARNs) > 0 {
			s += fmt.Sprint(" ", az.ProviderARNs)
		}
		out = append(out, s)
	}
	return out
}

const authFunctions = `
  Authorizer:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: ./auth, Handler: index.handler, Runtime: nodejs20.x}
  Pool:
    Type: AWS::Cognito::UserPool`

func TestSAMAuth(t *testing.T) {
	tests := []struct {
		name        string
		api         string // the AWS::Serverless::Api or HttpApi named Api
		events      string // the Events of function Fn
		routes      []string
		authorizers []string
		warnings    []string
	}{{
		name: "REST default Lambda authorizer, an event's NONE and another authorizer",
		api: `
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Token
        Authorizers:
          Token:
            FunctionArn: !GetAtt Authorizer.Arn
            Identity: {Header: X-Token, ValidationExpression: "^Bearer ", ReauthorizeEvery: 30}
          Request:
            FunctionPayloadType: REQUEST
            FunctionArn: !Ref Authorizer
            Identity: {Headers: [H1], QueryStrings: [q], StageVariables: [s], Context: [requestId]}
          Cognito:
            UserPoolArn: !GetAtt Pool.Arn
            AuthorizationScopes: [email]`,
		events: `
        Default: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /default, Method: get}}
        Open: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}}
        Req: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /req, Method: get, Auth: {Authorizer: Request}}}
        Pool: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /pool, Method: get, Auth: {Authorizer: Cognito}}}
        Scoped: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /scoped, Method: get, Auth: {Authorizer: Cognito, AuthorizationScopes: [openid]}}}
        Iam: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /iam, Method: get, Auth: {Authorizer: AWS_IAM}}}`,
		routes: []string{"GET /default CUSTOM:Token", "GET /iam AWS_IAM", "GET /open NONE", "GET /pool COGNITO_USER_POOLS:Cognito[email]",
			"GET /req CUSTOM:Request", "GET /scoped COGNITO_USER_POOLS:Cognito[openid]"},
		authorizers: []string{
			"Token TOKEN [method.request.header.X-Token] ttl=30 fn=Authorizer/invocations re=^Bearer ",
			"Request REQUEST [method.request.header.H1 method.request.querystring.q stageVariables.s context.requestId] ttl=- fn=Authorizer/invocations",
			"Cognito COGNITO_USER_POOLS [method.request.header.Authorization] ttl=- [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Pool]",
		},
		warnings: []string{`Fn::GetAtt Pool.Arn stands for user pool Pool, which CloudFormation creates; genkan uses the id "us-east-1_Pool"`},
	}, {
		name: "REST API key, AWS_IAM default and CORS preflight",
		api: `
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors: {AllowOrigin: "'https://app.example.com'", AllowHeaders: "'Authorization'", MaxAge: "'600'"}
      Auth:
        DefaultAuthorizer: AWS_IAM
        AddDefaultAuthorizerToCorsPreflight: false
        ApiKeyRequired: true
        AddApiKeyRequiredToCorsPreflight: false`,
		events: `
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /pets, Method: get}}
        Post: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /pets, Method: post, Auth: {ApiKeyRequired: false}}}`,
		routes: []string{"GET /pets AWS_IAM+key", "OPTIONS /pets NONE", "POST /pets AWS_IAM"},
	}, {
		name: "HTTP API JWT default, a Lambda authorizer, IAM and NONE",
		api: `
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration: true
      Auth:
        EnableIamAuthorizer: true
        DefaultAuthorizer: Jwt
        Authorizers:
          Jwt:
            AuthorizationScopes: [read]
            IdentitySource: $request.header.Authorization
            JwtConfiguration: {issuer: !GetAtt Pool.ProviderURL, audience: [client]}
          Lambda:
            FunctionArn: !GetAtt Authorizer.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization], ReauthorizeEvery: 0}`,
		events: `
        Default: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /default, Method: get}}
        Scoped: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /scoped, Method: get, Auth: {AuthorizationScopes: [write]}}}
        Open: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}}
        Lambda: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /lambda, Method: get, Auth: {Authorizer: Lambda}}}
        Iam: {Type: HttpApi, Properties: {ApiId: !Ref Api, Path: /iam, Method: get, Auth: {Authorizer: AWS_IAM}}}`,
		routes: []string{"GET /default JWT:Jwt[read]", "GET /iam AWS_IAM", "GET /lambda CUSTOM:Lambda", "GET /open NONE", "GET /scoped JWT:Jwt[write]"},
		authorizers: []string{
			"Jwt JWT [$request.header.Authorization] ttl=- https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool [client]",
			"Lambda REQUEST [$request.header.Authorization] ttl=0 fn=Authorizer/invocations v2.0 simple",
		},
		warnings: []string{"Fn::GetAtt Pool.ProviderURL stands for user pool Pool"},
	}, {
		name: "an Api authorizer given HttpApi properties",
		api: `
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: Tok
        Authorizers:
          Tok: {FunctionArn: !GetAtt Authorizer.Arn, AuthorizerPayloadFormatVersion: "2.0", FunctionInvokeRole: arn:aws:iam::1:role/r}`,
		events: `
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: get}}`,
		routes:      []string{"GET / CUSTOM:Tok"},
		authorizers: []string{"Tok TOKEN [method.request.header.Authorization] ttl=- fn=Authorizer/invocations"},
		warnings: []string{
			"Api authorizer Tok: AuthorizerPayloadFormatVersion is an HttpApi authorizer property; SAM ignores it for Api authorizers",
			"Api authorizer Tok: FunctionInvokeRole (Lambda permissions) has no effect when genkan serves the template; ignored",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustImport(t, `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:`+tt.api+`
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./fn
      Handler: index.handler
      Runtime: nodejs20.x
      Events:`+tt.events+authFunctions+`
`)
			api := cfg.APIs[0]
			if got := authSummary(api); !reflect.DeepEqual(got, tt.routes) {
				t.Errorf("routes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.routes, "\n"))
			}
			if got := authorizerSummary(api); !reflect.DeepEqual(got, tt.authorizers) {
				t.Errorf("authorizers:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.authorizers, "\n"))
			}
			for _, w := range tt.warnings {
				if warned(cfg, w) == nil {
					t.Errorf("no warning %q in %+v", w, cfg.Warnings)
				}
			}
			for _, w := range cfg.Warnings {
				if strings.Contains(w.Message, "not defined") || strings.Contains(w.Message, "not supported yet") {
					t.Errorf("unexpected warning %s: %s", w.Pos, w.Message)
				}
			}
		})
	}
}

func TestSAMCors(t *testing.T) {
	cfg := mustImport(t, `Transform: AWS::Serverless-2016-10-31
Resources:
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors: "'https://app.example.com'"
      DefinitionBody:
        swagger: "2.0"
        paths:
          /own:
            options:
              x-amazon-apigateway-integration: {type: mock, responses: {default: {statusCode: "204"}}}
          /any:
            x-amazon-apigateway-any-method:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: "https://example.com"}
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      CorsConfiguration:
        AllowOrigins: [https://app.example.com]
        AllowMethods: [GET]
        AllowCredentials: true
        MaxAge: 300
      DefinitionBody:
        openapi: 3.0.1
        x-amazon-apigateway-cors: {allowHeaders: [authorization], allowOrigins: ["*"]}
        paths: {}
`)
	rest, http := cfg.APIs[0], cfg.APIs[1]
	var preflight *apimodel.Route
	for _, r := range rest.Routes {
		if r.Key() == "OPTIONS /any" {
			preflight = r
		}
	}
	if preflight == nil || preflight.Integration.Type != apimodel.IntegrationMock {
		t.Fatalf("routes of the REST API: %q", routeKeys(rest))
	}
	want := map[string]string{
		"method.response.header.Access-Control-Allow-Origin":  "'https://app.example.com'",
		"method.response.header.Access-Control-Allow-Methods": "'DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT'",
	}
	if got := preflight.Integration.Responses[0].ResponseParameters; !reflect.DeepEqual(got, want) || preflight.Integration.Responses[0].StatusCode != "200" {
		t.Errorf("preflight response = %+v", preflight.Integration.Responses[0])
	}
	if len(rest.Routes) != 3 {
		t.Errorf("routes %q: the path's own OPTIONS method must stay as it is", routeKeys(rest))
	}
	c := http.CORS
	if c == nil || !reflect.DeepEqual(c.AllowOrigins, []string{"https://app.example.com"}) || !reflect.DeepEqual(c.AllowHeaders, []string{"authorization"}) ||
		!reflect.DeepEqual(c.AllowMethods, []string{"GET"}) || !c.AllowCredentials || c.MaxAge == nil || *c.MaxAge != 300 {
		t.Errorf("HTTP API cors = %+v", c)
	}
}

func TestSAMResourcePolicy(t *testing.T) {
	cfg := mustImport(t, `Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        ResourcePolicy:
          IpRangeBlacklist: [192.0.2.0/24]
          SourceVpcWhitelist: [vpc-1, vpce-2]
          CustomStatements:
            - {Effect: Allow, Principal: "*", Action: "execute-api:Invoke", Resource: "execute-api:/*"}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./fn
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: "/pets/{id}", Method: get}}
        Private:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /admin
            Method: any
            Auth: {ResourcePolicy: {AwsAccountWhitelist: ["111122223333"]}}
`)
	api := cfg.APIs[0]
	want := `{"Version":"2012-10-17","Statement":[` +
		`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":["execute-api:/prod/*/admin"],"Principal":{"AWS":["111122223333"]}},` +
		`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":["execute-api:/prod/GET/pets/*"],"Principal":"*"},` +
		`{"Effect":"Deny","Action":"execute-api:Invoke","Resource":["execute-api:/prod/GET/pets/*"],"Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}},` +
		`{"Effect":"Deny","Action":"execute-api:Invoke","Resource":["execute-api:/prod/GET/pets/*"],"Principal":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":["vpc-1"],"aws:SourceVpce":["vpce-2"]}}},` +
		`{"Effect":"Allow","Action":"execute-api:Invoke","Resource":["execute-api:/prod/*/admin"],"Principal":"*"},` +
		`{"Effect":"Deny","Action":"execute-api:Invoke","Resource":["execute-api:/prod/*/admin"],"Principal":"*","Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24"]}}},` +
		`{"Effect":"Deny","Action":"execute-api:Invoke","Resource":["execute-api:/prod/*/admin"],"Principal":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":["vpc-1"],"aws:SourceVpce":["vpce-2"]}}},` +
		`{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`
	if api.ResourcePolicy != want {
		t.Errorf("policy:\n%s\nwant:\n%s", api.ResourcePolicy, want)
	}
	// SAM applies the event's ResourcePolicy first, so that is where the policy begins.
	if p := api.ResourcePolicyPos; p.Line != 27 {
		t.Errorf("policy position = %s, want the event's Auth.ResourcePolicy (line 27)", p)
	}
}

func TestSAMUsagePlans(t *testing.T) {
	cfg := mustImport(t, `Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Auth:
      ApiKeyRequired: true
      UsagePlan:
        CreateUsagePlan: SHARED
        Quota: {Limit: 100, Period: DAY}
Resources:
  One:
    Type: AWS::Serverless::Api
    Properties: {StageName: prod}
  Two:
    Type: AWS::Serverless::Api
    Properties:
      StageName: test
      Auth:
        UsagePlan: {CreateUsagePlan: SHARED, Throttle: {RateLimit: 2.5, BurstLimit: 5}, UsagePlanName: shared}
  Own:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        UsagePlan: {CreateUsagePlan: PER_API, Description: mine}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./fn
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        A: {Type: Api, Properties: {RestApiId: !Ref One, Path: /a, Method: get}}
        B: {Type: Api, Properties: {RestApiId: !Ref Two, Path: /b, Method: get}}
        C: {Type: Api, Properties: {RestApiId: !Ref Own, Path: /c, Method: get}}
`)
	var plans []string
	for _, up := range cfg.UsagePlans {
		var stages []string
		for _, st := range up.Stages {
			stages = append(stages, st.APIID+"/"+st.Stage)
		}
		plans = append(plans, fmt.Sprintf("%s %s %v throttle=%+v quota=%+v %q", up.Name, up.ID, stages, up.Throttle, up.Quota, up.Description))
	}
	want := []string{
		`shared serverlessusageplan [one/prod two/test] throttle=&{RateLimit:2.5 BurstLimit:5} quota=&{Limit:100 Period:DAY Offset:0} ""`,
		`OwnUsagePlan ownusageplan [own/v1] throttle=<nil> quota=&{Limit:100 Period:DAY Offset:0} "mine"`,
	}
	if !reflect.DeepEqual(plans, want) {
		t.Errorf("plans:\n%s\nwant:\n%s", strings.Join(plans, "\n"), strings.Join(want, "\n"))
	}
	var keys []string
	for _, k := range cfg.APIKeys {
		keys = append(keys, fmt.Sprintf("%s %s %v disabled=%v value=%q", k.Name, k.ID, k.Plans, k.Disabled, k.Value))
	}
	wantKeys := []string{`ServerlessApiKey serverlessapikey [serverlessusageplan] disabled=false value=""`, `OwnApiKey ownapikey [ownusageplan] disabled=false value=""`}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Errorf("keys:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(wantKeys, "\n"))
	}
	if got := authSummary(cfg.APIs[2]); !reflect.DeepEqual(got, []string{"GET /c NONE+key"}) {
		t.Errorf("Own's routes: %q (Globals' ApiKeyRequired applies)", got)
	}
}

func TestSAMAuthProblems(t *testing.T) {
	fn := `
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./fn
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Get: {Type: %s, Properties: {%s: !Ref Api, Path: /, Method: get%s}}`
	rest := func(api, event string) string {
		return "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n" + api + fmt.Sprintf(fn, "Api", "RestApiId", event)
	}
	http := func(api, event string) string {
		return "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties:\n" + api + fmt.Sprintf(fn, "HttpApi", "ApiId", event)
	}
	const lambda = "FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:auth"
	tests := []struct {
		name, template string
		want           []string
	}{
		{"unknown Auth property", rest("      Auth: {Default: x}\n", ""), []string{"template.yaml:7:14: Api: Auth has no property Default"}},
		{"undefined default", rest("      Auth: {DefaultAuthorizer: Nope}\n", ""), []string{`template.yaml:7:33: Api: unable to set DefaultAuthorizer because "Nope" was not defined in Auth.Authorizers`}},
		{"NONE without a default", rest("", ", Auth: {Authorizer: NONE}"), []string{"Fn event Get: unable to set Authorizer NONE on get /: NONE is only valid when the API has a DefaultAuthorizer"}},
		{"authorizer the API lacks", rest("", ", Auth: {Authorizer: Tok}"), []string{`unable to set Authorizer "Tok" on get / because the API does not define any Authorizers`}},
		{"ApiKeyRequired false alone", rest("", ", Auth: {ApiKeyRequired: false}"), []string{"unable to set ApiKeyRequired false on get / because the API does not set ApiKeyRequired"}},
		{"REQUEST without identity", rest("      Auth: {Authorizers: {R: {FunctionPayloadType: REQUEST, "+lambda+"}}}\n", ""), []string{"Api authorizer R: a REQUEST authorizer must specify Identity"}},
		{"bad payload type", rest("      Auth: {Authorizers: {R: {FunctionPayloadType: EVENT, "+lambda+"}}}\n", ""), []string{`FunctionPayloadType must be TOKEN or REQUEST, got "EVENT"`}},
		{"neither function nor pool", rest("      Auth: {Authorizers: {R: {Identity: {Header: A}}}}\n", ""), []string{"Api authorizer R needs a FunctionArn (a Lambda authorizer) or a UserPoolArn (a Cognito authorizer)"}},
		{"unresolvable function", rest("      Auth: {Authorizers: {R: {FunctionArn: !ImportValue shared-auth}}}\n", ""), []string{"Api authorizer R.FunctionArn: Fn::ImportValue shared-auth cannot be resolved"}},
		{"usage plan without CreateUsagePlan", rest("      Auth: {UsagePlan: {Quota: {Limit: 1, Period: DAY}}}\n", ""), []string{"Api.Auth.UsagePlan needs CreateUsagePlan"}},
		{"Cors with credentials for every origin", rest("      Cors: {AllowCredentials: true}\n", ""), []string{"AllowCredentials cannot be true when AllowOrigin is \"'*'\" or not set"}},
		{"Auth beside DefinitionUri", rest("      DefinitionUri: ./api.yaml\n      Auth: {ApiKeyRequired: true}\n", ""), []string{"Api: Auth works only with an inline definition (DefinitionBody)"}},
		{"HTTP Lambda authorizer without payload format", http("      Auth: {Authorizers: {L: {"+lambda+"}}}\n", ""), []string{"Api authorizer L: a Lambda authorizer must define AuthorizerPayloadFormatVersion"}},
		{"HTTP JWT without identity source", http("      Auth: {Authorizers: {J: {JwtConfiguration: {issuer: 'https://i', audience: [a]}}}}\n", ""), []string{"an OAuth2 authorizer must define IdentitySource"}},
		{"HTTP scopes on a Lambda authorizer", http("      Auth: {Authorizers: {L: {"+lambda+", AuthorizerPayloadFormatVersion: '2.0', AuthorizationScopes: [a]}}}\n", ""), []string{"AuthorizationScopes must be defined only for OAuth2 (JWT) authorizers"}},
		{"HTTP event Auth without any authorizer", http("", ", Auth: {AuthorizationScopes: [a]}"), []string{"Fn event Get: Auth needs an Authorizer, or a DefaultAuthorizer on the HttpApi"}},
		{"HTTP AWS_IAM not enabled", http("", ", Auth: {Authorizer: AWS_IAM}"), []string{`unable to set Authorizer "AWS_IAM" on get /`}},
		{"HTTP CorsConfiguration property", http("      CorsConfiguration: {AllowOrigin: ['*']}\n", ""), []string{"Api.CorsConfiguration has no property AllowOrigin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := importString(t, tt.template, "api.yaml", "swagger: '2.0'\npaths: {}\n")
			wantError(t, err, tt.want...)
		})
	}
}

// SAM's less obvious rules: the default authorizer covers the CORS preflight methods unless
// told otherwise, an HTTP API event's Auth applies to a route the definition already
// integrates, and an event's Auth means nothing to a REST definition SAM does not edit.
func TestSAMAuthEdges(t *testing.T) {
	cfg := mustImport(t, `Transform: AWS::Serverless-2016-10-31
Resources:
  Rest:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Cors: "'*'"
      Auth:
        DefaultAuthorizer: Tok
        Authorizers: {Tok: {FunctionArn: !GetAtt Fn.Arn}}
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        Authorizers:
          Jwt: {IdentitySource: $request.header.Authorization, JwtConfiguration: {issuer: "https://issuer.example.com", audience: [a]}}
      DefinitionBody:
        openapi: 3.0.1
        paths:
          /own:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "https://example.com", payloadFormatVersion: "1.0"}
  Own:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        swagger: "2.0"
        paths:
          /own:
            get:
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "https://example.com"}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: ./fn
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        Rest: {Type: Api, Properties: {RestApiId: !Ref Rest, Path: /pets, Method: get}}
        Http: {Type: HttpApi, Properties: {ApiId: !Ref Http, Path: /own, Method: get, Auth: {Authorizer: Jwt, AuthorizationScopes: [s]}}}
        Own: {Type: Api, Properties: {RestApiId: !Ref Own, Path: /own, Method: get, Auth: {ApiKeyRequired: true}}}
`)
	if got, want := authSummary(cfg.APIs[0]), []string{"GET /pets CUSTOM:Tok", "OPTIONS /pets CUSTOM:Tok"}; !reflect.DeepEqual(got, want) {
		t.Errorf("REST routes %q, want %q", got, want)
	}
	http := cfg.APIs[1]
	if got, want := authSummary(http), []string{"GET /own JWT:Jwt[s]"}; !reflect.DeepEqual(got, want) {
		t.Errorf("HTTP routes %q, want %q", got, want)
	}
	if http.Routes[0].Integration.URI != "https://example.com" {
		t.Errorf("the definition's integration was replaced: %+v", http.Routes[0].Integration)
	}
	if got := authSummary(cfg.APIs[2]); !reflect.DeepEqual(got, []string{"GET /own NONE"}) {
		t.Errorf("Own's routes %q", got)
	}
	if w := warned(cfg, "SAM applies an event's Auth only to definitions it writes or merges"); w == nil || w.Pos.Line != 42 {
		t.Errorf("warning about Own's event Auth: %+v", w)
	}
}
