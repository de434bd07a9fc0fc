package lambda

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"

	"github.com/genkanhq/genkan/internal/reqctx"
)

// keysOf lists an object's member names, recursively as "a.b", so that shapes compare
// without the recorded values.
func keysOf(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out []string
	for k, sub := range m {
		out = append(out, prefix+k)
		if prefix+k != "jwt.claims" && prefix+k != "claims" {
			out = append(out, keysOf(prefix+k+".", sub)...)
		}
	}
	sort.Strings(out)
	return out
}

// The authorizer member of the proxy event has the shape AWS recorded for each authorizer.
func TestEventAuthorizerShapes(t *testing.T) {
	cases := []struct {
		fixture string
		v1      bool
		ctx     reqctx.Context
	}{
		{"powertools-lambda-typescript/apigw-http/jwt-authorizer-auth.json", false, reqctx.Context{Authorizer: reqctx.Authorizer{
			Kind: reqctx.AuthorizerJWT, Claims: map[string]any{"sub": "x"}}}},
		{"powertools-lambda-typescript/apigw-http/iam-auth.json", false, reqctx.Context{
			Authorizer: reqctx.Authorizer{Kind: reqctx.AuthorizerIAM},
			Identity:   reqctx.Identity{AccessKey: "AKIA", AccountID: "123456789012", Caller: "AKIA", User: "AKIA", UserARN: "arn:aws:iam::123456789012:user/a"}}},
		{"powertools-lambda-typescript/apigw-http/lambda-authorizer-auth.json", false, reqctx.Context{Authorizer: reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, PrincipalID: "user"}}},
		{"powertools-lambda-typescript/apigw-rest/jwt-authorizer-auth.json", true, reqctx.Context{Authorizer: reqctx.Authorizer{
			Kind: reqctx.AuthorizerCognito, Claims: map[string]any{"sub": "x"}}}},
		{"powertools-lambda-typescript/apigw-rest/lambda-authorizer-auth.json", true, reqctx.Context{Authorizer: reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, PrincipalID: "user"}}},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			var ev struct {
				RequestContext struct {
					Authorizer any `json:"authorizer"`
				} `json:"requestContext"`
			}
			if err := json.Unmarshal(readFixture(t, tc.fixture), &ev); err != nil {
				t.Fatal(err)
			}
			var got any
			if tc.v1 {
				got = authorizerV1(&tc.ctx.Authorizer)
			} else {
				got = authorizerV2(&tc.ctx)
			}
			b, _ := json.Marshal(got)
			var norm any
			json.Unmarshal(b, &norm)
			want, have := keysOf("", ev.RequestContext.Authorizer), keysOf("", norm)
			if !reflect.DeepEqual(want, have) {
				t.Fatalf("members %v, AWS recorded %v", have, want)
			}
		})
	}
	var none reqctx.Context
	if authorizerV1(&none.Authorizer) != nil || authorizerV2(&none) != nil {
		t.Fatal("an event without an authorizer has an authorizer member")
	}
}
