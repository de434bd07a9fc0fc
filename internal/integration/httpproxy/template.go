package httpproxy

import (
	"fmt"
	"strings"

	"github.com/genkanhq/genkan/internal/gateway"
)

// The integration URI is compiled once into segments so that a request only appends bytes:
// no url.Parse, no string concatenation, no map of replacements.

type segKind uint8

const (
	segLiteral  segKind = iota
	segParam            // {name}: an integration path parameter
	segStageVar         // ${stageVariables.name}
)

type segment struct {
	kind segKind
	text string // literal text, or the variable's name
	// query is set for segments after the URI's '?': their values are escaped as query
	// components instead of path segments.
	query bool
	src   source // where a segParam takes its value
}

// uriTemplate is a parsed integration URI: scheme://authority/target.
type uriTemplate struct {
	scheme    string
	authority []segment
	target    []segment
}

func (t *uriTemplate) staticAuthority() (string, bool) {
	if len(t.authority) == 1 && t.authority[0].kind == segLiteral {
		return t.authority[0].text, true
	}
	return "", false
}

// parseURI splits an integration URI into its parts and parses the {param} and
// ${stageVariables.x} placeholders of each.
func parseURI(uri string) (uriTemplate, error) {
	var t uriTemplate
	i := strings.Index(uri, "://")
	if i < 0 {
		return t, fmt.Errorf("uri %q must be an absolute http(s) URL", uri)
	}
	t.scheme = strings.ToLower(uri[:i])
	if t.scheme != "http" && t.scheme != "https" {
		return t, fmt.Errorf("uri %q: scheme must be http or https", uri)
	}
	rest := uri[i+3:]
	end := len(rest)
	depth := 0
	for j := 0; j < len(rest); j++ {
		switch rest[j] {
		case '{':
			depth++
		case '}':
			depth--
		case '/', '?', '#':
			if depth == 0 {
				end = j
				j = len(rest)
			}
		}
	}
	auth, target := rest[:end], rest[end:]
	if auth == "" {
		return t, fmt.Errorf("uri %q has no host", uri)
	}
	if strings.ContainsRune(auth, '@') {
		return t, fmt.Errorf("uri %q: user information in the URL is not supported", uri)
	}
	if k := strings.IndexByte(target, '#'); k >= 0 {
		target = target[:k]
	}
	var err error
	if t.authority, err = parseSegments(auth, false); err != nil {
		return t, fmt.Errorf("uri %q: %v", uri, err)
	}
	if a, ok := t.staticAuthority(); ok {
		if err := checkAuthority(a); err != nil {
			return t, fmt.Errorf("uri %q: %v", uri, err)
		}
	}
	for _, s := range t.authority {
		if s.kind == segParam {
			return t, fmt.Errorf("uri %q: a path parameter cannot be used in the host", uri)
		}
	}
	if t.target, err = parseSegments(target, true); err != nil {
		return t, fmt.Errorf("uri %q: %v", uri, err)
	}
	return t, nil
}

func parseSegments(s string, inTarget bool) ([]segment, error) {
	var segs []segment
	query := false
	lit := 0
	flush := func(end int) {
		if end > lit {
			text := s[lit:end]
			if inTarget && !query {
				if q := strings.IndexByte(text, '?'); q >= 0 {
					segs = append(segs, segment{kind: segLiteral, text: text[:q+1]})
					query = true
					text = text[q+1:]
				}
			}
			if text != "" {
				segs = append(segs, segment{kind: segLiteral, text: text, query: query})
			}
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "${"):
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return nil, fmt.Errorf("unterminated %q", s[i:])
			}
			expr := s[i+2 : i+j]
			name, ok := strings.CutPrefix(expr, "stageVariables.")
			if !ok || !validVarName(name) {
				return nil, fmt.Errorf("${%s}: only ${stageVariables.name} can be used in an integration URI", expr)
			}
			flush(i)
			segs = append(segs, segment{kind: segStageVar, text: name, query: query})
			i += j + 1
			lit = i
		case s[i] == '{':
			j := strings.IndexByte(s[i:], '}')
			if j < 0 {
				return nil, fmt.Errorf("unterminated %q", s[i:])
			}
			name := strings.TrimSuffix(s[i+1:i+j], "+")
			if !validVarName(name) {
				return nil, fmt.Errorf("{%s} is not a valid parameter name", s[i+1:i+j])
			}
			flush(i)
			segs = append(segs, segment{kind: segParam, text: name, query: query})
			i += j + 1
			lit = i
		default:
			i++
		}
	}
	flush(len(s))
	return segs, nil
}

func validVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlnum(c) || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// checkAuthority rejects hosts that could smuggle anything into the request line or Host
// header (a stage variable is configuration, but a typo must not produce a malformed request).
func checkAuthority(a string) error {
	if a == "" {
		return fmt.Errorf("empty host")
	}
	for i := 0; i < len(a); i++ {
		c := a[i]
		if !(isAlnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '[' || c == ']' || c == '%') {
			return fmt.Errorf("host %q contains %q", a, c)
		}
	}
	return nil
}

// appendTarget renders the request-target (path and query) for one call.
func (p *Proxy) appendTarget(b []byte, c *gateway.Call) []byte {
	start := len(b)
	lastParam := ""
	if n := len(c.Params); n > 0 {
		lastParam = c.Params[n-1].Name
	}
	for i := range p.tmpl.target {
		s := &p.tmpl.target[i]
		switch s.kind {
		case segLiteral:
			b = append(b, s.text...)
		case segStageVar:
			b = appendSafe(b, c.StageVar(s.text)) // AWS substitutes stage variables verbatim
		case segParam:
			v := s.src.value(c)
			last := s.src.kind == srcPath && s.src.name == lastParam
			if s.src.kind == srcPath {
				if raw, ok := rawForm(c.Path, v); ok {
					b = appendRaw(b, raw, s.query)
					continue
				}
			}
			switch {
			case s.query:
				b = appendEscaped(b, v, queryKeep)
			case last:
				// Most likely the greedy {proxy+}: its '/' are separators.
				b = appendEscaped(b, v, pathKeepSlash)
			default:
				b = appendEscaped(b, v, pathKeep)
			}
		}
	}
	if len(b) == start || b[start] != '/' {
		b = append(b, 0)
		copy(b[start+1:], b[start:])
		b[start] = '/'
	}
	if q := c.Req.URL.RawQuery; q != "" {
		b = p.appendQuerySep(b)
		b = appendSafe(b, q)
	}
	for i := range p.queryMaps {
		m := &p.queryMaps[i]
		b = p.appendQuerySep(b)
		b = appendEscaped(b, m.name, queryKeep)
		b = append(b, '=')
		b = appendEscaped(b, m.src.value(c), queryKeep)
	}
	return b
}

func (p *Proxy) appendQuerySep(b []byte) []byte {
	if i := lastIndexByte(b, '?'); i < 0 {
		return append(b, '?')
	} else if i == len(b)-1 || b[len(b)-1] == '&' {
		return b
	}
	return append(b, '&')
}

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// rawForm finds how the client escaped a path parameter, so that it is forwarded as sent.
// REST APIs route on the raw path and their values are raw substrings of it (AWS passes
// "a%2Fb" on untouched). HTTP APIs decode values; the raw form is recovered from the path,
// which keeps an escaped "%2F" distinct from a greedy parameter's separators. When the value
// cannot be found (a caller without Call.Path), the caller escapes it again.
func rawForm(path, v string) (string, bool) {
	if v == "" {
		return "", false
	}
	if strings.Contains(path, v) {
		return v, true
	}
	return rawFind(path, v)
}

// rawFind returns the last run of whole segments of the escaped path that decodes to v.
func rawFind(path, v string) (string, bool) {
	for i := len(path) - 1; i >= 0; i-- {
		if i > 0 && path[i-1] != '/' {
			continue
		}
		j, k := i, 0
		for j < len(path) && k < len(v) {
			c := path[j]
			if c == '%' && j+2 < len(path) && isHex(path[j+1]) && isHex(path[j+2]) {
				c = unhex(path[j+1])<<4 | unhex(path[j+2])
				j += 3
			} else {
				j++
			}
			if c != v[k] {
				break
			}
			k++
		}
		if k == len(v) && (j == len(path) || path[j] == '/') {
			return path[i:j], true
		}
	}
	return "", false
}

// appendRaw copies an already-escaped value; in a query it must still not end the value.
func appendRaw(b []byte, s string, query bool) []byte {
	if !query {
		return appendSafe(b, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' || keep(c, queryKeep) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Escaping modes: which bytes besides the unreserved set are kept as they are.
type escapeMode uint8

const (
	pathKeep      escapeMode = iota // a path segment: pchar (RFC 3986 3.3); '/' is escaped
	pathKeepSlash                   // a greedy path: pchar and '/'
	queryKeep                       // a query name or value: '&', '=', '+', '#' escaped
)

const hexDigits = "0123456789ABCDEF"

func keep(c byte, m escapeMode) bool {
	if isAlnum(c) {
		return true
	}
	switch c {
	case '-', '.', '_', '~', '!', '$', '\'', '(', ')', '*', ',', ';', ':', '@':
		return true
	case '&', '=', '+':
		return m != queryKeep
	case '/':
		return m != pathKeep
	case '?':
		return m == queryKeep
	}
	return false
}

func appendEscaped(b []byte, s string, m escapeMode) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if keep(c, m) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}

// appendSafe copies s, escaping only what cannot appear in a request line: controls, space,
// '#' and non-ASCII bytes. Existing %XX escapes are kept as they are.
func appendSafe(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		} else {
			b = append(b, c)
		}
	}
	return b
}
