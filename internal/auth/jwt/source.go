package jwt

import (
	"fmt"
	"net/http"
	"strings"
)

// Source is where an authorizer reads its token: a JWT authorizer's identitySource
// ($request.header.Authorization, $request.querystring.token) or a REST authorizer's
// method.request.header.Authorization.
type Source struct {
	query bool
	name  string
}

// ParseSource parses one identity source expression. Header names are case-insensitive,
// query string names are not, as in HTTP.
func ParseSource(expr string) (Source, error) {
	for _, p := range []struct {
		prefix string
		query  bool
	}{
		{"$request.header.", false},
		{"$request.querystring.", true},
		{"method.request.header.", false},
		{"method.request.querystring.", true},
	} {
		if name, ok := strings.CutPrefix(expr, p.prefix); ok && name != "" {
			return Source{query: p.query, name: name}, nil
		}
	}
	return Source{}, fmt.Errorf("jwt: identity source %q is not $request.header.NAME or $request.querystring.NAME", expr)
}

// String is the expression in HTTP API form.
func (s Source) String() string {
	if s.query {
		return "$request.querystring." + s.name
	}
	return "$request.header." + s.name
}

// Token returns the token r carries in s, "" when there is none.
func (s Source) Token(r *http.Request) string {
	var v string
	if s.query {
		v = r.URL.Query().Get(s.name)
	} else {
		v = r.Header.Get(s.name)
	}
	return StripBearer(v)
}

// StripBearer removes an optional "Bearer " prefix, in any case, and surrounding whitespace.
// AWS: "The identitySource can include only the token, or the token prefixed with Bearer."
// A bare "Bearer" is no token at all.
func StripBearer(v string) string {
	v = strings.TrimSpace(v)
	const scheme = "bearer"
	if len(v) >= len(scheme) && strings.EqualFold(v[:len(scheme)], scheme) {
		rest := v[len(scheme):]
		if rest == "" {
			return ""
		}
		if rest[0] == ' ' || rest[0] == '\t' {
			return strings.TrimSpace(rest)
		}
	}
	return v
}
