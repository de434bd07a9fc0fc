package compile

import (
	"fmt"
	"strings"

	"github.com/genkanhq/genkan/internal/access"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/jwt"
	"github.com/genkanhq/genkan/internal/auth/lambdaauth"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/auth/sigv4"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/integration/lambda"
)

// accessBuilder compiles one API's access control: the resource policy and authorizers are
// built once per API and shared by its routes (a Lambda authorizer's cache is per authorizer,
// as AWS's is).
type accessBuilder struct {
	spec     *apimodel.API
	settings apimodel.Settings
	deps     Deps
	iam      *access.IAM
	resource *policy.Policy
	built    map[string]access.Authenticator
	flushers []gateway.Flusher
	exists   func(function string) bool
}

func newAccessBuilder(spec *apimodel.API, s apimodel.Settings, deps Deps, iam *access.IAM, exists func(string) bool) (*accessBuilder, error) {
	b := &accessBuilder{spec: spec, settings: s, deps: deps, iam: iam, built: map[string]access.Authenticator{}, exists: exists}
	if spec.ResourcePolicy != "" {
		p, _, err := policy.Parse([]byte(spec.ResourcePolicy))
		if err != nil {
			return b, apimodel.Problem{Pos: spec.ResourcePolicyPos, Message: "resource policy: " + err.Error()}
		}
		b.resource = p.Expand(s.Region, s.AccountID, spec.ID)
	}
	return b, nil
}

// route returns the checker of one route, or nil when the route is open.
func (b *accessBuilder) route(rs *apimodel.Route) (gateway.Checker, error) {
	auth := rs.Auth
	if auth == nil {
		auth = &apimodel.RouteAuth{Type: apimodel.AuthNone}
	}
	g := &access.Guard{Resource: b.resource}
	switch auth.Type {
	case apimodel.AuthNone, "":
	case apimodel.AuthIAM:
		g.Authenticate = b.iam
	default:
		a, err := b.authorizer(auth)
		if err != nil {
			return nil, err
		}
		g.Authenticate = a
	}
	if auth.APIKeyRequired && b.spec.Protocol == apimodel.ProtocolREST {
		if b.deps.Keys == nil {
			return nil, apimodel.Problem{Pos: auth.Pos, Message: "apiKeyRequired: no API key store is available"}
		}
		g.Key = &access.KeyCheck{Store: b.deps.Keys, FromAuthorizer: b.spec.APIKeySource == apimodel.APIKeySourceAuthorizer}
	}
	if g.Resource == nil && g.Authenticate == nil && g.Key == nil {
		return nil, nil
	}
	return g, nil
}

// authorizer builds (once per API) the authenticator a route's Auth names. Route scopes make
// JWT and Cognito checks route-specific, so those are built per route on a shared verifier.
func (b *accessBuilder) authorizer(auth *apimodel.RouteAuth) (access.Authenticator, error) {
	spec := b.find(auth.Authorizer)
	if spec == nil {
		return nil, apimodel.Problem{Pos: auth.Pos, Message: fmt.Sprintf("authorizer %q is not declared by the API", auth.Authorizer)}
	}
	switch spec.Type {
	case apimodel.AuthorizerJWT:
		ver, err := b.deps.verifiers().JWT(spec.Issuer, spec.JWKSURL)
		if err != nil {
			return nil, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("authorizer %q: %v", spec.Name, err)}
		}
		src, err := tokenSource(spec, "$request.header.Authorization")
		if err != nil {
			return nil, err
		}
		return &access.JWT{Verifier: ver, Source: src, Policy: jwt.Policy{Audience: spec.Audience, Scopes: auth.Scopes}}, nil
	case apimodel.AuthorizerCognito:
		a := &access.Cognito{Scopes: auth.Scopes}
		for _, arn := range spec.ProviderARNs {
			region, pool, err := jwt.ParseUserPoolARN(arn)
			if err != nil {
				return nil, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("authorizer %q: %v", spec.Name, err)}
			}
			ver, err := b.deps.verifiers().Cognito(jwt.CognitoConfig{UserPoolID: pool, Region: region, Issuer: spec.CognitoIssuer, JWKSURL: spec.JWKSURL})
			if err != nil {
				return nil, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("authorizer %q: %v", spec.Name, err)}
			}
			a.Verifiers = append(a.Verifiers, ver)
		}
		src, err := tokenSource(spec, "method.request.header.Authorization")
		if err != nil {
			return nil, err
		}
		a.Source = src
		return a, nil
	case apimodel.AuthorizerToken, apimodel.AuthorizerRequest:
		if a, ok := b.built[spec.Name]; ok {
			return a, nil
		}
		a, err := b.lambdaAuthorizer(spec)
		if err != nil {
			return nil, err
		}
		b.built[spec.Name] = a
		return a, nil
	}
	return nil, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("authorizer %q: type %q is not supported", spec.Name, spec.Type)}
}

func (b *accessBuilder) find(name string) *apimodel.Authorizer {
	for _, a := range b.spec.Authorizers {
		if a.Name == name {
			return a
		}
	}
	return nil
}

// tokenSource is where a JWT or Cognito authorizer reads its token.
func tokenSource(spec *apimodel.Authorizer, def string) (jwt.Source, error) {
	expr := def
	if len(spec.IdentitySources) > 0 {
		expr = strings.TrimSpace(spec.IdentitySources[0])
	}
	src, err := jwt.ParseSource(expr)
	if err != nil {
		return jwt.Source{}, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("authorizer %q: identity source: %v", spec.Name, err)}
	}
	return src, nil
}

// compileIAM builds the table-wide SigV4 authenticator from the configured access keys.
func compileIAM(keys []*apimodel.AccessKey, s apimodel.Settings) (*access.IAM, apimodel.Problems) {
	var ps apimodel.Problems
	iam := &access.IAM{
		Users:     map[string]*access.IAMUser{},
		AccountID: s.AccountID,
		Options: sigv4.Options{
			// Any region: local clients sign for whatever region their profile names, and
			// the gateway has no region of its own to insist on.
			MaxSkew:              s.IAM.MaxSkew,
			AllowUnsignedPayload: s.IAM.AllowUnsignedPayload,
		},
	}
	for _, k := range keys {
		doc := k.Policy
		if doc == "" {
			doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"*"}]}`
		}
		p, _, err := policy.Parse([]byte(doc))
		if err != nil {
			ps = append(ps, apimodel.Problem{Pos: k.PolicyPos, Message: fmt.Sprintf("access key %s: policy: %v", k.ID, err)})
			continue
		}
		acct := policy.AccountOf(k.PrincipalARN)
		iam.Users[k.ID] = &access.IAMUser{
			Credentials: sigv4.Credentials{
				SecretAccessKey: k.Secret,
				PrincipalARN:    k.PrincipalARN,
				AccountID:       acct,
				PrincipalID:     principalID(k),
			},
			Policy: p,
		}
	}
	return iam, ps
}

// principalID is $context.identity.user / caller. AWS reports the IAM user's unique id
// (AIDA…), which configuration does not know; the access key id stands in for it, stable and
// unique per caller.
func principalID(k *apimodel.AccessKey) string { return k.ID }

// lambdaAuthorizer builds a TOKEN or REQUEST authorizer whose function runs on the same
// runtime (or remote endpoint) as AWS_PROXY integrations.
func (b *accessBuilder) lambdaAuthorizer(spec *apimodel.Authorizer) (access.Authenticator, error) {
	problem := func(format string, args ...any) error {
		return apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("authorizer %q: ", spec.Name) + fmt.Sprintf(format, args...)}
	}
	if b.deps.Lambda == nil {
		return nil, problem("no functions runtime is available")
	}
	name, err := lambda.FunctionName(spec.FunctionURI)
	if err != nil {
		return nil, problem("%v", err)
	}
	if strings.Contains(name, "${") {
		return nil, problem("a function named by a stage variable (%s) is not supported for authorizers", name)
	}
	if !b.exists(name) {
		return nil, problem("function %q is not declared (declare it under functions:, or serve with --lambda-endpoint)", name)
	}
	a, err := lambdaauth.New(lambdaauth.Config{
		Spec: spec, Protocol: b.spec.Protocol, Function: spec.FunctionURI, Invoker: b.deps.Lambda,
		Region: b.settings.Region, AccountID: b.settings.AccountID,
	})
	if err != nil {
		return nil, err
	}
	l := &access.Lambda{Authorizer: a}
	b.flushers = append(b.flushers, l)
	return l, nil
}
