// Package lambdaauth runs Lambda authorizers the way API Gateway does: REST TOKEN and REQUEST
// authorizers, and HTTP API Lambda authorizers with payload 1.0 or 2.0 and simple responses.
// It checks the identity sources, builds the event AWS sends, invokes the function, reads its
// IAM policy or simple response, caches the result by identity for the authorizer's TTL,
// judges the (possibly cached) result against the request's own method ARN, and records the
// outcome in $context.authorizer.
//
// Every outcome is AWS's: the rules and the recordings or reports they come from are written
// next to the code that applies them.
package lambdaauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/integration/lambda"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Invoker runs a function synchronously; it has lambda.Invoker's contract, so the server
// passes the invoker its AWS_PROXY integrations use.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (result []byte, functionError string, err error)
}

// Config configures one authorizer.
type Config struct {
	Spec     *apimodel.Authorizer
	Protocol apimodel.Protocol
	// Function is the resolved function name or ARN, as the Invoker takes it.
	Function string
	Invoker  Invoker
	// Region and AccountID build method ARNs for requests that do not bring one.
	Region, AccountID string
	// Clock is the time source for the cache and latencies; nil means time.Now.
	Clock func() time.Time
	// MaxEntries bounds the result cache; 0 means DefaultMaxEntries.
	MaxEntries int
}

// kind is the event and response contract of an authorizer.
type kind uint8

const (
	kindToken       kind = iota // REST TOKEN
	kindRESTRequest             // REST REQUEST
	kindHTTPv1                  // HTTP API, payload 1.0
	kindHTTPv2                  // HTTP API, payload 2.0
)

// Authorizer is a compiled Lambda authorizer. It is safe for concurrent use.
type Authorizer struct {
	name     string
	kind     kind
	format   responseFormat
	function string
	inv      Invoker
	sources  []source
	validate *regexp.Regexp // TOKEN identityValidationExpression, anchored
	region   string
	account  string
	now      func() time.Time
	cache    *cache // nil when caching is off
}

// New compiles an authorizer. Errors carry the authorizer's position and name the problem.
func New(cfg Config) (*Authorizer, error) {
	spec := cfg.Spec
	if spec == nil {
		return nil, errors.New("lambdaauth: no authorizer spec")
	}
	problem := func(format string, args ...any) error {
		return apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("authorizer %q: ", spec.Name) + fmt.Sprintf(format, args...)}
	}
	a := &Authorizer{name: spec.Name, function: cfg.Function, inv: cfg.Invoker, region: cfg.Region, account: cfg.AccountID, now: cfg.Clock}
	if a.now == nil {
		a.now = time.Now
	}
	if cfg.Invoker == nil {
		return nil, problem("no Lambda invoker is configured")
	}
	if cfg.Function == "" {
		return nil, problem("no function to invoke (functionUri %q)", spec.FunctionURI)
	}
	switch cfg.Protocol {
	case apimodel.ProtocolREST:
		switch spec.Type {
		case apimodel.AuthorizerToken:
			a.kind = kindToken
		case apimodel.AuthorizerRequest:
			a.kind = kindRESTRequest
		default:
			return nil, problem("type %q is not a Lambda authorizer type (TOKEN or REQUEST)", spec.Type)
		}
		if v := spec.PayloadFormatVersion; v != "" && v != "1.0" {
			return nil, problem("payloadFormatVersion %q: REST API authorizers receive payload 1.0", v)
		}
		if spec.EnableSimpleResponses {
			return nil, problem("enableSimpleResponses is an HTTP API setting; REST API authorizers return IAM policies")
		}
		a.format = formatPolicyREST
	case apimodel.ProtocolHTTP:
		if spec.Type != apimodel.AuthorizerRequest {
			return nil, problem("type %q: HTTP API Lambda authorizers are REQUEST authorizers", spec.Type)
		}
		switch spec.PayloadFormatVersion {
		case "1.0":
			a.kind = kindHTTPv1
			if spec.EnableSimpleResponses {
				return nil, problem("enableSimpleResponses needs payloadFormatVersion 2.0")
			}
		case "2.0", "":
			a.kind = kindHTTPv2
		default:
			return nil, problem("payloadFormatVersion %q: HTTP API authorizers accept 1.0 or 2.0", spec.PayloadFormatVersion)
		}
		a.format = formatPolicyHTTP
		if spec.EnableSimpleResponses {
			a.format = formatSimple
		}
	default:
		return nil, problem("Lambda authorizers of %s APIs are not supported yet", cfg.Protocol)
	}

	var err error
	if a.sources, err = parseSources(cfg.Protocol, spec.IdentitySources); err != nil {
		return nil, problem("%v", err)
	}
	if a.kind == kindToken {
		if len(a.sources) != 1 || a.sources[0].kind != fromHeader {
			return nil, problem("a TOKEN authorizer takes its token from exactly one header (method.request.header.<name>), not %q", spec.IdentitySources)
		}
		if expr := spec.IdentityValidationExpression; expr != "" {
			// AWS matches the whole token (Java's Pattern.matches), hence the anchors.
			if a.validate, err = regexp.Compile(`^(?:` + expr + `)$`); err != nil {
				return nil, problem("identityValidationExpression %q: %v (Go's RE2 syntax has no lookarounds or backreferences)", expr, err)
			}
		}
	}
	// A REQUEST authorizer's identityValidationExpression is ignored: AWS accepts it there and
	// documents it for TOKEN authorizers only.

	ttl := spec.TTL()
	switch {
	case ttl < 0 || ttl > apimodel.MaxAuthorizerTTL:
		return nil, problem("resultTtlInSeconds %d: must be 0 (no caching) to %d", ttl, apimodel.MaxAuthorizerTTL)
	case ttl > 0 && len(a.sources) == 0:
		// AWS requires identity sources for caching: they are the cache key.
		return nil, problem("caching (resultTtlInSeconds %d) needs at least one identity source; set resultTtlInSeconds to 0 to authorize every request", ttl)
	case ttl > 0:
		a.cache = newCache(time.Duration(ttl)*time.Second, cfg.MaxEntries)
	}
	return a, nil
}

// Request is one request to authorize.
type Request struct {
	HTTP *http.Request
	// Ctx is the request's $context; Authorize fills Ctx.Authorizer.
	Ctx    *reqctx.Context
	Params route.Params
	// Path is the request path below the stage, still escaped (gateway.Call.Path).
	Path string
	// MethodARN is the ARN the policy is judged against (an HTTP API's routeArn); "" builds it
	// from Config's region and account and Ctx's API, stage and method.
	MethodARN string
	// ResourcePolicy is the API's resource-policy decision for this request; nil when the API
	// has none. Its explicit Deny refuses the request before the function runs, and its
	// outcome combines with the authorizer's policy by the developer guide's Table A.
	ResourcePolicy *policy.Decision
}

// Message of the 403 for a policy that neither allows nor denies the method (captured in
// aws/chalice#971 with x-amzn-ErrorType AccessDeniedException; the explicit-deny message is
// apierr's default).
const implicitDenyMessage = "User is not authorized to access this resource"

// Authorize authorizes req. nil means allowed, with req.Ctx.Authorizer filled; otherwise the
// error is an *apierr.Error to render, or the context's error when the client went away.
// Ctx.Authorizer is filled on failures too, for access logs.
func (a *Authorizer) Authorize(ctx context.Context, req *Request) error {
	c := req.Ctx
	start := a.now()
	c.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerLambda}
	err := a.authorize(ctx, req)
	c.Authorizer.Latency = a.now().Sub(start)
	var e *apierr.Error
	switch {
	case err == nil:
		c.Authorizer.Status = http.StatusOK
	case errors.As(err, &e):
		c.Authorizer.Status = authorizerStatus(e.Type)
		c.Authorizer.Error = e.Error()
	}
	return err
}

func authorizerStatus(t apierr.Type) int {
	switch t {
	case apierr.Unauthorized:
		return http.StatusUnauthorized
	case apierr.AccessDenied:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func (a *Authorizer) authorize(ctx context.Context, req *Request) error {
	c := req.Ctx
	if req.ResourcePolicy != nil && policy.DeniedBeforeAuthorizer(*req.ResourcePolicy) {
		return apierr.Wrap(apierr.AccessDenied, "", errors.New("denied by the resource policy before the authorizer ran"))
	}
	vals, ok := identityValues(a.sources, req.HTTP, c, a.kind == kindHTTPv1 || a.kind == kindHTTPv2)
	if !ok {
		return apierr.Wrap(apierr.Unauthorized, "", errors.New("an identity source is missing or empty; the authorizer was not invoked"))
	}
	if a.validate != nil && !a.validate.MatchString(vals[0]) {
		return apierr.Wrap(apierr.Unauthorized, "", errors.New("the token does not match identityValidationExpression; the authorizer was not invoked"))
	}
	arn := req.MethodARN
	if arn == "" {
		account := a.account
		if account == "" {
			account = c.AccountID
		}
		arn = policy.MethodARN(a.region, account, c.APIID, c.Stage, c.HTTPMethod, req.Path)
	}

	var key string
	var res *result
	cached := false
	if a.cache != nil {
		key = cacheKey(c.Stage, vals)
		res, cached = a.cache.get(key, a.now())
	}
	if !cached {
		var err error
		if res, err = a.invoke(ctx, req, vals, arn); err != nil {
			return err
		}
		if a.cache != nil {
			a.cache.put(key, c.Stage, res, a.now())
		}
	}
	return a.decide(res, req, arn)
}

// invoke runs the function and parses its output. Failures other than the function's own
// "Unauthorized" are 500 AUTHORIZER_CONFIGURATION_ERROR with {"message": null}: a function
// error (auth0-samples/jwt-rsa-aws-custom-authorizer#6; a Stack Overflow answer on controlling
// authorizer errors: any other message gives "HTTP-500 internal server error (Authorizer
// Configuration Error)"), a malformed output, and a failure or timeout of the invocation,
// which the developer guide describes for this type ("failing to connect to a custom ...
// authorizer") and which answered 500 {"message": null} on AWS (dev.to/marcogrcr, "API
// Gateway + Lambda authorizer ... failure modes"). Errors are never cached.
func (a *Authorizer) invoke(ctx context.Context, req *Request, vals []string, arn string) (*result, error) {
	c := req.Ctx
	f := lambda.EventHTTPv2
	switch a.kind {
	case kindToken, kindRESTRequest:
		f = lambda.EventREST
	case kindHTTPv1:
		f = lambda.EventHTTPv1
	}
	lambda.PrepareContext(c, req.HTTP, f)
	payload, err := a.event(req, vals, arn)
	if err != nil {
		return nil, apierr.Wrap(apierr.AuthorizerConfigurationError, "", fmt.Errorf("building the authorizer event: %w", err))
	}
	ictx := lambda.WithInvocation(ctx, lambda.Invocation{TraceID: c.TraceID, APIRequestID: c.RequestID})
	start := a.now()
	out, fnErr, err := a.inv.Invoke(ictx, a.function, payload)
	c.Authorizer.IntegrationLatency = a.now().Sub(start)
	switch {
	case err != nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return nil, ctx.Err() // the client went away; nobody is left to answer
	case err != nil:
		return nil, apierr.Wrap(apierr.AuthorizerConfigurationError, "", fmt.Errorf("invoking authorizer function %s: %w", a.function, err))
	case fnErr != "":
		unauthorized, msg := functionError(out)
		if unauthorized {
			return nil, apierr.Wrap(apierr.Unauthorized, "", errors.New(`the authorizer function failed with "Unauthorized"`))
		}
		return nil, apierr.Wrap(apierr.AuthorizerConfigurationError, "", fmt.Errorf("authorizer function %s failed (%s): %s", a.function, fnErr, msg))
	}
	res, err := parseResponse(out, a.format)
	if err != nil {
		return nil, apierr.Wrap(apierr.AuthorizerConfigurationError, "", fmt.Errorf("authorizer function %s: %w", a.function, err))
	}
	return res, nil
}

// decide judges a result against the request and records what it established. A cached result
// is judged again for every request: AWS caches the policy, not the verdict, so a policy that
// allows one method denies another from the cache too (developer guide: "To enable caching,
// your authorizer must return a policy that is applicable to all methods across an API";
// auth0-samples/jwt-rsa-aws-custom-authorizer#8 and serverless/serverless#6176 report the
// resulting 403s). A simple response's verdict, by contrast, holds for every route: it "fully
// allows or denies all API requests that match the cached identity source values" (HTTP API
// developer guide, as quoted in ministackorg/ministack#1370).
func (a *Authorizer) decide(res *result, req *Request, arn string) error {
	c := req.Ctx
	c.Authorizer.PrincipalID = res.principalID
	c.Authorizer.Context = res.context
	c.Authorizer.UsageIdentifierKey = res.usageKey
	if res.simple {
		if !res.authorized {
			return apierr.Wrap(apierr.AccessDenied, "", errors.New("the authorizer answered isAuthorized: false"))
		}
		return nil
	}
	r := &policy.Request{Action: policy.InvokeAction, Resource: arn}
	if ip, err := netip.ParseAddr(c.Identity.SourceIP); err == nil {
		r.SourceIP = ip
	}
	d := res.policy.Evaluate(r)
	if req.ResourcePolicy != nil {
		d = policy.Decide(policy.Outcomes{Auth: policy.AuthLambda, HasResourcePolicy: true, Resource: *req.ResourcePolicy, Authorizer: d})
	}
	switch d {
	case policy.Allow:
		return nil
	case policy.Deny:
		return apierr.Wrap(apierr.AccessDenied, "", fmt.Errorf("the authorizer's policy explicitly denies %s", arn))
	default:
		return apierr.Wrap(apierr.AccessDenied, implicitDenyMessage, fmt.Errorf("the authorizer's policy does not allow %s", arn))
	}
}

// Flush empties the result cache, as the admin API's FlushStageAuthorizersCache does.
func (a *Authorizer) Flush() { a.FlushStage("") }

// FlushStage drops one stage's cached results; "" drops all of them.
func (a *Authorizer) FlushStage(stage string) {
	if a.cache != nil {
		a.cache.flush(stage)
	}
}
