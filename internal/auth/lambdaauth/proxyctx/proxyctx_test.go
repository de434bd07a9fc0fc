package proxyctx

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/reqctx"
)

const fixtures = "../../../../../shared/fixtures"

// fixtureAuthorizer returns requestContext.authorizer of a recorded or documented event.
func fixtureAuthorizer(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("fixture %s: %v", name, err)
		}
		t.Skipf("fixture %s: %v", name, err)
	}
	var ev struct {
		RequestContext struct {
			Authorizer json.RawMessage `json:"authorizer"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatal(err)
	}
	return canonical(t, ev.RequestContext.Authorizer)
}

// canonical re-encodes JSON with sorted keys, so that documents compare as text.
func canonical(t *testing.T, b []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func encode(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return canonical(t, b)
}

func TestMatchesFixtures(t *testing.T) {
	cases := []struct {
		fixture string
		a       reqctx.Authorizer
		render  func(*reqctx.Authorizer) map[string]any
	}{
		// Recorded on AWS: a TOKEN authorizer without context in front of a REST proxy.
		{"powertools-lambda-typescript/apigw-rest/lambda-authorizer-auth.json",
			reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, PrincipalID: "user", IntegrationLatency: 422 * time.Millisecond}, V1},
		{"powertools-lambda-python/apiGatewayProxyEventPrincipalId.json",
			reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, PrincipalID: "fake", IntegrationLatency: 451 * time.Millisecond,
				Context: map[string]any{"user_id": "fake_username"}}, V1},
		// Recorded on AWS: an HTTP API simple response without context.
		{"powertools-lambda-typescript/apigw-http/lambda-authorizer-auth.json",
			reqctx.Authorizer{Kind: reqctx.AuthorizerLambda}, V2},
		{"aws-lambda-go/apigw-v2-request-lambda-authorizer.json",
			reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, Context: map[string]any{"key": "value"}}, V2},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			want := fixtureAuthorizer(t, tc.fixture)
			if got := encode(t, tc.render(&tc.a)); got != want {
				t.Errorf("got %s, fixture has %s", got, want)
			}
		})
	}
}

func TestV1StringifiesContext(t *testing.T) {
	a := &reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, PrincipalID: "p", IntegrationLatency: 1500 * time.Microsecond,
		Context: map[string]any{"s": "v", "n": json.Number("123"), "f": json.Number("1.50"), "b": true, "principalId": "spoofed"}}
	want := `{"b":"true","f":"1.50","integrationLatency":1,"n":"123","principalId":"p","s":"v"}`
	if got := encode(t, V1(a)); got != want {
		t.Errorf("V1 = %s, want %s", got, want)
	}
}

func TestNotALambdaAuthorizer(t *testing.T) {
	for _, a := range []*reqctx.Authorizer{nil, {}, {Kind: reqctx.AuthorizerJWT, Claims: map[string]any{"sub": "x"}}} {
		if V1(a) != nil || V2(a) != nil {
			t.Errorf("%+v rendered a Lambda authorizer", a)
		}
	}
	nested := &reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, Context: map[string]any{"o": map[string]any{"id": json.Number("3")}}}
	if got := encode(t, V2(nested)); got != `{"lambda":{"o":{"id":3}}}` {
		t.Errorf("V2 = %s", got)
	}
}
