package params

import "net/http"

// Remap is the policy API Gateway applies to method response headers set by a mapping. Some
// header names are reserved for the gateway's own use: a mapping that sets one does not lose
// its value, the value arrives as x-amzn-Remapped-<name>. Which names are reserved depends on
// the integration type.
//
// Recorded from AWS: localstack's test_apigateway_header_remapping_http[HTTP] snapshot, where
// an HTTP integration response maps every common header to 'response_param_<name>'.
type Remap uint8

const (
	// RemapNonProxy is HTTP and AWS (non-proxy) integrations.
	RemapNonProxy Remap = iota
	// RemapCommon is every other integration, MOCK included.
	RemapCommon
)

// RemappedPrefix is the prefix under which a reserved response header is sent.
const RemappedPrefix = "X-Amzn-Remapped-"

// SetResponseHeader sets the method response header name (canonical) to value under policy r:
// as is, renamed with RemappedPrefix, or not at all (Transfer-Encoding).
func SetResponseHeader(h http.Header, name, value string, r Remap) {
	switch name {
	case "Transfer-Encoding":
		return
	case "Connection", "Content-Length", "Date", "Server":
		name = RemappedPrefix + name
	case "Authorization", "Content-Md5", "Expect", "Host", "Max-Forwards", "Proxy-Authenticate",
		"Trailer", "Upgrade", "User-Agent", "Www-Authenticate":
		if r == RemapNonProxy {
			name = RemappedPrefix + name
		}
	}
	h[name] = []string{value}
}

// RequestHeaderRule is what API Gateway does with a header an HTTP integration request maps.
type RequestHeaderRule uint8

const (
	// Send sends the header to the backend.
	Send RequestHeaderRule = iota
	// Drop silently leaves the header out.
	Drop
	// Fail fails every request with a 500: AWS accepts the mapping but refuses at run time.
	Fail
)

// HTTPRequestHeaderRule is the rule for a mapped header (canonical name) of an HTTP or
// HTTP_PROXY integration request, as recorded from AWS in the same localstack snapshot: the
// hop-by-hop headers are dropped, the ones that describe the body or the gateway's own tracing
// are refused.
func HTTPRequestHeaderRule(name string) RequestHeaderRule {
	switch name {
	case "Connection", "Expect", "Proxy-Authenticate", "Te", "Via":
		return Drop
	case "Content-Length", "Transfer-Encoding", "X-Amzn-Trace-Id", "X-Amzn-Apigateway-Api-Id":
		return Fail
	}
	return Send
}
