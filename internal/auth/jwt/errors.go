package jwt

import (
	"net/http"
	"strings"
)

// Kind says which check a token failed. Callers map it to a gateway response (and to
// $context.authorizer.error); Status, Message and WWWAuthenticate already carry what AWS sends.
type Kind int

const (
	KindMissingToken   Kind = iota + 1 // no token in the identity source
	KindMalformed                      // not a compact JWS, or a payload that is not a JSON object
	KindAlgorithm                      // alg outside the allow-list (none, HS*, anything not configured)
	KindKeyNotFound                    // no kid, or a kid the JWKS does not hold even after a refetch
	KindSignature                      // the signature does not verify with the JWKS key
	KindIssuer                         // iss is not the configured issuer
	KindAudience                       // neither aud nor (without aud) client_id is configured
	KindExpired                        // exp is not after now
	KindNotYetValid                    // nbf is after now
	KindIssuedInFuture                 // iat is after now
	KindClaims                         // exp missing, or exp/nbf/iat not a number
	KindTokenUse                       // Cognito: token_use is not what the method needs
	KindScope                          // none of the route's scopes is in the token
	KindJWKS                           // discovery or JWKS could not be fetched or parsed
)

// descriptions are the error_description values of HTTP API JWT authorizer challenges.
//
// Evidence, since clients and access logs ($context.authorizer.error) see them:
//   - KindAudience is verbatim from AWS's "Troubleshooting issues with HTTP API JWT
//     authorizers" page (curl capture of a 401).
//   - KindAlgorithm ("signing method HS256 is invalid") and KindExpired ("the token has
//     expired") are as users report them from AWS; not in AWS's documentation.
//   - KindIssuer is as a third-party deployment guide quotes its access logs.
//   - The rest are unverified: AWS's wording is unknown, so these follow golang-jwt, whose
//     "signing method %v is invalid" AWS appears to pass through.
var descriptions = map[Kind]string{
	KindMissingToken:   "",
	KindMalformed:      "token is malformed",
	KindKeyNotFound:    "unable to find a key in the issuer's JWKS that matches the token's kid",
	KindSignature:      "token signature is invalid",
	KindIssuer:         "issuer does not match",
	KindAudience:       "the token does not have a valid audience",
	KindExpired:        "the token has expired",
	KindNotYetValid:    "token is not valid yet",
	KindIssuedInFuture: "token used before issued",
	KindClaims:         "the token does not have valid exp, nbf or iat claims",
	KindTokenUse:       "the token has an invalid token_use",
	KindScope:          "the token does not have the required scopes",
	KindJWKS:           "unable to retrieve the issuer's signing keys",
}

// Error is a rejected token. It carries what API Gateway answers, so the edge renders it
// without knowing JWT rules: Status and Message make the body {"message": Message}.
type Error struct {
	Kind Kind
	// Status is 401, or 403 for an HTTP API token that lacks the route's scopes.
	Status int
	// Message is the body's message: "Unauthorized", "Forbidden", or for REST Cognito
	// authorizers "The incoming token has expired".
	Message string
	// Description is the error_description (HTTP API) and $context.authorizer.error.
	Description string
	// WWWAuthenticate is the challenge HTTP API JWT authorizers send; empty for REST Cognito
	// authorizers, which send none that anyone has recorded.
	WWWAuthenticate string
	// Err is the underlying cause (a network error, a jwx error), for logs only.
	Err error
}

func (e *Error) Error() string {
	msg := e.Description
	if msg == "" {
		msg = e.Message
	}
	if e.Err != nil {
		return "jwt: " + msg + ": " + e.Err.Error()
	}
	return "jwt: " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// fail builds a flavourless failure; httpAPI and cognitoREST finish it.
func fail(k Kind, cause error) *Error {
	return &Error{Kind: k, Description: descriptions[k], Err: cause}
}

// httpAPI finishes e the way an HTTP API JWT authorizer answers.
//
// AWS's one documented challenge is
//
//	www-authenticate: Bearer scope="" error="invalid_token" error_description="..."
//
// (space-separated parameters, not RFC 6750's commas). scope carries the route's scopes,
// which is RFC 6750's meaning of the attribute; the documented example has none. A missing
// token gets no error code, as RFC 6750 section 3.1 asks; what AWS sends then is unrecorded.
func httpAPI(e *Error, routeScopes []string) *Error {
	e.Status, e.Message = http.StatusUnauthorized, "Unauthorized"
	code := "invalid_token"
	if e.Kind == KindScope {
		// A verified token without any of the route's scopes is 403 {"message":"Forbidden"}
		// (as the KensioSoftware/yulin simulator documents it; not in AWS's docs). The
		// challenge's error code and description for it are unverified.
		e.Status, e.Message, code = http.StatusForbidden, "Forbidden", "insufficient_scope"
	}
	var b strings.Builder
	b.WriteString(`Bearer scope="`)
	b.WriteString(quoteSafe(strings.Join(routeScopes, " ")))
	b.WriteByte('"')
	if e.Kind != KindMissingToken {
		b.WriteString(` error="` + code + `" error_description="`)
		b.WriteString(quoteSafe(e.Description))
		b.WriteByte('"')
	}
	e.WWWAuthenticate = b.String()
	return e
}

// cognitoREST finishes e the way a REST API COGNITO_USER_POOLS authorizer answers: always
// 401; an expired token says so in the body (widely reported by users of the authorizer),
// everything else, scope failures included (AWS's "Integrate a REST API with an Amazon
// Cognito user pool" page), is {"message":"Unauthorized"}.
func cognitoREST(e *Error) *Error {
	e.Status, e.Message = http.StatusUnauthorized, "Unauthorized"
	if e.Kind == KindExpired {
		e.Message = "The incoming token has expired"
	}
	return e
}

// quoteSafe keeps a header quoted-string well formed whatever a token or configuration
// puts in it: no quote or backslash can close the string, no control byte can split the
// header.
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '"' || r == '\\':
			return '\''
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

// printableAlg is the alg for "signing method X is invalid": attacker-chosen, so it is reduced to
// the characters JOSE algorithm names use and kept short.
func printableAlg(alg string) string {
	const max = 32
	var b strings.Builder
	for _, r := range alg {
		if b.Len() >= max {
			break
		}
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '+' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
