package access_test

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/jwt/jwttest"
	"github.com/genkanhq/genkan/internal/compile"
)

// jwtAPI is an HTTP API whose GET /pets needs a JWT with scope pets/read from p.
func jwtAPI(p *jwttest.IDP) *apimodel.Config {
	return &apimodel.Config{APIs: []*apimodel.API{{
		ID: "jwtapi", Protocol: apimodel.ProtocolHTTP,
		Stages: []*apimodel.Stage{{Name: apimodel.DefaultStage}},
		Authorizers: []*apimodel.Authorizer{{
			Name: "oidc", Type: apimodel.AuthorizerJWT, Issuer: p.Issuer(), Audience: []string{"app"},
			IdentitySources: []string{"$request.header.Authorization"},
		}},
		Routes: []*apimodel.Route{
			mockRoute("GET", "/pets", "pets-secret", &apimodel.RouteAuth{Type: apimodel.AuthJWT, Authorizer: "oidc", Scopes: []string{"pets/read"}}),
			mockRoute("GET", "/admin", "admin-secret", &apimodel.RouteAuth{Type: apimodel.AuthJWT, Authorizer: "oidc", Scopes: []string{"admin"}}),
			mockRoute("GET", "/open", "open", nil),
		},
	}}}
}

func TestJWTAuthorizerEndToEnd(t *testing.T) {
	p := jwttest.New(t)
	base := serve(t, jwtAPI(p), compile.Deps{})
	pubDER, err := x509.MarshalPKIXPublicKey(&p.RSA.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	attackerJWK, _ := jwk.PublicKeyOf(&p.Attacker.PublicKey)
	attackerJWK.Set(jwk.KeyIDKey, "rsa-1")

	now := time.Now()
	cases := []struct {
		name   string
		path   string
		token  string
		status int
		body   string
	}{
		{"RS256 token", "/pets", jwttest.Sign(t, p.RSA, "RS256", "rsa-1", p.Claims(), nil), 200, "pets-secret"},
		{"ES256 token", "/pets", jwttest.Sign(t, p.EC, "ES256", "ec-1", p.Claims(), nil), 200, "pets-secret"},
		{"Bearer-less token", "/pets", "", 401, `{"message":"Unauthorized"}`},
		{"alg none", "/pets", jwttest.Forged(map[string]any{"alg": "none", "kid": "rsa-1"}, p.Claims(), ""), 401, `{"message":"Unauthorized"}`},
		{"HS256 signed with the public key", "/pets", jwttest.Sign(t, pubDER, "HS256", "rsa-1", p.Claims(), nil), 401, `{"message":"Unauthorized"}`},
		{"embedded jwk", "/pets", jwttest.Sign(t, p.Attacker, "RS256", "rsa-1", p.Claims(), map[string]any{"jwk": attackerJWK}), 401, `{"message":"Unauthorized"}`},
		{"jku to another JWKS", "/pets", jwttest.Sign(t, p.Attacker, "RS256", "x", p.Claims(), map[string]any{"jku": "http://127.0.0.1:1/jwks.json"}), 401, `{"message":"Unauthorized"}`},
		{"kid path traversal", "/pets", jwttest.Sign(t, p.Attacker, "RS256", "../../../dev/null", p.Claims(), nil), 401, `{"message":"Unauthorized"}`},
		{"kid of the EC key on an RSA signature", "/pets", jwttest.Sign(t, p.RSA, "RS256", "ec-1", p.Claims(), nil), 401, `{"message":"Unauthorized"}`},
		{"signed by another key", "/pets", jwttest.Sign(t, p.Attacker, "RS256", "rsa-1", p.Claims(), nil), 401, `{"message":"Unauthorized"}`},
		{"expired", "/pets", jwttest.Sign(t, p.RSA, "RS256", "rsa-1", p.Claims("exp", now.Add(-time.Minute).Unix()), nil), 401, `{"message":"Unauthorized"}`},
		{"not yet valid", "/pets", jwttest.Sign(t, p.RSA, "RS256", "rsa-1", p.Claims("nbf", now.Add(time.Hour).Unix()), nil), 401, `{"message":"Unauthorized"}`},
		{"no exp", "/pets", jwttest.Sign(t, p.RSA, "RS256", "rsa-1", p.Claims("exp", nil), nil), 401, `{"message":"Unauthorized"}`},
		{"wrong issuer", "/pets", jwttest.Sign(t, p.RSA, "RS256", "rsa-1", p.Claims("iss", "https://evil.example"), nil), 401, `{"message":"Unauthorized"}`},
		{"wrong audience", "/pets", jwttest.Sign(t, p.RSA, "RS256", "rsa-1", p.Claims("aud", "other"), nil), 401, `{"message":"Unauthorized"}`},
		{"missing scope", "/admin", jwttest.Sign(t, p.RSA, "RS256", "rsa-1", p.Claims(), nil), 403, `{"message":"Forbidden"}`},
		{"open route", "/open", "", 200, "open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.token != "" {
				hdr = []string{"Authorization", "Bearer " + tc.token}
			}
			res := get(t, base+tc.path, hdr...)
			if res.status != tc.status || res.body != tc.body {
				t.Fatalf("got %d %s, want %d %s", res.status, res.body, tc.status, tc.body)
			}
			if tc.status == 401 && res.header.Get("Www-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	if n := p.Fetches.Load(); n < 1 || n > 3 {
		t.Errorf("JWKS fetched %d times; want the cache to serve (unseen kids may refetch once per interval)", n)
	}
}

// A REST COGNITO_USER_POOLS authorizer against a local issuer standing in for the pool: ID
// tokens pass, access tokens need the method's scopes, and claims arrive as REST renders them.
func TestCognitoAuthorizerEndToEnd(t *testing.T) {
	p := jwttest.New(t)
	cfg := &apimodel.Config{APIs: []*apimodel.API{{
		ID: "cog", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: "dev"}},
		Authorizers: []*apimodel.Authorizer{{
			Name: "pool", Type: apimodel.AuthorizerCognito, CognitoIssuer: p.Issuer(),
			ProviderARNs:    []string{"arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Example"},
			IdentitySources: []string{"method.request.header.Authorization"},
		}},
		Routes: []*apimodel.Route{
			mockRoute("GET", "/profile", "profile", &apimodel.RouteAuth{Type: apimodel.AuthCognito, Authorizer: "pool"}),
			mockRoute("GET", "/orders", "orders", &apimodel.RouteAuth{Type: apimodel.AuthCognito, Authorizer: "pool", Scopes: []string{"orders/read"}}),
		},
	}}}
	base := serve(t, cfg, compile.Deps{}) + "/dev"
	id := p.Claims("token_use", "id", "aud", "client-1")
	access := p.Claims("token_use", "access", "aud", nil, "client_id", "client-1", "scope", "orders/read")
	cases := []struct {
		name, path, token string
		status            int
		body              string
	}{
		{"ID token", "/profile", p.Token(t, id), 200, "profile"},
		{"ID token where scopes are required", "/orders", p.Token(t, id), 401, `{"message":"Unauthorized"}`},
		{"access token with the scope", "/orders", p.Token(t, access), 200, "orders"},
		{"expired", "/profile", p.Token(t, p.Claims("token_use", "id", "aud", "client-1", "exp", time.Now().Add(-time.Hour).Unix())), 401, `{"message":"The incoming token has expired"}`},
		{"no token", "/profile", "", 401, `{"message":"Unauthorized"}`},
		{"ES256 (Cognito signs RS256 only)", "/profile", jwttest.Sign(t, p.EC, "ES256", jwttest.ECKid, id, nil), 401, `{"message":"Unauthorized"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.token != "" {
				hdr = []string{"Authorization", tc.token} // REST Cognito: the raw token, no Bearer
			}
			res := get(t, base+tc.path, hdr...)
			if res.status != tc.status || res.body != tc.body {
				t.Fatalf("got %d %s, want %d %s", res.status, res.body, tc.status, tc.body)
			}
		})
	}
}
