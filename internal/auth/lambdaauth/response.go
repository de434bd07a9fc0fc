package lambdaauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/genkanhq/genkan/internal/auth/policy"
)

// result is a Lambda authorizer's parsed output: what the cache keeps, so that a cached result
// is judged against each request's own method ARN. It is immutable once parsed.
type result struct {
	// simple is an HTTP API simple response; authorized is its isAuthorized.
	simple     bool
	authorized bool
	// policy is the IAM policy of a policy response.
	policy      *policy.Policy
	principalID string
	// context is the function's context, nil when it returned none; shared by every request
	// the result serves, so never modified.
	context  map[string]any
	usageKey string
}

// responseFormat is what a function's output must look like.
type responseFormat uint8

const (
	// formatPolicyREST: {"principalId", "policyDocument", "context", "usageIdentifierKey"};
	// context values must be strings, numbers or booleans.
	formatPolicyREST responseFormat = iota
	// formatPolicyHTTP: {"principalId", "policyDocument", "context"} of an HTTP API authorizer.
	formatPolicyHTTP
	// formatSimple: {"isAuthorized": bool, "context": {...}} (HTTP APIs, enableSimpleResponses).
	formatSimple
)

// errMalformed marks outputs AWS rejects with a 500 AUTHORIZER_CONFIGURATION_ERROR ("Execution
// failed due to configuration error: Could not parse policy" in the execution log,
// ExpanseLLC/lambda_authorizer#1; serverless/examples#305 for a proxy-style response).
var errMalformed = errors.New("malformed authorizer response")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}

// parseResponse parses a function's output. Member names are matched exactly, as AWS does:
// aws-lambda-java-libs#184 got "Unable to parse given policy" from lower-case ones.
func parseResponse(out []byte, f responseFormat) (*result, error) {
	top, err := members(out)
	if err != nil {
		return nil, malformed("the output is not a JSON object")
	}
	r := &result{}
	if raw, ok := top["context"]; ok {
		if r.context, err = parseContext(raw, f == formatPolicyREST); err != nil {
			return nil, err
		}
	}
	if f == formatSimple {
		// AWS reads isAuthorized as a boolean; the string "true" authorizes nobody
		// (ministackorg/ministack#1370 fixed an emulator that let "false" through).
		raw, ok := top["isAuthorized"]
		if !ok || isNull(raw) || json.Unmarshal(raw, &r.authorized) != nil {
			return nil, malformed(`isAuthorized must be true or false`)
		}
		r.simple = true
		return r, nil
	}

	// The developer guide: the output "must include the principal identifier (principalId)
	// and a policy document (policyDocument)".
	raw, ok := top["principalId"]
	if !ok || isNull(raw) || json.Unmarshal(raw, &r.principalID) != nil || r.principalID == "" {
		return nil, malformed("principalId must be a non-empty string")
	}
	raw, ok = top["policyDocument"]
	if !ok || isNull(raw) {
		return nil, malformed("policyDocument is missing")
	}
	// policy.Parse rejects what changes a policy's meaning, e.g. "Condition": null, which AWS
	// also refuses with AuthorizerConfigurationException (aws/aws-lambda-dotnet#2022,
	// aws/aws-lambda-rust-runtime#863).
	if r.policy, _, err = policy.Parse(raw); err != nil {
		return nil, malformed("policyDocument: %v", err)
	}
	// HTTP APIs have no usage plans, so the member means nothing to them.
	if raw, ok := top["usageIdentifierKey"]; ok && f == formatPolicyREST && !isNull(raw) {
		if json.Unmarshal(raw, &r.usageKey) != nil {
			return nil, malformed("usageIdentifierKey must be a string")
		}
	}
	return r, nil
}

// parseContext decodes the context member. REST APIs accept only string, number and boolean
// values and fail the request with AUTHORIZER_CONFIGURATION_ERROR on an object or array
// (developer guide: "you cannot set a JSON object or array as a valid value of any key in the
// context map"; measured in dherault/serverless-offline#1376 and #533).
// A null value is dropped rather than failed: no source says what AWS does with one. HTTP APIs
// pass the context on as returned, objects included (requestContext.authorizer.lambda; apps
// read nested members from it).
func parseContext(raw json.RawMessage, scalarsOnly bool) (map[string]any, error) {
	if isNull(raw) {
		return nil, nil
	}
	if firstByte(raw) != '{' {
		return nil, malformed("context must be an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, malformed("context: %v", err)
	}
	if !scalarsOnly {
		return m, nil
	}
	for k, v := range m {
		switch v.(type) {
		case string, json.Number, bool:
		case nil:
			delete(m, k)
		default:
			return nil, malformed("context.%s: REST API authorizer context values must be strings, numbers or booleans, not %s", k, jsonKind(v))
		}
	}
	return m, nil
}

// functionError reads a function error document ({"errorMessage": ..., "errorType": ...}) and
// reports whether it is the one failure AWS turns into 401: an error whose message is exactly
// "Unauthorized" (developer guide blueprints; auth0-samples/jwt-rsa-aws-custom-authorizer#6:
// "including any other text ... results in a 500 response").
func functionError(out []byte) (unauthorized bool, message string) {
	var doc struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if json.Unmarshal(out, &doc) != nil || doc.ErrorMessage == nil {
		return false, fmt.Sprintf("%.256s", out)
	}
	return *doc.ErrorMessage == "Unauthorized", *doc.ErrorMessage
}

func members(data []byte) (map[string]json.RawMessage, error) {
	if firstByte(data) != '{' {
		return nil, errors.New("not an object")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

func firstByte(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

func jsonKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}
