// Package cors implements an HTTP API's corsConfiguration as API Gateway applies it: preflight
// requests are answered by the gateway itself, whether or not an OPTIONS route exists, and on
// every other response the configured headers replace whatever CORS headers the backend sent
// ("If you configure CORS for an API, API Gateway ignores CORS headers returned from your
// backend integration", Developer Guide, "Configure CORS for HTTP APIs").
//
// REST APIs have no such setting: their CORS is OPTIONS mock methods and response parameters,
// which the importers generate and the mock integration serves.
package cors

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Policy is a compiled corsConfiguration. It is immutable and safe for concurrent use.
type Policy struct {
	anyOrigin   bool
	origins     map[string]bool // lower-cased; origins compare case-insensitively in scheme and host
	wildcards   []wildcard      // https://*.example.com
	methods     string
	headers     string
	anyHeader   bool
	expose      string
	maxAge      string
	credentials bool
}

type wildcard struct{ prefix, suffix string }

// New compiles cfg. Validation (origin syntax, '*' with credentials) happened in apimodel.
func New(cfg *apimodel.CORS) *Policy {
	p := &Policy{origins: map[string]bool{}, credentials: cfg.AllowCredentials}
	for _, o := range cfg.AllowOrigins {
		switch {
		case o == "*":
			p.anyOrigin = true
		case strings.Contains(o, "*"):
			pre, suf, _ := strings.Cut(strings.ToLower(o), "*")
			p.wildcards = append(p.wildcards, wildcard{pre, suf})
		default:
			p.origins[strings.ToLower(strings.TrimSuffix(o, "/"))] = true
		}
	}
	p.methods = strings.ToUpper(strings.Join(cfg.AllowMethods, ","))
	for _, h := range cfg.AllowHeaders {
		if h == "*" {
			p.anyHeader = true
		}
	}
	p.headers = strings.ToLower(strings.Join(cfg.AllowHeaders, ","))
	p.expose = strings.ToLower(strings.Join(cfg.ExposeHeaders, ","))
	if cfg.MaxAge != nil {
		p.maxAge = strconv.Itoa(*cfg.MaxAge)
	}
	return p
}

// IsPreflight reports whether r is a CORS preflight request: OPTIONS with an Origin and an
// Access-Control-Request-Method. A bare OPTIONS request is routed like any other method.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// allowedOrigin returns the Access-Control-Allow-Origin value for origin, or "" when the
// origin is not allowed. With credentials the origin is echoed, because browsers refuse '*'
// on credentialed requests.
func (p *Policy) allowedOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	if p.anyOrigin {
		if p.credentials {
			return origin
		}
		return "*"
	}
	lo := strings.ToLower(origin)
	if p.origins[lo] {
		return origin
	}
	for _, w := range p.wildcards {
		if len(lo) > len(w.prefix)+len(w.suffix) && strings.HasPrefix(lo, w.prefix) && strings.HasSuffix(lo, w.suffix) {
			return origin
		}
	}
	return ""
}

// Preflight answers a preflight request: 204 with the allow headers when the origin, method
// and headers are allowed, and 204 without them otherwise, so the browser blocks the request
// (API Gateway does not turn a refused preflight into an error status).
func (p *Policy) Preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	origin := p.allowedOrigin(r.Header.Get("Origin"))
	if origin != "" && p.methodAllowed(r.Header.Get("Access-Control-Request-Method")) &&
		p.headersAllowed(r.Header.Get("Access-Control-Request-Headers")) {
		h.Set("Access-Control-Allow-Origin", origin)
		if p.methods != "" {
			h.Set("Access-Control-Allow-Methods", p.methods)
		}
		if p.headers != "" {
			h.Set("Access-Control-Allow-Headers", p.headers)
		}
		if p.maxAge != "" {
			h.Set("Access-Control-Max-Age", p.maxAge)
		}
		if p.credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
}

func (p *Policy) methodAllowed(m string) bool {
	if p.methods == "" {
		return false
	}
	for _, a := range strings.Split(p.methods, ",") {
		if a == "*" || strings.EqualFold(strings.TrimSpace(a), m) {
			return true
		}
	}
	return false
}

func (p *Policy) headersAllowed(list string) bool {
	if list == "" || p.anyHeader {
		return true
	}
	for _, want := range strings.Split(list, ",") {
		want = strings.TrimSpace(want)
		if want == "" {
			continue
		}
		found := false
		for _, a := range strings.Split(p.headers, ",") {
			if strings.EqualFold(strings.TrimSpace(a), want) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// Apply replaces the CORS headers of an actual (non-preflight) response: the backend's are
// dropped, and the configured ones added when the request's origin is allowed.
func (p *Policy) Apply(h http.Header, origin string) {
	for k := range h {
		if len(k) > len("access-control-") && strings.EqualFold(k[:len("access-control-")], "access-control-") {
			delete(h, k)
		}
	}
	o := p.allowedOrigin(origin)
	if o == "" {
		return
	}
	h.Set("Access-Control-Allow-Origin", o)
	if p.expose != "" {
		h.Set("Access-Control-Expose-Headers", p.expose)
	}
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}
