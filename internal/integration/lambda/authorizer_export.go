package lambda

import (
	"context"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// Exports for Lambda authorizers (internal/auth/lambdaauth). A REQUEST authorizer's event is,
// AWS's recordings show, the proxy event of the same request without its body plus a few
// members of its own, so the authorizer builds on the events built here instead of keeping a
// second copy of their header, query and identity rules.

// EventFormat is the proxy event shape an authorizer event builds on.
type EventFormat uint8

const (
	EventREST   = EventFormat(formatREST)
	EventHTTPv1 = EventFormat(formatHTTPv1)
	EventHTTPv2 = EventFormat(formatHTTPv2)
)

// PrepareContext fills, unless already set, the $context values the events derive (the trace
// id; REST's resource and deployment ids). Running it before the authorizer makes the
// authorizer's event, the integration's event and the access log report the same ids.
func PrepareContext(c *reqctx.Context, r *http.Request, f EventFormat) {
	fillDerived(c, r, format(f), nil)
}

// EventV1 returns call's payload 1.0 event without a body, and its requestContext as AWS
// encodes it (identity nulls, deploymentId). HTTP APIs report bodyLen as content-length: an
// authorizer runs before anything reads the body.
func EventV1(call *gateway.Call, f EventFormat, bodyLen int) (*events.APIGatewayProxyRequest, any) {
	p := &Proxy{format: format(f)}
	ev := p.v1Event(call, nil)
	ev.RequestContext.Authorizer = nil // the authorizer's own event has no authorizer member
	if f != EventREST {
		ev.Headers, ev.MultiValueHeaders = v1Headers(call, format(f), bodyLen)
	}
	return &ev, v1Wire(&ev, format(f), call.Ctx).RequestContext
}

// EventV2 returns call's payload 2.0 event without a body, reporting bodyLen as
// content-length, and its requestContext as AWS encodes it.
func EventV2(call *gateway.Call, bodyLen int) (*events.APIGatewayV2HTTPRequest, any) {
	p := &Proxy{format: formatHTTPv2}
	ev := p.v2Event(call, nil)
	ev.Headers, _ = v2Headers(call, bodyLen)
	w := v2Wire(ev, call.Ctx)
	w.RequestContext.Authorizer = nil // the authorizer's own event has no authorizer member
	return ev, w.RequestContext
}

// ParseQuery splits a raw query string the way the events report it.
func ParseQuery(raw string) (keys []string, values map[string][]string) {
	return parseQuery(raw)
}

// WithInvocation returns ctx carrying inv for an Invoker, as Proxy.Invoke passes it.
func WithInvocation(ctx context.Context, inv Invocation) context.Context {
	return context.WithValue(ctx, invocationKey{}, inv)
}
