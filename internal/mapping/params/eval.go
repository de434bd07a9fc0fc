package params

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Env is what expressions read. Integrations fill the fields their mappings need (see Needs);
// fields left zero read as absent. An Env serves one request.
type Env struct {
	// Method request.
	Header http.Header
	Query  url.Values
	Path   route.Params
	Body   []byte
	// Ctx is $context; its StageVariables serve stageVariables.*.
	Ctx *reqctx.Context

	// Integration response.
	RespHeader http.Header
	RespBody   []byte

	// Decoded bodies, so that several JSONPath sources parse a body once.
	reqDoc, respDoc       any
	reqParsed, respParsed bool
}

// Needs says which expensive inputs a mapping reads, so integrations only parse the query
// string or buffer a body when a mapping asks for it.
type Needs uint8

const (
	NeedQuery Needs = 1 << iota
	NeedBody
	NeedRespHeader
	NeedRespBody
)

func (e *Expr) needs() Needs {
	switch e.kind {
	case kQuery, kMultiQuery:
		return NeedQuery
	case kBody, kBodyPath:
		return NeedBody
	case kRespHeader, kRespMultiHeader:
		return NeedRespHeader
	case kRespBody, kRespBodyPath:
		return NeedRespBody
	}
	return 0
}

// AppendValues appends the expression's values to dst. Most sources yield one value; a
// multi-value query string yields each; nothing appended means the source is absent, and AWS
// then leaves the target out. An error is an *apierr.Error: a body that is not valid JSON.
func (e *Expr) AppendValues(dst []string, env *Env) ([]string, error) {
	var v string
	switch e.kind {
	case kLiteral:
		v = e.name
	case kPath:
		v, _ = env.Path.Get(e.name)
	case kQuery:
		if vs := env.Query[e.name]; len(vs) > 0 {
			// AWS's single-value view of a repeated parameter is its last value.
			v = vs[len(vs)-1]
		}
	case kMultiQuery:
		for _, x := range env.Query[e.name] {
			if x != "" {
				dst = append(dst, x)
			}
		}
		return dst, nil
	case kHeader:
		v = last(env.Header[e.name])
	case kMultiHeader:
		v = strings.Join(env.Header[e.name], ",")
	case kBody:
		v = string(bytes.TrimSpace(env.Body))
	case kBodyPath:
		if !env.reqParsed {
			doc, err := decodeBody(env.Body)
			if err != nil {
				return dst, apierr.Wrap(apierr.Default4XX, "Invalid JSON in request body", err).WithStatus(http.StatusBadRequest)
			}
			env.reqDoc, env.reqParsed = doc, true
		}
		v = e.selectString(env.reqDoc)
	case kStageVar:
		if env.Ctx != nil {
			v = env.Ctx.StageVariables[e.name]
		}
	case kContext:
		if env.Ctx != nil {
			v, _ = env.Ctx.Lookup(e.name)
		}
	case kRespHeader:
		v = last(env.RespHeader[e.name])
	case kRespMultiHeader:
		v = strings.Join(env.RespHeader[e.name], ",")
	case kRespBody:
		v = string(bytes.TrimSpace(env.RespBody))
	case kRespBodyPath:
		if !env.respParsed {
			doc, err := decodeBody(env.RespBody)
			if err != nil {
				return dst, apierr.Wrap(apierr.Default5XX, "Internal server error", err).WithStatus(http.StatusInternalServerError)
			}
			env.respDoc, env.respParsed = doc, true
		}
		v = e.selectString(env.respDoc)
	}
	if v == "" {
		return dst, nil
	}
	return append(dst, v), nil
}

func last(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[len(vs)-1]
}

// decodeBody parses a body for JSONPath sources. As in AWS, only a body that looks like JSON
// (object, array or string) is parsed; anything else has no fields, so paths into it are
// absent rather than an error.
func decodeBody(b []byte) (any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || !strings.ContainsRune(`{["'`, rune(b[0])) {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	return doc, nil
}

// selectString renders what a JSONPath selects as a parameter value: strings as they are,
// anything else as JSON, several nodes as a JSON array.
func (e *Expr) selectString(doc any) string {
	if doc == nil {
		return ""
	}
	nodes := e.path.Select(doc)
	switch {
	case len(nodes) == 0:
		return ""
	case e.multi:
		return jsonString([]any(nodes))
	}
	return jsonString(nodes[0])
}

func jsonString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
