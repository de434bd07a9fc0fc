// Package httpproxy implements API Gateway's HTTP_PROXY integration: the client's request is
// passed to a backend URL and the backend's response is passed back, with AWS's header rules
// (see headers.go) and AWS's gateway responses for timeouts and unreachable backends.
//
// Bodies stream in both directions; memory per request is a few pooled buffers whatever the
// body size. All proxies share one Transport, a lean HTTP/1.1 client over pooled keep-alive
// connections (see transport.go for why it is not net/http's).
//
// Errors: before anything was written to the client, Invoke returns an *apierr.Error
// (INTEGRATION_TIMEOUT when the request's deadline passed, INTEGRATION_FAILURE when the
// backend is unreachable, refuses, fails TLS or answers something that is not HTTP). Once the
// status line was sent, a backend failure can no longer become a gateway response: Invoke
// records the error in $context.integration.error and panics with http.ErrAbortHandler, which
// is how net/http cuts a response (HTTP/1 closes the connection, HTTP/2 resets the stream).
// Returning instead would let net/http finish a chunked response normally, and the client
// would take a truncated body for a complete one. The edge's deferred access log still runs;
// the edge must not recover that panic (or must re-panic it). If it is the client that went
// away, there is nobody to cut off: Invoke returns the write error.
package httpproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
)

// Proxy is one compiled HTTP_PROXY integration.
type Proxy struct {
	t        *Transport
	method   string // "" forwards the client's method
	tmpl     uriTemplate
	insecure bool
	timeout  time.Duration // used only when the request carries no deadline

	hp   *hostPool // the backend's pool, when the host is not templated
	host string    // Host header for hp

	queryMaps  []mapping
	headerMaps []mapping

	// baseVar is set when the whole base URL is a stage variable
	// (${stageVariables.backend}/pets/{id}): scheme and host are only known per stage, so the
	// integration is compiled once per distinct value, on first use, into variants.
	baseVar  string
	spec     *apimodel.Integration
	variants sync.Map // stage variable value → *Proxy
	nVariant atomic.Int32
}

// maxVariants bounds the per-value cache of a stage-variable base URL; values are few (one
// per stage), so more means something is off and the rest are compiled per request.
const maxVariants = 64

var _ gateway.Integration = (*Proxy)(nil)

// New compiles one HTTP_PROXY integration. Errors are apimodel.Problem values at spec.Pos.
func New(spec *apimodel.Integration, t *Transport) (*Proxy, error) {
	if spec == nil {
		return nil, apimodel.Problem{Message: "HTTP_PROXY: no integration"}
	}
	problem := func(format string, args ...any) error {
		return apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf(format, args...)}
	}
	if t == nil {
		return nil, problem("HTTP_PROXY integration needs a transport")
	}
	if spec.Type != apimodel.IntegrationHTTPProxy {
		return nil, problem("integration type %q is not %s", spec.Type, apimodel.IntegrationHTTPProxy)
	}
	p := &Proxy{t: t, insecure: spec.TLSInsecureSkipVerify, timeout: spec.Timeout}
	if p.timeout <= 0 {
		p.timeout = apimodel.DefaultIntegrationTimeout
	}
	if m := strings.ToUpper(spec.HTTPMethod); m != "" && m != apimodel.MethodAny {
		if !validHeaderName(m) {
			return nil, problem("integration httpMethod %q is not an HTTP method", spec.HTTPMethod)
		}
		p.method = m
	}
	if name, rest, ok := leadingStageVar(spec.URI); ok {
		// Check the rest of the template now, with a stand-in base, so that errors still
		// surface at start.
		probe := *spec
		probe.URI = "http://stage.invalid" + rest
		if _, err := New(&probe, t); err != nil {
			return nil, err
		}
		p.baseVar, p.spec = name, spec
		return p, nil
	}
	var err error
	if p.tmpl, err = parseURI(spec.URI); err != nil {
		return nil, problem("%v", err)
	}
	if err := p.compileParams(spec.RequestParameters); err != nil {
		return nil, problem("%v", err)
	}
	if a, ok := p.tmpl.staticAuthority(); ok {
		p.host = a
		p.hp = t.pool(p.tmpl.scheme, a, p.insecure)
	}
	return p, nil
}

// leadingStageVar splits "${stageVariables.name}rest".
func leadingStageVar(uri string) (name, rest string, ok bool) {
	const prefix = "${stageVariables."
	if !strings.HasPrefix(uri, prefix) {
		return "", "", false
	}
	end := strings.IndexByte(uri, '}')
	if end < 0 {
		return "", "", false
	}
	return uri[len(prefix):end], uri[end+1:], true
}

// variant returns the integration compiled for this request's value of the base-URL stage
// variable.
func (p *Proxy) variant(c *gateway.Call) (*Proxy, error) {
	base := c.StageVar(p.baseVar)
	if v, ok := p.variants.Load(base); ok {
		return v.(*Proxy), nil
	}
	spec := *p.spec
	spec.URI = base + p.spec.URI[len("${stageVariables.")+len(p.baseVar)+1:]
	v, err := New(&spec, p.t)
	if err != nil {
		return nil, fmt.Errorf("stage variable %s=%q does not make a valid integration URI: %w", p.baseVar, base, err)
	}
	if p.nVariant.Add(1) <= maxVariants {
		p.variants.Store(base, v)
	}
	return v, nil
}

// Invoke forwards the call to the backend and relays its response to w.
func (p *Proxy) Invoke(w http.ResponseWriter, c *gateway.Call) error {
	if p.baseVar != "" {
		v, err := p.variant(c)
		if err != nil {
			c.Ctx.IntegrationError = err.Error()
			return apierr.Wrap(apierr.APIConfigurationError, "Internal server error", err)
		}
		return v.Invoke(w, c)
	}
	r := c.Req
	t := p.t
	st := t.getState()
	defer t.putState(st)

	method := p.method
	if method == "" {
		method = r.Method
	}
	st.target = p.appendTarget(st.target[:0], c)
	hp, host := p.hp, p.host
	if hp == nil {
		var err error
		if hp, host, err = p.dynamicPool(c, st); err != nil {
			c.Ctx.IntegrationError = err.Error()
			return apierr.Wrap(apierr.APIConfigurationError, "Internal server error", err)
		}
	}

	// A small body is read before anything is sent: it gets an exact Content-Length (AWS
	// sends one, and some backends refuse chunked uploads) and the request stays replayable
	// on a fresh connection if a kept-alive one turns out to be closed.
	var body io.Reader
	bodyLen := r.ContentLength
	if r.Body != nil && r.Body != http.NoBody && bodyLen != 0 {
		body = r.Body
	} else {
		bodyLen = 0
	}
	var pre []byte
	complete := body == nil
	if body != nil && bodyLen <= smallBody {
		var err error
		if pre, complete, err = st.prefetch(body, bodyLen); err != nil {
			return p.fail(c, clientBodyError{err}, 0)
		}
		if complete {
			bodyLen = int64(len(pre))
		}
	}

	ctx := r.Context()
	deadline, ok := ctx.Deadline()
	start := time.Now()
	if !ok {
		deadline = start.Add(p.timeout)
	}

	var (
		pc      *pconn
		head    respHead
		written chan error // the body writer's result, when the body is streamed
	)
	for attempt := 0; ; attempt++ {
		var err error
		if pc, err = hp.get(ctx, start, attempt > 0); err != nil {
			return p.fail(c, err, time.Since(start))
		}
		pc.conn.SetDeadline(deadline)
		if complete {
			p.writeRequestHead(pc.bw, c, method, st.target, host, bodyLen, start)
			pc.bw.Write(pre)
			err = pc.bw.Flush()
			sent := err == nil
			if sent {
				head, err = t.readResponseHead(pc.br, st, method == http.MethodHead)
			}
			if err == nil {
				break
			}
			pc.conn.Close()
			if attempt == 0 && pc.reused && !isTimeout(err) && (!sent || errors.Is(err, errStale) && idempotent(method, r)) {
				continue
			}
			return p.fail(c, err, time.Since(start))
		}

		// A large or unknown-length body streams from its own goroutine while the response is
		// read, so a backend that answers before reading everything (a 401 to an upload) is
		// heard instead of deadlocking on full socket buffers.
		p.writeRequestHead(pc.bw, c, method, st.target, host, bodyLen, start)
		// Without full duplex, net/http would discard the unread request body as soon as the
		// response starts, racing with the writer.
		_ = http.NewResponseController(w).EnableFullDuplex()
		written = make(chan error, 1)
		go t.sendBody(pc.bw, pre, body, bodyLen, written)
		head, err = t.readResponseHead(pc.br, st, method == http.MethodHead)
		if err != nil {
			pc.conn.Close()
			if werr := <-written; werr != nil && errors.As(werr, new(clientBodyError)) {
				err = werr
			}
			return p.fail(c, err, time.Since(start))
		}
		break
	}

	now := time.Now()
	c.Ctx.IntegrationLatency = now.Sub(start)
	c.Ctx.IntegrationStatus = head.status
	st.emitHeaders(w.Header(), &head)
	w.WriteHeader(head.status)

	cw := newClientWriter(w)
	var err error
	switch {
	case head.noBody:
	case head.chunked:
		err = st.copyChunked(t, &cw, pc.br)
	case head.length >= 0:
		err = st.copyFixed(t, &cw, pc.br, head.length)
	default:
		err = st.copyUntilEOF(t, &cw, pc.br)
	}
	// Bytes past the end of the response would be read as the next response's status line.
	reusable := err == nil && !head.close && pc.br.Buffered() == 0
	if written != nil {
		select {
		case werr := <-written:
			reusable = reusable && werr == nil
		default:
			// The backend answered without reading the whole body: stop sending it.
			pc.conn.Close()
			<-written
			reusable = false
		}
	}
	hp.put(pc, reusable, now)
	if err == nil {
		return nil
	}
	if cw.err != nil {
		return cw.err
	}
	c.Ctx.IntegrationError = err.Error()
	panic(http.ErrAbortHandler)
}

func (p *Proxy) dynamicPool(c *gateway.Call, st *reqState) (*hostPool, string, error) {
	b := st.hdr[:0]
	for i := range p.tmpl.authority {
		s := &p.tmpl.authority[i]
		if s.kind == segLiteral {
			b = append(b, s.text...)
		} else {
			b = append(b, c.StageVar(s.text)...)
		}
	}
	st.hdr = b
	if err := checkAuthority(string(b)); err != nil {
		return nil, "", fmt.Errorf("invalid endpoint address: %v", err)
	}
	host := string(b)
	return p.t.pool(p.tmpl.scheme, host, p.insecure), host, nil
}

// idempotent reports whether a request may be sent again after a kept-alive connection
// turned out to be closed by the server (RFC 9110 9.2.2).
func idempotent(method string, r *http.Request) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	_, k1 := r.Header["Idempotency-Key"]
	_, k2 := r.Header["X-Idempotency-Key"]
	return k1 || k2
}

// clientBodyError is a failure to read the client's request body, as opposed to a failure
// of the backend.
type clientBodyError struct{ err error }

func (e clientBodyError) Error() string { return "reading request body: " + e.err.Error() }
func (e clientBodyError) Unwrap() error { return e.err }

// fail turns a failure before the response started into the gateway response AWS sends.
func (p *Proxy) fail(c *gateway.Call, err error, latency time.Duration) error {
	c.Ctx.IntegrationError = err.Error()
	c.Ctx.IntegrationLatency = latency
	if ae, ok := errors.AsType[*apierr.Error](err); ok {
		return ae
	}
	if cbe, ok := errors.AsType[clientBodyError](err); ok {
		if _, ok := errors.AsType[*http.MaxBytesError](cbe.err); ok {
			return apierr.Wrap(apierr.RequestTooLarge, "", err)
		}
		if isTimeout(cbe.err) {
			return apierr.Wrap(apierr.IntegrationTimeout, "Endpoint request timed out", err)
		}
		return apierr.Wrap(apierr.Default4XX, "Bad Request", err).WithStatus(http.StatusBadRequest)
	}
	if isTimeout(err) {
		return apierr.Wrap(apierr.IntegrationTimeout, "Endpoint request timed out", err)
	}
	return apierr.Wrap(apierr.IntegrationFailure, "Internal server error", err)
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}
