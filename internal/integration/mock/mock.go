// Package mock is API Gateway's MOCK integration: no backend, the request template states a
// status code ({"statusCode": 200}), which selects an integration response whose parameters
// and template make the method response.
//
// Most MOCK integrations are static (CORS preflights above all), so New precomputes the
// selected response, its headers and its body for every static request template; serving one
// then costs a content-type lookup, a few map assignments and one Write.
package mock

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/mapping/params"
	"github.com/genkanhq/genkan/internal/mapping/tmpl"
)

// Mock is a compiled MOCK integration.
type Mock struct {
	requests    *tmpl.Set
	passthrough tmpl.Passthrough
	// outcomes[i] is what request template i leads to, when it is static.
	outcomes  []outcome
	responses *params.Responses
	compiled  map[*params.IntegrationResponse]*response
}

var _ gateway.Integration = (*Mock)(nil)

type headerField struct {
	name   string
	values []string
}

type outcome struct {
	static bool
	status int
	resp   *response
	err    error
}

// response is an integration response with what could be computed ahead of requests.
type response struct {
	ir *params.IntegrationResponse
	// header is the complete method response header set when every parameter is a literal,
	// as a slice because ranging over a map costs more than the assignments themselves.
	header []headerField
	// bodies and lengths are per response template, for the static ones.
	bodies  [][]byte
	lengths [][]string
}

var jsonContentType = []string{tmpl.DefaultContentType}

// New compiles a MOCK integration. Errors are apimodel.Problems placed at the declarations.
func New(spec *apimodel.Integration) (*Mock, error) { return newMock(spec, tmpl.Compile) }

func newMock(spec *apimodel.Integration, compile tmpl.CompileFunc) (*Mock, error) {
	var ps apimodel.Problems
	problem := func(format string, args ...any) {
		ps = append(ps, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf(format, args...)})
	}
	m := &Mock{compiled: map[*params.IntegrationResponse]*response{}}
	var err error
	if m.passthrough, err = tmpl.ParsePassthrough(spec.PassthroughBehavior); err != nil {
		problem("%v", err)
	}
	if m.requests, err = tmpl.NewSet(spec.RequestTemplates, compile); err != nil {
		problem("requestTemplates %v", err)
	}
	// A MOCK integration has no backend to send parameters to, but AWS still validates them.
	_, rps := params.CompileRequest(spec.RequestParameters, spec.Pos)
	ps = append(ps, rps...)
	var rsps apimodel.Problems
	m.responses, rsps = params.CompileResponses(spec.Responses, compile)
	for _, p := range rsps {
		if p.Pos == (apimodel.Position{}) {
			p.Pos = spec.Pos
		}
		ps = append(ps, p)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	for _, ir := range m.responses.All() {
		m.compiled[ir] = prepare(ir)
	}
	m.outcomes = make([]outcome, m.requests.Len())
	for i := range m.outcomes {
		body, ok := tmpl.AsStatic(m.requests.At(i))
		if !ok {
			continue
		}
		o := &m.outcomes[i]
		o.static = true
		code, ok := statusCode(body)
		if !ok {
			o.err = errUnparsableStatus()
			continue
		}
		o.status = code
		o.resp, o.err = m.selectResponse(code)
	}
	return m, nil
}

func prepare(ir *params.IntegrationResponse) *response {
	r := &response{ir: ir}
	if ir.Params.Static() {
		h := http.Header{}
		// Literals read nothing from the environment, so an empty one will do.
		_ = ir.Params.Apply(&params.Env{}, h, params.RemapCommon)
		if len(h["Content-Type"]) == 0 {
			h["Content-Type"] = jsonContentType
		}
		for k, v := range h {
			// Capacity equals length, so a later Add by anyone copies instead of writing
			// into the shared array.
			r.header = append(r.header, headerField{k, v[:len(v):len(v)]})
		}
	}
	n := ir.Templates.Len()
	r.bodies, r.lengths = make([][]byte, n), make([][]string, n)
	for i := 0; i < n; i++ {
		if b, ok := tmpl.AsStatic(ir.Templates.At(i)); ok {
			r.bodies[i] = b
			r.lengths[i] = []string{strconv.Itoa(len(b))}
		}
	}
	return r
}

// Invoke answers from the selected integration response.
func (m *Mock) Invoke(w http.ResponseWriter, c *gateway.Call) error {
	i, err := m.requests.ForRequest(c.Req.Header.Get("Content-Type"), m.passthrough)
	if err != nil {
		return err
	}
	var (
		status int
		resp   *response
	)
	if i >= 0 && m.outcomes[i].static {
		o := &m.outcomes[i]
		if o.err != nil {
			return o.err
		}
		status, resp = o.status, o.resp
	} else {
		body, err := m.requestBody(c, i)
		if err != nil {
			return err
		}
		code, ok := statusCode(body)
		if !ok {
			return errUnparsableStatus()
		}
		if resp, err = m.selectResponse(code); err != nil {
			return err
		}
		status = code
	}
	c.Ctx.IntegrationStatus = status
	return resp.write(w, c)
}

// requestBody is what the integration request would carry: the rendered template i, or the
// client's body passed through (i < 0).
func (m *Mock) requestBody(c *gateway.Call, i int) ([]byte, error) {
	if i < 0 {
		if c.Req.Body == nil {
			return nil, nil
		}
		return io.ReadAll(c.Req.Body)
	}
	in := tmpl.Input{Req: c.Req, Params: c.Params, Ctx: c.Ctx}
	if c.Req.Body != nil {
		b, err := io.ReadAll(c.Req.Body)
		if err != nil {
			return nil, err
		}
		in.Body = b
	}
	return m.requests.At(i).Render(nil, &in)
}

func (m *Mock) selectResponse(code int) (*response, error) {
	if !m.responses.Patterned() {
		if d := m.responses.Default(); d != nil {
			return m.compiled[d], nil
		}
	}
	ir, err := m.responses.Select(strconv.Itoa(code))
	if err != nil {
		return nil, err
	}
	return m.compiled[ir], nil
}

func (r *response) write(w http.ResponseWriter, c *gateway.Call) error {
	var (
		body   []byte
		length []string
	)
	if i := r.ir.Templates.ForResponse(c.Req.Header.Get("Accept")); i >= 0 {
		if r.bodies[i] != nil {
			body, length = r.bodies[i], r.lengths[i]
		} else {
			b, err := r.ir.Templates.At(i).Render(nil, &tmpl.Input{Req: c.Req, Params: c.Params, Ctx: c.Ctx})
			if err != nil {
				return err
			}
			body = b
		}
	}
	h := w.Header()
	if r.header != nil {
		for _, f := range r.header {
			h[f.name] = f.values
		}
	} else {
		env := params.Env{Ctx: c.Ctx}
		if err := r.ir.Params.Apply(&env, h, params.RemapCommon); err != nil {
			return err
		}
		if len(h["Content-Type"]) == 0 {
			h["Content-Type"] = jsonContentType
		}
	}
	if length == nil {
		length = []string{strconv.Itoa(len(body))}
	}
	h["Content-Length"] = length
	w.WriteHeader(r.ir.Status)
	if len(body) > 0 {
		if _, err := w.Write(body); err != nil {
			return err
		}
	}
	return nil
}

// errUnparsableStatus is AWS's answer when the request template yields no integer statusCode
// (execution log: "Execution failed due to configuration error: Unable to parse statusCode.
// It should be an integer that is defined in the request template.").
func errUnparsableStatus() error {
	return &apierr.Error{
		Type:  apierr.APIConfigurationError,
		Cause: fmt.Errorf("unable to parse statusCode: it should be an integer defined in the request template"),
	}
}
