package apimodel

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/genkanhq/genkan/internal/auth/policy"
)

// Access-control checks. They live here rather than in a decoder so that every input format
// (genkan YAML, OpenAPI, SAM) is held to the same rules, which are API Gateway's: what it
// refuses at CreateAuthorizer / UpdateMethod / CreateUsagePlan time is refused here, so a
// configuration that loads locally also deploys.

var (
	// REST identity sources are mapping expressions without the $.
	restIdentitySource = regexp.MustCompile(`^(method\.request\.(header|querystring)\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)
	restHeaderSource   = regexp.MustCompile("^method\\.request\\.header\\.[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	httpIdentitySource = regexp.MustCompile(`^\$(request\.(header|querystring)\.[^\s,]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$`)
	// JWT authorizers read the token from one header or query parameter only.
	jwtIdentitySource = regexp.MustCompile(`^\$request\.(header|querystring)\.[^\s,]+$`)
	userPoolARN       = regexp.MustCompile(`^arn:aws[a-z-]*:cognito-idp:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:userpool/[a-z]{2}(-[a-z]+)+-[0-9]+_[0-9A-Za-z]+$`)
	principalARN      = regexp.MustCompile(`^arn:aws[a-z-]*:(iam|sts)::[0-9]{12}:\S+$`)
	// accessKeyID is IAM's AccessKeyId: 16-128 word characters.
	accessKeyID = regexp.MustCompile(`^\w{16,128}$`)
	resourceID  = regexp.MustCompile(`^[A-Za-z0-9]{1,128}$`)

	lambdaName = `([A-Za-z0-9_-]|\$\{stageVariables\.[A-Za-z0-9_]+\})+`
	lambdaARN  = `arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:` + lambdaName + `(:[A-Za-z0-9$_-]+)?`
	// lambdaRef is what an authorizer's function may be: a name, a function ARN, or the
	// integration URI API Gateway stores (authorizerUri).
	lambdaRef = regexp.MustCompile(`^(` + lambdaName + `|` + lambdaARN +
		`|arn:aws[a-z-]*:apigateway:[a-z0-9-]+:lambda:path/2015-03-31/functions/` + lambdaARN + `/invocations)$`)
	corsHeader = regexp.MustCompile("^(\\*|[!#$%&'*+.^_`|~0-9A-Za-z-]+)$")
)

// Bounds AWS enforces on CORS (maxAge) and API key values.
const (
	maxCORSMaxAge = 86400
	maxKeyValue   = 128
	minKeyValue   = 20
)

type problems struct{ ps Problems }

func (p *problems) add(pos Position, format string, args ...any) {
	p.ps = append(p.ps, Problem{pos, fmt.Sprintf(format, args...)})
}

// validateAccess checks an API's authorizers, its routes' authorization, its API key source,
// resource policy and CORS configuration.
func (api *API) validateAccess() Problems {
	var p problems
	byName := map[string]*Authorizer{}
	for _, az := range api.Authorizers {
		if prev, dup := byName[az.Name]; dup && az.Name != "" {
			p.add(az.Pos, "authorizer %q is already declared at %s", az.Name, prev.Pos)
			continue
		}
		byName[az.Name] = az
		az.validate(api.Protocol, &p)
	}
	for _, r := range api.Routes {
		api.validateRouteAuth(r, byName, &p)
	}
	rest := api.Protocol == ProtocolREST
	switch api.APIKeySource {
	case "":
	case APIKeySourceHeader, APIKeySourceAuthorizer:
		if !rest {
			p.add(api.Pos, "api %q: apiKeySource is for REST APIs; HTTP APIs have no API keys", api.ID)
		}
	default:
		p.add(api.Pos, "api %q: apiKeySource %q is not one of HEADER, AUTHORIZER", api.ID, api.APIKeySource)
	}
	if api.ResourcePolicy != "" {
		pos := orPos(api.ResourcePolicyPos, api.Pos)
		if !rest {
			p.add(pos, "api %q: resource policies are for REST APIs", api.ID)
		} else if _, _, err := policy.Parse([]byte(api.ResourcePolicy)); err != nil {
			p.add(pos, "resource policy: %s", strings.TrimPrefix(err.Error(), "policy: "))
		}
	}
	if api.CORS != nil {
		api.CORS.validate(api, &p)
	}
	return p.ps
}

func orPos(pos, fallback Position) Position {
	if pos.Line == 0 && pos.File == "" {
		return fallback
	}
	return pos
}

func (az *Authorizer) lambda() bool {
	return az.Type == AuthorizerToken || az.Type == AuthorizerRequest
}

// routeType is the authorization type of a route using the authorizer.
func (az *Authorizer) routeType() AuthorizationType {
	switch az.Type {
	case AuthorizerCognito:
		return AuthCognito
	case AuthorizerJWT:
		return AuthJWT
	}
	return AuthCustom
}

func (az *Authorizer) validate(proto Protocol, p *problems) {
	add := func(format string, args ...any) {
		p.add(az.Pos, "authorizer %q: "+format, append([]any{az.Name}, args...)...)
	}
	if az.Name == "" {
		p.add(az.Pos, "authorizer needs a name")
	}
	rest := proto == ProtocolREST
	switch az.Type {
	case AuthorizerToken, AuthorizerCognito:
		if !rest {
			alt := "REQUEST"
			if az.Type == AuthorizerCognito {
				alt = "JWT, whose issuer may be a Cognito user pool"
			}
			add("%s authorizers are for REST APIs; HTTP APIs use %s", az.Type, alt)
			return
		}
	case AuthorizerJWT:
		if rest {
			add("JWT authorizers are for HTTP APIs; REST APIs verify Cognito tokens with COGNITO_USER_POOLS")
			return
		}
	case AuthorizerRequest:
	default:
		if rest {
			add("type %q is not one of TOKEN, REQUEST, COGNITO_USER_POOLS", az.Type)
		} else {
			add("type %q is not one of REQUEST, JWT", az.Type)
		}
		return
	}
	lambda := az.lambda()
	only := func(set bool, field, types string) {
		if set {
			add("%s is for %s authorizers", field, types)
		}
	}
	only(az.FunctionURI != "" && !lambda, "function", "TOKEN and REQUEST")
	only(az.IdentityValidationExpression != "" && az.Type != AuthorizerToken, "validationExpression", "TOKEN")
	only(az.ResultTTLSeconds != nil && az.Type == AuthorizerJWT, "ttl", "Lambda and Cognito")
	only(az.PayloadFormatVersion != "" && (rest || !lambda), "payloadFormatVersion", "HTTP API REQUEST")
	only(az.EnableSimpleResponses && (rest || !lambda), "simpleResponses", "HTTP API REQUEST")
	only(az.Issuer != "" && az.Type != AuthorizerJWT, "issuer", "JWT")
	only(len(az.Audience) > 0 && az.Type != AuthorizerJWT, "audience", "JWT")
	only(az.JWKSURL != "" && az.Type != AuthorizerJWT && az.Type != AuthorizerCognito, "jwksUrl", "JWT and COGNITO_USER_POOLS")
	only(len(az.ProviderARNs) > 0 && az.Type != AuthorizerCognito, "userPoolArns", "COGNITO_USER_POOLS")
	only(az.CognitoIssuer != "" && az.Type != AuthorizerCognito, "cognitoIssuer", "COGNITO_USER_POOLS")

	if lambda {
		switch {
		case az.FunctionURI == "":
			add("a %s authorizer needs a function", az.Type)
		case !lambdaRef.MatchString(az.FunctionURI):
			add("function %q is not a function name, a Lambda function ARN or a Lambda integration URI", az.FunctionURI)
		}
	}
	if ttl := az.ResultTTLSeconds; ttl != nil && (*ttl < 0 || *ttl > MaxAuthorizerTTL) {
		add("ttl %d is outside 0-%d seconds", *ttl, MaxAuthorizerTTL)
	}
	if az.IdentityValidationExpression != "" {
		if _, err := regexp.Compile(az.IdentityValidationExpression); err != nil {
			add("validationExpression %q: %v", az.IdentityValidationExpression, err)
		}
	}
	az.validateIdentitySources(rest, add)
	if az.PayloadFormatVersion != "" && az.PayloadFormatVersion != "1.0" && az.PayloadFormatVersion != "2.0" {
		add("payloadFormatVersion %q is not 1.0 or 2.0", az.PayloadFormatVersion)
	} else if az.EnableSimpleResponses && lambda && !rest && az.PayloadFormatVersion != "2.0" {
		add("simpleResponses needs payloadFormatVersion 2.0")
	}
	switch az.Type {
	case AuthorizerJWT:
		if az.Issuer == "" {
			add("a JWT authorizer needs an issuer")
		} else if !httpURL(az.Issuer) {
			add("issuer %q is not an absolute http(s) URL", az.Issuer)
		}
		if len(az.Audience) == 0 {
			add("a JWT authorizer needs an audience (AWS requires at least one)")
		}
	case AuthorizerCognito:
		if len(az.ProviderARNs) == 0 {
			add("a COGNITO_USER_POOLS authorizer needs user pool ARNs")
		}
		for _, arn := range az.ProviderARNs {
			if !userPoolARN.MatchString(arn) {
				add("%q is not a user pool ARN such as arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbC123", arn)
			}
		}
		if az.CognitoIssuer != "" && !httpURL(az.CognitoIssuer) {
			add("cognitoIssuer %q is not an absolute http(s) URL", az.CognitoIssuer)
		}
	}
	if az.JWKSURL != "" && !httpURL(az.JWKSURL) {
		add("jwksUrl %q is not an absolute http(s) URL", az.JWKSURL)
	}
}

// validateIdentitySources applies each type's rule: TOKEN and Cognito read one header, JWT
// at most one header or query parameter, REQUEST any number of sources in its protocol's syntax.
func (az *Authorizer) validateIdentitySources(rest bool, add func(string, ...any)) {
	srcs := az.IdentitySources
	switch az.Type {
	case AuthorizerToken, AuthorizerCognito:
		if len(srcs) != 1 || !restHeaderSource.MatchString(srcs[0]) {
			add("a %s authorizer reads one header: identitySource must be one method.request.header.Name, got %s", az.Type, listOrNone(srcs))
		}
		return
	case AuthorizerJWT:
		// None is left to the importer's or compiler's default, $request.header.Authorization.
		if len(srcs) > 1 || len(srcs) == 1 && !jwtIdentitySource.MatchString(srcs[0]) {
			add("a JWT authorizer reads its token from one place: identitySource must be one $request.header.Name or $request.querystring.Name, got %s", listOrNone(srcs))
		}
		return
	}
	re, syntax := httpIdentitySource, "$request.header.Name, $request.querystring.Name, $stageVariables.Name or $context.Name"
	if rest {
		re, syntax = restIdentitySource, "method.request.header.Name, method.request.querystring.Name, stageVariables.Name or context.Name"
	}
	for _, s := range srcs {
		if !re.MatchString(s) {
			add("identitySource %q is not %s", s, syntax)
		}
	}
	// REST applies the 300 s default cache, keyed by the identity sources; AWS refuses a
	// cached REQUEST authorizer without them. HTTP APIs only cache when asked to.
	cached := az.TTL() > 0
	if !rest {
		cached = az.ResultTTLSeconds != nil && *az.ResultTTLSeconds > 0
	}
	if len(srcs) == 0 && cached {
		add("results are cached (ttl %d) by identity source, and there is none: give identitySource or set ttl to 0", az.TTL())
	}
}

func listOrNone(ss []string) string {
	if len(ss) == 0 {
		return "none"
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

func (api *API) validateRouteAuth(r *Route, byName map[string]*Authorizer, p *problems) {
	a := r.Auth
	if a == nil {
		return
	}
	pos := orPos(a.Pos, r.Pos)
	if a.APIKeyRequired && api.Protocol != ProtocolREST {
		p.add(pos, "route %s: apiKeyRequired is for REST APIs; HTTP APIs have no API keys", r.Key())
	}
	typ := a.Type
	switch typ {
	case AuthNone, AuthIAM:
		if a.Authorizer != "" {
			p.add(pos, "authorization type %s takes no authorizer, got %q", typ, a.Authorizer)
		}
	case AuthCustom, AuthCognito, AuthJWT, "":
		if a.Authorizer == "" {
			if typ == "" {
				p.add(pos, "route %s: authorization has neither a type nor an authorizer", r.Key())
			} else {
				p.add(pos, "authorization type %s needs an authorizer", typ)
			}
			return
		}
		az, ok := byName[a.Authorizer]
		if !ok {
			p.add(pos, "authorizer %q is not declared in api %q%s", a.Authorizer, api.ID, declared(api.Authorizers))
			return
		}
		if typ != "" && typ != az.routeType() {
			p.add(pos, "authorization type %s does not match authorizer %q, which is %s", typ, a.Authorizer, az.Type)
			return
		}
		typ = az.routeType()
	default:
		p.add(pos, "authorization type %q is not one of NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS, JWT", typ)
		return
	}
	switch {
	case typ == AuthJWT && api.Protocol == ProtocolREST:
		p.add(pos, "authorization type JWT is for HTTP APIs; REST APIs use COGNITO_USER_POOLS")
	case typ == AuthCognito && api.Protocol != ProtocolREST:
		p.add(pos, "authorization type COGNITO_USER_POOLS is for REST APIs; HTTP APIs use JWT")
	case len(a.Scopes) > 0 && typ != AuthJWT && typ != AuthCognito:
		p.add(pos, "scopes are for JWT and Cognito authorizers, not %s", typ)
	}
}

func declared(azs []*Authorizer) string {
	if len(azs) == 0 {
		return " (it declares no authorizers)"
	}
	names := make([]string, 0, len(azs))
	for _, az := range azs {
		names = append(names, fmt.Sprintf("%q", az.Name))
	}
	slices.Sort(names)
	return " (it declares " + strings.Join(names, ", ") + ")"
}

// corsMethods are what allowMethods may list; AWS matches them case-insensitively.
var corsMethods = []string{"*", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

func (c *CORS) validate(api *API, p *problems) {
	pos := orPos(c.Pos, api.Pos)
	if api.Protocol != ProtocolHTTP {
		p.add(pos, "api %q: cors is for HTTP APIs; REST APIs answer preflight requests with an OPTIONS route", api.ID)
		return
	}
	for _, o := range c.AllowOrigins {
		if !isOrigin(o) {
			p.add(pos, "cors: allowOrigins %q is not *, a scheme with * (https://*) or an origin such as https://app.example.com", o)
		}
	}
	if c.AllowCredentials && slices.Contains(c.AllowOrigins, "*") {
		// AWS answers BadRequestException "allow-credentials is not supported if
		// 'allow-origin' is *", as browsers refuse credentials for a wildcard origin.
		p.add(pos, `cors: allowCredentials cannot be true when allowOrigins has "*"; list the origins instead`)
	}
	for _, m := range c.AllowMethods {
		if !slices.Contains(corsMethods, strings.ToUpper(m)) {
			p.add(pos, "cors: allowMethods %q is not one of %s", m, strings.Join(corsMethods, ", "))
		}
	}
	for _, hs := range [][]string{c.AllowHeaders, c.ExposeHeaders} {
		for _, h := range hs {
			if !corsHeader.MatchString(h) {
				p.add(pos, "cors: %q is not a header name or *", h)
			}
		}
	}
	if c.MaxAge != nil && (*c.MaxAge < -1 || *c.MaxAge > maxCORSMaxAge) {
		p.add(pos, "cors: maxAge %d is outside -1-%d", *c.MaxAge, maxCORSMaxAge)
	}
}

// isOrigin accepts what AWS documents for allowOrigins: *, scheme://* and scheme://host[:port].
// An origin with a path is accepted too, as AWS does; Lint warns about it.
func isOrigin(o string) bool {
	if o == "*" {
		return true
	}
	scheme, rest, ok := strings.Cut(o, "://")
	if !ok || scheme == "" || rest == "" || strings.ContainsAny(o, " \t\r\n,") {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && u.Scheme != "" && (u.Host != "" || rest == "*")
}

// validateKeys checks API keys, usage plans and IAM access keys against the APIs.
func (c *Config) validateKeys(apis map[string]*API) Problems {
	var p problems
	plans := map[string]*UsagePlan{}
	for _, up := range c.UsagePlans {
		up.validate(apis, plans, &p)
	}
	c.validateAPIKeys(plans, &p)
	seen := map[string]*AccessKey{}
	for _, k := range c.AccessKeys {
		switch {
		case !accessKeyID.MatchString(k.ID):
			p.add(k.Pos, "access key id %q must be 16-128 letters, digits or '_', such as AKIAIOSFODNN7EXAMPLE", k.ID)
		case seen[k.ID] != nil:
			p.add(k.Pos, "access key %q is already declared at %s", k.ID, seen[k.ID].Pos)
		default:
			seen[k.ID] = k
		}
		if k.Secret == "" {
			p.add(k.Pos, "access key %q needs a secret", k.ID)
		}
		if !principalARN.MatchString(k.PrincipalARN) {
			p.add(k.Pos, "access key %q: principal %q is not an IAM or STS ARN such as arn:aws:iam::123456789012:user/alice", k.ID, k.PrincipalARN)
		}
		if k.Policy != "" {
			if _, _, err := policy.Parse([]byte(k.Policy)); err != nil {
				p.add(orPos(k.PolicyPos, k.Pos), "access key %q: policy: %s", k.ID, strings.TrimPrefix(err.Error(), "policy: "))
			}
		}
	}
	return p.ps
}

// validate checks one usage plan and records it in plans under its name and id.
func (up *UsagePlan) validate(apis map[string]*API, plans map[string]*UsagePlan, p *problems) {
	switch {
	case up.Name == "":
		p.add(up.Pos, "usage plan needs a name")
	case plans[up.Name] != nil:
		p.add(up.Pos, "usage plan %q is already declared at %s", up.Name, plans[up.Name].Pos)
	default:
		plans[up.Name] = up
	}
	if up.ID != "" {
		if prev := plans[up.ID]; prev != nil && prev != up {
			p.add(up.Pos, "usage plan id %q is already used by %s", up.ID, prev.Pos)
		} else if !resourceID.MatchString(up.ID) {
			p.add(up.Pos, "usage plan id %q must be 1-128 letters or digits", up.ID)
		} else {
			plans[up.ID] = up
		}
	}
	where := fmt.Sprintf("usage plan %q", up.Name)
	validateThrottle(up.Throttle, where+": throttle", up.Pos, p)
	if q := up.Quota; q != nil {
		maxOffset := map[string]int{QuotaDay: 0, QuotaWeek: 6, QuotaMonth: 27}
		most, known := maxOffset[q.Period]
		switch {
		case !known:
			p.add(up.Pos, "%s: quota period %q is not one of DAY, WEEK, MONTH", where, q.Period)
		case q.Offset < 0 || q.Offset > most:
			p.add(up.Pos, "%s: quota offset %d is outside 0-%d for period %s", where, q.Offset, most, q.Period)
		}
		if q.Limit < 1 {
			p.add(up.Pos, "%s: quota limit %d must be at least 1", where, q.Limit)
		}
	}
	covered := map[[2]string]bool{}
	for _, st := range up.Stages {
		api, ok := apis[st.APIID]
		switch {
		case !ok:
			p.add(st.Pos, "%s: api %q is not declared", where, st.APIID)
		case api.Protocol != ProtocolREST:
			p.add(st.Pos, "%s: api %q is an HTTP API; usage plans are for REST APIs", where, st.APIID)
		case st.Stage == "":
			p.add(st.Pos, "%s: api %q needs a stage", where, st.APIID)
		case !api.HasStage(st.Stage):
			p.add(st.Pos, "%s: api %q has no stage %q", where, st.APIID, st.Stage)
		case covered[[2]string{st.APIID, st.Stage}]:
			p.add(st.Pos, "%s: api %q stage %q is listed twice", where, st.APIID, st.Stage)
		}
		covered[[2]string{st.APIID, st.Stage}] = true
		for _, key := range sortedKeys(st.Throttle) {
			if !isMethodThrottleKey(key) {
				p.add(st.Pos, `%s: throttle key %q is not "/{resource path}/{METHOD}", such as "/pets/GET" or "/*/*"`, where, key)
			}
			validateThrottle(st.Throttle[key], fmt.Sprintf("%s: throttle %q", where, key), st.Pos, p)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func validateThrottle(t *Throttle, where string, pos Position, p *problems) {
	if t == nil {
		return
	}
	if t.RateLimit <= 0 {
		p.add(pos, "%s: rateLimit %g must be more than 0", where, t.RateLimit)
	}
	if t.BurstLimit < 0 {
		p.add(pos, "%s: burstLimit %d must not be negative", where, t.BurstLimit)
	}
}

// isMethodThrottleKey accepts AWS's "/{resource path}/{METHOD}": "/pets/GET", "/pets/{id}/*",
// "//GET" for the root, "/*/*" for every method.
func isMethodThrottleKey(key string) bool {
	i := strings.LastIndexByte(key, '/')
	if i < 1 || !strings.HasPrefix(key, "/") {
		return false
	}
	path, method := key[:i], key[i+1:]
	if method != "*" && !IsMethod(method) {
		return false
	}
	return path == "/" || path == "/*" || ValidatePath(path) == nil
}

func (c *Config) validateAPIKeys(plans map[string]*UsagePlan, p *problems) {
	names := map[string]*APIKey{}
	ids := map[string]*APIKey{}
	values := map[string]*APIKey{}
	for _, k := range c.APIKeys {
		if k.Name == "" {
			p.add(k.Pos, "api key needs a name")
		} else if prev := names[k.Name]; prev != nil {
			p.add(k.Pos, "api key %q is already declared at %s", k.Name, prev.Pos)
		}
		names[k.Name] = k
		if k.ID != "" {
			if prev := ids[k.ID]; prev != nil {
				p.add(k.Pos, "api key id %q is already used by %s", k.ID, prev.Pos)
			} else if !resourceID.MatchString(k.ID) {
				p.add(k.Pos, "api key id %q must be 1-128 letters or digits", k.ID)
			}
			ids[k.ID] = k
		}
		// Messages never quote the value: it is a secret.
		if k.Value != "" {
			if n := len(k.Value); n < minKeyValue || n > maxKeyValue {
				p.add(k.Pos, "api key %q: the value must be %d-%d characters, as AWS requires", k.Name, minKeyValue, maxKeyValue)
			} else if prev := values[k.Value]; prev != nil {
				p.add(k.Pos, "api key %q has the same value as api key %q at %s", k.Name, prev.Name, prev.Pos)
			}
			values[k.Value] = k
		}
		// AWS lets a key join several plans, but not two that cover the same stage: the
		// plan whose limits apply would be ambiguous.
		stages := map[[2]string]*UsagePlan{}
		for _, name := range k.Plans {
			up, ok := plans[name]
			if !ok {
				p.add(k.Pos, "api key %q: usage plan %q is not declared", k.Name, name)
				continue
			}
			for _, st := range up.Stages {
				at := [2]string{st.APIID, st.Stage}
				if prev := stages[at]; prev != nil && prev != up {
					p.add(k.Pos, "api key %q: usage plans %q and %q both cover api %q stage %q; a key may be in one plan per stage", k.Name, prev.Name, up.Name, st.APIID, st.Stage)
				}
				stages[at] = up
			}
		}
	}
}

// Lint returns findings that do not stop a configuration from being served: the oddities
// policy.Parse tolerates in resource and identity policies, and CORS origins that no browser
// sends. config.Load adds them to Config.Warnings.
func (c *Config) Lint() []Warning {
	var ws []Warning
	parse := func(doc string, pos Position, what string) {
		if doc == "" {
			return
		}
		_, pws, err := policy.Parse([]byte(doc))
		if err != nil {
			return // Validate reports it.
		}
		for _, w := range pws {
			ws = append(ws, Warning{Pos: pos, Message: what + ": " + w.String()})
		}
	}
	for _, api := range c.APIs {
		if api.Protocol == ProtocolREST {
			parse(api.ResourcePolicy, orPos(api.ResourcePolicyPos, api.Pos), fmt.Sprintf("api %q: resource policy", api.ID))
		}
		if api.CORS == nil || api.Protocol != ProtocolHTTP {
			continue
		}
		for _, o := range api.CORS.AllowOrigins {
			if u, err := url.Parse(o); err == nil && isOrigin(o) && o != "*" && (u.Path != "" || u.RawQuery != "" || u.Fragment != "") {
				ws = append(ws, Warning{Pos: orPos(api.CORS.Pos, api.Pos),
					Message: fmt.Sprintf("cors: allowOrigins %q has a path; browsers send origins without one, so it never matches", o)})
			}
		}
	}
	for _, k := range c.AccessKeys {
		parse(k.Policy, orPos(k.PolicyPos, k.Pos), fmt.Sprintf("access key %q: policy", k.ID))
	}
	return ws
}
