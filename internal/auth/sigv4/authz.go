package sigv4

import (
	"fmt"
	"strings"
)

// Authorization is a parsed SigV4 Authorization header:
//
//	AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=hex
//
// Fields the header lacks are empty; Verify reports them together, as AWS does.
type Authorization struct {
	Algorithm     string
	Credential    string
	SignedHeaders string
	Signature     string
}

// ParseAuthorization splits an Authorization header the way AWS's front end does: the
// algorithm is the first word, and the rest are key=value pairs separated by commas and/or
// spaces. A word without '=' is an IncompleteSignatureException naming it ("'sometoken' not a
// valid key=value pair (missing equal-sign) in Authorization header: 'Bearer sometoken'.",
// serverless/serverless#3205); that splitting on spaces is why a stray space after
// "Credential=" produces the same error (iann0036/cloud9-sync#10). Unknown keys are ignored
// and a repeated key keeps its last value.
func ParseAuthorization(header string) (Authorization, error) {
	var a Authorization
	h := strings.TrimSpace(header)
	alg, rest, _ := strings.Cut(h, " ")
	a.Algorithm = alg
	for _, word := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ' ' }) {
		k, v, ok := strings.Cut(word, "=")
		if !ok {
			return Authorization{}, errMissingEqualSign(word, header)
		}
		switch k {
		case "Credential":
			a.Credential = v
		case "SignedHeaders":
			a.SignedHeaders = v
		case "Signature":
			a.Signature = v
		}
	}
	return a, nil
}

// Scope is the credential scope of a signature: AKID/date/region/service/aws4_request.
type Scope struct {
	AccessKeyID string
	Date        string
	Region      string
	Service     string
	Terminator  string
}

// String is the scope as it appears in the string to sign (without the access key id).
func (s Scope) String() string {
	return s.Date + "/" + s.Region + "/" + s.Service + "/" + s.Terminator
}

// parseCredential splits a Credential value into its five parts.
func parseCredential(cred string) (Scope, *Error) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return Scope{}, errIncomplete(fmt.Sprintf(
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", cred))
	}
	return Scope{AccessKeyID: parts[0], Date: parts[1], Region: parts[2], Service: parts[3], Terminator: parts[4]}, nil
}

// checkScope compares the scope with what this gateway expects and reports every mismatch at
// once, each sentence followed by a space as AWS sends it ("Credential should be scoped to a
// valid region, not 'us-east-1'. Credential should be scoped to correct service:
// 'execute-api'. ", Kong/insomnia#830). The region named is the one the client used.
func checkScope(s Scope, region, service, signedAt string) *Error {
	var b strings.Builder
	if region != "" && s.Region != region {
		fmt.Fprintf(&b, "Credential should be scoped to a valid region, not '%s'. ", s.Region)
	}
	if s.Service != service {
		fmt.Fprintf(&b, "Credential should be scoped to correct service: '%s'. ", service)
	}
	if s.Terminator != "aws4_request" {
		fmt.Fprintf(&b, "Credential should be scoped with a valid terminator: 'aws4_request', not '%s'. ", s.Terminator)
	}
	if s.Date != signedAt[:8] {
		fmt.Fprintf(&b, "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'. ",
			s.Date, signedAt[:8], signedAt)
	}
	if b.Len() == 0 {
		return nil
	}
	return errInvalid(b.String())
}

// signedHeaderNames splits SignedHeaders ("host;x-amz-date") into lower-case names.
func signedHeaderNames(list string) []string {
	names := strings.Split(list, ";")
	for i, n := range names {
		names[i] = strings.ToLower(strings.TrimSpace(n))
	}
	return names
}

// Query-string (presigned) parameters.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"
)

// missingQueryParams: "AWS query-string parameters must include 'X-Amz-Credential'. ...
// Re-examine the query-string parameters." (AWS front end, as recorded by dynalite).
func missingQueryParams(q queryParams) string {
	var b strings.Builder
	for _, p := range []string{paramAlgorithm, paramCredential, paramSignature, paramSignedHeaders, paramDate} {
		if q.get(p) == "" {
			b.WriteString("AWS query-string parameters must include '" + p + "'. ")
		}
	}
	if b.Len() == 0 {
		return ""
	}
	b.WriteString("Re-examine the query-string parameters.")
	return b.String()
}
