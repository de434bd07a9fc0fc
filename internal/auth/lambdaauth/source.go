package lambdaauth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/integration/lambda"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// sourceKind is where an identity source's value comes from.
type sourceKind uint8

const (
	fromHeader sourceKind = iota
	fromQuery
	fromStageVar
	fromContext
)

// source is one identity source, e.g. method.request.header.Authorization.
type source struct {
	kind sourceKind
	name string
	expr string // as configured, for messages
}

// sourcePrefixes are the identity source expressions each protocol accepts (REST: the
// authorizer's identitySource; HTTP APIs: identitySource with $-prefixed selection expressions).
var sourcePrefixes = map[apimodel.Protocol][]struct {
	prefix string
	kind   sourceKind
}{
	apimodel.ProtocolREST: {
		{"method.request.header.", fromHeader},
		{"method.request.querystring.", fromQuery},
		{"stageVariables.", fromStageVar},
		{"context.", fromContext},
	},
	apimodel.ProtocolHTTP: {
		{"$request.header.", fromHeader},
		{"$request.querystring.", fromQuery},
		{"$stageVariables.", fromStageVar},
		{"$context.", fromContext},
	},
}

// parseSources parses identity sources. REST APIs keep them in one comma-separated string, so
// an entry holding several is split rather than rejected.
func parseSources(protocol apimodel.Protocol, list []string) ([]source, error) {
	var out []source
	for _, entry := range list {
		for _, expr := range strings.Split(entry, ",") {
			expr = strings.TrimSpace(expr)
			if expr == "" {
				continue
			}
			s, err := parseSource(protocol, expr)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func parseSource(protocol apimodel.Protocol, expr string) (source, error) {
	prefixes := sourcePrefixes[protocol]
	for _, p := range prefixes {
		name, ok := strings.CutPrefix(expr, p.prefix)
		if !ok {
			continue
		}
		if name == "" {
			return source{}, fmt.Errorf("identity source %q names nothing after %q", expr, p.prefix)
		}
		switch p.kind {
		case fromHeader:
			if !validHeaderName(name) {
				return source{}, fmt.Errorf("identity source %q: %q is not a header name", expr, name)
			}
		case fromContext:
			if _, known := new(reqctx.Context).Lookup(name); !known {
				return source{}, fmt.Errorf("identity source %q: $context.%s is not a context variable genkan knows", expr, name)
			}
		}
		return source{kind: p.kind, name: name, expr: expr}, nil
	}
	want := make([]string, len(prefixes))
	for i, p := range prefixes {
		want[i] = p.prefix + "<name>"
	}
	return source{}, fmt.Errorf("identity source %q: %s APIs accept %s", expr, protocol, strings.Join(want, ", "))
}

func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return s != ""
}

// identityValues returns the value of every identity source, or ok false when one is missing
// or empty: AWS then answers 401 without invoking the function ("If a specified identity
// source is missing, null, or empty, API Gateway returns a 401 Unauthorized response without
// calling the authorizer Lambda function"; the same for HTTP APIs). A header or query
// parameter sent several times gives its last value on REST APIs, as their single-value
// mappings do, and all values joined with "," on HTTP APIs, as payload 2.0 reports them.
func identityValues(sources []source, r *http.Request, c *reqctx.Context, joinRepeated bool) (vals []string, ok bool) {
	var query map[string][]string
	vals = make([]string, 0, len(sources))
	for _, s := range sources {
		var v string
		switch s.kind {
		case fromHeader:
			v = pick(r.Header.Values(s.name), joinRepeated)
		case fromQuery:
			if query == nil {
				_, query = lambda.ParseQuery(r.URL.RawQuery)
			}
			v = pick(query[s.name], joinRepeated)
		case fromStageVar:
			v = c.StageVariables[s.name]
		case fromContext:
			v, _ = c.Lookup(s.name)
		}
		if v == "" {
			return nil, false
		}
		vals = append(vals, v)
	}
	return vals, true
}

func pick(vs []string, join bool) string {
	switch {
	case len(vs) == 0:
		return ""
	case join:
		return strings.Join(vs, ",")
	default:
		return vs[len(vs)-1]
	}
}
