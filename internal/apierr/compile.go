package apierr

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// Set is the compiled gateway responses of one API (AWS defaults + the API's overrides). It is
// immutable and safe for concurrent use. A nil *Set renders REST API defaults.
type Set struct {
	// http: the API is an HTTP API, whose error responses are fixed.
	http bool
	// byType holds, for every response type, what Render needs with the DEFAULT_4XX/5XX
	// fallback already resolved, so that a request never walks the fallback chain.
	byType map[Type]*response
}

// response is one type's effective gateway response.
type response struct {
	typ  Type
	spec *spec
	// status is the customized status (the type's own, else its DEFAULT_4XX/5XX's); 0 keeps
	// the error's or the type's default.
	status int
	params []param
	// templates are the customized bodies sorted by content type (AWS falls back to "the first
	// existing template", so the order must be stable); nil uses the type's default body.
	templates []*template
	// Precomputed default body (default template, default message): the common case renders
	// without building anything.
	defaultMessageString string
	defaultBody          []byte
	defaultLength        []string
	errorType            []string
}

// jsonContentType is shared by every response; net/http only reads header values.
var jsonContentType = []string{"application/json"}

var defaultREST = func() *Set {
	s, err := Compile(apimodel.ProtocolREST, nil)
	if err != nil {
		panic(err) // the built-in table is static; a failure here is a programming error
	}
	return s
}()

// Compile builds the gateway responses of an API. HTTP (and WebSocket) APIs have no
// customizable gateway responses, so overrides for them are an error rather than ignored.
// Problems carry the override's position, so the caller need not add one.
func Compile(protocol apimodel.Protocol, overrides map[string]*apimodel.GatewayResponse) (*Set, error) {
	s := &Set{byType: make(map[Type]*response, len(specs))}
	switch protocol {
	case apimodel.ProtocolREST:
	case apimodel.ProtocolHTTP, apimodel.ProtocolWebSocket:
		s.http = true
		var ps apimodel.Problems
		for _, name := range sortedKeys(overrides) {
			ps = append(ps, apimodel.Problem{Pos: posOf(overrides[name]), Message: fmt.Sprintf(
				"gateway response %s: %s APIs have no customizable gateway responses (only REST APIs do)", name, protocol)})
		}
		if err := ps.Err(); err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("gateway responses: unknown protocol %q", protocol)
	}

	var ps apimodel.Problems
	custom := map[Type]*override{}
	for _, name := range sortedKeys(overrides) {
		gr := overrides[name]
		if gr == nil {
			continue
		}
		o, errs := compileOverride(Type(name), gr)
		for _, err := range errs {
			ps = append(ps, apimodel.Problem{Pos: gr.Pos, Message: fmt.Sprintf("gateway response %s: %v", name, err)})
		}
		if len(errs) == 0 {
			custom[Type(name)] = o
		}
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	for t, sp := range specs {
		own, fb := custom[t], custom[sp.fallback]
		r := &response{typ: t, spec: sp}
		switch {
		case own != nil && own.status != 0:
			r.status = own.status
		case fb != nil:
			// AWS: changing DEFAULT_4XX's status changes every 4XX response that has none.
			r.status = fb.status
		}
		// A type's own customization replaces its fallback's entirely; they are not merged.
		switch {
		case own != nil:
			r.params, r.templates = own.params, own.templates
		case fb != nil:
			r.params, r.templates = fb.params, fb.templates
		}
		r.defaultMessageString = sp.messageString(sp.message)
		r.defaultBody = defaultBody(sp, r.defaultMessageString)
		r.defaultLength = []string{strconv.Itoa(len(r.defaultBody))}
		r.errorType = []string{sp.errorType}
		s.byType[t] = r
	}
	return s, nil
}

func posOf(gr *apimodel.GatewayResponse) apimodel.Position {
	if gr == nil {
		return apimodel.Position{}
	}
	return gr.Pos
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// defaultBody renders the default template, {"message":$context.error.messageString}.
func defaultBody(sp *spec, messageString string) []byte {
	return []byte(`{"` + sp.key + `":` + messageString + `}`)
}

type override struct {
	status    int
	params    []param
	templates []*template
}

func compileOverride(t Type, gr *apimodel.GatewayResponse) (*override, []error) {
	var errs []error
	if _, ok := specs[t]; !ok {
		return nil, []error{fmt.Errorf("unknown gateway response type (one of %s)", strings.Join(typeNames(), ", "))}
	}
	o := &override{}
	if gr.StatusCode != "" {
		n, err := strconv.Atoi(gr.StatusCode)
		if err != nil || n < 100 || n > 599 {
			errs = append(errs, fmt.Errorf("statusCode %q is not an HTTP status", gr.StatusCode))
		}
		o.status = n
	}
	for _, key := range sortedKeys(gr.ResponseParameters) {
		p, err := compileParam(key, gr.ResponseParameters[key])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		o.params = append(o.params, p)
	}
	for _, ct := range sortedKeys(gr.ResponseTemplates) {
		if !isMediaType(ct) {
			errs = append(errs, fmt.Errorf("responseTemplates key %q is not a content type like application/json", ct))
			continue
		}
		o.templates = append(o.templates, compileTemplate(ct, gr.ResponseTemplates[ct]))
	}
	return o, errs
}

func typeNames() []string {
	names := make([]string, 0, len(specs))
	for t := range specs {
		names = append(names, string(t))
	}
	sort.Strings(names)
	return names
}

func isMediaType(s string) bool {
	typ, sub, ok := strings.Cut(s, "/")
	return ok && isToken(typ) && isToken(strings.TrimSpace(strings.SplitN(sub, ";", 2)[0]))
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// source is where a header value comes from.
type source uint8

const (
	srcLiteral source = iota
	srcHeader
	srcMultiHeader
	srcQuery
	srcMultiQuery
	srcPath
	srcStageVar
	srcContext
)

// param is one gatewayresponse.header.* mapping.
type param struct {
	header  string // canonical header name
	src     source
	name    string
	literal []string
}

var paramSources = []struct {
	prefix string
	src    source
}{
	{"method.request.header.", srcHeader},
	{"method.request.multivalueheader.", srcMultiHeader},
	{"method.request.querystring.", srcQuery},
	{"method.request.multivaluequerystring.", srcMultiQuery},
	{"method.request.path.", srcPath},
	{"stageVariables.", srcStageVar},
	{"context.", srcContext},
}

func compileParam(key, value string) (param, error) {
	const prefix = "gatewayresponse.header."
	name, ok := strings.CutPrefix(key, prefix)
	if !ok {
		// AWS documents gatewayresponse.path/querystring too, but a response has neither;
		// accepting them would be a silent no-op.
		return param{}, fmt.Errorf("responseParameters key %q: only gatewayresponse.header.<name> is supported", key)
	}
	if !isToken(name) {
		return param{}, fmt.Errorf("responseParameters key %q: %q is not a header name", key, name)
	}
	p := param{header: http.CanonicalHeaderKey(name)}
	if len(value) >= 2 && value[0] == '\'' && value[len(value)-1] == '\'' {
		p.src, p.literal = srcLiteral, []string{value[1 : len(value)-1]}
		return p, nil
	}
	for _, ps := range paramSources {
		rest, ok := strings.CutPrefix(value, ps.prefix)
		if !ok || rest == "" {
			continue
		}
		if ps.src == srcContext {
			if _, known := new(reqctx.Context).Lookup(rest); !known {
				return param{}, fmt.Errorf("responseParameters %q: unknown variable $context.%s", key, rest)
			}
		}
		p.src, p.name = ps.src, rest
		return p, nil
	}
	return param{}, fmt.Errorf("responseParameters %q: value %q is not a 'quoted literal', "+
		"method.request.{header,multivalueheader,querystring,multivaluequerystring,path}.<name>, "+
		"stageVariables.<name> or context.<variable>", key, value)
}
