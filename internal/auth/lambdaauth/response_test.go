package lambdaauth

import (
	"errors"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/auth/policy"
)

func TestParseResponse(t *testing.T) {
	arn := arnFor("prod", "GET", "/pets")
	cases := []struct {
		name     string
		format   responseFormat
		out      string
		err      string // substring; "" means valid
		decision policy.Decision
		context  string // JSON of the parsed context
		usage    string
	}{
		{name: "documented output", format: formatPolicyREST, decision: policy.Allow, usage: "key",
			out:     `{"principalId":"yyyyyyyy","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"` + arn + `"}]},"context":{"stringKey":"value","numberKey":"1","booleanKey":"true"},"usageIdentifierKey":"key"}`,
			context: `{"booleanKey":"true","numberKey":"1","stringKey":"value"}`},
		{name: "lists everywhere", format: formatPolicyREST, decision: policy.Allow,
			out: `{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":["execute-api:Invoke"],"Effect":"Allow","Resource":["arn:x","` + arn + `"]}]}}`},
		{name: "typed context values", format: formatPolicyREST, decision: policy.Allow,
			out:     `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"context":{"n":12345678901234567890,"b":true,"z":null}}`,
			context: `{"b":true,"n":12345678901234567890}`},
		{name: "null context", format: formatPolicyREST, decision: policy.Allow, context: `null`,
			out: `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"context":null}`},
		{name: "array in REST context", format: formatPolicyREST, err: "context.a: REST API authorizer context values must be strings, numbers or booleans, not an array",
			out: `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"context":{"a":["hello"]}}`},
		{name: "object in REST context", format: formatPolicyREST, err: "not an object",
			out: `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"context":{"o":{"id":3}}}`},
		{name: "object in HTTP API context", format: formatPolicyHTTP, decision: policy.Allow, context: `{"o":{"id":3}}`,
			out: `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"context":{"o":{"id":3}}}`},
		{name: "context not an object", format: formatPolicyREST, err: "context must be an object",
			out: `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"context":"x"}`},
		{name: "no principalId", format: formatPolicyREST, err: "principalId",
			out: `{"policyDocument":` + policyJSON("Allow", "*") + `}`},
		{name: "numeric principalId", format: formatPolicyREST, err: "principalId",
			out: `{"principalId":7,"policyDocument":` + policyJSON("Allow", "*") + `}`},
		{name: "no policyDocument", format: formatPolicyREST, err: "policyDocument is missing", out: `{"principalId":"p"}`},
		{name: "lower-case statement", format: formatPolicyREST, err: "Statement is missing",
			out: `{"principalId":"p","policyDocument":{"version":"2012-10-17","statement":[]}}`},
		{name: "null Condition", format: formatPolicyREST, err: "Condition",
			out: `{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*","Condition":null}]}}`},
		{name: "effect misspelt", format: formatPolicyREST, err: "Effect",
			out: `{"principalId":"p","policyDocument":` + policyJSON("allow", "*") + `}`},
		{name: "usage key not a string", format: formatPolicyREST, err: "usageIdentifierKey",
			out: `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"usageIdentifierKey":5}`},
		{name: "usage key ignored by HTTP APIs", format: formatPolicyHTTP, decision: policy.Allow,
			out: `{"principalId":"p","policyDocument":` + policyJSON("Allow", "*") + `,"usageIdentifierKey":5}`},
		{name: "Deny", format: formatPolicyHTTP, decision: policy.Deny,
			out: `{"principalId":"p","policyDocument":` + policyJSON("Deny", "*") + `}`},
		{name: "not an object", format: formatPolicyREST, err: "not a JSON object", out: `"Allow"`},
		{name: "empty output", format: formatSimple, err: "not a JSON object", out: ``},
		{name: "simple", format: formatSimple, decision: policy.Allow, context: `{"exampleKey":"exampleValue"}`,
			out: `{"isAuthorized":true,"context":{"exampleKey":"exampleValue"}}`},
		{name: "simple false", format: formatSimple, decision: policy.ImplicitDeny, out: `{"isAuthorized":false}`},
		{name: "simple null", format: formatSimple, err: "isAuthorized", out: `{"isAuthorized":null}`},
		{name: "simple missing", format: formatSimple, err: "isAuthorized", out: `{"context":{}}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseResponse([]byte(tc.out), tc.format)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, errMalformed) {
					t.Fatalf("err = %v, want a malformed-response error mentioning %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := policy.ImplicitDeny
			switch {
			case r.simple && r.authorized:
				d = policy.Allow
			case !r.simple:
				d = r.policy.Evaluate(&policy.Request{Action: policy.InvokeAction, Resource: arn})
			}
			if d != tc.decision {
				t.Errorf("decision %v, want %v", d, tc.decision)
			}
			if tc.context != "" && show(r.context) != tc.context {
				t.Errorf("context %s, want %s", show(r.context), tc.context)
			}
			if r.usageKey != tc.usage {
				t.Errorf("usageIdentifierKey %q, want %q", r.usageKey, tc.usage)
			}
		})
	}
}

func TestFunctionError(t *testing.T) {
	cases := []struct {
		out          string
		unauthorized bool
	}{
		{`{"errorMessage":"Unauthorized","errorType":"Error","trace":["Error: Unauthorized"]}`, true},
		{`{"errorType":"Exception","errorMessage":"Unauthorized"}`, true},
		{`{"errorMessage":"unauthorized"}`, false},
		{`{"errorMessage":"Unauthorized "}`, false},
		{`{"errorType":"Unauthorized"}`, false},
		{`Unauthorized`, false},
	}
	for _, tc := range cases {
		if got, _ := functionError([]byte(tc.out)); got != tc.unauthorized {
			t.Errorf("functionError(%s) = %v, want %v", tc.out, got, tc.unauthorized)
		}
	}
}

// The fixture a Lambda authorizer returns in aws-lambda-go's tests, with its placeholder
// Effect and Resource made concrete.
func TestResponseFixture(t *testing.T) {
	out := strings.NewReplacer(`"Allow|Deny"`, `"Allow"`,
		"arn:aws:execute-api:{regionId}:{accountId}:{appId}/{stage}/{httpVerb}/[{resource}/[child-resources]]", arnFor("prod", "GET", "/pets"),
	).Replace(string(readFixture(t, "aws-lambda-go/apigw-custom-auth-response.json")))
	r, err := parseResponse([]byte(out), formatPolicyREST)
	if err != nil {
		t.Fatal(err)
	}
	if r.principalID != "yyyyyyyy" || r.usageKey != "{api-key}" || len(r.context) != 3 {
		t.Errorf("parsed %+v", r)
	}
	if d := r.policy.Evaluate(&policy.Request{Action: policy.InvokeAction, Resource: arnFor("prod", "GET", "/pets")}); d != policy.Allow {
		t.Errorf("decision %v", d)
	}
}
