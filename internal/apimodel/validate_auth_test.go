package apimodel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func intp(i int) *int { return &i }

const fnURI = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:authz/invocations"

// accessConfig declares one of every access-control element, each at its own line:
//
//	line 30  api shop (REST)            line 50  api web (HTTP)
//	line 31  stage dev                  line 51  stage $default
//	line 32  authorizer tok (TOKEN)     line 52  authorizer jwt (JWT)
//	line 33  authorizer req (REQUEST)   line 53  authorizer lam (REQUEST)
//	line 34  authorizer pool (COGNITO)  line 54  cors
//	line 35  resource policy            line 55  route GET /items, its auth line 56
//	line 36  route GET /orders, auth 37 line 57  route GET /admin, its auth line 58
//	line 38  route GET /me, auth 39
//	line 40  route POST /admin, auth 41
//	line 60  usage plan gold, its stage line 61
//	line 62  api key partner            line 64  access key
func accessConfig() *apimodel.Config {
	mock := func(line int) *apimodel.Integration {
		return &apimodel.Integration{Type: apimodel.IntegrationMock, Pos: at(line, 9)}
	}
	return &apimodel.Config{
		APIs: []*apimodel.API{
			{
				ID: "shop", Protocol: apimodel.ProtocolREST, Pos: at(30, 1), APIKeySource: apimodel.APIKeySourceHeader,
				Stages: []*apimodel.Stage{{Name: "dev", Pos: at(31, 3)}},
				Authorizers: []*apimodel.Authorizer{
					{Name: "tok", Type: apimodel.AuthorizerToken, FunctionURI: fnURI, IdentitySources: []string{"method.request.header.Authorization"},
						IdentityValidationExpression: "^Bearer .+$", Pos: at(32, 5)},
					{Name: "req", Type: apimodel.AuthorizerRequest, FunctionURI: "authz",
						IdentitySources: []string{"method.request.querystring.key", "context.sourceIp", "stageVariables.v"}, Pos: at(33, 5)},
					{Name: "pool", Type: apimodel.AuthorizerCognito, IdentitySources: []string{"method.request.header.Authorization"},
						ProviderARNs: []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123"}, ResultTTLSeconds: intp(0), Pos: at(34, 5)},
				},
				ResourcePolicy:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/*"}]}`,
				ResourcePolicyPos: at(35, 5),
				Routes: []*apimodel.Route{
					{Method: "GET", Path: "/orders", Pos: at(36, 3), Integration: mock(36),
						Auth: &apimodel.RouteAuth{Type: apimodel.AuthCustom, Authorizer: "tok", APIKeyRequired: true, Pos: at(37, 5)}},
					{Method: "GET", Path: "/me", Pos: at(38, 3), Integration: mock(38),
						Auth: &apimodel.RouteAuth{Type: apimodel.AuthCognito, Authorizer: "pool", Scopes: []string{"email"}, Pos: at(39, 5)}},
					{Method: "POST", Path: "/admin", Pos: at(40, 3), Integration: mock(40),
						Auth: &apimodel.RouteAuth{Type: apimodel.AuthIAM, Pos: at(41, 5)}},
				},
			},
			{
				ID: "web", Protocol: apimodel.ProtocolHTTP, Pos: at(50, 1),
				Stages: []*apimodel.Stage{{Name: "$default", Pos: at(51, 3)}},
				Authorizers: []*apimodel.Authorizer{
					{Name: "jwt", Type: apimodel.AuthorizerJWT, IdentitySources: []string{"$request.header.Authorization"},
						Issuer: "https://id.example.com", Audience: []string{"web"}, Pos: at(52, 5)},
					{Name: "lam", Type: apimodel.AuthorizerRequest, FunctionURI: "arn:aws:lambda:us-east-1:123456789012:function:authz:live",
						IdentitySources: []string{"$request.header.X-Key", "$context.sourceIp"}, ResultTTLSeconds: intp(60),
						PayloadFormatVersion: "2.0", EnableSimpleResponses: true, Pos: at(53, 5)},
				},
				CORS: &apimodel.CORS{AllowOrigins: []string{"https://app.example.com", "https://*"}, AllowMethods: []string{"get", "*"},
					AllowHeaders: []string{"authorization", "*"}, AllowCredentials: true, MaxAge: intp(-1), Pos: at(54, 3)},
				Routes: []*apimodel.Route{
					{Method: "GET", Path: "/items", Pos: at(55, 3), Integration: mock(55),
						Auth: &apimodel.RouteAuth{Type: apimodel.AuthJWT, Authorizer: "jwt", Scopes: []string{"read"}, Pos: at(56, 5)}},
					{Method: "GET", Path: "/admin", Pos: at(57, 3), Integration: mock(57),
						Auth: &apimodel.RouteAuth{Type: apimodel.AuthCustom, Authorizer: "lam", Pos: at(58, 5)}},
				},
			},
		},
		UsagePlans: []*apimodel.UsagePlan{{
			Name: "gold", ID: "gold1", Pos: at(60, 3),
			Stages: []*apimodel.UsagePlanStage{{APIID: "shop", Stage: "dev", Pos: at(61, 5),
				Throttle: map[string]*apimodel.Throttle{"/orders/GET": {RateLimit: 1, BurstLimit: 2}, "/*/*": {RateLimit: 5, BurstLimit: 0}, "//GET": {RateLimit: 1}}}},
			Throttle: &apimodel.Throttle{RateLimit: 0.5, BurstLimit: 10},
			Quota:    &apimodel.Quota{Limit: 1000, Period: apimodel.QuotaMonth, Offset: 27},
		}},
		APIKeys: []*apimodel.APIKey{{Name: "partner", Value: "partner-key-0123456789", Plans: []string{"gold1"}, Pos: at(62, 3)}},
		AccessKeys: []*apimodel.AccessKey{{ID: "AKIAIOSFODNN7EXAMPLE", Secret: "s", PrincipalARN: "arn:aws:iam::123456789012:user/alice",
			Policy: `{"Statement":{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}}`, PolicyPos: at(65, 7), Pos: at(64, 3)}},
	}
}

func TestValidAccessConfig(t *testing.T) {
	if err := accessConfig().Validate(); err != nil {
		t.Fatalf("the base configuration is invalid:\n%v", err)
	}
}

func TestValidateAccessProblems(t *testing.T) {
	shop := func(c *apimodel.Config) *apimodel.API { return c.APIs[0] }
	web := func(c *apimodel.Config) *apimodel.API { return c.APIs[1] }
	tok := func(c *apimodel.Config) *apimodel.Authorizer { return shop(c).Authorizers[0] }
	req := func(c *apimodel.Config) *apimodel.Authorizer { return shop(c).Authorizers[1] }
	pool := func(c *apimodel.Config) *apimodel.Authorizer { return shop(c).Authorizers[2] }
	jwt := func(c *apimodel.Config) *apimodel.Authorizer { return web(c).Authorizers[0] }
	lam := func(c *apimodel.Config) *apimodel.Authorizer { return web(c).Authorizers[1] }
	orders := func(c *apimodel.Config) *apimodel.RouteAuth { return shop(c).Routes[0].Auth }
	items := func(c *apimodel.Config) *apimodel.RouteAuth { return web(c).Routes[0].Auth }
	plan := func(c *apimodel.Config) *apimodel.UsagePlan { return c.UsagePlans[0] }
	key := func(c *apimodel.Config) *apimodel.APIKey { return c.APIKeys[0] }
	akey := func(c *apimodel.Config) *apimodel.AccessKey { return c.AccessKeys[0] }

	tests := []struct {
		name   string
		breakf func(c *apimodel.Config)
		want   []string
	}{
		// Authorizer types per protocol.
		{"JWT on REST", func(c *apimodel.Config) { tok(c).Type = apimodel.AuthorizerJWT; orders(c).Type = apimodel.AuthJWT }, []string{
			`genkan.yaml:32:5: authorizer "tok": JWT authorizers are for HTTP APIs; REST APIs verify Cognito tokens with COGNITO_USER_POOLS`,
			`genkan.yaml:37:5: authorization type JWT is for HTTP APIs; REST APIs use COGNITO_USER_POOLS`}},
		{"TOKEN on HTTP", func(c *apimodel.Config) { lam(c).Type = apimodel.AuthorizerToken }, []string{
			`genkan.yaml:53:5: authorizer "lam": TOKEN authorizers are for REST APIs; HTTP APIs use REQUEST`}},
		{"COGNITO on HTTP", func(c *apimodel.Config) {
			jwt(c).Type = apimodel.AuthorizerCognito
			items(c).Type = apimodel.AuthCognito
		}, []string{
			`genkan.yaml:52:5: authorizer "jwt": COGNITO_USER_POOLS authorizers are for REST APIs; HTTP APIs use JWT, whose issuer may be a Cognito user pool`,
			`genkan.yaml:56:5: authorization type COGNITO_USER_POOLS is for REST APIs; HTTP APIs use JWT`}},
		{"unknown type on REST", func(c *apimodel.Config) { req(c).Type = "LAMBDA" }, []string{
			`genkan.yaml:33:5: authorizer "req": type "LAMBDA" is not one of TOKEN, REQUEST, COGNITO_USER_POOLS`}},
		{"unknown type on HTTP", func(c *apimodel.Config) { lam(c).Type = "" }, []string{
			`genkan.yaml:53:5: authorizer "lam": type "" is not one of REQUEST, JWT`}},
		{"duplicate authorizer", func(c *apimodel.Config) {
			shop(c).Authorizers = append(shop(c).Authorizers, &apimodel.Authorizer{Name: "tok", Pos: at(34, 40)})
		}, []string{`genkan.yaml:34:40: authorizer "tok" is already declared at genkan.yaml:32:5`}},
		{"nameless authorizer", func(c *apimodel.Config) { req(c).Name = "" }, []string{`genkan.yaml:33:5: authorizer needs a name`}},

		// Lambda functions.
		{"no function", func(c *apimodel.Config) { tok(c).FunctionURI = "" }, []string{
			`genkan.yaml:32:5: authorizer "tok": a TOKEN authorizer needs a function`}},
		{"function not a lambda", func(c *apimodel.Config) { tok(c).FunctionURI = "arn:aws:sqs:us-east-1:123456789012:q" }, []string{
			`genkan.yaml:32:5: authorizer "tok": function "arn:aws:sqs:us-east-1:123456789012:q" is not a function name, a Lambda function ARN or a Lambda integration URI`}},
		{"templated function", func(c *apimodel.Config) {
			tok(c).FunctionURI = strings.Replace(fnURI, "authz", "${stageVariables.fn}", 1)
		}, nil},
		{"function on a JWT authorizer", func(c *apimodel.Config) { jwt(c).FunctionURI = "authz" }, []string{
			`genkan.yaml:52:5: authorizer "jwt": function is for TOKEN and REQUEST authorizers`}},

		// Identity sources.
		{"TOKEN with two sources", func(c *apimodel.Config) {
			tok(c).IdentitySources = append(tok(c).IdentitySources, "method.request.header.X")
		}, []string{`genkan.yaml:32:5: authorizer "tok": a TOKEN authorizer reads one header: identitySource must be one method.request.header.Name, got "method.request.header.Authorization", "method.request.header.X"`}},
		{"TOKEN reading a query parameter", func(c *apimodel.Config) { tok(c).IdentitySources = []string{"method.request.querystring.t"} }, []string{
			`genkan.yaml:32:5: authorizer "tok": a TOKEN authorizer reads one header: identitySource must be one method.request.header.Name, got "method.request.querystring.t"`}},
		{"Cognito without a source", func(c *apimodel.Config) { pool(c).IdentitySources = nil }, []string{
			`genkan.yaml:34:5: authorizer "pool": a COGNITO_USER_POOLS authorizer reads one header: identitySource must be one method.request.header.Name, got none`}},
		{"HTTP syntax on REST", func(c *apimodel.Config) { req(c).IdentitySources = []string{"$request.header.X"} }, []string{
			`genkan.yaml:33:5: authorizer "req": identitySource "$request.header.X" is not method.request.header.Name, method.request.querystring.Name, stageVariables.Name or context.Name`}},
		{"REST syntax on HTTP", func(c *apimodel.Config) { lam(c).IdentitySources = []string{"method.request.header.X"} }, []string{
			`genkan.yaml:53:5: authorizer "lam": identitySource "method.request.header.X" is not $request.header.Name, $request.querystring.Name, $stageVariables.Name or $context.Name`}},
		{"REST REQUEST cached without sources", func(c *apimodel.Config) { req(c).IdentitySources = nil }, []string{
			`genkan.yaml:33:5: authorizer "req": results are cached (ttl 300) by identity source, and there is none: give identitySource or set ttl to 0`}},
		{"REST REQUEST uncached without sources", func(c *apimodel.Config) { req(c).IdentitySources, req(c).ResultTTLSeconds = nil, intp(0) }, nil},
		{"HTTP REQUEST cached without sources", func(c *apimodel.Config) { lam(c).IdentitySources = nil }, []string{
			`genkan.yaml:53:5: authorizer "lam": results are cached (ttl 60) by identity source, and there is none: give identitySource or set ttl to 0`}},
		{"HTTP REQUEST without ttl or sources", func(c *apimodel.Config) { lam(c).IdentitySources, lam(c).ResultTTLSeconds = nil, nil }, nil},
		{"JWT from a context variable", func(c *apimodel.Config) { jwt(c).IdentitySources = []string{"$context.x"} }, []string{
			`genkan.yaml:52:5: authorizer "jwt": a JWT authorizer reads its token from one place: identitySource must be one $request.header.Name or $request.querystring.Name, got "$context.x"`}},
		{"JWT from a query parameter", func(c *apimodel.Config) { jwt(c).IdentitySources = []string{"$request.querystring.token"} }, nil},
		{"JWT with two sources", func(c *apimodel.Config) {
			jwt(c).IdentitySources = []string{"$request.header.A", "$request.header.B"}
		}, []string{`genkan.yaml:52:5: authorizer "jwt": a JWT authorizer reads its token from one place: identitySource must be one $request.header.Name or $request.querystring.Name, got "$request.header.A", "$request.header.B"`}},
		{"JWT without a source", func(c *apimodel.Config) { jwt(c).IdentitySources = nil }, nil},

		// TTL, validation expression, payload format, simple responses.
		{"ttl over an hour", func(c *apimodel.Config) { tok(c).ResultTTLSeconds = intp(3601) }, []string{
			`genkan.yaml:32:5: authorizer "tok": ttl 3601 is outside 0-3600 seconds`}},
		{"negative ttl", func(c *apimodel.Config) { tok(c).ResultTTLSeconds = intp(-1) }, []string{
			`genkan.yaml:32:5: authorizer "tok": ttl -1 is outside 0-3600 seconds`}},
		{"ttl of an hour", func(c *apimodel.Config) { tok(c).ResultTTLSeconds = intp(3600) }, nil},
		{"ttl on JWT", func(c *apimodel.Config) { jwt(c).ResultTTLSeconds = intp(5) }, []string{
			`genkan.yaml:52:5: authorizer "jwt": ttl is for Lambda and Cognito authorizers`}},
		{"validation expression on REQUEST", func(c *apimodel.Config) { req(c).IdentityValidationExpression = ".*" }, []string{
			`genkan.yaml:33:5: authorizer "req": validationExpression is for TOKEN authorizers`}},
		{"bad validation expression", func(c *apimodel.Config) { tok(c).IdentityValidationExpression = "(" }, []string{
			"genkan.yaml:32:5: authorizer \"tok\": validationExpression \"(\": error parsing regexp: missing closing ): `(`"}},
		{"payload format on REST", func(c *apimodel.Config) { req(c).PayloadFormatVersion = "1.0" }, []string{
			`genkan.yaml:33:5: authorizer "req": payloadFormatVersion is for HTTP API REQUEST authorizers`}},
		{"payload format 3.0", func(c *apimodel.Config) { lam(c).PayloadFormatVersion = "3.0" }, []string{
			`genkan.yaml:53:5: authorizer "lam": payloadFormatVersion "3.0" is not 1.0 or 2.0`}},
		{"simple responses with 1.0", func(c *apimodel.Config) { lam(c).PayloadFormatVersion = "1.0" }, []string{
			`genkan.yaml:53:5: authorizer "lam": simpleResponses needs payloadFormatVersion 2.0`}},
		{"simple responses on JWT", func(c *apimodel.Config) { jwt(c).EnableSimpleResponses = true }, []string{
			`genkan.yaml:52:5: authorizer "jwt": simpleResponses is for HTTP API REQUEST authorizers`}},

		// JWT and Cognito.
		{"JWT without issuer and audience", func(c *apimodel.Config) { jwt(c).Issuer, jwt(c).Audience = "", nil }, []string{
			`genkan.yaml:52:5: authorizer "jwt": a JWT authorizer needs an issuer`,
			`genkan.yaml:52:5: authorizer "jwt": a JWT authorizer needs an audience (AWS requires at least one)`}},
		{"JWT issuer not a URL", func(c *apimodel.Config) { jwt(c).Issuer = "id.example.com" }, []string{
			`genkan.yaml:52:5: authorizer "jwt": issuer "id.example.com" is not an absolute http(s) URL`}},
		{"local http issuer and JWKS", func(c *apimodel.Config) {
			jwt(c).Issuer, jwt(c).JWKSURL = "http://127.0.0.1:8080/realms/dev", "http://127.0.0.1:8080/certs"
		}, nil},
		{"JWKS not a URL", func(c *apimodel.Config) { jwt(c).JWKSURL = "/certs" }, []string{
			`genkan.yaml:52:5: authorizer "jwt": jwksUrl "/certs" is not an absolute http(s) URL`}},
		{"issuer on Cognito", func(c *apimodel.Config) { pool(c).Issuer = "https://x" }, []string{
			`genkan.yaml:34:5: authorizer "pool": issuer is for JWT authorizers`}},
		{"Cognito without pools", func(c *apimodel.Config) { pool(c).ProviderARNs = nil }, []string{
			`genkan.yaml:34:5: authorizer "pool": a COGNITO_USER_POOLS authorizer needs user pool ARNs`}},
		{"Cognito pool ARN malformed", func(c *apimodel.Config) {
			pool(c).ProviderARNs = []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/AbC123"}
		}, []string{`genkan.yaml:34:5: authorizer "pool": "arn:aws:cognito-idp:us-east-1:123456789012:userpool/AbC123" is not a user pool ARN such as arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123`}},
		{"Cognito issuer for an emulator", func(c *apimodel.Config) { pool(c).CognitoIssuer = "http://localhost:9229/us-east-1_AbC123" }, nil},
		{"user pools on JWT", func(c *apimodel.Config) { jwt(c).ProviderARNs = pool(c).ProviderARNs }, []string{
			`genkan.yaml:52:5: authorizer "jwt": userPoolArns is for COGNITO_USER_POOLS authorizers`}},

		// Route authorization.
		{"unknown authorizer", func(c *apimodel.Config) { orders(c).Authorizer = "tk" }, []string{
			`genkan.yaml:37:5: authorizer "tk" is not declared in api "shop" (it declares "pool", "req", "tok")`}},
		{"authorizer of the other api", func(c *apimodel.Config) { orders(c).Authorizer = "lam" }, []string{
			`genkan.yaml:37:5: authorizer "lam" is not declared in api "shop" (it declares "pool", "req", "tok")`}},
		{"type disagrees with the authorizer", func(c *apimodel.Config) { orders(c).Type = apimodel.AuthCognito }, []string{
			`genkan.yaml:37:5: authorization type COGNITO_USER_POOLS does not match authorizer "tok", which is TOKEN`}},
		{"type left to the authorizer", func(c *apimodel.Config) { orders(c).Type = "" }, nil},
		{"CUSTOM without authorizer", func(c *apimodel.Config) { orders(c).Authorizer = "" }, []string{
			`genkan.yaml:37:5: authorization type CUSTOM needs an authorizer`}},
		{"neither type nor authorizer", func(c *apimodel.Config) { orders(c).Authorizer, orders(c).Type = "", "" }, []string{
			`genkan.yaml:37:5: route GET /orders: authorization has neither a type nor an authorizer`}},
		{"IAM with an authorizer", func(c *apimodel.Config) { shop(c).Routes[2].Auth.Authorizer = "tok" }, []string{
			`genkan.yaml:41:5: authorization type AWS_IAM takes no authorizer, got "tok"`}},
		{"IAM on HTTP", func(c *apimodel.Config) {
			items(c).Type, items(c).Authorizer, items(c).Scopes = apimodel.AuthIAM, "", nil
		}, nil},
		{"unknown authorization type", func(c *apimodel.Config) { orders(c).Type = "LAMBDA" }, []string{
			`genkan.yaml:37:5: authorization type "LAMBDA" is not one of NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS, JWT`}},
		{"scopes on a Lambda route", func(c *apimodel.Config) { orders(c).Scopes = []string{"a"} }, []string{
			`genkan.yaml:37:5: scopes are for JWT and Cognito authorizers, not CUSTOM`}},
		{"scopes on IAM", func(c *apimodel.Config) { shop(c).Routes[2].Auth.Scopes = []string{"a"} }, []string{
			`genkan.yaml:41:5: scopes are for JWT and Cognito authorizers, not AWS_IAM`}},
		{"api key on HTTP", func(c *apimodel.Config) { items(c).APIKeyRequired = true }, []string{
			`genkan.yaml:56:5: route GET /items: apiKeyRequired is for REST APIs; HTTP APIs have no API keys`}},
		{"route auth without a position", func(c *apimodel.Config) { orders(c).Pos = apimodel.Position{}; orders(c).Authorizer = "x" }, []string{
			`genkan.yaml:36:3: authorizer "x" is not declared in api "shop" (it declares "pool", "req", "tok")`}},

		// API key source, resource policy.
		{"apiKeySource on HTTP", func(c *apimodel.Config) { web(c).APIKeySource = apimodel.APIKeySourceHeader }, []string{
			`genkan.yaml:50:1: api "web": apiKeySource is for REST APIs; HTTP APIs have no API keys`}},
		{"unknown apiKeySource", func(c *apimodel.Config) { shop(c).APIKeySource = "QUERY" }, []string{
			`genkan.yaml:30:1: api "shop": apiKeySource "QUERY" is not one of HEADER, AUTHORIZER`}},
		{"resource policy not JSON", func(c *apimodel.Config) { shop(c).ResourcePolicy = "Version: x" }, []string{
			`genkan.yaml:35:5: resource policy: policy document must be a JSON object`}},
		{"resource policy without statements", func(c *apimodel.Config) { shop(c).ResourcePolicy = `{"Version":"2012-10-17"}` }, []string{
			`genkan.yaml:35:5: resource policy: Statement is missing`}},
		{"resource policy on HTTP", func(c *apimodel.Config) {
			web(c).ResourcePolicy, web(c).ResourcePolicyPos = shop(c).ResourcePolicy, at(50, 20)
		}, []string{
			`genkan.yaml:50:20: api "web": resource policies are for REST APIs`}},

		// CORS.
		{"cors on REST", func(c *apimodel.Config) { shop(c).CORS = &apimodel.CORS{Pos: at(35, 40)} }, []string{
			`genkan.yaml:35:40: api "shop": cors is for HTTP APIs; REST APIs answer preflight requests with an OPTIONS route`}},
		{"wildcard origin with credentials", func(c *apimodel.Config) { web(c).CORS.AllowOrigins = []string{"*"} }, []string{
			`genkan.yaml:54:3: cors: allowCredentials cannot be true when allowOrigins has "*"; list the origins instead`}},
		{"wildcard origin without credentials", func(c *apimodel.Config) {
			web(c).CORS.AllowOrigins, web(c).CORS.AllowCredentials = []string{"*"}, false
		}, nil},
		{"origin without a scheme", func(c *apimodel.Config) { web(c).CORS.AllowOrigins = []string{"app.example.com", ""} }, []string{
			`genkan.yaml:54:3: cors: allowOrigins "app.example.com" is not *, a scheme with * (https://*) or an origin such as https://app.example.com`,
			`genkan.yaml:54:3: cors: allowOrigins "" is not *, a scheme with * (https://*) or an origin such as https://app.example.com`}},
		{"unknown method", func(c *apimodel.Config) { web(c).CORS.AllowMethods = []string{"FETCH", "ANY"} }, []string{
			`genkan.yaml:54:3: cors: allowMethods "FETCH" is not one of *, GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS`,
			`genkan.yaml:54:3: cors: allowMethods "ANY" is not one of *, GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS`}},
		{"bad header", func(c *apimodel.Config) { web(c).CORS.ExposeHeaders = []string{"x id"} }, []string{
			`genkan.yaml:54:3: cors: "x id" is not a header name or *`}},
		{"maxAge over a day", func(c *apimodel.Config) { web(c).CORS.MaxAge = intp(86401) }, []string{
			`genkan.yaml:54:3: cors: maxAge 86401 is outside -1-86400`}},

		// Usage plans.
		{"plan on an unknown api", func(c *apimodel.Config) { plan(c).Stages[0].APIID = "nope" }, []string{
			`genkan.yaml:61:5: usage plan "gold": api "nope" is not declared`}},
		{"plan on an HTTP api", func(c *apimodel.Config) { plan(c).Stages[0].APIID, plan(c).Stages[0].Stage = "web", "$default" }, []string{
			`genkan.yaml:61:5: usage plan "gold": api "web" is an HTTP API; usage plans are for REST APIs`}},
		{"plan on an unknown stage", func(c *apimodel.Config) { plan(c).Stages[0].Stage = "prod" }, []string{
			`genkan.yaml:61:5: usage plan "gold": api "shop" has no stage "prod"`}},
		{"plan without a stage", func(c *apimodel.Config) { plan(c).Stages[0].Stage = "" }, []string{
			`genkan.yaml:61:5: usage plan "gold": api "shop" needs a stage`}},
		{"stage listed twice", func(c *apimodel.Config) {
			plan(c).Stages = append(plan(c).Stages, &apimodel.UsagePlanStage{APIID: "shop", Stage: "dev", Pos: at(61, 30)})
		}, []string{`genkan.yaml:61:30: usage plan "gold": api "shop" stage "dev" is listed twice`}},
		{"bad throttle key", func(c *apimodel.Config) {
			plan(c).Stages[0].Throttle["/orders/FETCH"] = &apimodel.Throttle{RateLimit: 1}
			plan(c).Stages[0].Throttle["GET /orders"] = &apimodel.Throttle{RateLimit: 1}
		}, []string{
			`genkan.yaml:61:5: usage plan "gold": throttle key "/orders/FETCH" is not "/{resource path}/{METHOD}", such as "/pets/GET" or "/*/*"`,
			`genkan.yaml:61:5: usage plan "gold": throttle key "GET /orders" is not "/{resource path}/{METHOD}", such as "/pets/GET" or "/*/*"`}},
		{"throttle rate zero, burst negative", func(c *apimodel.Config) { plan(c).Throttle = &apimodel.Throttle{BurstLimit: -1} }, []string{
			`genkan.yaml:60:3: usage plan "gold": throttle: rateLimit 0 must be more than 0`,
			`genkan.yaml:60:3: usage plan "gold": throttle: burstLimit -1 must not be negative`}},
		{"method throttle rate", func(c *apimodel.Config) { plan(c).Stages[0].Throttle["/orders/GET"].RateLimit = -2 }, []string{
			`genkan.yaml:61:5: usage plan "gold": throttle "/orders/GET": rateLimit -2 must be more than 0`}},
		{"quota period", func(c *apimodel.Config) { plan(c).Quota.Period = "YEAR" }, []string{
			`genkan.yaml:60:3: usage plan "gold": quota period "YEAR" is not one of DAY, WEEK, MONTH`}},
		{"quota offset on a day", func(c *apimodel.Config) { plan(c).Quota.Period, plan(c).Quota.Offset = apimodel.QuotaDay, 1 }, []string{
			`genkan.yaml:60:3: usage plan "gold": quota offset 1 is outside 0-0 for period DAY`}},
		{"quota offset on a week", func(c *apimodel.Config) { plan(c).Quota.Period, plan(c).Quota.Offset = apimodel.QuotaWeek, 7 }, []string{
			`genkan.yaml:60:3: usage plan "gold": quota offset 7 is outside 0-6 for period WEEK`}},
		{"quota offset on a month", func(c *apimodel.Config) { plan(c).Quota.Offset = 28 }, []string{
			`genkan.yaml:60:3: usage plan "gold": quota offset 28 is outside 0-27 for period MONTH`}},
		{"quota limit", func(c *apimodel.Config) { plan(c).Quota.Limit = 0 }, []string{
			`genkan.yaml:60:3: usage plan "gold": quota limit 0 must be at least 1`}},
		{"plan declared twice", func(c *apimodel.Config) {
			c.UsagePlans = append(c.UsagePlans, &apimodel.UsagePlan{Name: "gold", Pos: at(63, 3)})
		}, []string{`genkan.yaml:63:3: usage plan "gold" is already declared at genkan.yaml:60:3`}},
		{"plan id reused", func(c *apimodel.Config) {
			c.UsagePlans = append(c.UsagePlans, &apimodel.UsagePlan{Name: "silver", ID: "gold1", Pos: at(63, 3)})
		}, []string{`genkan.yaml:63:3: usage plan id "gold1" is already used by genkan.yaml:60:3`}},

		// API keys.
		{"key in an unknown plan", func(c *apimodel.Config) { key(c).Plans = []string{"silver"} }, []string{
			`genkan.yaml:62:3: api key "partner": usage plan "silver" is not declared`}},
		{"key in a plan by name", func(c *apimodel.Config) { key(c).Plans = []string{"gold"} }, nil},
		{"key in two plans for one stage", func(c *apimodel.Config) {
			c.UsagePlans = append(c.UsagePlans, &apimodel.UsagePlan{Name: "silver", Pos: at(63, 3),
				Stages: []*apimodel.UsagePlanStage{{APIID: "shop", Stage: "dev", Pos: at(63, 10)}}})
			key(c).Plans = []string{"gold", "silver"}
		}, []string{`genkan.yaml:62:3: api key "partner": usage plans "gold" and "silver" both cover api "shop" stage "dev"; a key may be in one plan per stage`}},
		{"short key value", func(c *apimodel.Config) { key(c).Value = "short-secret" }, []string{
			`genkan.yaml:62:3: api key "partner": the value must be 20-128 characters, as AWS requires`}},
		{"same value twice", func(c *apimodel.Config) {
			c.APIKeys = append(c.APIKeys, &apimodel.APIKey{Name: "other", Value: key(c).Value, Pos: at(63, 3)})
		}, []string{`genkan.yaml:63:3: api key "other" has the same value as api key "partner" at genkan.yaml:62:3`}},
		{"key declared twice", func(c *apimodel.Config) {
			c.APIKeys = append(c.APIKeys, &apimodel.APIKey{Name: "partner", Pos: at(63, 3)})
		}, []string{`genkan.yaml:63:3: api key "partner" is already declared at genkan.yaml:62:3`}},
		{"key id", func(c *apimodel.Config) { key(c).ID = "my key" }, []string{
			`genkan.yaml:62:3: api key id "my key" must be 1-128 letters or digits`}},

		// Access keys.
		{"access key id", func(c *apimodel.Config) { akey(c).ID = "AKIA" }, []string{
			`genkan.yaml:64:3: access key id "AKIA" must be 16-128 letters, digits or '_', such as AKIAIOSFODNN7EXAMPLE`}},
		{"access key twice", func(c *apimodel.Config) {
			k := *akey(c)
			k.Pos = at(66, 3)
			c.AccessKeys = append(c.AccessKeys, &k)
		}, []string{`genkan.yaml:66:3: access key "AKIAIOSFODNN7EXAMPLE" is already declared at genkan.yaml:64:3`}},
		{"access key without secret", func(c *apimodel.Config) { akey(c).Secret = "" }, []string{
			`genkan.yaml:64:3: access key "AKIAIOSFODNN7EXAMPLE" needs a secret`}},
		{"principal not an ARN", func(c *apimodel.Config) { akey(c).PrincipalARN = "alice" }, []string{
			`genkan.yaml:64:3: access key "AKIAIOSFODNN7EXAMPLE": principal "alice" is not an IAM or STS ARN such as arn:aws:iam::123456789012:user/alice`}},
		{"assumed-role principal", func(c *apimodel.Config) { akey(c).PrincipalARN = "arn:aws:sts::123456789012:assumed-role/r/s" }, nil},
		{"identity policy invalid", func(c *apimodel.Config) {
			akey(c).Policy = `{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}`
		}, []string{
			`genkan.yaml:65:7: access key "AKIAIOSFODNN7EXAMPLE": policy: statement 0: Effect must be "Allow" or "Deny"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := accessConfig()
			tt.breakf(c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				return
			}
			var ps apimodel.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("Validate returned %v (%T), want apimodel.Problems", err, err)
			}
			if got := err.Error(); got != strings.Join(tt.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestValidateKeyValueNotInProblems(t *testing.T) {
	c := accessConfig()
	c.APIKeys[0].Value = "Sup3rS3cret"
	c.APIKeys = append(c.APIKeys, &apimodel.APIKey{Name: "twin", Value: "Sup3rS3cret", Pos: at(63, 3)})
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "Sup3rS3cret") {
		t.Errorf("problems %v: want some, none showing the value", err)
	}
}

func TestLint(t *testing.T) {
	c := accessConfig()
	c.APIs[0].ResourcePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*","Condition":{"NoSuchOperator":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	c.APIs[1].CORS.AllowOrigins = []string{"https://app.example.com/", "https://ok.example.com"}
	c.AccessKeys[0].Policy = `{"Version":"2008-01-01","Statement":[]}`
	if err := c.Validate(); err != nil {
		t.Fatalf("lint findings must not fail validation:\n%v", err)
	}
	var got []string
	for _, w := range c.Lint() {
		got = append(got, w.Pos.String()+": "+w.Message)
	}
	want := []string{
		`genkan.yaml:35:5: api "shop": resource policy: statement 0: unsupported condition operator "NoSuchOperator": the statement never matches`,
		`genkan.yaml:54:3: cors: allowOrigins "https://app.example.com/" has a path; browsers send origins without one, so it never matches`,
		`genkan.yaml:65:7: access key "AKIAIOSFODNN7EXAMPLE": policy: unknown Version "2008-01-01"`,
		`genkan.yaml:65:7: access key "AKIAIOSFODNN7EXAMPLE": policy: Statement is empty: the policy allows nothing`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if ws := accessConfig().Lint(); len(ws) != 0 {
		t.Errorf("the base configuration has findings: %v", ws)
	}
}
