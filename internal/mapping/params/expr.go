// Package params compiles and evaluates API Gateway parameter mappings: REST APIs'
// requestParameters (method request → integration request) and responseParameters
// (integration response → method response).
//
// Everything is parsed once, at compile time, into Expr values; evaluating one is a switch on
// its kind and a lookup, with no parsing or regular expressions per request.
//
// Expressions are REST's: a single source per target. HTTP APIs' "append:header.x" keys and
// "$request.header.x" values with interpolation are a second Dialect to add beside this one; an
// Expr already evaluates to a list of values, which is what their append needs.
package params

import (
	"fmt"
	"net/textproto"
	"regexp"
	"strings"

	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/theory/jsonpath"
)

// Side says where an expression is used, which decides the sources it may read.
type Side uint8

const (
	// Request is an integration's requestParameters: method.request.*, stage variables,
	// context variables and literals.
	Request Side = iota
	// Response is an integration response's responseParameters: integration.response.*,
	// stage variables, context variables and literals. AWS rejects method.request.* here.
	Response
	// Gateway is a gateway response's responseParameters: method.request.*, stage variables,
	// context variables and literals.
	Gateway
)

type kind uint8

const (
	kLiteral kind = iota + 1
	kPath
	kQuery
	kMultiQuery
	kHeader
	kMultiHeader
	kBody
	kBodyPath
	kStageVar
	kContext
	kRespHeader
	kRespMultiHeader
	kRespBody
	kRespBodyPath
)

// Expr is one compiled mapping source.
type Expr struct {
	kind kind
	// name is the literal value, the parameter name (canonical for headers), the stage or
	// context variable name.
	name string
	path *jsonpath.Path
	// multi marks a JSONPath that can select several nodes (wildcards, slices, filters): its
	// value is always a JSON array, as with AWS's JSONPath engine.
	multi bool
	src   string
}

// String returns the expression as written.
func (e Expr) String() string { return e.src }

// Literal returns the value of a 'static' expression.
func (e Expr) Literal() (string, bool) { return e.name, e.kind == kLiteral }

var stageVarName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Compile parses one mapping source as REST APIs write it.
func Compile(src string, side Side) (Expr, error) {
	e := Expr{src: src}
	if len(src) >= 2 && src[0] == '\'' && src[len(src)-1] == '\'' {
		e.kind, e.name = kLiteral, src[1:len(src)-1]
		return e, nil
	}
	switch {
	case strings.HasPrefix(src, "method.request."):
		if side == Response {
			return e, fmt.Errorf("%q: an integration response cannot map method request values (AWS allows integration.response.*, stageVariables.*, context.* and 'literals'; use a response template's $context.responseOverride instead)", src)
		}
		return e, e.compileMethodRequest(src[len("method.request."):])
	case strings.HasPrefix(src, "integration.response."):
		if side != Response {
			return e, fmt.Errorf("%q: integration response values can only be mapped in an integration response", src)
		}
		return e, e.compileIntegrationResponse(src[len("integration.response."):])
	case strings.HasPrefix(src, "stageVariables."):
		name := src[len("stageVariables."):]
		if !stageVarName.MatchString(name) {
			return e, fmt.Errorf("%q: stage variable names are letters, digits and '_'", src)
		}
		e.kind, e.name = kStageVar, name
		return e, nil
	case strings.HasPrefix(src, "context."):
		name := src[len("context."):]
		var probe reqctx.Context
		if _, ok := probe.Lookup(name); !ok {
			return e, fmt.Errorf("%q: unknown or unsupported context variable", src)
		}
		e.kind, e.name = kContext, name
		return e, nil
	case src == "":
		return e, fmt.Errorf("empty mapping expression")
	}
	return e, fmt.Errorf("%q is not a mapping expression: expected 'literal', method.request.…, integration.response.…, stageVariables.… or context.…", src)
}

func (e *Expr) compileMethodRequest(rest string) error {
	if rest == "body" {
		e.kind = kBody
		return nil
	}
	if p, ok := strings.CutPrefix(rest, "body."); ok {
		e.kind = kBodyPath
		return e.compilePath(p)
	}
	loc, name, ok := strings.Cut(rest, ".")
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return fmt.Errorf("%q: expected method.request.{path|querystring|multivaluequerystring|header|multivalueheader}.name, body or body.JSONPath", e.src)
	}
	switch loc {
	case "path":
		e.kind = kPath
	case "querystring":
		e.kind = kQuery
	case "multivaluequerystring":
		e.kind = kMultiQuery
	case "header":
		e.kind, name = kHeader, textproto.CanonicalMIMEHeaderKey(name)
	case "multivalueheader":
		e.kind, name = kMultiHeader, textproto.CanonicalMIMEHeaderKey(name)
	default:
		return fmt.Errorf("%q: unknown method request location %q", e.src, loc)
	}
	e.name = name
	return nil
}

func (e *Expr) compileIntegrationResponse(rest string) error {
	if rest == "body" {
		e.kind = kRespBody
		return nil
	}
	if p, ok := strings.CutPrefix(rest, "body."); ok {
		e.kind = kRespBodyPath
		return e.compilePath(p)
	}
	loc, name, ok := strings.Cut(rest, ".")
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return fmt.Errorf("%q: expected integration.response.{header|multivalueheader}.name, body or body.JSONPath", e.src)
	}
	switch loc {
	case "header":
		e.kind = kRespHeader
	case "multivalueheader":
		e.kind = kRespMultiHeader
	default:
		return fmt.Errorf("%q: unknown integration response location %q", e.src, loc)
	}
	e.name = textproto.CanonicalMIMEHeaderKey(name)
	return nil
}

// compilePath parses the JSONPath AWS writes without its leading "$.".
func (e *Expr) compilePath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%q: empty JSONPath", e.src)
	case p[0] == '$':
	case p[0] == '[':
		p = "$" + p
	default:
		p = "$." + p
	}
	path, err := jsonpath.Parse(p)
	if err != nil {
		return fmt.Errorf("%q: JSONPath: %v", e.src, err)
	}
	e.path, e.multi = path, path.Query().Singular() == nil
	return nil
}
