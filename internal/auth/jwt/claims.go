package jwt

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Result is a verified token.
type Result struct {
	// Claims are the payload as signed, with JSON's types: strings, json.Number, bool, nil,
	// []any and map[string]any.
	Claims map[string]any
	// Scopes are the token's own scopes (scope, else scp); nil when it has none, which
	// payload 2.0 events show as "scopes": null (AWS-recorded event in aws-powertools'
	// jwt-authorizer-auth.json).
	Scopes []string

	// rendered memoizes the claims as each API type renders them: a Result comes from the
	// verified-token cache and is shared by every request carrying the same token.
	httpOnce, restOnce sync.Once
	httpAny, restAny   map[string]any
}

// HTTPClaimValues is HTTPClaims with values typed any, computed once per Result. The map is
// shared: callers must not modify it.
func (r *Result) HTTPClaimValues() map[string]any {
	r.httpOnce.Do(func() { r.httpAny = anyValues(r.HTTPClaims()) })
	return r.httpAny
}

// RESTClaimValues is RESTClaims with values typed any, computed once per Result. The map is
// shared: callers must not modify it.
func (r *Result) RESTClaimValues() map[string]any {
	r.restOnce.Do(func() { r.restAny = anyValues(r.RESTClaims()) })
	return r.restAny
}

func anyValues(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// HTTPClaims renders the claims as HTTP APIs pass them: requestContext.authorizer.jwt.claims
// in payload 2.0 and $context.authorizer.claims.*. Every value is a string:
//   - numbers keep their JSON digits ("exp": "1718722804" in the AWS-recorded
//     powertools-lambda-typescript apigw-http/jwt-authorizer-auth.json);
//   - lists print as Go prints a slice, "[admin users]" (reported from AWS by users parsing
//     cognito:groups, e.g. aws-solutions-library-samples guidance-for-claude-code-with-
//     amazon-bedrock#802); objects and null likewise follow Go's formatting (unverified).
func (r *Result) HTTPClaims() map[string]string {
	out := make(map[string]string, len(r.Claims))
	for k, v := range r.Claims {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		out[k] = fmt.Sprint(v)
	}
	return out
}

// javaDate is java.util.Date#toString in UTC: REST Cognito authorizers render exp and iat
// this way ("exp": "Tue Jun 18 15:00:04 UTC 2024" next to "auth_time": "1718636404" in the
// AWS-recorded powertools-lambda-typescript apigw-rest/jwt-authorizer-auth.json).
const javaDate = "Mon Jan 02 15:04:05 UTC 2006"

// maxJavaDate (9999-12-31T23:59:59Z) keeps absurd dates printing as digits instead of as
// a year Go's formatter was not built for.
const maxJavaDate = 253402300799

// RESTClaims renders the claims as REST API Cognito authorizers pass them:
// requestContext.authorizer.claims and $context.authorizer.claims.*. All strings; exp, iat
// and nbf (the JWT date claims; nbf by analogy, Cognito tokens carry none) become Java
// dates, other numbers keep their digits. Lists print as Java lists, "[a, b]" (seen in
// third-party test events for cognito:groups; unverified against AWS).
func (r *Result) RESTClaims() map[string]string {
	out := make(map[string]string, len(r.Claims))
	for k, v := range r.Claims {
		if k == "exp" || k == "iat" || k == "nbf" {
			if f, ok := numericDate(v); ok && f >= 0 && f <= maxJavaDate {
				out[k] = time.Unix(int64(f), 0).UTC().Format(javaDate)
				continue
			}
		}
		out[k] = javaString(v)
	}
	return out
}

func javaString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return "null"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = javaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaString(t[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// audienceMatches is AWS's rule: "API Gateway validates client_id only if aud is not present.
// When both aud and client_id are present, API Gateway evaluates aud." (Troubleshooting issues
// with HTTP API JWT authorizers.) aud may be a string or a list (RFC 7519 section 4.1.3).
func audienceMatches(claims map[string]any, allowed []string) bool {
	if aud, ok := claims["aud"]; ok {
		return slices.ContainsFunc(stringList(aud), func(a string) bool { return slices.Contains(allowed, a) })
	}
	id, ok := claims["client_id"].(string)
	return ok && slices.Contains(allowed, id)
}

// stringList reads a string-or-list claim; entries that are not strings are dropped.
func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// checkTimes applies AWS's rules ("Control access to HTTP APIs with JWT authorizers"): exp
// "must be after the current time", nbf and iat "must be before the current time". AWS lists
// exp as a must, so a token without one is refused; nbf and iat are checked when present. No
// clock skew is allowed: AWS documents none.
func checkTimes(claims map[string]any, now time.Time) *Error {
	t := float64(now.UnixNano()) / 1e9
	exp, ok := claims["exp"]
	if !ok {
		return fail(KindClaims, nil)
	}
	e, ok := numericDate(exp)
	if !ok {
		return fail(KindClaims, nil)
	}
	if t >= e {
		return fail(KindExpired, nil)
	}
	if v, present := claims["nbf"]; present {
		n, ok := numericDate(v)
		if !ok {
			return fail(KindClaims, nil)
		}
		if n > t {
			return fail(KindNotYetValid, nil)
		}
	}
	if v, present := claims["iat"]; present {
		i, ok := numericDate(v)
		if !ok {
			return fail(KindClaims, nil)
		}
		if i > t {
			return fail(KindIssuedInFuture, nil)
		}
	}
	return nil
}

// numericDate reads an RFC 7519 NumericDate: a JSON number of seconds, fractions allowed.
// Strings ("1718722804") are refused, as the RFC requires a number.
func numericDate(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// tokenScopes reads scope (RFC 6749 section 3.3, space-separated; RFC 8693 section 4.2) or,
// without it, scp (Azure AD and Okta), each as a space-separated string or a list, as AWS
// accepts "scope or scp".
func tokenScopes(claims map[string]any) []string {
	for _, name := range []string{"scope", "scp"} {
		v, ok := claims[name]
		if !ok {
			continue
		}
		var out []string
		switch t := v.(type) {
		case string:
			out = strings.Fields(t)
		case []any:
			for _, s := range stringList(t) {
				out = append(out, strings.Fields(s)...)
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return nil
}

// anyScope is AWS's any-of rule: "the token must include at least one of the route's scopes".
func anyScope(have, want []string) bool {
	return slices.ContainsFunc(want, func(w string) bool { return slices.Contains(have, w) })
}
