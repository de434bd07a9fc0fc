package config

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func intp(i int) *int { return &i }

const lambdaURIOf = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:"

func TestDecodeAuthorizers(t *testing.T) {
	cfg := mustLoad(t, `
functions:
  authz: { runtime: nodejs22.x, handler: index.handler, code: testdata/functions/hello }
apis:
  - id: shop
    authorizers:
      tok: { type: token, function: authz, ttl: 5m, validationExpression: '^Bearer .+$' }
      req:
        type: REQUEST
        function: arn:aws:lambda:us-east-1:123456789012:function:other
        identitySource: "method.request.header.X-User, context.sourceIp"
        ttl: 0
      pool: { type: cognito, userPoolArn: "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ab1", ttl: 60 }
  - id: web
    protocol: HTTP
    authorizers:
      jwt: { type: JWT, issuer: "${env:BACKEND}", audience: web }
      lam: { type: request, function: "${stageVariables.fn}", identitySource: [$request.header.X-Key, $context.sourceIp] }
      v1: { type: request, function: authz, payloadFormatVersion: 1.0, ttl: 30, identitySource: $request.querystring.key }
      open: { type: request, function: authz }
`)
	equal(t, "shop authorizers", cfg.APIs[0].Authorizers, []*apimodel.Authorizer{
		{Name: "tok", Type: apimodel.AuthorizerToken, FunctionURI: lambdaURIOf + "authz/invocations",
			IdentitySources: []string{"method.request.header.Authorization"}, IdentityValidationExpression: "^Bearer .+$",
			ResultTTLSeconds: intp(300), Pos: at(7, 7)},
		{Name: "req", Type: apimodel.AuthorizerRequest, FunctionURI: "arn:aws:lambda:us-east-1:123456789012:function:other",
			IdentitySources: []string{"method.request.header.X-User", "context.sourceIp"}, ResultTTLSeconds: intp(0), Pos: at(8, 7)},
		{Name: "pool", Type: apimodel.AuthorizerCognito, IdentitySources: []string{"method.request.header.Authorization"},
			ProviderARNs: []string{"arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Ab1"}, ResultTTLSeconds: intp(60), Pos: at(13, 7)},
	})
	equal(t, "web authorizers", cfg.APIs[1].Authorizers, []*apimodel.Authorizer{
		{Name: "jwt", Type: apimodel.AuthorizerJWT, IdentitySources: []string{"$request.header.Authorization"},
			Issuer: testEnv["BACKEND"], Audience: []string{"web"}, Pos: at(17, 7)},
		{Name: "lam", Type: apimodel.AuthorizerRequest, FunctionURI: lambdaURIOf + "${stageVariables.fn}/invocations",
			IdentitySources: []string{"$request.header.X-Key", "$context.sourceIp"}, PayloadFormatVersion: "2.0", Pos: at(18, 7)},
		{Name: "v1", Type: apimodel.AuthorizerRequest, FunctionURI: lambdaURIOf + "authz/invocations",
			IdentitySources: []string{"$request.querystring.key"}, PayloadFormatVersion: "1.0", ResultTTLSeconds: intp(30), Pos: at(19, 7)},
		// No identity source, no cache key: caching is off rather than shared by all callers.
		{Name: "open", Type: apimodel.AuthorizerRequest, FunctionURI: lambdaURIOf + "authz/invocations",
			PayloadFormatVersion: "2.0", ResultTTLSeconds: intp(0), Pos: at(20, 7)},
	})
}

// TestDecodeRouteAuth: the API's default applies to routes without their own auth; a
// route's string or full auth replaces it; an auth object with neither authorizer nor type
// keeps the default's authorizer; apiKeyRequired applies on top of whichever auth is left.
func TestDecodeRouteAuth(t *testing.T) {
	cfg := mustLoad(t, `
apis:
  - id: web
    protocol: HTTP
    authorizers:
      jwt: { type: jwt, issuer: "https://id.example.com", audience: web }
      other: { type: jwt, issuer: "https://other.example.com", audience: web }
    routes:
      GET /inherits: { mock: {} }
      GET /scopes: { mock: {}, auth: { scopes: [write] } }
      GET /other: { mock: {}, auth: other }
      GET /iam: { mock: {}, auth: iam }
      GET /none: { mock: {}, auth: NONE }
      GET /typed: { mock: {}, auth: { authorizer: other, type: JWT } }
    auth: { authorizer: jwt, scopes: [read] }
  - id: shop
    auth: { apiKeyRequired: true }
    routes:
      GET /key: { mock: {} }
      GET /public: { mock: {}, apiKeyRequired: false }
      GET /iam: { mock: {}, auth: AWS_IAM, apiKeyRequired: true }
      GET /open: { mock: {}, auth: none }
  - id: plain
    routes:
      GET /none: { mock: {} }
      GET /key: { mock: {}, apiKeyRequired: true }
      GET /obj: { mock: {}, auth: { type: iam, apiKeyRequired: true } }
`)
	auths := func(api *apimodel.API) []*apimodel.RouteAuth {
		var out []*apimodel.RouteAuth
		for _, r := range api.Routes {
			out = append(out, r.Auth)
		}
		return out
	}
	def := at(15, 11)
	equal(t, "web", auths(cfg.APIs[0]), []*apimodel.RouteAuth{
		{Type: apimodel.AuthJWT, Authorizer: "jwt", Scopes: []string{"read"}, Pos: def},
		{Type: apimodel.AuthJWT, Authorizer: "jwt", Scopes: []string{"write"}, Pos: at(10, 38)},
		{Type: apimodel.AuthJWT, Authorizer: "other", Pos: at(11, 37)},
		{Type: apimodel.AuthIAM, Pos: at(12, 35)},
		{Type: apimodel.AuthNone, Pos: at(13, 36)},
		{Type: apimodel.AuthJWT, Authorizer: "other", Pos: at(14, 37)},
	})
	equal(t, "shop", auths(cfg.APIs[1]), []*apimodel.RouteAuth{
		{Type: apimodel.AuthNone, APIKeyRequired: true, Pos: at(17, 11)},
		{Type: apimodel.AuthNone, Pos: at(17, 11)},
		{Type: apimodel.AuthIAM, APIKeyRequired: true, Pos: at(21, 35)},
		{Type: apimodel.AuthNone, Pos: at(22, 36)},
	})
	equal(t, "plain", auths(cfg.APIs[2]), []*apimodel.RouteAuth{
		nil,
		{Type: apimodel.AuthNone, APIKeyRequired: true, Pos: at(26, 7)},
		{Type: apimodel.AuthIAM, APIKeyRequired: true, Pos: at(27, 35)},
	})
}

func TestDecodeKeysPlansAccessKeys(t *testing.T) {
	cfg := mustLoad(t, `
settings: { iam: { maxSkew: 1m, allowUnsignedPayload: true } }
apis:
  - { id: shop, name: Shop, stages: { dev: {}, prod: {} } }
  - { id: solo, name: Solo }
apiKeys:
  - name: partner
    value: "${env:BACKEND}-0123"
    plans: [gold]
  - { name: generated, id: k123, description: made on first start, disabled: true }
usagePlans:
  gold:
    id: gold1
    stages:
      - { api: Shop, stage: prod, throttle: { "/pets/GET": { rateLimit: 1.5, burstLimit: 3 } } }
      - api: solo
    throttle: { rateLimit: 10, burstLimit: 0 }
    quota: { limit: 100, period: WEEK, offset: 6 }
accessKeys:
  - id: AKIAIOSFODNN7EXAMPLE
    secret: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
    principal: arn:aws:iam::123456789012:user/alice
    policy:
      Version: 2012-10-17
      Statement: [{ Effect: Allow, Action: "execute-api:Invoke", Resource: "*", Condition: { NumericLessThan: { n: 3 }, Bool: { b: true } } }]
`)
	equal(t, "iam", cfg.Settings.IAM, apimodel.IAMSettings{MaxSkew: time.Minute, AllowUnsignedPayload: true})
	equal(t, "api keys", cfg.APIKeys, []*apimodel.APIKey{
		{Name: "partner", Value: testEnv["BACKEND"] + "-0123", Plans: []string{"gold"}, Pos: at(7, 5)},
		{Name: "generated", ID: "k123", Description: "made on first start", Disabled: true, Pos: at(10, 7)},
	})
	if cfg.APIKeys[0].Value != testEnv["BACKEND"]+"-0123" {
		t.Errorf("value %q", cfg.APIKeys[0].Value)
	}
	equal(t, "usage plans", cfg.UsagePlans, []*apimodel.UsagePlan{{
		Name: "gold", ID: "gold1", Pos: at(12, 3),
		Stages: []*apimodel.UsagePlanStage{
			{APIID: "shop", Stage: "prod", Throttle: map[string]*apimodel.Throttle{"/pets/GET": {RateLimit: 1.5, BurstLimit: 3}}, Pos: at(15, 9)},
			{APIID: "solo", Stage: "dev", Pos: at(16, 9)},
		},
		Throttle: &apimodel.Throttle{RateLimit: 10},
		Quota:    &apimodel.Quota{Limit: 100, Period: "WEEK", Offset: 6},
	}})
	equal(t, "access keys", cfg.AccessKeys, []*apimodel.AccessKey{{
		ID: "AKIAIOSFODNN7EXAMPLE", Secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", PrincipalARN: "arn:aws:iam::123456789012:user/alice",
		Policy:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*","Condition":{"NumericLessThan":{"n":3},"Bool":{"b":true}}}]}`,
		PolicyPos: at(24, 7), Pos: at(20, 5),
	}})
}

func TestDecodeAPIAccess(t *testing.T) {
	cfg := mustLoad(t, `
apis:
  - id: shop
    apiKeySource: AUTHORIZER
    resourcePolicy: |
      {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/DELETE/*"}]}
  - id: web
    protocol: HTTP
    cors:
      allowOrigins: ["*"]
      allowMethods: ["*"]
      allowHeaders: [authorization]
      exposeHeaders: [x-id]
      maxAge: -1
`)
	shop, web := cfg.APIs[0], cfg.APIs[1]
	equal(t, "key source", shop.APIKeySource, "AUTHORIZER")
	equal(t, "policy", strings.TrimSpace(shop.ResourcePolicy), `{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*/DELETE/*"}]}`)
	equal(t, "policy pos", shop.ResourcePolicyPos, at(5, 21))
	equal(t, "cors", web.CORS, &apimodel.CORS{AllowOrigins: []string{"*"}, AllowMethods: []string{"*"},
		AllowHeaders: []string{"authorization"}, ExposeHeaders: []string{"x-id"}, MaxAge: intp(-1), Pos: at(9, 5)})
}

// An openapi entry adds its authorizers to the imported API and replaces its API-level
// settings; its auth default reaches its own routes only.
func TestDecodeAccessOverOpenAPI(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"pets.yaml": "openapi: 3.0.1\n",
		"genkan.yaml": `apis:
  - openapi: pets.yaml
    id: pets
    authorizers:
      tok: { type: token, function: arn:aws:lambda:us-east-1:123456789012:function:f }
    auth: tok
    apiKeySource: HEADER
    routes:
      GET /mine: { mock: {} }
`,
	})
	cfg, err := testLoader().Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	api := cfg.APIs[0]
	if len(api.Authorizers) != 1 || api.Authorizers[0].Name != "tok" || api.APIKeySource != "HEADER" {
		t.Errorf("authorizers %+v, key source %q", api.Authorizers, api.APIKeySource)
	}
	for _, r := range api.Routes {
		switch r.Path {
		case "/pets":
			if r.Auth != nil {
				t.Errorf("imported route got %+v", r.Auth)
			}
		case "/mine":
			if r.Auth == nil || r.Auth.Type != apimodel.AuthCustom || r.Auth.Authorizer != "tok" {
				t.Errorf("entry route got %+v", r.Auth)
			}
		}
	}
}

func TestDecodeAccessErrors(t *testing.T) {
	const fn = "function: arn:aws:lambda:us-east-1:123456789012:function:f"
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"authorizer type", "apis:\n  - id: a\n    authorizers: { x: { type: lambda, " + fn + " } }\n", []string{
			`test.yaml:3:31: type: "lambda" is not one of token, request, jwt, cognito (or AWS's TOKEN, REQUEST, JWT, COGNITO_USER_POOLS)`}},
		{"authorizer without type", "apis:\n  - id: a\n    authorizers:\n      x: { " + fn + " }\n", []string{
			`test.yaml:4:7: missing key "type" in authorizer "x"`}},
		{"authorizer key typo", "apis:\n  - id: a\n    authorizers:\n      x:\n        type: token\n        functon: f\n", []string{
			`test.yaml:6:9: unknown key "functon" in authorizer "x" (did you mean "function"?)`}},
		{"undeclared function", "functions:\n  authz: { runtime: go, code: testdata/functions/gohello }\napis:\n  - id: a\n    authorizers: { x: { type: token, function: authx } }\n", []string{
			`test.yaml:5:48: function: "authx" is not declared in functions (did you mean "authz"?)`}},
		{"bad function name", "apis:\n  - id: a\n    authorizers: { x: { type: token, function: my fn } }\n", []string{
			`test.yaml:3:48: function: "my fn" is not a function name (1-64 letters, digits, '-' or '_', and ${stageVariables.name})`}},
		{"ttl too long", "apis:\n  - id: a\n    authorizers: { x: { type: token, ttl: 3601, " + fn + " } }\n", []string{
			`test.yaml:3:43: ttl: 3601 is more than AWS's maximum of 3600 seconds (1h)`}},
		{"ttl negative", "apis:\n  - id: a\n    authorizers: { x: { type: token, ttl: -1, " + fn + " } }\n", []string{
			`test.yaml:3:43: ttl: -1 is less than 0`}},
		{"ttl fraction", "apis:\n  - id: a\n    authorizers: { x: { type: token, ttl: 1500ms, " + fn + " } }\n", []string{
			`test.yaml:3:43: ttl: "1500ms" is not a whole number of seconds`}},
		{"ttl text", "apis:\n  - id: a\n    authorizers: { x: { type: token, ttl: soon, " + fn + " } }\n", []string{
			`test.yaml:3:43: ttl: "soon" is not a number of seconds or a duration such as 5m`}},
		{"empty identity source entry", "apis:\n  - id: a\n    authorizers: { x: { type: request, identitySource: \"a,,b\", " + fn + " } }\n", []string{
			`test.yaml:3:56: identitySource: "a,,b" has an empty entry`}},
		{"both pool keys", "apis:\n  - id: a\n    authorizers:\n      p:\n        type: cognito\n        userPoolArn: x\n        userPoolArns: [y]\n", []string{
			`test.yaml:7:9: userPoolArn and userPoolArns both list user pools; keep one`}},
		{"reserved name", "apis:\n  - id: a\n    authorizers: { none: { type: token } }\n", []string{
			`test.yaml:3:20: authorizer name "none" is reserved: auth: none means NONE`}},
		{"undeclared authorizer", "apis:\n  - id: a\n    authorizers: { tok: { type: token, " + fn + " } }\n    routes: { GET /: { mock: {}, auth: tk } }\n", []string{
			`test.yaml:4:40: authorizer "tk" is not declared in api "a" (it declares "tok")`}},
		{"undeclared default authorizer, one message for all routes", "apis:\n  - id: a\n    auth: tk\n    routes: { GET /a: { mock: {} }, GET /b: { mock: {} } }\n", []string{
			`test.yaml:3:11: authorizer "tk" is not declared in api "a" (it declares no authorizers)`}},
		{"route auth type", "apis:\n  - id: a\n    routes: { GET /: { mock: {}, auth: { type: root } } }\n", []string{
			`test.yaml:3:48: type: "root" is not one of none, iam, custom, jwt, cognito (or AWS's NONE, AWS_IAM, CUSTOM, JWT, COGNITO_USER_POOLS)`}},
		{"route auth key typo", "apis:\n  - id: a\n    routes: { GET /: { mock: {}, auth: { scope: [a] } } }\n", []string{
			`test.yaml:3:42: unknown key "scope" in auth (did you mean "scopes"?)`}},
		{"empty auth", "apis:\n  - id: a\n    routes: { GET /: { mock: {}, auth: \"\" } }\n", []string{
			`test.yaml:3:40: auth: needs an authorizer name, iam or none`}},
		{"null auth", "apis:\n  - id: a\n    auth:\n", []string{
			`test.yaml:3:11: auth: expected a string, got null`}},
		{"apiKeyRequired twice", "apis:\n  - id: a\n    routes:\n      GET /:\n        mock: {}\n        auth: { type: iam, apiKeyRequired: true }\n        apiKeyRequired: false\n", []string{
			`test.yaml:7:9: apiKeyRequired is set both on the route and in its auth; keep one`}},
		{"apiKeyRequired not a bool", "apis:\n  - id: a\n    routes: { GET /: { mock: {}, apiKeyRequired: 1 } }\n", []string{
			`test.yaml:3:50: apiKeyRequired: expected true or false, got integer 1`}},
		{"apiKeySource", "apis:\n  - id: a\n    apiKeySource: header\n", []string{
			`test.yaml:3:19: apiKeySource: "header" is not one of HEADER, AUTHORIZER`}},
		{"policy not a document", "apis:\n  - id: a\n    resourcePolicy: [a]\n", []string{
			`test.yaml:3:21: resourcePolicy: expected a policy document (a mapping, or its JSON text), got a sequence`}},
		{"policy empty", "apis:\n  - id: a\n    resourcePolicy: \" \"\n", []string{
			`test.yaml:3:21: resourcePolicy: needs a policy document`}},
		{"policy invalid JSON", "apis:\n  - id: a\n    resourcePolicy: '{\"Statement\": '\n", []string{
			`test.yaml:3:21: resource policy: policy document: unexpected end of JSON input`}},
		{"cors key", "apis:\n  - id: a\n    protocol: HTTP\n    cors: { allowOrigin: [x] }\n", []string{
			`test.yaml:4:13: unknown key "allowOrigin" in cors (did you mean "allowOrigins"?)`}},
		{"cors maxAge", "apis:\n  - id: a\n    protocol: HTTP\n    cors: { maxAge: -2 }\n", []string{
			`test.yaml:4:21: maxAge: -2 is less than -1`}},
		{"api keys scalar", "apiKeys: x\napis: [{id: a}]\n", []string{
			`test.yaml:1:10: apiKeys: expected a mapping of names to keys, or a list, got string "x"`}},
		{"api key without name", "apiKeys: [{ value: x }]\napis: [{id: a}]\n", []string{
			`test.yaml:1:11: missing key "name" in api key`}},
		{"api key name in map form", "apiKeys: { k: { name: x } }\napis: [{id: a}]\n", []string{
			`test.yaml:1:17: unknown key "name" in api key`}},
		{"plan stage without api", "apis: [{id: a}]\nusagePlans: { p: { stages: [{ stage: dev }] } }\n", []string{
			`test.yaml:2:29: missing key "api" in usage plan stage`}},
		{"throttle rate", "apis: [{id: a}]\nusagePlans: { p: { throttle: { rateLimit: 0, burstLimit: 1 } } }\n", []string{
			`test.yaml:2:43: rateLimit: 0 must be more than 0`}},
		{"throttle rate text", "apis: [{id: a}]\nusagePlans: { p: { throttle: { rateLimit: fast, burstLimit: 1 } } }\n", []string{
			`test.yaml:2:43: rateLimit: expected a number, got string "fast"`}},
		{"quota offset", "apis: [{id: a}]\nusagePlans: { p: { quota: { limit: 1, period: WEEK, offset: 7 } } }\n", []string{
			`test.yaml:2:61: offset: 7 is more than 6, the last day a WEEK quota may start on`}},
		{"quota limit", "apis: [{id: a}]\nusagePlans: { p: { quota: { limit: 0, period: DAY } } }\n", []string{
			`test.yaml:2:36: limit: 0 is less than 1`}},
		{"plan names ambiguous", "apis: [{id: a, name: Same}, {id: b, name: Same}]\nusagePlans: { p: { stages: [{ api: Same }] } }\n", []string{
			`test.yaml:2:29: usage plan "p": apis "a", "b" are all named "Same"; name the api by its id`}},
		{"access key missing keys", "apis: [{id: a}]\naccessKeys: [{ policy: {} }]\n", []string{
			`test.yaml:2:14: missing key "id" in access key`,
			`test.yaml:2:14: missing key "secret" in access key`,
			`test.yaml:2:14: missing key "principal" in access key`,
		}},
		{"iam settings", "settings: { iam: { maxSkew: 5 } }\napis: [{id: a}]\n", []string{
			`test.yaml:1:29: maxSkew: 5 has no unit; write it like 5ms or 5s`}},
		{"iam settings typo", "settings: { iam: { allowUnsigned: true } }\napis: [{id: a}]\n", []string{
			`test.yaml:1:20: unknown key "allowUnsigned" in iam (did you mean "allowUnsignedPayload"?)`}},
		{"access keys only in sam entry", "apis:\n  - sam: ./t.yaml\n    auth: iam\n", []string{
			`test.yaml:2:10: sam: ./t.yaml: cannot read: no such file or directory`,
			`test.yaml:3:5: key "auth" cannot be used with sam: a SAM template declares its own APIs`,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := loadString(t, tc.src)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestSecretsNotInProblems: however a key value or secret access key is malformed, no
// problem quotes it.
func TestSecretsNotInProblems(t *testing.T) {
	const secret = "Sup3rS3cretValue"
	for _, value := range []string{
		secret,                            // too short for an API key
		secret + "${env:" + secret,        // unclosed reference
		"${env:" + secret + "-x}",         // bad variable name
		secret + "${env:1" + secret + "}", // bad variable name after the secret
		"[" + secret + "]",                // a sequence
		"{ k: " + secret + " }",           // a mapping
	} {
		src := "apis: [{id: a}]\napiKeys: { k: { value: " + value + " } }\naccessKeys: [{ id: AKIAIOSFODNN7EXAMPLE, principal: arn:aws:iam::123456789012:user/a, secret: " + value + " }]\n"
		_, got := loadString(t, src)
		if len(got) == 0 {
			t.Errorf("value %s: no problem reported", value)
		}
		for _, line := range got {
			if strings.Contains(line, secret) {
				t.Errorf("value %s: problem shows the secret: %s", value, line)
			}
		}
	}
}
