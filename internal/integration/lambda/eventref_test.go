package lambda

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/gateway"
)

// The event as genkan encoded it before encode.go: the events types through wire.go's
// wrappers and encoding/json, with the header and query helpers as they were then (copied
// verbatim below, renamed ref*). The equivalence tests hold the hand-written encoder to these
// bytes, and the refactored helpers, which the authorizer events still use, to these maps.

// referenceEvent is what Proxy.event returned before the hand-written encoder.
func referenceEvent(p *Proxy, call *gateway.Call) ([]byte, error) {
	body, err := refReadBody(call.Req)
	if err != nil {
		return nil, err
	}
	if p.format == formatHTTPv2 {
		return refEncode(v2Wire(p.v2Event(call, body), call.Ctx))
	}
	ev := p.v1Event(call, body)
	return refEncode(v1Wire(&ev, p.format, call.Ctx))
}

// refEncode writes JSON as AWS's Java encoder does: '<', '>' and '&' stay as they are.
func refEncode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

// refReadBody reads the request body, already bounded by the edge's size limit.
func refReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	return io.ReadAll(r.Body)
}

// refHeaderSink receives the event's headers, one name at a time.
type refHeaderSink func(name string, values []string)

// eventHeaders emits the request's headers as format reports them. Payload 2.0's cookie header
// is returned separately, as its cookies.
func refEventHeaders(call *gateway.Call, f format, bodyLen int, emit refHeaderSink) (cookies []string) {
	r := call.Req
	for k, vv := range r.Header {
		if gatewaySet(k) || k == "Host" {
			continue
		}
		if f == formatREST && restDropped(k) || f != formatREST && httpDropped(k) {
			continue
		}
		if f == formatHTTPv2 && k == "Cookie" {
			cookies = splitCookies(cookies, vv)
			continue
		}
		name := k
		switch {
		case f == formatHTTPv2:
			name = strings.ToLower(k)
		case r.ProtoMajor >= 2 && !awsCased(k, f):
			name = strings.ToLower(k)
		}
		emit(name, vv)
	}
	name := func(canonical string) string {
		if f == formatHTTPv2 {
			return strings.ToLower(canonical)
		}
		return canonical
	}
	if f != formatREST {
		emit(name("Content-Length"), []string{strconv.Itoa(bodyLen)})
	}
	if r.Host != "" {
		emit(name("Host"), []string{r.Host})
	}
	c := call.Ctx
	emit(name("X-Amzn-Trace-Id"), []string{c.TraceID})
	// The client's X-Forwarded-For is kept and the connecting address appended, as proxies do.
	xff := c.Identity.SourceIP
	if prior := r.Header.Values("X-Forwarded-For"); len(prior) > 0 {
		xff = strings.Join(prior, ", ") + ", " + xff
	}
	emit(name("X-Forwarded-For"), []string{xff})
	emit(name("X-Forwarded-Port"), []string{forwardedPort(r)})
	emit(name("X-Forwarded-Proto"), []string{forwardedProto(r)})
	return cookies
}

// v1Headers collects payload 1.0's headers (last value) and multiValueHeaders (all values).
func refV1Headers(call *gateway.Call, f format, bodyLen int) (map[string]string, map[string][]string) {
	single := make(map[string]string, len(call.Req.Header)+6)
	multi := make(map[string][]string, len(call.Req.Header)+6)
	refEventHeaders(call, f, bodyLen, func(name string, values []string) {
		if len(values) == 0 {
			return
		}
		single[name] = values[len(values)-1]
		multi[name] = values
	})
	return single, multi
}

// v2Headers collects payload 2.0's headers, repeated values joined with ",".
func refV2Headers(call *gateway.Call, bodyLen int) (map[string]string, []string) {
	h := make(map[string]string, len(call.Req.Header)+6)
	cookies := refEventHeaders(call, formatHTTPv2, bodyLen, func(name string, values []string) {
		if len(values) > 0 {
			h[name] = strings.Join(values, ",")
		}
	})
	return h, cookies
}

func refParseQuery(raw string) (keys []string, values map[string][]string) {
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
		k, v, _ := strings.Cut(pair, "=")
		k, v = unescapeQuery(k), unescapeQuery(v)
		if k == "" {
			continue
		}
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
