package gateway

import (
	"net/http"

	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Call is one request on its way to an integration, after routing and every request stage.
type Call struct {
	// Req is the client's request. Its Body is already bounded by the body-size limit, and its
	// context carries the integration timeout.
	Req *http.Request
	// Ctx is the request's $context; integrations record IntegrationStatus / IntegrationLatency.
	Ctx *reqctx.Context
	// Params are the path parameters, decoded as AWS decodes them.
	Params route.Params
	// Path is the request path with the stage (or base path) removed, still escaped: what
	// {proxy+} and REST's event.path are computed from.
	Path string
	// MethodARN is the ARN policies are evaluated against for this request
	// (arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}).
	MethodARN string
}

// Checker decides whether a request may reach its integration. It returns nil to let it
// through (having recorded the caller in c.Ctx), or the error to render, normally an
// *apierr.Error. A checker may replace c.Req.Body (SigV4 hashes the body and puts it back).
type Checker interface {
	Check(c *Call) error
}

// PathParam returns the value of a path parameter, or "" when the route has none by that name.
func (c *Call) PathParam(name string) string {
	v, _ := c.Params.Get(name)
	return v
}

// StageVar returns a stage variable, or "" when the stage does not define it.
func (c *Call) StageVar(name string) string { return c.Ctx.StageVariables[name] }

// Integration reaches a backend. It either writes a complete response to w and returns nil, or
// writes nothing and returns an error, which the edge renders as a gateway response: an
// *apierr.Error picks the response type, any other error is INTEGRATION_FAILURE (or
// INTEGRATION_TIMEOUT when it is returned after the call's deadline has passed). When an
// error happens after the status line was sent, the integration aborts the response (the
// client sees a cut connection, as with any proxy) and returns the error for the logs.
type Integration interface {
	Invoke(w http.ResponseWriter, c *Call) error
}
