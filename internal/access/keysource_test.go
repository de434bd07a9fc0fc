package access_test

import (
	"context"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/integration/lambda"
)

// With apiKeySource AUTHORIZER the key is the Lambda authorizer's usageIdentifierKey, and an
// x-api-key header counts for nothing.
func TestAPIKeyFromAuthorizer(t *testing.T) {
	keys := &memKeys{value: "from-authorizer-0123456789"}
	inv := lambda.InvokerFunc(func(_ context.Context, _ string, payload []byte) ([]byte, string, error) {
		key := "wrong-key-00000000000000"
		if contains(string(payload), `"authorizationToken":"good"`) {
			key = keys.value
		}
		return []byte(`{"principalId":"u","usageIdentifierKey":"` + key + `","policyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}}`), "", nil
	})
	cfg := &apimodel.Config{
		Functions: []*apimodel.Function{{Name: "authz", Runtime: "provided.al2023", Code: "/nonexistent"}},
		APIs: []*apimodel.API{{
			ID: "ks", Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: "dev"}},
			APIKeySource: apimodel.APIKeySourceAuthorizer,
			Authorizers: []*apimodel.Authorizer{{Name: "tok", Type: apimodel.AuthorizerToken, FunctionURI: "authz",
				IdentitySources: []string{"method.request.header.Authorization"}, ResultTTLSeconds: new(int)}},
			Routes: []*apimodel.Route{mockRoute("GET", "/k", "keyed", &apimodel.RouteAuth{Type: apimodel.AuthCustom, Authorizer: "tok", APIKeyRequired: true})},
		}},
	}
	base := serve(t, cfg, compile.Deps{Lambda: inv, Keys: keys}) + "/dev"
	cases := []struct {
		name    string
		headers []string
		status  int
	}{
		{"authorizer returns a valid key", []string{"Authorization", "good"}, 200},
		{"authorizer returns an unknown key", []string{"Authorization", "other"}, 403},
		{"a valid x-api-key header is not the source", []string{"Authorization", "other", "x-api-key", keys.value}, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if res := get(t, base+"/k", tc.headers...); res.status != tc.status {
				t.Fatalf("got %d %s, want %d", res.status, res.body, tc.status)
			}
		})
	}
	if n := keys.records.Load(); n != 1 {
		t.Errorf("usage recorded %d times, want once (the allowed request)", n)
	}
}
