package openapi

import (
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// authorizerTypes are the x-amazon-apigateway-authorizer types each protocol takes.
var authorizerTypes = map[apimodel.Protocol]map[string]apimodel.AuthorizerType{
	apimodel.ProtocolREST: {"token": apimodel.AuthorizerToken, "request": apimodel.AuthorizerRequest, "cognito_user_pools": apimodel.AuthorizerCognito},
	apimodel.ProtocolHTTP: {"request": apimodel.AuthorizerRequest, "jwt": apimodel.AuthorizerJWT},
}

// identityPrefixes are the identity sources each protocol's Lambda authorizers read.
var identityPrefixes = map[apimodel.Protocol][]string{
	apimodel.ProtocolREST: {"method.request.header.", "method.request.querystring.", "stageVariables.", "context."},
	apimodel.ProtocolHTTP: {"$request.header.", "$request.querystring.", "$stageVariables.", "$context."},
}

// authorizer maps a security scheme's x-amazon-apigateway-authorizer. It returns nil after
// reporting a problem.
func (im *importer) authorizer(sp pair, so *node, ap pair, headerName, in string) *apimodel.Authorizer {
	what := authorizerKey + " of " + sp.Key
	obj, ok := im.object(ap, what)
	if !ok {
		return nil
	}
	before := len(im.problems)
	a := &apimodel.Authorizer{Name: sp.Key, Pos: sp.KeyPos}
	tp, hasType := obj.Get("type")
	if !hasType {
		im.fail(ap.KeyPos, "%s has no type (%s for %s APIs)", what, typeNames(im.protocol), im.protocol)
		return nil
	}
	raw, ok := im.str(tp, what+" type")
	if !ok {
		return nil
	}
	if a.Type, ok = authorizerTypes[im.protocol][strings.ToLower(raw)]; !ok {
		im.fail(tp.Val.Pos, "%s: type %q is not one of %s for %s APIs", what, raw, typeNames(im.protocol), im.protocol)
		return nil
	}
	lambda := a.Type == apimodel.AuthorizerToken || a.Type == apimodel.AuthorizerRequest
	var source, uri, ttl, jwt, arns *pair
	for _, f := range obj.Pairs {
		f := f
		switch f.Key {
		case "type":
		case "authorizerUri":
			uri = &f
		case "identitySource":
			source = &f
		case "authorizerResultTtlInSeconds":
			ttl = &f
		case "jwtConfiguration":
			jwt = &f
		case "providerARNs":
			arns = &f
		case "authorizerCredentials":
			if s, _ := scalarString(f.Val); s != "" || intrinsic(f.Val) != "" {
				im.warn(f.KeyPos, "%s: authorizerCredentials (an IAM role for API Gateway to assume) are ignored; genkan invokes the authorizer with its own credentials", what)
			}
		case "identityValidationExpression":
			if a.Type == apimodel.AuthorizerToken {
				a.IdentityValidationExpression, _ = im.str(f, what+" identityValidationExpression")
			} else if s, _ := scalarString(f.Val); s != "" || intrinsic(f.Val) != "" {
				im.warn(f.KeyPos, "%s: identityValidationExpression applies to token authorizers; genkan ignores it for %s authorizers", what, strings.ToLower(string(a.Type)))
			}
		case "authorizerPayloadFormatVersion":
			im.payloadFormat(f, a, what)
		case "enableSimpleResponses":
			b, ok := im.boolean(f, what+" enableSimpleResponses")
			if ok && im.protocol == apimodel.ProtocolREST && b {
				im.warn(f.KeyPos, "%s: enableSimpleResponses applies to HTTP API Lambda authorizers; REST authorizers always answer with a policy", what)
			} else if ok && a.Type == apimodel.AuthorizerRequest {
				a.EnableSimpleResponses = b
			}
		default:
			im.unknownField(f, what)
		}
	}
	if uri != nil {
		if lambda {
			a.FunctionURI, _ = im.str(*uri, what+" authorizerUri")
		} else {
			im.warn(uri.KeyPos, "%s: authorizerUri applies to Lambda authorizers; ignored", what)
		}
	} else if lambda {
		im.fail(ap.KeyPos, "%s has no authorizerUri, the Lambda function that authorizes", what)
	}
	if ttl != nil {
		if a.Type != apimodel.AuthorizerJWT {
			a.ResultTTLSeconds = im.authorizerTTL(*ttl, what)
		} else {
			im.warn(ttl.KeyPos, "%s: authorizerResultTtlInSeconds applies to Lambda authorizers; JWT authorizers do not cache, so it is ignored", what)
		}
	}
	im.identitySources(a, source, ap, headerName, in, what)
	switch a.Type {
	case apimodel.AuthorizerCognito:
		im.providerARNs(a, arns, ap, what)
	case apimodel.AuthorizerJWT:
		im.jwtConfiguration(a, jwt, so, ap, what)
	}
	if arns != nil && a.Type != apimodel.AuthorizerCognito {
		im.warn(arns.KeyPos, "%s: providerARNs apply to cognito_user_pools authorizers; ignored", what)
	}
	if jwt != nil && a.Type != apimodel.AuthorizerJWT {
		im.warn(jwt.KeyPos, "%s: jwtConfiguration applies to jwt authorizers; ignored", what)
	}
	if a.Type == apimodel.AuthorizerRequest && im.protocol == apimodel.ProtocolHTTP {
		switch {
		case a.PayloadFormatVersion == "":
			im.fail(ap.KeyPos, "%s has no authorizerPayloadFormatVersion; HTTP API Lambda authorizers need 1.0 or 2.0", what)
		case a.EnableSimpleResponses && a.PayloadFormatVersion != "2.0":
			im.fail(ap.KeyPos, "%s: enableSimpleResponses needs authorizerPayloadFormatVersion 2.0, got %s", what, a.PayloadFormatVersion)
		}
	}
	if len(im.problems) > before {
		return nil
	}
	return a
}

func typeNames(p apimodel.Protocol) string {
	if p == apimodel.ProtocolHTTP {
		return "request or jwt"
	}
	return "token, request or cognito_user_pools"
}

func (im *importer) payloadFormat(f pair, a *apimodel.Authorizer, what string) {
	v, ok := im.str(f, what+" authorizerPayloadFormatVersion")
	switch {
	case !ok:
	case im.protocol == apimodel.ProtocolREST:
		im.warn(f.KeyPos, "%s: authorizerPayloadFormatVersion applies to HTTP API Lambda authorizers; REST authorizers always get format 1.0", what)
	case a.Type != apimodel.AuthorizerRequest:
		im.warn(f.KeyPos, "%s: authorizerPayloadFormatVersion applies to Lambda authorizers; ignored", what)
	case v != "1.0" && v != "2.0":
		im.fail(f.Val.Pos, "%s: authorizerPayloadFormatVersion must be 1.0 or 2.0, got %s", what, f.Val.Describe())
	default:
		a.PayloadFormatVersion = v
	}
}

func (im *importer) authorizerTTL(f pair, what string) *int {
	n, ok := im.integer(f, what+" authorizerResultTtlInSeconds")
	if !ok {
		return nil
	}
	if n < 0 || n > apimodel.MaxAuthorizerTTL {
		im.fail(f.Val.Pos, "%s: authorizerResultTtlInSeconds must be from 0 to %d, got %d", what, apimodel.MaxAuthorizerTTL, n)
		return nil
	}
	return &n
}

// integer decodes a whole number; a string holding one counts, as AWS takes either.
func (im *importer) integer(p pair, what string) (int, bool) {
	if s, ok := scalarString(p.Val); ok && p.Val.Type != doctree.Bool && p.Val.Type != doctree.Null {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			return n, true
		}
	}
	if intrinsic(p.Val) != "" {
		im.notString(p, what)
		return 0, false
	}
	im.fail(p.Val.Pos, "%s must be a whole number, got %s", what, p.Val.Describe())
	return 0, false
}

// identitySources sets where the authorizer finds its identity. Token and Cognito
// authorizers read the header the security scheme names, whatever identitySource says (AWS
// imports petstore-authorizer.swagger.json's that way, as LocalStack's snapshot shows).
func (im *importer) identitySources(a *apimodel.Authorizer, source *pair, ap pair, headerName, in, what string) {
	var sources []string
	if source != nil {
		sources = im.sourceList(*source, what+" identitySource")
	}
	switch a.Type {
	case apimodel.AuthorizerToken, apimodel.AuthorizerCognito:
		if in != "" && in != "header" {
			im.fail(ap.KeyPos, "%s: a %s authorizer reads its token from a header, but the security scheme is \"in\" %s", what, strings.ToLower(string(a.Type)), in)
			return
		}
		if headerName == "" {
			im.fail(ap.KeyPos, "%s: the security scheme needs a name, the header that holds the token", what)
			return
		}
		a.IdentitySources = []string{"method.request.header." + headerName}
		if len(sources) > 0 && (len(sources) != 1 || !strings.EqualFold(sources[0], a.IdentitySources[0])) {
			im.warn(source.KeyPos, "%s: AWS takes a %s authorizer's header from the security scheme's name; identitySource %q is ignored for %s", what, strings.ToLower(string(a.Type)), strings.Join(sources, ", "), a.IdentitySources[0])
		}
		return
	case apimodel.AuthorizerJWT:
		if len(sources) > 1 {
			im.fail(source.Val.Pos, "%s: a jwt authorizer takes one identitySource, the token, got %d", what, len(sources))
			return
		}
		for _, s := range sources {
			if !strings.HasPrefix(s, "$request.header.") && !strings.HasPrefix(s, "$request.querystring.") {
				im.fail(source.Val.Pos, "%s: a jwt authorizer reads its token from $request.header.NAME or $request.querystring.NAME, got %q", what, s)
				return
			}
		}
		a.IdentitySources = sources
		return
	}
	for _, s := range sources {
		if !hasIdentityPrefix(s, identityPrefixes[im.protocol]) {
			im.fail(source.Val.Pos, "%s: identity source %q must start with %s for %s APIs", what, s, strings.Join(identityPrefixes[im.protocol], ", "), im.protocol)
			return
		}
	}
	a.IdentitySources = sources
	cached := a.ResultTTLSeconds != nil && *a.ResultTTLSeconds > 0
	if im.protocol == apimodel.ProtocolREST {
		// AWS's default TTL is 300, so an unset one caches too.
		cached = a.ResultTTLSeconds == nil || *a.ResultTTLSeconds > 0
	}
	if len(sources) == 0 && cached {
		im.fail(ap.KeyPos, "%s: a request authorizer whose results are cached needs an identitySource, the cache key; AWS refuses it without (set authorizerResultTtlInSeconds to 0 to turn caching off)", what)
	}
}

func hasIdentityPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) && len(s) > len(p) {
			return true
		}
	}
	return false
}

// sourceList reads identity sources: REST writes them as one comma-separated string, HTTP API
// exports as a list.
func (im *importer) sourceList(p pair, what string) []string {
	var raw []string
	if p.Val.Kind == doctree.Seq {
		raw = im.stringList(p, what)
	} else if s, ok := im.str(p, what); ok {
		raw = strings.Split(s, ",")
	}
	var out []string
	for _, s := range raw {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// providerARNs reads a Cognito authorizer's user pools.
func (im *importer) providerARNs(a *apimodel.Authorizer, arns *pair, ap pair, what string) {
	if arns == nil {
		im.fail(ap.KeyPos, "%s has no providerARNs, the Cognito user pools whose tokens it accepts", what)
		return
	}
	if arns.Val.Kind != doctree.Seq || intrinsic(arns.Val) != "" {
		im.fail(arns.Val.Pos, "%s: providerARNs must be a list of user pool ARNs, got %s", what, arns.Val.Describe())
		return
	}
	a.ProviderARNs = im.stringList(*arns, what+" providerARNs")
}

// jwtConfiguration reads a JWT authorizer's issuer and audience. An OpenID Connect scheme may
// leave the issuer to its openIdConnectUrl, as AWS's own example does.
func (im *importer) jwtConfiguration(a *apimodel.Authorizer, jwt *pair, so *node, ap pair, what string) {
	if jwt == nil {
		im.fail(ap.KeyPos, "%s has no jwtConfiguration (issuer and audience)", what)
		return
	}
	obj, ok := im.object(*jwt, what+" jwtConfiguration")
	if !ok {
		return
	}
	hasAudience, hasIssuer := false, false
	for _, f := range obj.Pairs {
		switch f.Key {
		case "issuer":
			hasIssuer = true
			a.Issuer, _ = im.str(f, what+" jwtConfiguration.issuer")
		case "audience":
			hasAudience = true
			items := []*node{f.Val}
			if f.Val.Kind == doctree.Seq {
				items = f.Val.Items
			}
			for _, item := range items {
				if s, ok := im.str(pair{Key: f.Key, KeyPos: item.Pos, Val: item}, what+" jwtConfiguration.audience"); ok {
					a.Audience = append(a.Audience, s)
				}
			}
		default:
			if k := strings.ToLower(f.Key); k == "issuer" || k == "audience" {
				// CloudFormation's JwtConfiguration spells them Issuer and Audience; the
				// extension does not, and AWS's import does not read them so.
				im.fail(f.KeyPos, "%s: jwtConfiguration takes %s in lower case, got %s", what, k, f.Key)
				hasIssuer, hasAudience = hasIssuer || k == "issuer", hasAudience || k == "audience"
				continue
			}
			im.unknownField(f, what+" jwtConfiguration")
		}
	}
	if !hasIssuer {
		if u, ok := so.Get("openIdConnectUrl"); ok {
			s, _ := im.str(u, "openIdConnectUrl")
			a.Issuer = strings.TrimSuffix(strings.TrimSuffix(s, "/.well-known/openid-configuration"), "/")
			hasIssuer = a.Issuer != ""
		}
	}
	if !hasIssuer {
		im.fail(jwt.KeyPos, "%s: jwtConfiguration needs an issuer (or the security scheme an openIdConnectUrl)", what)
	}
	if !hasAudience {
		im.fail(jwt.KeyPos, "%s: jwtConfiguration needs an audience", what)
	}
}
