// Package httpcustom is API Gateway's HTTP integration (the non-proxy one, "HTTP custom" in the
// console): the backend request is built only from mappings — requestParameters for headers,
// query string and URI placeholders, the request template or the passed-through body — and the
// backend response only reaches the client through an integration response, selected by
// status code, with its own status, mapped headers and template.
package httpcustom

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/mapping/params"
	"github.com/genkanhq/genkan/internal/mapping/tmpl"
)

// MaxResponseBytes is API Gateway's payload limit, applied to what the backend answers.
const MaxResponseBytes = 10 << 20

// Custom is a compiled HTTP integration.
type Custom struct {
	method      string // "" means the method request's
	uri         uriTemplate
	params      *params.RequestMapping
	refused     string // a mapped header AWS refuses at run time, failing every request
	requests    *tmpl.Set
	passthrough tmpl.Passthrough
	responses   *params.Responses
	needs       params.Needs
	rt          http.RoundTripper
}

var _ gateway.Integration = (*Custom)(nil)

// New compiles an HTTP integration that reaches its backend through rt. A nil rt gets a
// transport of its own; a shared one should set DisableCompression, since AWS sends no
// Accept-Encoding the API did not map, and Go's transport otherwise adds gzip.
func New(spec *apimodel.Integration, rt http.RoundTripper) (*Custom, error) {
	return newCustom(spec, rt, tmpl.Compile)
}

func newCustom(spec *apimodel.Integration, rt http.RoundTripper, compile tmpl.CompileFunc) (*Custom, error) {
	var ps apimodel.Problems
	problem := func(format string, args ...any) {
		ps = append(ps, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf(format, args...)})
	}
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		t.Proxy = nil // a gateway reaches its backends directly
		rt = t
	}
	c := &Custom{uri: parseURI(spec.URI), rt: rt}
	if m := strings.ToUpper(spec.HTTPMethod); m != "" && m != apimodel.MethodAny {
		c.method = m
	}
	var err error
	if c.passthrough, err = tmpl.ParsePassthrough(spec.PassthroughBehavior); err != nil {
		problem("%v", err)
	}
	if c.requests, err = tmpl.NewSet(spec.RequestTemplates, compile); err != nil {
		problem("requestTemplates %v", err)
	}
	var mps apimodel.Problems
	c.params, mps = params.CompileRequest(spec.RequestParameters, spec.Pos)
	ps = append(ps, mps...)
	c.needs = c.params.Needs()
	for _, h := range c.params.Headers() {
		if params.HTTPRequestHeaderRule(h) == params.Fail && c.refused == "" {
			c.refused = h
		}
	}
	c.responses, mps = params.CompileResponses(spec.Responses, compile)
	for _, p := range mps {
		if p.Pos == (apimodel.Position{}) {
			p.Pos = spec.Pos
		}
		ps = append(ps, p)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Invoke sends the integration request and maps the backend's answer.
func (c *Custom) Invoke(w http.ResponseWriter, call *gateway.Call) error {
	if c.refused != "" {
		// AWS accepts such a mapping and then fails each request ("Execution failed due to
		// configuration error: ... header already present"), recorded as 500 Internal server
		// error with InternalServerErrorException.
		return &apierr.Error{Type: apierr.APIConfigurationError,
			Cause: fmt.Errorf("requestParameters map the reserved header %s", c.refused)}
	}
	r := call.Req
	tpl, err := c.requests.ForRequest(r.Header.Get("Content-Type"), c.passthrough)
	if err != nil {
		return err
	}
	var body []byte
	static, isStatic := []byte(nil), false
	if tpl >= 0 {
		static, isStatic = tmpl.AsStatic(c.requests.At(tpl))
	}
	if (tpl < 0 || !isStatic || c.needs&params.NeedBody != 0) && r.Body != nil {
		if body, err = io.ReadAll(r.Body); err != nil {
			return err
		}
	}

	env := params.Env{Header: r.Header, Path: call.Params, Body: body, Ctx: call.Ctx}
	if c.needs&params.NeedQuery != 0 {
		env.Query = r.URL.Query()
	}
	var vals params.RequestValues
	if err := c.params.Apply(&env, &vals); err != nil {
		return err
	}

	switch {
	case isStatic:
		body = static
	case tpl >= 0:
		if body, err = c.requests.At(tpl).Render(nil, &tmpl.Input{Body: body, Req: r, Params: call.Params, Ctx: call.Ctx}); err != nil {
			return err
		}
	}
	req, err := c.request(call, &vals, body)
	if err != nil {
		return err
	}

	start := time.Now()
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		call.Ctx.IntegrationLatency = time.Since(start)
		return classify(req.Context(), err)
	}
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	resp.Body.Close()
	call.Ctx.IntegrationLatency = time.Since(start)
	call.Ctx.IntegrationStatus = resp.StatusCode
	if err != nil {
		return classify(req.Context(), err)
	}
	if len(respBody) > MaxResponseBytes {
		return apierr.Wrap(apierr.IntegrationFailure, "", fmt.Errorf("backend response larger than %d bytes", MaxResponseBytes))
	}
	return c.respond(w, call, resp, respBody)
}

// request builds the integration request. Only mapped headers and query parameters go to the
// backend, plus the ones AWS always adds (recorded in localstack's HTTP-integration snapshots):
// Accept: application/json and User-Agent: AmazonAPIGateway_<apiId> unless mapped, the
// client's Content-Type for methods with a body, and X-Amzn-Apigateway-Api-Id.
func (c *Custom) request(call *gateway.Call, vals *params.RequestValues, body []byte) (*http.Request, error) {
	raw := c.uri.render(vals, call.Ctx.StageVariables)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &apierr.Error{Type: apierr.APIConfigurationError, Cause: fmt.Errorf("invalid endpoint address %q", raw)}
	}
	if len(vals.Query) > 0 {
		var q strings.Builder
		q.WriteString(u.RawQuery)
		for _, p := range vals.Query {
			if q.Len() > 0 {
				q.WriteByte('&')
			}
			q.WriteString(url.QueryEscape(p.Name))
			q.WriteByte('=')
			q.WriteString(url.QueryEscape(p.Value))
		}
		u.RawQuery = q.String()
	}

	method := c.method
	if method == "" {
		method = call.Req.Method
	}
	h := make(http.Header, len(vals.Header)+5)
	host := ""
	for name, vs := range vals.Header {
		switch {
		case params.HTTPRequestHeaderRule(name) == params.Drop:
		case name == "Host":
			host = vs[0]
		default:
			h[name] = vs
		}
	}
	if len(h["Accept"]) == 0 {
		h["Accept"] = []string{tmpl.DefaultContentType}
	}
	if len(h["User-Agent"]) == 0 {
		h["User-Agent"] = []string{"AmazonAPIGateway_" + call.Ctx.APIID}
	}
	if ct := call.Req.Header["Content-Type"]; len(h["Content-Type"]) == 0 && len(ct) > 0 && hasBody(call.Req.Method) {
		h["Content-Type"] = ct[:1:1]
	}
	h["X-Amzn-Apigateway-Api-Id"] = []string{call.Ctx.APIID}

	req := &http.Request{Method: method, URL: u, Host: host, Header: h, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	if hasBody(method) && len(body) > 0 {
		req.ContentLength = int64(len(body))
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	return req.WithContext(call.Req.Context()), nil
}

// hasBody reports whether AWS sends a body with the method.
func hasBody(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// respond maps the backend response through the selected integration response: its status,
// only the headers its responseParameters map (the backend's own never pass), and its
// template, or the backend body unchanged when it has none.
func (c *Custom) respond(w http.ResponseWriter, call *gateway.Call, resp *http.Response, body []byte) error {
	ir, err := c.responses.Select(strconv.Itoa(resp.StatusCode))
	if err != nil {
		return err
	}
	out := body
	if i := ir.Templates.ForResponse(call.Req.Header.Get("Accept")); i >= 0 {
		in := tmpl.Input{Body: body, Req: call.Req, Params: call.Params, Ctx: call.Ctx}
		if out, err = ir.Templates.At(i).Render(nil, &in); err != nil {
			return err
		}
	}
	h := make(http.Header)
	env := params.Env{Header: call.Req.Header, Path: call.Params, Ctx: call.Ctx, RespHeader: resp.Header, RespBody: body}
	if err := ir.Params.Apply(&env, h, params.RemapNonProxy); err != nil {
		return err
	}
	if len(h["Content-Type"]) == 0 {
		h["Content-Type"] = []string{tmpl.DefaultContentType}
	}
	h["Content-Length"] = []string{strconv.Itoa(len(out))}
	dst := w.Header()
	for k, v := range h {
		dst[k] = v
	}
	w.WriteHeader(ir.Status)
	_, err = w.Write(out)
	return err
}

// classify turns a transport failure into AWS's gateway response: the integration timeout
// when the request's deadline passed, a configuration error when the backend's name does not
// resolve ("Invalid endpoint address" in AWS's execution log), and otherwise 504 "Network
// error communicating with endpoint".
func classify(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return apierr.Wrap(apierr.IntegrationTimeout, "Endpoint request timed out", err)
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return &apierr.Error{Type: apierr.APIConfigurationError, Cause: err}
	}
	return apierr.Wrap(apierr.IntegrationFailure, "Network error communicating with endpoint", err)
}
