package lambdaauth

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/genkanhq/genkan/internal/auth/policy"
)

// FuzzParseResponse feeds arbitrary function output to the parser: it must never panic, must
// fail only with a malformed-response error, and whatever it accepts must be usable — a policy
// that evaluates, and a context that encodes back to JSON (it travels on in events).
func FuzzParseResponse(f *testing.F) {
	for _, seed := range []string{
		allowOutput("u", "*"),
		`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":{"Action":"*","Effect":"Deny","NotResource":["a","b"],"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}},"context":{"a":1}}`,
		`{"isAuthorized":true,"context":{"n":{"deep":[1,2,{"x":null}]}}}`,
		`{"errorMessage":"Unauthorized"}`,
		`null`,
	} {
		for format := range 3 {
			f.Add([]byte(seed), uint8(format))
		}
	}
	f.Fuzz(func(t *testing.T, out []byte, format uint8) {
		r, err := parseResponse(out, responseFormat(format%3))
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("error %v is not a malformed-response error", err)
			}
			return
		}
		if !r.simple {
			r.policy.Evaluate(&policy.Request{Action: policy.InvokeAction, Resource: "arn:aws:execute-api:us-east-1:1:a/s/GET/"})
			if r.principalID == "" {
				t.Fatal("accepted an empty principalId")
			}
		}
		if _, err := json.Marshal(r.context); err != nil {
			t.Fatalf("context does not encode: %v", err)
		}
	})
}
