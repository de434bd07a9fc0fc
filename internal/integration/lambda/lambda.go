// Package lambda is API Gateway's Lambda proxy integration (AWS_PROXY): it turns a request into
// the event AWS sends — REST payload 1.0, HTTP API payload 1.0 or 2.0 — invokes the function
// through an Invoker, and turns the function's output into the response, failing the way API
// Gateway fails when the output is malformed, the function errs, is throttled or times out.
//
// Events are described by aws-lambda-go's events types with thin wrappers wherever that
// library's JSON tags differ from what AWS sends (see wire.go); Lambda authorizers' events are
// encoded from them. The proxy event itself is written directly as the same bytes (encode.go),
// and the common shapes of a function's output are parsed in one pass (parsefast.go), both
// held to the encoding/json paths by equivalence tests. The rules, and the recordings and
// documents they come from, are written next to the code that applies them.
package lambda

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// Invoker runs a function synchronously. function is a function ARN (with its qualifier, if
// any) when the integration URI named one, else the function's name, optionally name:qualifier
// — both forms Lambda's Invoke API accepts; FunctionName reduces either to the bare name.
// functionError is "" on success and Lambda's X-Amz-Function-Error value ("Unhandled") when the
// function failed, in which case result is the error document. err is for failures to invoke
// at all; an Invoker returns an error wrapping ErrThrottled when the function's concurrency is
// exhausted.
type Invoker interface {
	Invoke(ctx context.Context, function string, payload []byte) (result []byte, functionError string, err error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, function string, payload []byte) ([]byte, string, error)

func (f InvokerFunc) Invoke(ctx context.Context, function string, payload []byte) ([]byte, string, error) {
	return f(ctx, function, payload)
}

// ErrThrottled is wrapped by an Invoker's error when the function's concurrency is exhausted.
var ErrThrottled = errors.New("function throttled")

// Invocation is what API Gateway passes to Lambda beside the payload. An Invoker reads it with
// InvocationFrom to give the function's runtime the same trace id as the event.
type Invocation struct {
	// TraceID is the X-Amzn-Trace-Id value ("Root=1-…"), Lambda-Runtime-Trace-Id in the runtime.
	TraceID string
	// APIRequestID is API Gateway's request id ($context.requestId), for logs.
	APIRequestID string
}

type invocationKey struct{}

// InvocationFrom returns the Invocation of a context passed to Invoker.Invoke.
func InvocationFrom(ctx context.Context) (Invocation, bool) {
	inv, ok := ctx.Value(invocationKey{}).(Invocation)
	return inv, ok
}

// Option configures New.
type Option func(*Proxy)

// WithBinaryMediaTypes sets the API's binaryMediaTypes (REST only): request bodies whose
// Content-Type matches are base64-encoded in the event, and base64 bodies of responses are
// decoded when the request's first Accept type matches. Entries may use SAM's ~1 for "/".
func WithBinaryMediaTypes(types []string) Option {
	return func(p *Proxy) { p.binary = compileMediaTypes(types) }
}

// Proxy is a compiled AWS_PROXY integration.
type Proxy struct {
	target  target
	format  format
	inv     Invoker
	exists  func(name string) bool
	binary  []mediaType
	badVerb string // a REST integration method other than POST, which fails every request
	names   nameCache
	ids     atomic.Pointer[restIDs]
}

var _ gateway.Integration = (*Proxy)(nil)

// format is the event/response contract.
type format uint8

const (
	formatREST   format = iota // REST API payload 1.0
	formatHTTPv1               // HTTP API payload 1.0
	formatHTTPv2               // HTTP API payload 2.0
)

// New compiles one AWS_PROXY integration. spec.URI is an invocation URI
// (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations), a
// function ARN, or (HTTP APIs) a function name; stage variables may stand for any part of it.
// exists reports whether a function is defined: an unknown function is an error now, or, for a
// name that depends on stage variables, a failure of each request that resolves to it. A nil
// exists accepts every name.
func New(spec *apimodel.Integration, protocol apimodel.Protocol, inv Invoker, exists func(name string) bool, opts ...Option) (*Proxy, error) {
	problem := func(format string, args ...any) error {
		return apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf(format, args...)}
	}
	if inv == nil {
		return nil, problem("AWS_PROXY integration %q: no Lambda invoker is configured", spec.URI)
	}
	p := &Proxy{inv: inv, exists: exists}
	switch protocol {
	case apimodel.ProtocolREST:
		if v := spec.PayloadFormatVersion; v != "" && v != "1.0" {
			return nil, problem("payloadFormatVersion %q: REST APIs send payload format 1.0", v)
		}
		p.format = formatREST
		// AWS accepts another integration method and then fails every call with a 500
		// (localstack test_lambda_aws_proxy_integration_non_post_method, recorded on AWS).
		if m := strings.ToUpper(spec.HTTPMethod); m != "" && m != http.MethodPost {
			p.badVerb = m
		}
	case apimodel.ProtocolHTTP:
		switch spec.PayloadFormatVersion {
		case "1.0":
			p.format = formatHTTPv1
		case "2.0", "":
			// 2.0 is the console's default and SAM's; CloudFormation requires the field.
			p.format = formatHTTPv2
		default:
			return nil, problem("payloadFormatVersion %q: HTTP APIs accept 1.0 or 2.0", spec.PayloadFormatVersion)
		}
	default:
		return nil, problem("AWS_PROXY integrations of %s APIs are not supported yet", protocol)
	}
	t, err := parseTarget(spec.URI)
	if err != nil {
		return nil, problem("%v", err)
	}
	if protocol == apimodel.ProtocolREST && !t.templated && t.fn.arn == "" {
		return nil, problem("integration URI %q: REST APIs name the function by ARN (arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function ARN}/invocations)", spec.URI)
	}
	if !t.templated && exists != nil && !exists(t.fn.name) {
		return nil, problem("integration URI %q: function %q is not defined", spec.URI, t.fn.name)
	}
	p.target = t
	for _, o := range opts {
		o(p)
	}
	return p, nil
}

// Invoke builds the event, invokes the function and writes its response.
func (p *Proxy) Invoke(w http.ResponseWriter, call *gateway.Call) error {
	c := call.Ctx
	if p.badVerb != "" {
		return apierr.Wrap(apierr.IntegrationFailure, "", fmt.Errorf(
			"AWS_PROXY integrations must use integration method POST, not %s", p.badVerb)).WithStatus(http.StatusInternalServerError)
	}
	fn, err := p.target.resolve(c.StageVariables)
	if err == nil && p.target.templated && p.exists != nil && !p.exists(fn.name) {
		err = fmt.Errorf("function %q is not defined", fn.name)
	}
	if err != nil {
		// AWS: "Execution failed due to configuration error: Invalid stage variable value".
		return &apierr.Error{Type: apierr.APIConfigurationError, Cause: err}
	}
	fillDerived(c, call.Req, p.format, &p.ids)
	payload, err := p.event(call)
	if err != nil {
		return err
	}

	ctx := context.WithValue(call.Req.Context(), invocationKey{}, Invocation{TraceID: c.TraceID, APIRequestID: c.RequestID})
	start := time.Now()
	out, fnErr, err := p.inv.Invoke(ctx, fn.invokeName(), payload)
	c.IntegrationLatency = time.Since(start)
	if err != nil {
		return p.invokeFailed(ctx, err, c)
	}
	// $context.integrationStatus of a Lambda proxy is the Lambda service's status, not the
	// function's statusCode: 200 for every completed invocation, function errors included.
	c.IntegrationStatus = http.StatusOK
	if fnErr != "" {
		return p.malformed(fmt.Errorf("function error %s: %.512s", fnErr, out))
	}
	resp, err := p.parse(out)
	if err != nil {
		return p.malformed(err)
	}
	body, err := p.responseBody(call.Req, resp)
	if err != nil {
		return p.malformed(err)
	}
	return p.write(w, call, resp, body)
}

// invokeFailed turns a failure to invoke into API Gateway's answer. A throttled function is not
// passed on as a 429: AWS answers 500 {"message": "Internal server error"} (AWS knowledge center
// "api-gateway-internal-server-error"; re:Post "API Gateway proxy integration does not forward
// Lambda throttling (HTTP 429) to client"), the status AWS uses for every failure to invoke
// (localstack test_lambda_aws_proxy_integration_non_post_method, recorded on AWS, where a
// customized INTEGRATION_FAILURE without a status still answered 500).
func (p *Proxy) invokeFailed(ctx context.Context, err error, c *reqctx.Context) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		return apierr.Wrap(apierr.IntegrationTimeout, "Endpoint request timed out", err)
	case ctx.Err() != nil:
		return err // the client went away; nobody is left to answer
	case errors.Is(err, ErrThrottled):
		c.IntegrationStatus = http.StatusTooManyRequests
	}
	return apierr.Wrap(apierr.IntegrationFailure, "", err).WithStatus(http.StatusInternalServerError)
}

// malformed answers a function error or an output that is not a proxy response. REST APIs send
// 502 {"message": "Internal server error"} with InternalServerErrorException, as a DEFAULT_5XX
// (localstack test_aws_proxy_response_payload_format_validation, recorded on AWS, for both a
// raised exception and a malformed output; DataBiosphere/azul#7470); HTTP APIs answer 500
// {"message":"Internal Server Error"}, which apierr renders for the same type.
func (p *Proxy) malformed(err error) error {
	return (&apierr.Error{Type: apierr.Default5XX, Cause: err}).WithStatus(http.StatusBadGateway)
}
