package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Per-API access control: authorizers, the API's default `auth`, routes' `auth` and
// `apiKeyRequired`, apiKeySource, resourcePolicy and cors. Rules that hold for every input
// format are apimodel's (validate_auth.go); the decoder checks shapes, resolves the YAML's
// shorthands and defaults, and places problems at the offending value.

// accessRefs are what load completes once every file is merged.
type accessRefs struct {
	// functions are Lambda authorizers naming a function, resolved like `function:` routes.
	functions map[*apimodel.Authorizer]*funcRef
	// authorizers are those declared in genkan YAML, whose payload format defaults by the
	// protocol of the API they end up in.
	authorizers []*apimodel.Authorizer
	// quiet are declarations the decoder already reported a problem in: apimodel's view of
	// the same mistake (a type it could not read is "not one of …") would only repeat it.
	quiet []apimodel.Position
}

func (r *accessRefs) merge(o *accessRefs) {
	if r.functions == nil {
		r.functions = map[*apimodel.Authorizer]*funcRef{}
	}
	maps.Copy(r.functions, o.functions)
	r.authorizers = append(r.authorizers, o.authorizers...)
	r.quiet = append(r.quiet, o.quiet...)
}

// quietIfBroken marks pos quiet when problems were reported since start.
func (d *decoder) quietIfBroken(start int, pos apimodel.Position) {
	if len(d.ps) > start {
		d.acc.quiet = append(d.acc.quiet, pos)
	}
}

// routeAuthDecl is what a route says about its authorization, applied once the whole API
// entry is read, since the API's default `auth` may come after `routes`.
type routeAuthDecl struct {
	auth *apimodel.RouteAuth // nil without `auth`
	// replaces is false for an `auth` object that names neither authorizer nor type: it
	// keeps the API's default and changes only the scopes or API key it sets.
	replaces  bool
	hasScopes bool
	keyReq    *bool // apiKeyRequired, from the `auth` object or the route's shorthand
}

var authorizerTypes = map[string]apimodel.AuthorizerType{
	"token": apimodel.AuthorizerToken, "TOKEN": apimodel.AuthorizerToken,
	"request": apimodel.AuthorizerRequest, "REQUEST": apimodel.AuthorizerRequest,
	"jwt": apimodel.AuthorizerJWT, "JWT": apimodel.AuthorizerJWT,
	"cognito": apimodel.AuthorizerCognito, "COGNITO_USER_POOLS": apimodel.AuthorizerCognito,
}

var authTypes = map[string]apimodel.AuthorizationType{
	"none": apimodel.AuthNone, "NONE": apimodel.AuthNone,
	"iam": apimodel.AuthIAM, "AWS_IAM": apimodel.AuthIAM,
	"custom": apimodel.AuthCustom, "CUSTOM": apimodel.AuthCustom,
	"jwt": apimodel.AuthJWT, "JWT": apimodel.AuthJWT,
	"cognito": apimodel.AuthCognito, "COGNITO_USER_POOLS": apimodel.AuthCognito,
}

// Spellings listed in messages: the documented one first, then AWS's.
const (
	authorizerTypeList = "token, request, jwt, cognito (or AWS's TOKEN, REQUEST, JWT, COGNITO_USER_POOLS)"
	authTypeList       = "none, iam, custom, jwt, cognito (or AWS's NONE, AWS_IAM, CUSTOM, JWT, COGNITO_USER_POOLS)"
)

// reservedAuthorizerNames are what `auth: iam` and `auth: none` mean.
var reservedAuthorizerNames = []string{"iam", "none", "AWS_IAM", "NONE"}

func (d *decoder) authorizers(n ast.Node) []*apimodel.Authorizer {
	es, _ := d.entries("authorizers", n)
	var out []*apimodel.Authorizer
	for _, e := range es {
		if slices.Contains(reservedAuthorizerNames, e.key) {
			d.errorf(e.keyNode, "authorizer name %s is reserved: auth: %s means %s", quote(e.key), e.key, authTypes[e.key])
			continue
		}
		out = append(out, d.authorizer(e))
	}
	return out
}

func (d *decoder) authorizer(owner entry) *apimodel.Authorizer {
	az := &apimodel.Authorizer{Name: owner.key, Pos: d.pos(owner.keyNode)}
	start := len(d.ps)
	seen, _ := d.object("in authorizer "+quote(owner.key), "authorizers."+owner.key, owner.keyNode, owner.val, fields{
		"type": func(e entry) {
			s, ok := d.str("type", e.val)
			if !ok {
				return
			}
			t, known := authorizerTypes[s]
			if !known {
				d.errorf(d.value(e.val), "type: %s is not one of %s", quote(s), authorizerTypeList)
			}
			az.Type = t
		},
		"function":             func(e entry) { d.authorizerFunction(az, e) },
		"identitySource":       func(e entry) { az.IdentitySources = d.identitySources(e.val) },
		"validationExpression": func(e entry) { az.IdentityValidationExpression, _ = d.str("validationExpression", e.val) },
		"ttl":                  func(e entry) { az.ResultTTLSeconds = d.ttl(e.val) },
		"payloadFormatVersion": func(e entry) { az.PayloadFormatVersion, _ = d.payloadFormatVersion(e.val) },
		"simpleResponses":      func(e entry) { az.EnableSimpleResponses, _ = d.boolean("simpleResponses", e.val) },
		"issuer":               func(e entry) { az.Issuer, _ = d.text("issuer", e.val) },
		"audience":             func(e entry) { az.Audience = d.oneOrMany("audience", e.val, d.text) },
		"jwksUrl":              func(e entry) { az.JWKSURL, _ = d.text("jwksUrl", e.val) },
		"userPoolArn": func(e entry) {
			if s, ok := d.str("userPoolArn", e.val); ok {
				az.ProviderARNs = append(az.ProviderARNs, s)
			}
		},
		"userPoolArns":  func(e entry) { az.ProviderARNs = append(az.ProviderARNs, d.oneOrMany("userPoolArns", e.val, d.str)...) },
		"cognitoIssuer": func(e entry) { az.CognitoIssuer, _ = d.text("cognitoIssuer", e.val) },
	}, "type")
	if e, both := seen["userPoolArns"]; both {
		if _, one := seen["userPoolArn"]; one {
			d.errorf(e.keyNode, "userPoolArn and userPoolArns both list user pools; keep one")
		}
	}
	// AWS's consoles fill in the Authorization header; JWT and Cognito tokens are bearer
	// tokens there by convention, and a TOKEN authorizer reads one header.
	if _, given := seen["identitySource"]; !given {
		switch az.Type {
		case apimodel.AuthorizerToken, apimodel.AuthorizerCognito:
			az.IdentitySources = []string{"method.request.header.Authorization"}
		case apimodel.AuthorizerJWT:
			az.IdentitySources = []string{"$request.header.Authorization"}
		}
	}
	d.acc.authorizers = append(d.acc.authorizers, az)
	d.quietIfBroken(start, az.Pos)
	return az
}

// authorizerFunction reads `function:`: a function name (declared under functions, resolved
// to its integration URI once files are merged) or an ARN / integration URI kept verbatim.
func (d *decoder) authorizerFunction(az *apimodel.Authorizer, e entry) {
	s, ok := d.str("function", e.val)
	if !ok {
		return
	}
	if strings.HasPrefix(s, "arn:") {
		az.FunctionURI = s
		return
	}
	ref := &funcRef{}
	d.functionRef("function", e, ref)
	if d.acc.functions == nil {
		d.acc.functions = map[*apimodel.Authorizer]*funcRef{}
	}
	d.acc.functions[az] = ref
	az.FunctionURI = s
}

// identitySources accepts a list, or one string with AWS's comma-separated form.
func (d *decoder) identitySources(n ast.Node) []string {
	var out []string
	if _, list := d.value(n).(*ast.SequenceNode); list {
		for i, item := range d.seq("identitySource", n) {
			label := fmt.Sprintf("identitySource[%d]", i)
			if s, ok := d.str(label, item); ok && d.nonEmpty(label, item, s) {
				out = append(out, s)
			}
		}
		return out
	}
	s, ok := d.str("identitySource", n)
	if !ok {
		return nil
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			d.errorf(d.value(n), "identitySource: %s has an empty entry", quote(s))
			return nil
		}
		out = append(out, part)
	}
	return out
}

func (d *decoder) nonEmpty(label string, n ast.Node, s string) bool {
	if strings.TrimSpace(s) == "" {
		d.errorf(d.value(n), "%s: must not be empty", label)
		return false
	}
	return true
}

// oneOrMany reads a string or a list of strings with read (str or text).
func (d *decoder) oneOrMany(label string, n ast.Node, read func(string, ast.Node) (string, bool)) []string {
	if _, list := d.value(n).(*ast.SequenceNode); !list {
		if s, ok := read(label, n); ok && d.nonEmpty(label, n, s) {
			return []string{s}
		}
		return nil
	}
	var out []string
	for i, item := range d.seq(label, n) {
		l := fmt.Sprintf("%s[%d]", label, i)
		if s, ok := read(l, item); ok && d.nonEmpty(l, item, s) {
			out = append(out, s)
		}
	}
	return out
}

// ttl reads whole seconds (300) or a duration (5m); 0 turns caching off, so unlike other
// durations zero is allowed.
func (d *decoder) ttl(n ast.Node) *int {
	v := d.value(n)
	var secs int64
	switch v := v.(type) {
	case nil:
		return nil
	case *ast.IntegerNode, *ast.FloatNode:
		x, ok := d.integer("ttl", v, 0, false)
		if !ok {
			return nil
		}
		secs = x
	case *ast.StringNode:
		t, err := time.ParseDuration(v.Value)
		if !durationPattern.MatchString(v.Value) || err != nil {
			d.errorf(v, "ttl: %s is not a number of seconds or a duration such as 5m", quote(v.Value))
			return nil
		}
		if t%time.Second != 0 {
			d.errorf(v, "ttl: %s is not a whole number of seconds", quote(v.Value))
			return nil
		}
		secs = int64(t / time.Second)
	default:
		d.typeError("ttl", "a number of seconds or a duration", v)
		return nil
	}
	if secs > apimodel.MaxAuthorizerTTL {
		d.errorf(v, "ttl: %s is more than AWS's maximum of %d seconds (1h)", v.GetToken().Value, apimodel.MaxAuthorizerTTL)
		return nil
	}
	s := int(secs)
	return &s
}

// routeAuth reads `auth:` on a route, or on an API (route false) as its routes' default: an
// authorizer name, iam or none, or {authorizer, type, scopes, apiKeyRequired}.
func (d *decoder) routeAuth(owner entry, route bool) *routeAuthDecl {
	pos := d.valuePos(owner)
	ra := &routeAuthDecl{auth: &apimodel.RouteAuth{Pos: pos}, replaces: true}
	start := len(d.ps)
	defer d.quietIfBroken(start, pos)
	if _, obj := d.value(owner.val).(*ast.MappingNode); !obj {
		s, ok := d.str("auth", owner.val)
		switch {
		case !ok:
		case s == "":
			d.errorAt(pos, "auth: needs an authorizer name, iam or none")
		case authTypes[s] == apimodel.AuthNone || authTypes[s] == apimodel.AuthIAM:
			ra.auth.Type = authTypes[s]
		default:
			// The type follows from the authorizer, which may be imported; see resolveAccess.
			ra.auth.Authorizer = s
		}
		return ra
	}
	seen, _ := d.object("in auth", "auth", owner.keyNode, owner.val, fields{
		"authorizer": func(e entry) { ra.auth.Authorizer, _ = d.str("authorizer", e.val) },
		"type": func(e entry) {
			s, ok := d.str("type", e.val)
			if !ok {
				return
			}
			t, known := authTypes[s]
			if !known {
				d.errorf(d.value(e.val), "type: %s is not one of %s", quote(s), authTypeList)
			}
			ra.auth.Type = t
		},
		"scopes": func(e entry) { ra.auth.Scopes = d.strList("scopes", e.val) },
		"apiKeyRequired": func(e entry) {
			if b, ok := d.boolean("apiKeyRequired", e.val); ok {
				ra.keyReq = &b
			}
		},
	})
	_, hasAuthz := seen["authorizer"]
	_, hasType := seen["type"]
	_, ra.hasScopes = seen["scopes"]
	ra.replaces = hasAuthz || hasType || !route
	if !ra.replaces || (!hasAuthz && ra.auth.Type == "") {
		// Keeping the default (routes), or none at all (an API default of just an API key).
		ra.auth.Type = apimodel.AuthNone
	}
	return ra
}

// applyRouteAuth gives every route of an API entry its RouteAuth, with the API's default
// resolved in, so that compile never has to know about defaults.
func (d *decoder) applyRouteAuth(api *apimodel.API, def *routeAuthDecl) {
	for _, r := range api.Routes {
		own := d.routeAuths[r]
		var base *apimodel.RouteAuth
		if def != nil {
			base = cloneAuth(def.auth)
			if def.keyReq != nil {
				base.APIKeyRequired = *def.keyReq
			}
		}
		if own == nil {
			r.Auth = base
			continue
		}
		switch {
		case own.auth == nil:
		case own.replaces || base == nil:
			base = cloneAuth(own.auth)
			base.APIKeyRequired = false
		default:
			base.Pos = own.auth.Pos
			if own.hasScopes {
				base.Scopes = slices.Clone(own.auth.Scopes)
			}
		}
		if own.keyReq != nil {
			if base == nil {
				base = &apimodel.RouteAuth{Type: apimodel.AuthNone, Pos: r.Pos}
			}
			base.APIKeyRequired = *own.keyReq
		}
		r.Auth = base
	}
}

func cloneAuth(a *apimodel.RouteAuth) *apimodel.RouteAuth {
	c := *a
	c.Scopes = slices.Clone(a.Scopes)
	return &c
}

// routeAuthKey decodes a route's `auth`, kept aside until the API entry is read (see
// applyRouteAuth); routeKeyRequired its `apiKeyRequired`.
func (d *decoder) routeAuthKey(r *apimodel.Route, e entry) {
	decl := d.routeAuthDecl(r)
	got := d.routeAuth(e, true)
	decl.auth, decl.replaces, decl.hasScopes = got.auth, got.replaces, got.hasScopes
	if got.keyReq != nil {
		d.setKeyRequired(decl, got.keyReq, e)
	}
}

func (d *decoder) routeKeyRequired(r *apimodel.Route, e entry) {
	if b, ok := d.boolean("apiKeyRequired", e.val); ok {
		d.setKeyRequired(d.routeAuthDecl(r), &b, e)
	}
}

func (d *decoder) setKeyRequired(decl *routeAuthDecl, b *bool, e entry) {
	if decl.keyReq != nil {
		d.errorf(e.keyNode, "apiKeyRequired is set both on the route and in its auth; keep one")
		return
	}
	decl.keyReq = b
}

func (d *decoder) routeAuthDecl(r *apimodel.Route) *routeAuthDecl {
	if d.routeAuths == nil {
		d.routeAuths = map[*apimodel.Route]*routeAuthDecl{}
	}
	decl, ok := d.routeAuths[r]
	if !ok {
		decl = &routeAuthDecl{}
		d.routeAuths[r] = decl
	}
	return decl
}

// cors reads an HTTP API's corsConfiguration, with AWS's names.
func (d *decoder) cors(owner entry) *apimodel.CORS {
	c := &apimodel.CORS{Pos: d.pos(owner.keyNode)}
	start := len(d.ps)
	d.object("in cors", "cors", owner.keyNode, owner.val, fields{
		"allowOrigins":     func(e entry) { c.AllowOrigins = d.strList("allowOrigins", e.val) },
		"allowMethods":     func(e entry) { c.AllowMethods = d.strList("allowMethods", e.val) },
		"allowHeaders":     func(e entry) { c.AllowHeaders = d.strList("allowHeaders", e.val) },
		"exposeHeaders":    func(e entry) { c.ExposeHeaders = d.strList("exposeHeaders", e.val) },
		"allowCredentials": func(e entry) { c.AllowCredentials, _ = d.boolean("allowCredentials", e.val) },
		"maxAge": func(e entry) {
			x, ok := d.integer("maxAge", e.val, -1, false)
			if ok && x > 86400 {
				d.errorf(d.value(e.val), "maxAge: %d is more than AWS's maximum of 86400 seconds", x)
				return
			}
			if ok {
				m := int(x)
				c.MaxAge = &m
			}
		},
	})
	d.quietIfBroken(start, c.Pos)
	return c
}

// resolveAccess completes, after merging, what the YAML's access control left open: the
// functions of Lambda authorizers, the payload format and cache of HTTP API Lambda
// authorizers, the
// authorization type of routes that name an authorizer, and usage plan stages given by API
// name or without a stage.
func (ld *load) resolveAccess() {
	s := ld.cfg.Settings.WithDefaults()
	own := map[*apimodel.Authorizer]bool{}
	for _, az := range ld.acc.authorizers {
		own[az] = true
	}
	for _, api := range ld.cfg.APIs {
		byName := map[string]*apimodel.Authorizer{}
		for _, az := range api.Authorizers {
			byName[az.Name] = az
			if own[az] && api.Protocol == apimodel.ProtocolHTTP && az.Type == apimodel.AuthorizerRequest {
				if az.PayloadFormatVersion == "" {
					// The 2.0 format is what AWS's console and SAM default to.
					az.PayloadFormatVersion = "2.0"
				}
				if az.ResultTTLSeconds == nil && len(az.IdentitySources) == 0 {
					// Without identity sources there is no cache key: the 300 s default would
					// share one caller's result with every other.
					az.ResultTTLSeconds = new(int)
				}
			}
			ref, ok := ld.acc.functions[az]
			if !ok || ref.name == "" {
				continue
			}
			az.FunctionURI = lambdaURI(s, ref.name)
			if _, declared := ld.functions[ref.name]; ref.check && !declared {
				ld.problem(ref.pos, "function: %s is not declared in functions%s", quote(ref.name), suggestFrom(ref.name, maps.Keys(ld.functions)))
			}
		}
		for _, r := range api.Routes {
			if a := r.Auth; a != nil && a.Type == "" && a.Authorizer != "" {
				if az, ok := byName[a.Authorizer]; ok {
					a.Type = routeType(az.Type)
				}
			}
		}
	}
	ld.resolvePlanStages()
}

func routeType(t apimodel.AuthorizerType) apimodel.AuthorizationType {
	switch t {
	case apimodel.AuthorizerJWT:
		return apimodel.AuthJWT
	case apimodel.AuthorizerCognito:
		return apimodel.AuthCognito
	case apimodel.AuthorizerToken, apimodel.AuthorizerRequest:
		return apimodel.AuthCustom
	}
	// Unknown types are apimodel's to report; the route keeps naming the authorizer.
	return ""
}

// lambdaURI is the integration URI API Gateway invokes a function through.
func lambdaURI(s apimodel.Settings, name string) string {
	return fmt.Sprintf("arn:aws:apigateway:%s:lambda:path/2015-03-31/functions/arn:aws:lambda:%s:%s:function:%s/invocations",
		s.Region, s.Region, s.AccountID, name)
}
