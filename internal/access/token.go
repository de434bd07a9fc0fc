package access

import (
	"errors"
	"net/http"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/auth/jwt"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// JWT authenticates HTTP API routes with a JWT authorizer: issuer, signature, audience and
// the route's scopes. The verifier (and its JWKS cache) is shared by every route and reload
// that names the same issuer.
type JWT struct {
	Verifier *jwt.Verifier
	Source   jwt.Source
	Policy   jwt.Policy
}

// Kind: a valid token is all the decision tables need, as for Cognito.
func (a *JWT) Kind() policy.AuthType { return policy.AuthCognito }

func (a *JWT) Authenticate(c *gateway.Call, _ *policy.Decision) (policy.Decision, string, bool, error) {
	res, err := a.Verifier.Verify(ctxOf(c), a.Source.Token(c.Req), a.Policy)
	if err != nil {
		return 0, "", false, tokenError(c, err)
	}
	c.Ctx.Authorizer.Kind = reqctx.AuthorizerJWT
	c.Ctx.Authorizer.Claims = res.HTTPClaimValues()
	c.Ctx.Authorizer.Scopes = res.Scopes
	return policy.Allow, "", false, nil
}

// Cognito authenticates REST routes with a COGNITO_USER_POOLS authorizer. An authorizer may
// name several pools; a token from any of them is accepted.
type Cognito struct {
	Verifiers []*jwt.CognitoVerifier
	Source    jwt.Source
	Scopes    []string
}

func (a *Cognito) Kind() policy.AuthType { return policy.AuthCognito }

func (a *Cognito) Authenticate(c *gateway.Call, _ *policy.Decision) (policy.Decision, string, bool, error) {
	token := a.Source.Token(c.Req)
	var first error
	for _, v := range a.Verifiers {
		res, err := v.Verify(ctxOf(c), token, a.Scopes)
		if err == nil {
			c.Ctx.Authorizer.Kind = reqctx.AuthorizerCognito
			c.Ctx.Authorizer.Claims = res.RESTClaimValues()
			c.Ctx.Authorizer.Scopes = res.Scopes
			return policy.Allow, "", false, nil
		}
		if first == nil || isIssuerMismatch(first) {
			first = err
		}
	}
	return 0, "", false, tokenError(c, first)
}

// isIssuerMismatch reports a token that another of the authorizer's pools may accept, so the
// error worth reporting is a later pool's.
func isIssuerMismatch(err error) bool {
	var e *jwt.Error
	return errors.As(err, &e) && e.Kind == jwt.KindIssuer
}

// tokenError is the gateway response for a rejected token: 401 with the verifier's message
// (and an HTTP API's WWW-Authenticate challenge), or 403 for missing scopes.
func tokenError(c *gateway.Call, err error) error {
	var e *jwt.Error
	if !errors.As(err, &e) {
		return apierr.Wrap(apierr.AuthorizerFailure, "", err)
	}
	c.Ctx.Authorizer.Error = e.Description
	typ := apierr.Unauthorized
	if e.Status == http.StatusForbidden {
		typ = apierr.AccessDenied
	}
	out := apierr.Wrap(typ, e.Message, e)
	if e.Status == http.StatusForbidden {
		out.Message = "Forbidden"
	}
	if e.WWWAuthenticate != "" {
		out.Header = http.Header{"Www-Authenticate": {e.WWWAuthenticate}}
	}
	return out
}
