package gateway

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/auth/policy"
	"github.com/genkanhq/genkan/internal/cors"
	"github.com/genkanhq/genkan/internal/observe"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Handler is the data-plane http.Handler: every request on the data port goes through it.
type Handler struct {
	Tables    *Holder
	AccessLog *observe.AccessLog // nil: no access log
	// LogFormat is used for requests that reach no stage, and stages without their own format.
	LogFormat *observe.Format
	Logger    *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// fallback answers requests that reach no API at all.
var fallbackREST, fallbackHTTP = mustFallback(apimodel.ProtocolREST), mustFallback(apimodel.ProtocolHTTP)

func mustFallback(p apimodel.Protocol) *apierr.Set {
	s, err := apierr.Compile(p, nil)
	if err != nil {
		panic("apierr defaults do not compile: " + err.Error()) // a programming error, found at init
	}
	return s
}

// exchange is one request's state on its way through the pipeline, pooled.
type exchange struct {
	params route.Params
	call   Call
}

var exchangePool = sync.Pool{New: func() any { return &exchange{params: make(route.Params, 0, 8)} }}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.now()
	c := reqctx.Acquire()
	c.RequestTime = start
	c.RequestID = newRequestID()
	c.ExtendedRequestID = newExtendedID()
	c.HTTPMethod = r.Method
	c.Protocol = r.Proto
	c.Path = r.URL.EscapedPath()
	c.Identity.SourceIP = remoteIP(r.RemoteAddr)
	c.Identity.UserAgent = r.UserAgent()
	c.DomainName = hostOnly(r.Host)
	c.DomainPrefix, _, _ = strings.Cut(c.DomainName, ".")

	rw := acquireWriter(w)
	x := exchangePool.Get().(*exchange)
	t := h.Tables.Load()
	c.AccountID = t.Settings.AccountID

	var stage *Stage
	defer func() {
		c.Status = rw.status
		c.ResponseLength = rw.written
		c.ResponseLatency = h.now().Sub(start)
		if h.AccessLog != nil {
			f := h.LogFormat
			if stage != nil && stage.AccessLog != nil {
				f = stage.AccessLog
			}
			h.AccessLog.Write(f, c)
		}
		x.params = x.params[:0]
		x.call = Call{}
		exchangePool.Put(x)
		releaseWriter(rw)
		reqctx.Release(c)
	}()

	responses := fallbackREST
	if e := checkFraming(r, t.Settings); e != nil {
		// Refused before any API is known, but still a response the client may need to quote.
		setRequestIDHeaders(rw, apimodel.ProtocolREST, c)
		render(responses, rw, r, c, x.params, e)
		return
	}

	tgt, rt, ok := t.route(r.Host, c.Path, r.Method, &x.params)
	if tgt.api != nil {
		responses = tgt.api.Responses
		c.APIID = tgt.api.ID
		if tgt.api.Protocol != apimodel.ProtocolREST {
			// HTTP APIs identify requests by the short id alone (apigw-requestid).
			c.RequestID = c.ExtendedRequestID
		}
		setRequestIDHeaders(rw, tgt.api.Protocol, c)
	} else {
		// No API answers: respond in the flavour of the configuration, ids included, so that
		// an HTTP API 404 does not carry REST's request-id headers.
		p := apimodel.ProtocolREST
		if len(t.APIs) > 0 && t.APIs[0].Protocol == apimodel.ProtocolHTTP {
			responses = fallbackHTTP
			p = apimodel.ProtocolHTTP
			c.RequestID = c.ExtendedRequestID
		}
		setRequestIDHeaders(rw, p, c)
	}
	if tgt.stage != nil {
		stage = tgt.stage
		c.Stage = stage.Name
		c.StageVariables = stage.Variables
	}
	if tgt.api != nil && tgt.api.CORS != nil {
		if cors.IsPreflight(r) {
			tgt.api.CORS.Preflight(rw, r)
			return
		}
		origin := r.Header.Get("Origin")
		policy := tgt.api.CORS
		rw.beforeHeader = func(h http.Header) { policy.Apply(h, origin) }
	}
	if !ok {
		typ := apierr.MissingAuthenticationToken
		if tgt.api != nil && tgt.api.Protocol != apimodel.ProtocolREST {
			typ = apierr.ResourceNotFound
		} else if tgt.api == nil && responses == fallbackHTTP {
			typ = apierr.ResourceNotFound
		}
		render(responses, rw, r, c, x.params, apierr.New(typ, ""))
		return
	}
	c.ResourcePath = rt.Resource
	c.RouteKey = rt.Key
	if rt.Spec != nil {
		c.OperationName = rt.Spec.OperationName
	}

	max := t.Settings.MaxBodyBytes
	if r.ContentLength > max {
		tooLarge(responses, tgt.api, rw, r, c, x.params, max)
		return
	}
	if r.ContentLength < 0 {
		r.Body = http.MaxBytesReader(rw, r.Body, max)
	}

	if rt.Access != nil {
		x.call = Call{Req: r, Ctx: c, Params: x.params, Path: tgt.path, MethodARN: t.methodARN(tgt, r.Method)}
		if err := rt.Access.Check(&x.call); err != nil {
			var overLimit *http.MaxBytesError
			if errors.As(err, &overLimit) {
				tooLarge(responses, tgt.api, rw, r, c, x.params, max)
				return
			}
			render(responses, rw, r, c, x.params, apierr.As(err))
			return
		}
		r = x.call.Req
	}

	ctx, cancel := context.WithTimeout(r.Context(), rt.Timeout)
	defer cancel()
	x.call = Call{Req: r.WithContext(ctx), Ctx: c, Params: x.params, Path: tgt.path, MethodARN: x.call.MethodARN}
	err := rt.Integration.Invoke(rw, &x.call)
	if err == nil {
		return
	}
	var overLimit *http.MaxBytesError
	if errors.As(err, &overLimit) && !rw.started() {
		tooLarge(responses, tgt.api, rw, r, c, x.params, max)
		return
	}
	e := asGatewayError(ctx, err)
	if rw.started() {
		h.logger().Warn("integration failed after the response started",
			"requestId", c.RequestID, "route", rt.Method+" "+rt.Resource, "error", err)
		return
	}
	if e.Type == apierr.IntegrationFailure || e.Type == apierr.IntegrationTimeout {
		h.logger().Warn("integration failed", "requestId", c.RequestID, "route", rt.Method+" "+rt.Resource, "error", err)
	}
	render(responses, rw, r, c, x.params, e)
}

// methodARN is the ARN of this request as policies see it: the actual path below the stage,
// without its leading slash.
func (t *Table) methodARN(tgt target, method string) string {
	return policy.MethodARN(t.Settings.Region, t.Settings.AccountID, tgt.api.ID, tgt.stage.Name, method, strings.TrimPrefix(tgt.path, "/"))
}

// asGatewayError classifies an integration's error. The edge owns the integration deadline, so
// an untyped error returned once that deadline passed (typically ctx.Err(), or an I/O error
// wrapping it) is INTEGRATION_TIMEOUT, not INTEGRATION_FAILURE, whichever integration it
// came from.
func asGatewayError(ctx context.Context, err error) *apierr.Error {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apierr.Wrap(apierr.IntegrationTimeout, "", err)
	}
	return apierr.As(err)
}

// render writes a gateway response. Path parameters are handed to the request only here, on
// the error path, because gateway-response mappings may read method.request.path.*.
func render(s *apierr.Set, w http.ResponseWriter, r *http.Request, c *reqctx.Context, params route.Params, e *apierr.Error) {
	for _, p := range params {
		r.SetPathValue(p.Name, p.Value)
	}
	s.Render(w, r, c, e)
}

// tooLarge answers a body over the limit. REST APIs answer at AWS's front door, before any
// gateway response applies; HTTP APIs answer with their own 413.
func tooLarge(s *apierr.Set, api *API, w http.ResponseWriter, r *http.Request, c *reqctx.Context, params route.Params, limit int64) {
	if api == nil || api.Protocol == apimodel.ProtocolREST {
		apierr.WriteBodyTooLarge(w, c, limit)
		return
	}
	render(s, w, r, c, params, apierr.New(apierr.RequestTooLarge, ""))
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// route resolves the API, stage and route of a request. When no route matches, the target
// still names the API that answers (so its gateway responses are used) where one was found.
func (t *Table) route(host, path, method string, params *route.Params) (target, *Route, bool) {
	api, domain := t.resolveHost(host)
	switch {
	case domain != nil:
		return domain.route(path, method, params)
	case api != nil:
		return api.route(path, method, params)
	}
	var first target
	for _, a := range t.PathAPIs {
		tgt, rt, ok := a.route(path, method, params)
		if ok {
			return tgt, rt, true
		}
		if first.api == nil && tgt.stage != nil {
			first = tgt
		}
	}
	if first.api == nil && len(t.PathAPIs) == 1 {
		first.api = t.PathAPIs[0]
	}
	return first, nil, false
}

func (a *API) route(path, method string, params *route.Params) (target, *Route, bool) {
	stage, rest := a.stageFor(path)
	tgt := target{api: a, stage: stage, path: rest}
	if stage == nil {
		return tgt, nil, false
	}
	return a.match(tgt, method, params)
}

func (a *API) match(tgt target, method string, params *route.Params) (target, *Route, bool) {
	mark := len(*params)
	m, ok := a.Routes.Match(method, tgt.path, params)
	if !ok {
		*params = (*params)[:mark]
		return tgt, nil, false
	}
	return tgt, a.RouteList[m.Value], true
}

// route resolves a custom-domain request through its base-path mappings.
func (d *Domain) route(path, method string, params *route.Params) (target, *Route, bool) {
	var root *Mapping
	trimmed := "/" + strings.TrimLeft(path, "/")
	for _, m := range d.Mappings {
		if m.BasePath == "" {
			root = m
			continue
		}
		// Base paths may span segments (v1/orders); they match on a segment boundary only.
		if rest, ok := strings.CutPrefix(trimmed[1:], m.BasePath); ok && (rest == "" || rest[0] == '/') {
			if rest == "" {
				rest = "/"
			}
			return m.route(rest, method, params)
		}
	}
	if root != nil {
		return root.route(path, method, params)
	}
	return target{}, nil, false
}

func (m *Mapping) route(path, method string, params *route.Params) (target, *Route, bool) {
	if m.Stage == nil {
		return m.API.route(path, method, params)
	}
	return m.API.match(target{api: m.API, stage: m.Stage, path: path}, method, params)
}

// checkFraming rejects URLs beyond the configured limit. Ambiguous body framing never gets
// this far: net/http answers 400 to conflicting or malformed Content-Length headers and 501
// to any Transfer-Encoding but a single "chunked"; with both chunked and Content-Length it
// drops Content-Length (RFC 9112 §6.3), and integrations always re-frame the body they send,
// so a backend can never read the request differently from genkan.
func checkFraming(r *http.Request, s apimodel.Settings) *apierr.Error {
	if len(r.RequestURI) > s.MaxURLBytes {
		return apierr.New(apierr.RequestTooLarge, "Request-URI Too Long").WithStatus(http.StatusRequestURITooLong)
	}
	return nil
}

// setRequestIDHeaders sets the ids AWS puts on every response: REST APIs send the request id
// and the extended id (x-amz-apigw-id); HTTP APIs send apigw-requestid.
func setRequestIDHeaders(w http.ResponseWriter, p apimodel.Protocol, c *reqctx.Context) {
	h := w.Header()
	if p == apimodel.ProtocolREST {
		h["X-Amzn-Requestid"] = []string{c.RequestID}
		h["X-Amz-Apigw-Id"] = []string{c.ExtendedRequestID}
		return
	}
	h["Apigw-Requestid"] = []string{c.RequestID}
}

func remoteIP(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}

func hostOnly(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	return strings.ToLower(host)
}
