package tmpl

import (
	"fmt"
	"sort"
	"strings"

	"github.com/genkanhq/genkan/internal/apierr"
)

// DefaultContentType is what API Gateway assumes when a request has no Content-Type, and the
// response template it prefers when Accept names none it has.
const DefaultContentType = "application/json"

// Passthrough is an integration's passthroughBehavior.
type Passthrough uint8

const (
	// WhenNoMatch passes the body through when no template matches (AWS's default).
	WhenNoMatch Passthrough = iota
	// WhenNoTemplates passes the body through only when there are no templates at all.
	WhenNoTemplates
	// Never rejects every request no template matches with 415.
	Never
)

// ParsePassthrough maps AWS's passthroughBehavior names; "" is AWS's default, WHEN_NO_MATCH.
func ParsePassthrough(s string) (Passthrough, error) {
	switch strings.ToUpper(s) {
	case "", "WHEN_NO_MATCH":
		return WhenNoMatch, nil
	case "WHEN_NO_TEMPLATES":
		return WhenNoTemplates, nil
	case "NEVER":
		return Never, nil
	}
	return 0, fmt.Errorf("passthroughBehavior %q is not one of WHEN_NO_MATCH, WHEN_NO_TEMPLATES, NEVER", s)
}

// Set is the templates of one requestTemplates or responseTemplates map, keyed by media type.
type Set struct {
	types []string // lower-cased media types, sorted, so "first" is deterministic
	tpls  []Template
}

// NewSet compiles every template of m. A nil compile means Compile.
func NewSet(m map[string]string, compile CompileFunc) (*Set, error) {
	if compile == nil {
		compile = Compile
	}
	s := &Set{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t, err := compile(m[k])
		if err != nil {
			return nil, fmt.Errorf("template %q: %w", k, err)
		}
		s.types = append(s.types, strings.ToLower(strings.TrimSpace(k)))
		s.tpls = append(s.tpls, t)
	}
	return s, nil
}

// Len is the number of templates.
func (s *Set) Len() int { return len(s.tpls) }

// Types are the media types in selection order of last resort (sorted).
func (s *Set) Types() []string { return s.types }

// At returns the i-th template in Types order.
func (s *Set) At(i int) Template { return s.tpls[i] }

// Lookup returns the index of the template for a media type (parameters ignored), or -1.
func (s *Set) Lookup(mediaType string) int {
	mt := MediaType(mediaType)
	for i, t := range s.types {
		if t == mt || strings.EqualFold(t, mt) {
			return i
		}
	}
	return -1
}

// ForRequest picks the request template for a Content-Type the way AWS does: only the media
// type counts, a missing Content-Type means application/json, and when nothing matches the
// passthrough behavior decides between passing the body through (-1, nil) and 415.
func (s *Set) ForRequest(contentType string, p Passthrough) (int, error) {
	if contentType == "" {
		contentType = DefaultContentType
	}
	if i := s.Lookup(contentType); i >= 0 {
		return i, nil
	}
	switch {
	case p == WhenNoMatch, p == WhenNoTemplates && len(s.tpls) == 0:
		return -1, nil
	}
	return -1, apierr.New(apierr.UnsupportedMediaType, "Unsupported Media Type")
}

// ForResponse picks the response template for an Accept header: the first listed media type
// that has a template, else application/json, else the first template. -1 when there are no
// templates, which means the integration response body passes through.
func (s *Set) ForResponse(accept string) int {
	if len(s.tpls) == 0 {
		return -1
	}
	for accept != "" {
		var item string
		item, accept, _ = strings.Cut(accept, ",")
		if i := s.Lookup(item); i >= 0 {
			return i
		}
	}
	if i := s.Lookup(DefaultContentType); i >= 0 {
		return i
	}
	return 0
}

// MediaType strips parameters and blanks from a Content-Type or Accept item, without
// allocating.
func MediaType(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}
