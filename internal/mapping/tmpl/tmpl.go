// Package tmpl holds API Gateway mapping templates behind one small interface, and the rules
// by which API Gateway picks one: the request template by Content-Type under the integration's
// passthroughBehavior, the response template by Accept.
//
// Only static templates exist today. The VTL engine plugs in by making Compile return its own
// Template for sources that need it; integrations only ever see Template.
package tmpl

import (
	"errors"
	"net/http"
	"strings"

	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Input is everything a mapping template can read. Request templates see the method request
// body; response templates see the integration response body, while $input.params() still
// reads the method request, as in AWS.
type Input struct {
	Body   []byte
	Req    *http.Request
	Params route.Params
	Ctx    *reqctx.Context
}

// Template renders a mapping template.
type Template interface {
	// Render appends the rendered body to dst.
	Render(dst []byte, in *Input) ([]byte, error)
}

// Static is a template without VTL directives: it renders to itself, so integrations can
// precompute what it produces (see AsStatic).
type Static []byte

// Render appends s to dst.
func (s Static) Render(dst []byte, _ *Input) ([]byte, error) { return append(dst, s...), nil }

// AsStatic reports whether t renders the same bytes whatever the input, and which.
func AsStatic(t Template) ([]byte, bool) {
	s, ok := t.(Static)
	return s, ok
}

// CompileFunc turns template source into a Template. Integrations take one so tests can plug
// a fake engine in before the VTL engine exists.
type CompileFunc func(src string) (Template, error)

// ErrNeedsVTL is returned by Compile for templates that use VTL.
var ErrNeedsVTL = errors.New("needs mapping templates (VTL), not supported yet")

// Compile compiles a template. A template without '$' or '#' is plain text to VTL, so it is
// Static; anything else needs the VTL engine, which does not exist yet.
func Compile(src string) (Template, error) {
	if strings.ContainsAny(src, "$#") {
		return nil, ErrNeedsVTL
	}
	return Static(src), nil
}
