// Package jwt verifies bearer tokens the way API Gateway's built-in authorizers do: HTTP API
// JWT authorizers (Verifier) and REST API COGNITO_USER_POOLS authorizers (CognitoVerifier).
//
// It is a leaf: it knows nothing of routes or gateway responses. Callers extract the token
// with a Source, call Verify, and render an *Error from its Status, Message and
// WWWAuthenticate, or pass Result.HTTPClaims / Result.RESTClaims on to the integration.
//
// The rules, and where they come from (AWS API Gateway Developer Guide unless noted):
//
//   - Token: the identity source holds the token, optionally prefixed "Bearer " ("Control
//     access to HTTP APIs with JWT authorizers").
//   - Algorithms: "only RSA-based algorithms are supported" (same page): RS256/384/512 by
//     default. alg none and HS* are never accepted, and keys come only from the issuer's
//     JWKS: a token's jwk, jku, x5u and x5c headers are ignored.
//   - kid: "must have a header claim that matches the key in the jwks_uri that signed the
//     token". An unseen kid refetches the JWKS, at most once per RefreshInterval ("When API
//     Gateway receives a token signed with a key it hasn't seen, it retrieves the key set
//     again", "Signing keys and troubleshooting JWT authorizers"; the rate limit is genkan's).
//   - JWKS: located through {issuer}/.well-known/openid-configuration's jwks_uri, read once;
//     1500 ms timeouts and a 150000-byte JWKS limit ("Quotas for configuring and running an
//     HTTP API"); keys kept for up to an hour.
//   - Claims, in AWS's order: iss equals the issuer; aud, or client_id only when there is no
//     aud, is one of the audiences ("Troubleshooting issues with HTTP API JWT authorizers");
//     exp after now (required), nbf and iat before now; at least one of the route's scopes in
//     scope or scp.
//   - Failures: 401 {"message":"Unauthorized"} with
//     www-authenticate: Bearer scope="" error="invalid_token" error_description="...";
//     missing scopes: 403 {"message":"Forbidden"}.
//   - Cognito (REST, "Integrate a REST API with an Amazon Cognito user pool"): no method
//     scopes means an ID token, scopes mean an access token carrying one of them; every
//     failure is 401, an expired token's body says "The incoming token has expired".
//
// Fetches need https, except http to loopback addresses so local identity providers and
// Cognito emulators work.
package jwt
