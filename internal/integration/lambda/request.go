package lambda

import (
	"encoding/base64"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// fillDerived sets the $context values nothing upstream models yet, once per request, so the
// event and the access log agree: the trace id (the client's X-Amzn-Trace-Id when it carries a
// Root, as API Gateway continues a client's trace, else a new one) and, for REST APIs, stable
// resource and deployment ids shaped like AWS's. cache, when not nil, keeps the ids last
// derived, which a route's integration nearly always derives again.
func fillDerived(c *reqctx.Context, r *http.Request, f format, cache *atomic.Pointer[restIDs]) {
	if c.TraceID == "" {
		if v := r.Header.Get("X-Amzn-Trace-Id"); strings.Contains(v, "Root=") {
			c.TraceID = v
		} else {
			c.TraceID = newTraceID(time.Now())
		}
	}
	if f != formatREST || c.ResourceID != "" && c.DeploymentID != "" {
		return
	}
	var ids *restIDs
	if cache != nil {
		ids = cache.Load()
	}
	if ids == nil || ids.api != c.APIID || ids.resource != c.ResourcePath || ids.stage != c.Stage {
		ids = &restIDs{api: c.APIID, resource: c.ResourcePath, stage: c.Stage,
			resourceID: shortID(c.APIID, c.ResourcePath), deploymentID: shortID(c.APIID, "stage:"+c.Stage)}
		if cache != nil {
			cache.Store(ids)
		}
	}
	if c.ResourceID == "" {
		c.ResourceID = ids.resourceID
	}
	if c.DeploymentID == "" {
		c.DeploymentID = ids.deploymentID
	}
}

// restIDs are the REST ids fillDerived derives for one API, resource and stage.
type restIDs struct{ api, resource, stage, resourceID, deploymentID string }

// newTraceID returns an X-Ray trace header: Root=1-{epoch seconds, 8 hex}-{96 bits, 24 hex}.
func newTraceID(now time.Time) string {
	b := make([]byte, 0, 40)
	b = append(b, "Root=1-"...)
	b = appendHex(b, uint64(now.Unix()), 8)
	b = append(b, '-')
	b = appendHex(b, rand.Uint64()>>32, 8)
	b = appendHex(b, rand.Uint64(), 16)
	return string(b)
}

func appendHex(b []byte, v uint64, digits int) []byte {
	for i := digits - 1; i >= 0; i-- {
		b = append(b, "0123456789abcdef"[(v>>(uint(i)*4))&15])
	}
	return b
}

// shortID is a 6-character [a-z0-9] id (AWS's resource and deployment ids look like "3nq1cq"),
// the same for the same inputs so that it survives restarts.
func shortID(parts ...string) string {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	v := h.Sum64()
	var s [6]byte
	for i := range s {
		s[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[v%36]
		v /= 36
	}
	return string(s[:])
}

// eventBody is the body as the event carries it.
func eventBody(body []byte, binary bool) (string, bool) {
	if len(body) == 0 {
		return "", false
	}
	if binary {
		return base64.StdEncoding.EncodeToString(body), true
	}
	return string(body), false
}

// isTextForHTTPAPI reports whether an HTTP API passes a body of this Content-Type as text. AWS
// documents only "if the content type of the request is binary, the body is base64-encoded";
// measured on AWS (ministackorg/ministack#766, payload 2.0): text/*, application/json,
// application/xml and application/javascript are text, everything else — a missing
// Content-Type and application/x-www-form-urlencoded included — is base64.
func isTextForHTTPAPI(contentType string) bool {
	t, s := splitMediaType(contentType)
	switch {
	case t == "text":
		return true
	case t == "application":
		return s == "json" || s == "xml" || s == "javascript"
	}
	return false
}

// mediaType is one binaryMediaTypes entry; "*" is a wildcard in either half.
type mediaType struct{ typ, sub string }

func compileMediaTypes(list []string) []mediaType {
	var out []mediaType
	for _, v := range list {
		t, s := splitMediaType(strings.ReplaceAll(v, "~1", "/"))
		if t != "" {
			out = append(out, mediaType{t, s})
		}
	}
	return out
}

// matchMediaType reports whether value (a Content-Type or one Accept entry) is in list.
func matchMediaType(list []mediaType, value string) bool {
	t, s := splitMediaType(value)
	if t == "" {
		return false
	}
	for _, m := range list {
		if (m.typ == "*" || m.typ == t) && (m.sub == "*" || m.sub == s) {
			return true
		}
	}
	return false
}

// splitMediaType lower-cases a media type and drops its parameters.
func splitMediaType(v string) (typ, sub string) {
	v, _, _ = strings.Cut(v, ";")
	t, s, ok := strings.Cut(strings.TrimSpace(v), "/")
	if !ok {
		return "", ""
	}
	return strings.ToLower(strings.TrimSpace(t)), strings.ToLower(strings.TrimSpace(s))
}

// firstAccept is the request's first Accept media type: API Gateway looks at no other when it
// decides whether a response is binary (developer guide, "Content type conversions").
func firstAccept(r *http.Request) string {
	v := r.Header.Get("Accept")
	first, _, _ := strings.Cut(v, ",")
	return first
}

// parseQuery decodes a query string the way the events report it: '&' and ';' both separate
// pairs (AWS: "the semicolon character … results in the data being split"), '+' is a space, a
// malformed escape is kept as sent rather than dropping the pair, and the order of values is
// kept. It returns nil when there is no parameter.
func parseQuery(raw string) (keys []string, values map[string][]string) {
	for k, v, rest, ok := nextQueryPair(raw); ok; k, v, rest, ok = nextQueryPair(rest) {
		if values == nil {
			values = map[string][]string{}
		}
		if _, seen := values[k]; !seen {
			keys = append(keys, k)
		}
		values[k] = append(values[k], v)
	}
	return keys, values
}

// nextQueryPair decodes the first parameter of a raw query string and returns what follows it;
// ok is false when no parameter is left. Pairs without a name are skipped.
func nextQueryPair(raw string) (k, v, rest string, ok bool) {
	for raw != "" {
		var pair string
		if i := strings.IndexAny(raw, "&;"); i >= 0 {
			pair, raw = raw[:i], raw[i+1:]
		} else {
			pair, raw = raw, ""
		}
		if pair == "" {
			continue
		}
		k, v, _ = strings.Cut(pair, "=")
		if k = unescapeQuery(k); k == "" {
			continue
		}
		return k, unescapeQuery(v), raw, true
	}
	return "", "", "", false
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return strings.ReplaceAll(s, "+", " ")
}

// pathParameters returns the route's parameters, nil when it has none (the events' null).
func pathParameters(ps route.Params) map[string]string {
	if len(ps) == 0 {
		return nil
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

// stageVariables returns the stage's variables, nil when it has none (the events' null; the
// compiled stage holds an empty map).
func stageVariables(vars map[string]string) map[string]string {
	if len(vars) == 0 {
		return nil
	}
	return vars
}

// httpAPIPath is the path HTTP APIs report: the request path with any stage or API mapping
// prefix, percent-decoded once (route/doc.go "HTTP APIs: matching on the decoded path").
func httpAPIPath(c *reqctx.Context) string {
	if !strings.Contains(c.Path, "%") {
		return c.Path
	}
	if p, err := url.PathUnescape(c.Path); err == nil {
		return p
	}
	return c.Path
}

// restPath is a REST event's "path": the path below the stage on {apiId}.execute-api hosts, and
// on custom domains the whole path, base path included — what powertools' strip_prefixes and
// serverless-http's basePath exist to undo. Whether the first segment was the stage tells the
// two apart; a custom-domain base path spelled like the stage name is misread as a stage.
func restPath(call *gateway.Call) string {
	first, _ := route.SplitFirst(call.Ctx.Path)
	if first == call.Ctx.Stage {
		return call.Path
	}
	return call.Ctx.Path
}

// forwardedPort is the X-Forwarded-Port AWS adds: the port the client connected to.
func forwardedPort(r *http.Request) string {
	h := r.Host
	if i := strings.LastIndexByte(h, ':'); i >= 0 && strings.IndexByte(h[i:], ']') < 0 && i+1 < len(h) {
		return h[i+1:]
	}
	if r.TLS != nil {
		return "443"
	}
	return "80"
}

func forwardedProto(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}
