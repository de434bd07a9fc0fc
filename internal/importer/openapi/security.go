package openapi

import (
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

const (
	authorizerKey = "x-amazon-apigateway-authorizer"
	authTypeKey   = "x-amazon-apigateway-authtype"
	authKey       = "x-amazon-apigateway-auth"
)

// schemeKind is what a security scheme asks API Gateway for.
type schemeKind uint8

const (
	// schemeIgnored is a scheme AWS imports without authorization (an OAuth flow, HTTP basic):
	// only the extensions mean something to API Gateway.
	schemeIgnored schemeKind = iota
	schemeAuthorizer
	schemeIAM
	schemeAPIKey
)

type scheme struct {
	kind       schemeKind
	authorizer *apimodel.Authorizer
}

// securitySchemes reads the security schemes: Swagger 2.0's securityDefinitions or OpenAPI
// 3's components.securitySchemes. AWS creates an authorizer for every scheme with an
// x-amazon-apigateway-authorizer, used by an operation or not (LocalStack's AWS snapshot of
// petstore-authorizer.swagger.json lists the unused one too).
func (im *importer) securitySchemes() []*apimodel.Authorizer {
	im.schemes = map[string]*scheme{}
	var defs pair
	found := false
	if im.swagger {
		defs, found = im.root.Get("securityDefinitions")
	} else {
		if c, ok := im.root.Get("components"); ok {
			defs, found = c.Val.Get("securitySchemes")
		}
		if sd, ok := im.root.Get("securityDefinitions"); ok {
			im.warn(sd.KeyPos, "securityDefinitions is Swagger 2.0's; an OpenAPI 3 document declares components.securitySchemes, the only place AWS reads; ignored")
		}
	}
	if !found {
		return nil
	}
	obj, ok := im.object(defs, defs.Key)
	if !ok {
		return nil
	}
	var out []*apimodel.Authorizer
	for _, sp := range obj.Pairs {
		n, ok := im.deref(sp.Val)
		if !ok {
			continue
		}
		what := "security scheme " + sp.Key
		so, ok := im.object(pair{Key: sp.Key, KeyPos: sp.KeyPos, Val: n}, what)
		if !ok {
			continue
		}
		sc := im.scheme(sp, so, what)
		im.schemes[sp.Key] = sc
		if sc.authorizer != nil {
			out = append(out, sc.authorizer)
		}
	}
	return out
}

func (im *importer) scheme(sp pair, so *node, what string) *scheme {
	var typ, name, in, authType string
	for _, f := range so.Pairs {
		switch f.Key {
		case "type":
			typ, _ = im.str(f, what+" type")
		case "name":
			name, _ = im.str(f, what+" name")
		case "in":
			in, _ = im.str(f, what+" in")
		case authTypeKey:
			im.use(f)
			// A free-form label for Lambda authorizers; only "aws…" terms are reserved.
			authType, _ = im.str(f, what+" "+authTypeKey)
		}
	}
	if ap, ok := so.Get(authorizerKey); ok {
		im.use(ap)
		if isAWSAuthType(authType) {
			im.warn(ap.KeyPos, "%s has both an authorizer and %s %q; the authorizer is used", what, authTypeKey, authType)
		}
		a := im.authorizer(sp, so, ap, name, in)
		if a == nil {
			// Reported already; routes naming the scheme are left unauthorized rather than
			// reported a second time.
			return &scheme{kind: schemeIgnored}
		}
		return &scheme{kind: schemeAuthorizer, authorizer: a}
	}
	switch {
	case isAWSAuthType(authType):
		return &scheme{kind: schemeIAM}
	case typ == "apiKey" && strings.EqualFold(name, "x-api-key") && in == "header":
		return &scheme{kind: schemeAPIKey}
	}
	im.warn(sp.KeyPos, "%s has no %s and is neither awsSigv4 nor an x-api-key header; API Gateway does not enforce it, and neither does genkan", what, authorizerKey)
	return &scheme{kind: schemeIgnored}
}

// isAWSAuthType reports the authtype values API Gateway reserves for IAM authorization:
// awsSigv4 and every term starting with "aws".
func isAWSAuthType(s string) bool { return strings.HasPrefix(strings.ToLower(s), "aws") }

// rootSecurity resolves the document's security, which applies to operations without their
// own. It is resolved once, so that what it reports is reported once.
func (im *importer) rootSecurity() {
	if p, ok := im.root.Get("security"); ok {
		im.rootAuth = im.security(p, "the API's security")
	}
}

// routeAuth resolves an operation's authorization: its own security or the document's, then
// x-amazon-apigateway-auth. nil means NONE without an API key.
func (im *importer) routeAuth(op *node, label string) *apimodel.RouteAuth {
	var ra *apimodel.RouteAuth
	switch sp, own := op.Get("security"); {
	case own:
		ra = im.security(sp, label)
	case im.rootAuth != nil:
		c := *im.rootAuth
		c.Scopes = append([]string(nil), im.rootAuth.Scopes...)
		ra = &c
	}
	if ap, ok := op.Get(authKey); ok {
		im.use(ap)
		ra = im.authExtension(ap, ra, label)
	}
	if ra == nil || (ra.Type == apimodel.AuthNone && !ra.APIKeyRequired) {
		return nil
	}
	return ra
}

// security resolves a security requirement list. The requirements are alternatives in
// OpenAPI, but an API Gateway method has one authorization and one API key setting: AWS takes
// the first authorizer named and requires a key if any requirement names an API key scheme
// (LocalStack's AWS snapshot of openapi.spec.tf.json shows the key). An empty list is NONE.
func (im *importer) security(p pair, label string) *apimodel.RouteAuth {
	ra := &apimodel.RouteAuth{Type: apimodel.AuthNone, Pos: p.KeyPos}
	if p.Val.IsNull() {
		return ra
	}
	if p.Val.Kind != doctree.Seq || intrinsic(p.Val) != "" {
		im.fail(p.Val.Pos, "%s: security must be a list of security requirements, got %s", label, p.Val.Describe())
		return ra
	}
	chosen := ""
	for _, req := range p.Val.Items {
		if req.Kind != doctree.Map || intrinsic(req) != "" {
			im.fail(req.Pos, "%s: a security requirement is an object of scheme names, got %s", label, req.Describe())
			continue
		}
		for _, e := range req.Pairs {
			scopes := im.stringList(e, label+" security "+e.Key+" scopes")
			sc, defined := im.schemes[e.Key]
			switch {
			case !defined:
				im.warn(e.KeyPos, "%s: security scheme %q is not defined; AWS ignores it, and so does genkan", label, e.Key)
			case sc.kind == schemeAPIKey:
				if im.protocol == apimodel.ProtocolHTTP {
					im.warn(e.KeyPos, "%s: HTTP APIs have no API keys; security scheme %q is ignored", label, e.Key)
					continue
				}
				ra.APIKeyRequired = true
			case sc.kind == schemeIgnored:
				// Said where the scheme is declared, or not worth saying: an OAuth flow or
				// HTTP scheme only documents the API.
			case chosen != "" && chosen != e.Key:
				im.warn(e.KeyPos, "%s: an API Gateway method has one authorization; %q is used and %q ignored", label, chosen, e.Key)
			default:
				chosen = e.Key
				im.choose(ra, sc, e, scopes, label)
			}
		}
	}
	return ra
}

// choose sets the route's authorization from a scheme. Scopes only mean something to JWT
// authorizers and Cognito user pools; elsewhere AWS stores them unused.
func (im *importer) choose(ra *apimodel.RouteAuth, sc *scheme, e pair, scopes []string, label string) {
	ra.Pos = e.KeyPos
	if sc.kind == schemeIAM {
		ra.Type = apimodel.AuthIAM
	} else {
		ra.Authorizer = sc.authorizer.Name
		switch sc.authorizer.Type {
		case apimodel.AuthorizerCognito:
			ra.Type = apimodel.AuthCognito
		case apimodel.AuthorizerJWT:
			ra.Type = apimodel.AuthJWT
		default:
			ra.Type = apimodel.AuthCustom
		}
	}
	if len(scopes) == 0 {
		return
	}
	if ra.Type != apimodel.AuthCognito && ra.Type != apimodel.AuthJWT {
		im.warn(e.Val.Pos, "%s: authorization scopes apply to JWT and Cognito user pool authorizers; with %s they are ignored", label, ra.Type)
		return
	}
	ra.Scopes = scopes
}

// authExtension applies an operation's x-amazon-apigateway-auth, which sets the
// authorization type outright (NONE or AWS_IAM).
func (im *importer) authExtension(ap pair, ra *apimodel.RouteAuth, label string) *apimodel.RouteAuth {
	what := authKey + " of " + label
	obj, ok := im.object(ap, what)
	if !ok {
		return ra
	}
	typ := ""
	for _, f := range obj.Pairs {
		if f.Key != "type" {
			im.unknownField(f, what)
			continue
		}
		s, ok := im.str(f, what+" type")
		if !ok {
			return ra
		}
		switch typ = strings.ToUpper(s); apimodel.AuthorizationType(typ) {
		case apimodel.AuthNone, apimodel.AuthIAM:
		default:
			im.fail(f.Val.Pos, "%s: type must be NONE or AWS_IAM, got %q", what, s)
			return ra
		}
	}
	if typ == "" {
		im.fail(ap.KeyPos, "%s needs a type (NONE or AWS_IAM)", what)
		return ra
	}
	if ra == nil {
		ra = &apimodel.RouteAuth{}
	}
	if ra.Type != "" && ra.Type != apimodel.AuthNone && ra.Type != apimodel.AuthorizationType(typ) {
		im.warn(ap.KeyPos, "%s: %s sets authorization %s, replacing the %s its security asks for", label, authKey, typ, ra.Type)
	}
	ra.Type, ra.Authorizer, ra.Scopes, ra.Pos = apimodel.AuthorizationType(typ), "", nil, ap.KeyPos
	return ra
}
