package params

import (
	"fmt"
	"net/http"
	"net/textproto"
	"sort"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Location is where a request mapping puts its value.
type Location uint8

const (
	Header Location = iota + 1
	Query
	Path
)

func (l Location) String() string {
	switch l {
	case Header:
		return "header"
	case Query:
		return "querystring"
	case Path:
		return "path"
	}
	return "?"
}

// Pair is one mapped query string or path parameter, in mapping order.
type Pair struct{ Name, Value string }

// RequestValues receives the integration request parameters a mapping produces. Its slices
// and map are reused across requests by the caller (see Reset).
type RequestValues struct {
	Header http.Header
	Query  []Pair
	Path   []Pair
}

// Reset empties v keeping its storage.
func (v *RequestValues) Reset() {
	clear(v.Header)
	v.Query = v.Query[:0]
	v.Path = v.Path[:0]
}

// PathValue returns the mapped integration.request.path value of name.
func (v *RequestValues) PathValue(name string) (string, bool) {
	for _, p := range v.Path {
		if p.Name == name {
			return p.Value, true
		}
	}
	return "", false
}

type requestItem struct {
	loc  Location
	name string // canonical for headers
	key  string // the target as written
	expr Expr
}

// RequestMapping is a compiled requestParameters map.
type RequestMapping struct {
	items []requestItem
	needs Needs
}

// CompileRequest compiles an integration's requestParameters. Every problem is reported at
// pos, the integration's position, naming the offending key.
func CompileRequest(m map[string]string, pos apimodel.Position) (*RequestMapping, apimodel.Problems) {
	rm := &RequestMapping{}
	var ps apimodel.Problems
	for _, key := range sortedKeys(m) {
		loc, name, err := parseRequestTarget(key)
		if err == nil {
			var e Expr
			e, err = Compile(m[key], Request)
			if err == nil {
				rm.items = append(rm.items, requestItem{loc: loc, name: name, key: key, expr: e})
				rm.needs |= e.needs()
				continue
			}
		}
		ps = append(ps, apimodel.Problem{Pos: pos, Message: fmt.Sprintf("requestParameters %q: %v", key, err)})
	}
	return rm, ps
}

// parseRequestTarget parses integration.request.{header|querystring|path}.name. AWS documents
// only those three; the multivalue spellings are accepted as their single-value locations
// since a multi-value source already maps to several values.
func parseRequestTarget(key string) (Location, string, error) {
	rest, ok := strings.CutPrefix(key, "integration.request.")
	loc, name, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return 0, "", fmt.Errorf("target must be integration.request.{header|querystring|path}.name")
	}
	switch loc {
	case "header", "multivalueheader":
		return Header, textproto.CanonicalMIMEHeaderKey(name), nil
	case "querystring", "multivaluequerystring":
		return Query, name, nil
	case "path":
		return Path, name, nil
	}
	return 0, "", fmt.Errorf("unknown integration request location %q (header, querystring or path)", loc)
}

// Needs reports the inputs the mapping reads.
func (m *RequestMapping) Needs() Needs { return m.needs }

// Headers lists the canonical names of the mapped integration request headers.
func (m *RequestMapping) Headers() []string {
	var hs []string
	for _, it := range m.items {
		if it.loc == Header {
			hs = append(hs, it.name)
		}
	}
	return hs
}

// Apply evaluates every mapping into out. A source that is absent leaves its target out, as
// in AWS. Several values go to a query string as repeated parameters and to a header or path
// parameter joined with commas.
func (m *RequestMapping) Apply(env *Env, out *RequestValues) error {
	var buf [4]string
	for i := range m.items {
		it := &m.items[i]
		vs, err := it.expr.AppendValues(buf[:0], env)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			continue
		}
		switch it.loc {
		case Header:
			if out.Header == nil {
				out.Header = make(http.Header, len(m.items))
			}
			out.Header[it.name] = append(out.Header[it.name][:0], join(vs))
		case Query:
			for _, v := range vs {
				out.Query = append(out.Query, Pair{it.name, v})
			}
		case Path:
			out.Path = append(out.Path, Pair{it.name, join(vs)})
		}
	}
	return nil
}

func join(vs []string) string {
	if len(vs) == 1 {
		return vs[0]
	}
	return strings.Join(vs, ",")
}

type responseItem struct {
	name string // canonical header name
	key  string
	expr Expr
}

// ResponseMapping is a compiled responseParameters map of an integration response.
type ResponseMapping struct {
	items  []responseItem
	needs  Needs
	static bool
}

// CompileResponse compiles an integration response's responseParameters. Targets are
// method.response.header.name; problems are reported at pos.
func CompileResponse(m map[string]string, pos apimodel.Position) (*ResponseMapping, apimodel.Problems) {
	rm := &ResponseMapping{static: true}
	var ps apimodel.Problems
	for _, key := range sortedKeys(m) {
		name, ok := strings.CutPrefix(key, "method.response.header.")
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
			ps = append(ps, apimodel.Problem{Pos: pos, Message: fmt.Sprintf("responseParameters %q: target must be method.response.header.name", key)})
			continue
		}
		e, err := Compile(m[key], Response)
		if err != nil {
			ps = append(ps, apimodel.Problem{Pos: pos, Message: fmt.Sprintf("responseParameters %q: %v", key, err)})
			continue
		}
		rm.items = append(rm.items, responseItem{name: textproto.CanonicalMIMEHeaderKey(name), key: key, expr: e})
		rm.needs |= e.needs()
		if e.kind != kLiteral {
			rm.static = false
		}
	}
	return rm, ps
}

// Needs reports the inputs the mapping reads.
func (m *ResponseMapping) Needs() Needs { return m.needs }

// Static reports whether every value is a literal, so the headers can be computed once.
func (m *ResponseMapping) Static() bool { return m.static }

// Apply evaluates the mapping into the method response headers h, renaming or dropping the
// headers API Gateway reserves (see Remap).
func (m *ResponseMapping) Apply(env *Env, h http.Header, r Remap) error {
	var buf [4]string
	for i := range m.items {
		it := &m.items[i]
		vs, err := it.expr.AppendValues(buf[:0], env)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			continue
		}
		SetResponseHeader(h, it.name, join(vs), r)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
