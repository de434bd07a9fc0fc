package sam

import (
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// The Auth property of AWS::Serverless::Api and HttpApi, read the way SAM's translator reads
// it (samtranslator/model/api/api_generator.py, http_api_generator.py): SAM writes its
// authorizers into the definition as security schemes and its defaults into each method's
// security, and API Gateway imports the result. genkan does the same, so that the OpenAPI
// importer is the one place that maps security to routes.

const (
	iamAuthorizer  = "AWS_IAM"
	noneAuthorizer = "NONE"
	apiKeyScheme   = "api_key"
	apiKeyFalse    = "api_key_false" // SAM's marker for an event that opts out of ApiKeyRequired
)

// samAuth is an API's Auth property.
type samAuth struct {
	http        bool
	pos         apimodel.Position
	authorizers []*samAuthorizer
	byName      map[string]*samAuthorizer
	declared    map[string]bool // every name under Authorizers, read or reported

	defaultName string
	defaultPos  apimodel.Position

	apiKey          bool
	apiKeyPos       apimodel.Position
	authToPreflight bool // AddDefaultAuthorizerToCorsPreflight, true unless set false
	keyToPreflight  bool // AddApiKeyRequiredToCorsPreflight, likewise

	policy    *node // ResourcePolicy, resolved
	policyPos apimodel.Position
	usagePlan *pair
}

// samAuthorizer is one of Auth.Authorizers as the security scheme SAM writes for it.
type samAuthorizer struct {
	name   string
	pos    apimodel.Position
	scheme *node
	// scopes are its AuthorizationScopes, which methods using it get unless they name their
	// own; hasScopes tells an empty list from none.
	scopes    []string
	hasScopes bool
}

var (
	restAuthKeys = map[string]bool{"Authorizers": true, "DefaultAuthorizer": true, "InvokeRole": true,
		"AddDefaultAuthorizerToCorsPreflight": true, "AddApiKeyRequiredToCorsPreflight": true, "ApiKeyRequired": true,
		"ResourcePolicy": true, "UsagePlan": true}
	httpAuthKeys = map[string]bool{"Authorizers": true, "DefaultAuthorizer": true, "EnableIamAuthorizer": true}
)

// readAuth reads an API's Auth property; nil when there is none or it cannot be read (which
// has been reported).
func (im *importer) readAuth(r *resource, props *node, httpAPI bool) *samAuth {
	p, ok := props.Get("Auth")
	if !ok {
		return nil
	}
	obj, ok := im.object(p, r.id+".Auth", mustHave)
	if !ok {
		return nil
	}
	a := &samAuth{http: httpAPI, pos: p.KeyPos, byName: map[string]*samAuthorizer{}, authToPreflight: true, keyToPreflight: true}
	keys := restAuthKeys
	if httpAPI {
		keys = httpAuthKeys
	}
	var authorizers *pair
	iam := false
	for _, f := range obj.Pairs {
		f := f
		what := r.id + ".Auth." + f.Key
		if !keys[f.Key] {
			im.fail(f.KeyPos, "%s: Auth has no property %s; SAM rejects the template (\"Invalid value for 'Auth' property\")", r.id, f.Key)
			continue
		}
		switch f.Key {
		case "Authorizers":
			authorizers = &f
		case "DefaultAuthorizer":
			if s, ok := im.str(f, what, mustHave); ok {
				a.defaultName, a.defaultPos = s, f.Val.Pos
			}
		case "ApiKeyRequired":
			a.apiKey, _ = im.boolean(f, what, mustHave)
			a.apiKeyPos = f.Val.Pos
		case "AddDefaultAuthorizerToCorsPreflight":
			if b, ok := im.boolean(f, what, mustHave); ok {
				a.authToPreflight = b
			}
		case "AddApiKeyRequiredToCorsPreflight":
			if b, ok := im.boolean(f, what, mustHave); ok {
				a.keyToPreflight = b
			}
		case "ResourcePolicy":
			if v, ok := im.value(f, what, mustHave); ok {
				a.policy, a.policyPos = v, f.KeyPos
			}
		case "UsagePlan":
			a.usagePlan = &f
		case "InvokeRole":
			im.warn(f.KeyPos, "%s: the role API Gateway calls functions with has no effect when genkan serves the template; ignored", what)
		case "EnableIamAuthorizer":
			iam, _ = im.boolean(f, what, mustHave)
		}
	}
	// SAM defines AWS_IAM first: for REST APIs when it is the default, for HTTP APIs when
	// EnableIamAuthorizer asks for it.
	if (httpAPI && iam) || (!httpAPI && a.defaultName == iamAuthorizer) {
		a.add(&samAuthorizer{name: iamAuthorizer, pos: a.defaultPos, scheme: iamScheme(a.pos)})
	}
	a.declared = map[string]bool{}
	if authorizers != nil {
		a.declared = im.readAuthorizers(r, *authorizers, a)
	}
	// An authorizer that could not be read has been reported; the default naming it needs
	// no second message.
	if a.defaultName != "" && a.byName[a.defaultName] == nil && !a.declared[a.defaultName] {
		im.fail(a.defaultPos, "%s: unable to set DefaultAuthorizer because %q was not defined in Auth.Authorizers", r.id, a.defaultName)
	}
	return a
}

func (a *samAuth) add(az *samAuthorizer) {
	a.authorizers = append(a.authorizers, az)
	a.byName[az.name] = az
}

// iamScheme is the scheme SAM writes for AWS_IAM.
func iamScheme(pos apimodel.Position) *node {
	return mapOf(pos,
		pair{Key: "x-amazon-apigateway-authtype", KeyPos: pos, Val: strNode("awsSigv4", pos)},
		pair{Key: "type", KeyPos: pos, Val: strNode("apiKey", pos)},
		pair{Key: "name", KeyPos: pos, Val: strNode("Authorization", pos)},
		pair{Key: "in", KeyPos: pos, Val: strNode("header", pos)})
}

// apiKeySchemeNode is the scheme SAM writes for ApiKeyRequired.
func apiKeySchemeNode(pos apimodel.Position) *node {
	return mapOf(pos,
		pair{Key: "type", KeyPos: pos, Val: strNode("apiKey", pos)},
		pair{Key: "name", KeyPos: pos, Val: strNode("x-api-key", pos)},
		pair{Key: "in", KeyPos: pos, Val: strNode("header", pos)})
}

// readAuthorizers adds the authorizers it can read to a, and returns the names of all.
func (im *importer) readAuthorizers(r *resource, p pair, a *samAuth) map[string]bool {
	declared := map[string]bool{}
	obj, ok := im.object(p, r.id+".Auth.Authorizers", mustHave)
	if !ok {
		return declared
	}
	for _, ap := range obj.Pairs {
		declared[ap.Key] = true
		what := r.id + " authorizer " + ap.Key
		props, ok := im.object(ap, what, mustHave)
		if !ok {
			continue
		}
		var az *samAuthorizer
		if a.http {
			az = im.httpAuthorizer(ap, props, what)
		} else {
			az = im.restAuthorizer(ap, props, what)
		}
		if az != nil {
			a.add(az)
		}
	}
	return declared
}

// authorizerScopes reads an authorizer's or event's AuthorizationScopes.
func (im *importer) authorizerScopes(props *node, what string) ([]string, bool) {
	p, ok := props.Get("AuthorizationScopes")
	if !ok {
		return nil, false
	}
	return im.strList(p, what+".AuthorizationScopes", mustHave), true
}

// functionURI is the authorizerUri SAM writes for FunctionArn: an ARN from Fn::GetAtt, or a
// function's name from its Ref, which Lambda's invoke path accepts as the same function.
func (im *importer) functionURI(props *node, what string) (string, apimodel.Position, bool) {
	p, ok := props.Get("FunctionArn")
	if !ok {
		return "", apimodel.Position{}, false
	}
	s, ok := im.str(p, what+".FunctionArn", mustHave)
	if !ok {
		return "", apimodel.Position{}, false
	}
	if !strings.HasPrefix(s, "arn:") {
		// A name stands for the function of that name in the account and region, which
		// is what its ARN says.
		s = functionARN(s)
	}
	return "arn:" + partition + ":apigateway:" + region + ":lambda:path/2015-03-31/functions/" + s + "/invocations", p.Val.Pos, true
}

// restAuthorizer translates an Api authorizer: Lambda (TOKEN or REQUEST) or Cognito.
func (im *importer) restAuthorizer(ap pair, props *node, what string) *samAuthorizer {
	before := len(im.problems)
	az := &samAuthorizer{name: ap.Key, pos: ap.KeyPos}
	az.scopes, az.hasScopes = im.authorizerScopes(props, what)
	for _, f := range props.Pairs {
		switch f.Key {
		case "UserPoolArn", "FunctionArn", "FunctionPayloadType", "Identity", "AuthorizationScopes":
		case "FunctionInvokeRole", "DisableFunctionDefaultPermissions":
			im.warn(f.KeyPos, "%s: %s (Lambda permissions) has no effect when genkan serves the template; ignored", what, f.Key)
		case "AuthorizerPayloadFormatVersion", "EnableSimpleResponses", "JwtConfiguration", "IdentitySource", "EnableFunctionDefaultPermissions":
			im.warn(f.KeyPos, "%s: %s is an HttpApi authorizer property; SAM ignores it for Api authorizers, and so does genkan", what, f.Key)
		default:
			im.warn(f.KeyPos, "%s has no property %s; ignored", what, f.Key)
		}
	}
	payload := "TOKEN"
	if p, ok := props.Get("FunctionPayloadType"); ok {
		if s, ok := im.str(p, what+".FunctionPayloadType", mustHave); ok {
			if s != "TOKEN" && s != "REQUEST" {
				im.fail(p.Val.Pos, "%s: FunctionPayloadType must be TOKEN or REQUEST, got %q", what, s)
			}
			payload = s
		}
	}
	var pools []string
	cognito := false
	if p, ok := props.Get("UserPoolArn"); ok {
		cognito = true
		if v, ok := im.value(p, what+".UserPoolArn", mustHave); ok && v.Kind == doctree.Seq {
			pools = im.strList(pair{Key: p.Key, KeyPos: p.KeyPos, Val: v}, what+".UserPoolArn", mustHave)
		} else if ok {
			if s, ok := im.str(pair{Key: p.Key, KeyPos: p.KeyPos, Val: v}, what+".UserPoolArn", mustHave); ok {
				pools = []string{s}
			}
		}
	}
	identity := im.identity(props, what)
	header := "Authorization"
	if h := identity.header; h != "" {
		header = h
	}
	ext := mapOf(ap.KeyPos)
	scheme := mapOf(ap.KeyPos, pair{Key: "type", KeyPos: ap.KeyPos, Val: strNode("apiKey", ap.KeyPos)})
	set := func(m *node, key string, v *node) { m.Pairs = append(m.Pairs, pair{Key: key, KeyPos: v.Pos, Val: v}) }
	switch {
	case cognito:
		set(scheme, "name", strNode(header, ap.KeyPos))
		set(scheme, "in", strNode("header", ap.KeyPos))
		set(scheme, "x-amazon-apigateway-authtype", strNode("cognito_user_pools", ap.KeyPos))
		set(ext, "type", strNode("cognito_user_pools", ap.KeyPos))
		set(ext, "providerARNs", seqOfStrings(pools, ap.KeyPos))
		identity.unused(im, what, "Cognito", "Headers", "QueryStrings", "StageVariables", "Context", "ReauthorizeEvery")
	default:
		uri, pos, ok := im.functionURI(props, what)
		if !ok {
			if _, has := props.Get("FunctionArn"); !has {
				im.fail(ap.KeyPos, "%s needs a FunctionArn (a Lambda authorizer) or a UserPoolArn (a Cognito authorizer)", what)
			}
			return nil
		}
		name := header
		if payload == "REQUEST" {
			name = "Unused"
		}
		set(scheme, "name", strNode(name, ap.KeyPos))
		set(scheme, "in", strNode("header", ap.KeyPos))
		set(scheme, "x-amazon-apigateway-authtype", strNode("custom", ap.KeyPos))
		set(ext, "type", strNode(strings.ToLower(payload), ap.KeyPos))
		set(ext, "authorizerUri", strNode(uri, pos))
		if identity.ttl != nil {
			set(ext, "authorizerResultTtlInSeconds", identity.ttl)
		}
		if payload == "REQUEST" {
			sources := identity.sources(false)
			if len(sources) > 0 {
				set(ext, "identitySource", strNode(strings.Join(sources, ", "), identity.pos))
			} else if identity.ttl == nil || identity.ttl.Text != "0" {
				im.fail(ap.KeyPos, "%s: a REQUEST authorizer must specify Identity with at least one of Headers, QueryStrings, StageVariables or Context (or ReauthorizeEvery 0)", what)
			}
			identity.unused(im, what, "REQUEST", "Header", "ValidationExpression")
		} else {
			identity.unused(im, what, "TOKEN", "Headers", "QueryStrings", "StageVariables", "Context")
		}
	}
	if identity.validation != nil && (cognito || payload == "TOKEN") {
		set(ext, "identityValidationExpression", identity.validation)
	}
	set(scheme, "x-amazon-apigateway-authorizer", ext)
	az.scheme = scheme
	if len(im.problems) > before {
		return nil
	}
	return az
}

// httpAuthorizer translates an HttpApi authorizer: JWT (OAuth 2.0) when it has a
// JwtConfiguration, else Lambda.
func (im *importer) httpAuthorizer(ap pair, props *node, what string) *samAuthorizer {
	before := len(im.problems)
	az := &samAuthorizer{name: ap.Key, pos: ap.KeyPos}
	az.scopes, az.hasScopes = im.authorizerScopes(props, what)
	jwt, isJWT := props.Get("JwtConfiguration")
	only := func(key string, jwtOnly bool) {
		if _, has := props.Get(key); has && jwtOnly != isJWT {
			kind := "Lambda"
			if jwtOnly {
				kind = "OAuth2 (JWT)"
			}
			im.fail(props.Pos, "%s: %s must be defined only for %s authorizers", what, key, kind)
		}
	}
	only("AuthorizationScopes", true)
	only("IdentitySource", true)
	for _, key := range []string{"FunctionArn", "FunctionInvokeRole", "Identity", "AuthorizerPayloadFormatVersion", "EnableSimpleResponses"} {
		only(key, false)
	}
	for _, f := range props.Pairs {
		switch f.Key {
		case "AuthorizationScopes", "JwtConfiguration", "IdentitySource", "FunctionArn", "Identity",
			"AuthorizerPayloadFormatVersion", "EnableSimpleResponses":
		case "OpenIdConnectUrl":
			im.fail(f.KeyPos, "%s: OpenIdConnectUrl is no longer a supported property; SAM rejects the template, so set JwtConfiguration.issuer", what)
		case "FunctionInvokeRole", "EnableFunctionDefaultPermissions":
			im.warn(f.KeyPos, "%s: %s (Lambda permissions) has no effect when genkan serves the template; ignored", what, f.Key)
		case "UserPoolArn", "FunctionPayloadType":
			im.warn(f.KeyPos, "%s: %s is an Api authorizer property; SAM ignores it for HttpApi authorizers, and so does genkan", what, f.Key)
		default:
			im.warn(f.KeyPos, "%s has no property %s; ignored", what, f.Key)
		}
	}
	ext := mapOf(ap.KeyPos)
	set := func(m *node, key string, v *node) { m.Pairs = append(m.Pairs, pair{Key: key, KeyPos: v.Pos, Val: v}) }
	var scheme *node
	if isJWT {
		cfg, ok := im.value(jwt, what+".JwtConfiguration", mustHave)
		src, has := props.Get("IdentitySource")
		if !has {
			im.fail(ap.KeyPos, "%s: an OAuth2 authorizer must define IdentitySource", what)
		}
		if !ok || !has {
			return nil
		}
		source, ok := im.value(src, what+".IdentitySource", mustHave)
		if !ok {
			return nil
		}
		set(ext, "jwtConfiguration", cfg)
		set(ext, "identitySource", source)
		set(ext, "type", strNode("jwt", ap.KeyPos))
		scheme = mapOf(ap.KeyPos, pair{Key: "type", KeyPos: ap.KeyPos, Val: strNode("oauth2", ap.KeyPos)})
	} else {
		uri, pos, ok := im.functionURI(props, what)
		if !ok {
			if _, has := props.Get("FunctionArn"); !has {
				im.fail(ap.KeyPos, "%s: a Lambda authorizer must define FunctionArn", what)
			}
			return nil
		}
		vp, has := props.Get("AuthorizerPayloadFormatVersion")
		if !has {
			im.fail(ap.KeyPos, "%s: a Lambda authorizer must define AuthorizerPayloadFormatVersion", what)
			return nil
		}
		version, ok := im.value(vp, what+".AuthorizerPayloadFormatVersion", mustHave)
		if !ok {
			return nil
		}
		identity := im.identity(props, what)
		identity.unused(im, what, "Lambda", "Header", "ValidationExpression")
		set(ext, "type", strNode("request", ap.KeyPos))
		set(ext, "authorizerUri", strNode(uri, pos))
		if identity.ttl != nil {
			set(ext, "authorizerResultTtlInSeconds", identity.ttl)
		}
		if identity.present {
			set(ext, "identitySource", seqOfStrings(identity.sources(true), identity.pos))
		}
		set(ext, "authorizerPayloadFormatVersion", version)
		if sp, ok := props.Get("EnableSimpleResponses"); ok {
			if b, ok := im.boolean(sp, what+".EnableSimpleResponses", mustHave); ok && b {
				set(ext, "enableSimpleResponses", boolNode(true, sp.Val.Pos))
			}
		}
		scheme = mapOf(ap.KeyPos,
			pair{Key: "type", KeyPos: ap.KeyPos, Val: strNode("apiKey", ap.KeyPos)},
			pair{Key: "name", KeyPos: ap.KeyPos, Val: strNode("Unused", ap.KeyPos)},
			pair{Key: "in", KeyPos: ap.KeyPos, Val: strNode("header", ap.KeyPos)})
	}
	set(scheme, "x-amazon-apigateway-authorizer", ext)
	az.scheme = scheme
	if len(im.problems) > before {
		return nil
	}
	return az
}

// samIdentity is an authorizer's Identity property.
type samIdentity struct {
	present    bool
	pos        apimodel.Position
	header     string
	validation *node
	ttl        *node
	lists      map[string][]string
	fields     map[string]apimodel.Position
}

func (im *importer) identity(props *node, what string) *samIdentity {
	id := &samIdentity{lists: map[string][]string{}, fields: map[string]apimodel.Position{}}
	p, ok := props.Get("Identity")
	if !ok {
		return id
	}
	obj, ok := im.object(p, what+".Identity", mustHave)
	if !ok {
		return id
	}
	id.present, id.pos = true, p.Val.Pos
	for _, f := range obj.Pairs {
		id.fields[f.Key] = f.KeyPos
		switch f.Key {
		case "Header":
			id.header, _ = im.str(f, what+".Identity.Header", mustHave)
		case "ValidationExpression":
			if v, ok := im.value(f, what+".Identity.ValidationExpression", mustHave); ok {
				id.validation = v
			}
		case "ReauthorizeEvery":
			if v, ok := im.value(f, what+".Identity.ReauthorizeEvery", mustHave); ok {
				id.ttl = v
			}
		case "Headers", "QueryStrings", "StageVariables", "Context":
			id.lists[f.Key] = im.strList(f, what+".Identity."+f.Key, mustHave)
		default:
			im.warn(f.KeyPos, "%s: Identity has no property %s; ignored", what, f.Key)
		}
	}
	return id
}

// sources are the identity sources SAM builds from Identity, in its order: headers, query
// strings, stage variables, context.
func (id *samIdentity) sources(httpAPI bool) []string {
	prefixes := []string{"method.request.header.", "method.request.querystring.", "stageVariables.", "context."}
	if httpAPI {
		prefixes = []string{"$request.header.", "$request.querystring.", "$stageVariables.", "$context."}
	}
	var out []string
	for i, key := range []string{"Headers", "QueryStrings", "StageVariables", "Context"} {
		for _, s := range id.lists[key] {
			out = append(out, prefixes[i]+s)
		}
	}
	return out
}

// unused warns about Identity properties SAM ignores for the authorizer's kind.
func (id *samIdentity) unused(im *importer, what, kind string, keys ...string) {
	for _, k := range keys {
		if pos, ok := id.fields[k]; ok {
			im.warn(pos, "%s: Identity.%s has no effect on %s authorizers; SAM ignores it, and so does genkan", what, k, kind)
		}
	}
}
