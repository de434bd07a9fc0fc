package httpproxy

import (
	"fmt"
	"net/textproto"
	"sort"
	"strings"

	"github.com/genkanhq/genkan/internal/gateway"
)

// AWS lets proxy integrations map request parameters too ("integration.request.header.x":
// "method.request.querystring.y"); the common, side-effect-free subset is compiled here so
// that a configured mapping is never silently ignored.

type srcKind uint8

const (
	srcPath srcKind = iota
	srcQuery
	srcHeader
	srcStageVar
	srcContext
	srcLiteral
)

// source is where a mapped value comes from.
type source struct {
	kind srcKind
	name string // parameter, header (canonical), variable name, or the literal itself
}

func (s *source) value(c *gateway.Call) string {
	switch s.kind {
	case srcPath:
		return c.PathParam(s.name)
	case srcQuery:
		return c.Req.URL.Query().Get(s.name)
	case srcHeader:
		if v := c.Req.Header[s.name]; len(v) > 0 {
			return v[0]
		}
		return ""
	case srcStageVar:
		return c.StageVar(s.name)
	case srcContext:
		v, _ := c.Ctx.Lookup(s.name)
		return v
	case srcLiteral:
		return s.name
	}
	return ""
}

func parseSource(expr string) (source, error) {
	switch {
	case len(expr) >= 2 && expr[0] == '\'' && expr[len(expr)-1] == '\'':
		return source{kind: srcLiteral, name: expr[1 : len(expr)-1]}, nil
	case strings.HasPrefix(expr, "method.request.path."):
		return source{kind: srcPath, name: expr[len("method.request.path."):]}, nil
	case strings.HasPrefix(expr, "method.request.querystring."):
		return source{kind: srcQuery, name: expr[len("method.request.querystring."):]}, nil
	case strings.HasPrefix(expr, "method.request.header."):
		return source{kind: srcHeader, name: textproto.CanonicalMIMEHeaderKey(expr[len("method.request.header."):])}, nil
	case strings.HasPrefix(expr, "stageVariables."):
		return source{kind: srcStageVar, name: expr[len("stageVariables."):]}, nil
	case strings.HasPrefix(expr, "context."):
		return source{kind: srcContext, name: expr[len("context."):]}, nil
	}
	return source{}, fmt.Errorf("mapping source %q is not supported for HTTP_PROXY (use 'literal', method.request.{path,querystring,header}.name, stageVariables.name or context.name)", expr)
}

// mapping is one compiled integration.request.{header,querystring}.name parameter.
type mapping struct {
	name string
	src  source
}

// compileParams applies spec.RequestParameters: path mappings become the sources of the URI's
// {params}; header and query-string mappings are returned to be added to each request.
func (p *Proxy) compileParams(params map[string]string) error {
	paths := map[string]source{}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic header order and error messages
	for _, k := range keys {
		src, err := parseSource(params[k])
		if err != nil {
			return fmt.Errorf("requestParameters %q: %v", k, err)
		}
		switch {
		case strings.HasPrefix(k, "integration.request.path."):
			paths[k[len("integration.request.path."):]] = src
		case strings.HasPrefix(k, "integration.request.querystring."):
			p.queryMaps = append(p.queryMaps, mapping{name: k[len("integration.request.querystring."):], src: src})
		case strings.HasPrefix(k, "integration.request.header."):
			name := textproto.CanonicalMIMEHeaderKey(k[len("integration.request.header."):])
			if !validHeaderName(name) {
				return fmt.Errorf("requestParameters %q: invalid header name", k)
			}
			p.headerMaps = append(p.headerMaps, mapping{name: name, src: src})
		default:
			return fmt.Errorf("requestParameters %q: expected integration.request.{path,querystring,header}.name", k)
		}
	}
	for i := range p.tmpl.target {
		s := &p.tmpl.target[i]
		if s.kind != segParam {
			continue
		}
		if src, ok := paths[s.text]; ok {
			s.src = src
		} else {
			s.src = source{kind: srcPath, name: s.text}
		}
	}
	return nil
}

func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	if isAlnum(c) {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// mappedHeader reports whether a client header is replaced by a header mapping.
func (p *Proxy) mappedHeader(name string) bool {
	for i := range p.headerMaps {
		if p.headerMaps[i].name == name {
			return true
		}
	}
	return false
}
