package lambda

import (
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/gateway"
)

// Request headers in the events.
//
// REST (payload 1.0), from AWS recordings: localstack test_apigateway_header_remapping_aws
// [AWS_PROXY] (a REGIONAL API, so no CloudFront headers) sent 26 headers and the event kept
// Accept, Accept-Charset, Accept-Encoding, Age, Authorization, Content-Encoding, Content-Type,
// Date, Pragma, Range, Referer, User-Agent, Via and Warn, dropped Connection, Content-MD5,
// Expect, Max-Forwards, Proxy-Authenticate, Server, TE, Trailer, Transfer-Encoding, Upgrade and
// WWW-Authenticate, and added Host, X-Amzn-Trace-Id and X-Forwarded-For/Port/Proto. A POST's
// Content-Length never appears (test_lambda_aws_proxy_integration, params-encoding-multi).
// Edge-optimized APIs also get CloudFront-*, Via and X-Amz-Cf-Id from CloudFront; genkan serves
// as a regional endpoint and adds none of them.
//
// HTTP APIs, from captured events (aws-lambda-go apigw-v2-request-no-authorizer.json,
// powertools apigw-http/no-auth.json, and HTTP API 1.0 events published in test suites): the
// client's headers pass, and AWS adds content-length (also "0" for a GET), host,
// x-amzn-trace-id and x-forwarded-for/port/proto. Payload 2.0 lower-cases every name, joins
// repeated headers with "," and moves Cookie into "cookies"; payload 1.0 keeps one value per
// name in "headers" (the last) and all of them in "multiValueHeaders".
//
// Name case: AWS reports the client's spelling ("tEsT-HEADeR" in the REST recording) except
// for the headers it writes itself, which are Pascal-cased (Authorization and User-Agent on
// REST, as CloudFront does). Go's server canonicalises names before genkan sees them, so an
// HTTP/1.x client's own spelling is lost and reported canonical — which is what most clients
// send; an HTTP/2 client necessarily sent lower case, and gets lower case back.

// restDropped are the request headers a REST event leaves out.
func restDropped(k string) bool {
	switch k {
	case "Connection", "Content-Length", "Content-Md5", "Expect", "Keep-Alive", "Max-Forwards",
		"Proxy-Authenticate", "Proxy-Connection", "Server", "Te", "Trailer", "Transfer-Encoding",
		"Upgrade", "Www-Authenticate":
		return true
	}
	return false
}

// httpDropped are the request headers an HTTP API event leaves out: the hop-by-hop ones, and
// Content-Length, which AWS writes itself.
func httpDropped(k string) bool {
	switch k {
	case "Connection", "Content-Length", "Keep-Alive", "Proxy-Connection", "Te", "Trailer",
		"Transfer-Encoding", "Upgrade":
		return true
	}
	return false
}

// gatewaySet are the headers API Gateway writes over whatever the client sent.
func gatewaySet(k string) bool {
	switch k {
	case "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto":
		return true
	}
	return false
}

// awsCased reports whether AWS spells a client header its own way rather than the client's.
func awsCased(k string, f format) bool {
	switch k {
	case "Host", "User-Agent", "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto":
		return true
	case "Authorization":
		return f == formatREST
	case "Content-Length":
		return f == formatHTTPv1
	}
	return false
}

// eventHeader is one header as an event reports it. Most carry the request's values; the ones
// API Gateway writes have a single value, kept in one so that collecting them allocates nothing.
type eventHeader struct {
	name   string
	lower  bool     // the event spells name in lower case; only ASCII names are left to lower
	values []string // nil: the single value one
	one    string
}

// key is the name the event spells.
func (h *eventHeader) key() string {
	if h.lower {
		return strings.ToLower(h.name)
	}
	return h.name
}

// all returns the header's values.
func (h *eventHeader) all() []string {
	if h.values == nil {
		return []string{h.one}
	}
	return h.values
}

// last is the value payload 1.0's single-value headers keep.
func (h *eventHeader) last() string {
	if h.values == nil {
		return h.one
	}
	return h.values[len(h.values)-1]
}

// eventHeaders appends the request's headers as format reports them to hs, in the order a map
// built from them must see them (a later one of the same name replaces an earlier one).
// Payload 2.0's cookie header is appended to cookies instead, as its cookies.
func eventHeaders(hs []eventHeader, cookies []string, call *gateway.Call, f format, bodyLen int) ([]eventHeader, []string) {
	r := call.Req
	for k, vv := range r.Header {
		if len(vv) == 0 || gatewaySet(k) || k == "Host" {
			continue
		}
		if f == formatREST && restDropped(k) || f != formatREST && httpDropped(k) {
			continue
		}
		if f == formatHTTPv2 && k == "Cookie" {
			cookies = splitCookies(cookies, vv)
			continue
		}
		h := eventHeader{name: k, values: vv}
		if f == formatHTTPv2 || r.ProtoMajor >= 2 && !awsCased(k, f) {
			if isASCII(k) {
				h.lower = true
			} else {
				h.name = strings.ToLower(k)
			}
		}
		hs = append(hs, h)
	}
	name := func(canonical, lower string) string {
		if f == formatHTTPv2 {
			return lower
		}
		return canonical
	}
	if f != formatREST {
		hs = append(hs, eventHeader{name: name("Content-Length", "content-length"), one: strconv.Itoa(bodyLen)})
	}
	if r.Host != "" {
		hs = append(hs, eventHeader{name: name("Host", "host"), one: r.Host})
	}
	c := call.Ctx
	hs = append(hs, eventHeader{name: name("X-Amzn-Trace-Id", "x-amzn-trace-id"), one: c.TraceID})
	// The client's X-Forwarded-For is kept and the connecting address appended, as proxies do.
	xff := c.Identity.SourceIP
	if prior := r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		xff = strings.Join(prior, ", ") + ", " + xff
	}
	return append(hs,
		eventHeader{name: name("X-Forwarded-For", "x-forwarded-for"), one: xff},
		eventHeader{name: name("X-Forwarded-Port", "x-forwarded-port"), one: forwardedPort(r)},
		eventHeader{name: name("X-Forwarded-Proto", "x-forwarded-proto"), one: forwardedProto(r)},
	), cookies
}

// splitCookies splits Cookie headers into the "name=value" items of payload 2.0's cookies.
func splitCookies(dst []string, values []string) []string {
	for _, v := range values {
		for _, c := range strings.Split(v, ";") {
			if c = strings.TrimSpace(c); c != "" {
				dst = append(dst, c)
			}
		}
	}
	return dst
}

// v1Headers collects payload 1.0's headers (last value) and multiValueHeaders (all values).
func v1Headers(call *gateway.Call, f format, bodyLen int) (map[string]string, map[string][]string) {
	hs, _ := eventHeaders(nil, nil, call, f, bodyLen)
	single := make(map[string]string, len(hs))
	multi := make(map[string][]string, len(hs))
	for i := range hs {
		k := hs[i].key()
		single[k] = hs[i].last()
		multi[k] = hs[i].all()
	}
	return single, multi
}

// v2Headers collects payload 2.0's headers, repeated values joined with ",".
func v2Headers(call *gateway.Call, bodyLen int) (map[string]string, []string) {
	hs, cookies := eventHeaders(nil, nil, call, formatHTTPv2, bodyLen)
	h := make(map[string]string, len(hs))
	for i := range hs {
		h[hs[i].key()] = strings.Join(hs[i].all(), ",")
	}
	return h, cookies
}
