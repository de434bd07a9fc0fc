package lambda

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/genkanhq/genkan/internal/auth/lambdaauth/proxyctx"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// The proxy event written directly as JSON. The events types and wire.go's wrappers describe
// the same documents (and still serve Lambda authorizers' events); encoding them with
// encoding/json's reflection was the largest cost of an invocation inside genkan, so the
// integration writes the bytes itself, member by member in the order encoding/json wrote
// them. eventref_test.go keeps the encoding/json path and requires the two to agree byte for
// byte.

// eventWriter is the scratch of one event, pooled: the output, the request body, and the
// headers, query parameters and keys sorted on the way out.
type eventWriter struct {
	buf     []byte
	body    []byte
	headers []eventHeader
	order   []int32
	cookies []string
	query   []queryPair
	params  route.Params
	keys    []string
}

type queryPair struct{ key, value string }

var eventWriters = sync.Pool{New: func() any { return new(eventWriter) }}

// maxPooled bounds the buffers kept for the next event: a rare large body is not held forever.
const maxPooled = 256 << 10

func (w *eventWriter) release() {
	if cap(w.buf) > maxPooled {
		w.buf = nil
	}
	if cap(w.body) > maxPooled {
		w.body = nil
	}
	clear(w.headers)
	clear(w.cookies)
	clear(w.query)
	clear(w.params)
	clear(w.keys) // left filled when a value failed to encode
	w.headers, w.cookies, w.query, w.params, w.keys = w.headers[:0], w.cookies[:0], w.query[:0], w.params[:0], w.keys[:0]
	eventWriters.Put(w)
}

// event reads the request body and returns the JSON event for p's format.
func (p *Proxy) event(call *gateway.Call) ([]byte, error) {
	w := eventWriters.Get().(*eventWriter)
	defer w.release()
	body, err := w.readBody(call.Req)
	if err != nil {
		return nil, err
	}
	if p.format == formatHTTPv2 {
		err = w.writeV2(p, call, body)
	} else {
		err = w.writeV1(p, call, body)
	}
	if err != nil {
		return nil, err
	}
	// A copy, not the pooled buffer: an Invoker may hold the payload after it returns (the
	// functions runtime does when an invocation times out while the event is on its way).
	return bytes.Clone(w.buf), nil
}

// readBody reads the request body, already bounded by the edge's size limit, into w.body.
func (w *eventWriter) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	b := w.body[:0]
	if n := r.ContentLength; n > 0 && n < maxPooled && int(n) >= cap(b) {
		b = slices.Grow(b, int(n)+1) // +1: the read that sees EOF needs room
	}
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, 512)
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			w.body = b
			return nil, err
		}
	}
	w.body = b
	return b, nil
}

// writeV1 writes a payload 1.0 event, as v1Event builds it and v1Wire encodes it.
func (w *eventWriter) writeV1(p *Proxy, call *gateway.Call, body []byte) error {
	c := call.Ctx
	b := append(w.buf[:0], '{')
	if p.format == formatHTTPv1 {
		b = append(b, `"version":"1.0",`...)
	}
	var path string
	if p.format == formatREST {
		path = restPath(call)
	} else {
		path = httpAPIPath(c)
	}
	b = append(b, `"resource":`...)
	b = appendString(b, c.ResourcePath)
	b = append(b, `,"path":`...)
	b = appendString(b, path)
	b = append(b, `,"httpMethod":`...)
	b = appendString(b, c.HTTPMethod)

	w.headers, _ = eventHeaders(w.headers, nil, call, p.format, len(body))
	order := w.sortHeaders()
	b = append(b, `,"headers":{`...)
	for n, i := range order {
		h := &w.headers[i]
		b = appendHeaderName(b, n == 0, h)
		b = appendString(b, h.last())
	}
	b = append(b, `},"multiValueHeaders":{`...)
	for n, i := range order {
		h := &w.headers[i]
		b = appendHeaderName(b, n == 0, h)
		if h.values == nil {
			b = append(b, '[')
			b = appendString(b, h.one)
			b = append(b, ']')
			continue
		}
		b = appendStringList(b, h.values)
	}
	b = append(b, '}')

	b = append(b, `,"queryStringParameters":`...)
	q := w.sortQuery(call.Req.URL.RawQuery)
	if len(q) == 0 {
		b = append(b, `null,"multiValueQueryStringParameters":null`...)
	} else {
		// REST keeps the last value of a repeated parameter, HTTP API 1.0 the first (v1Event).
		b = append(b, '{')
		for i, j := 0, 0; i < len(q); i = j {
			j = groupEnd(q, i)
			b = appendKey(b, i == 0, q[i].key)
			if p.format == formatHTTPv1 {
				b = appendString(b, q[i].value)
			} else {
				b = appendString(b, q[j-1].value)
			}
		}
		b = append(b, `},"multiValueQueryStringParameters":{`...)
		for i, j := 0, 0; i < len(q); i = j {
			j = groupEnd(q, i)
			b = appendKey(b, i == 0, q[i].key)
			b = append(b, '[')
			for k := i; k < j; k++ {
				if k > i {
					b = append(b, ',')
				}
				b = appendString(b, q[k].value)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	b = append(b, `,"pathParameters":`...)
	b = w.appendParams(b, call.Params)
	b = append(b, `,"stageVariables":`...)
	b = w.appendStageVariables(b, c.StageVariables)

	b = append(b, `,"requestContext":{"accountId":`...)
	b = appendString(b, c.AccountID)
	b = append(b, `,"resourceId":`...)
	if p.format == formatREST {
		b = appendString(b, c.ResourceID)
	} else {
		b = appendString(b, c.RouteKey)
	}
	if p.format == formatREST && c.OperationName != "" {
		b = append(b, `,"operationName":`...)
		b = appendString(b, c.OperationName)
	}
	b = append(b, `,"stage":`...)
	b = appendString(b, c.Stage)
	b = append(b, `,"domainName":`...)
	b = appendString(b, c.DomainName)
	b = append(b, `,"domainPrefix":`...)
	b = appendString(b, c.DomainPrefix)
	b = append(b, `,"requestId":`...)
	b = appendString(b, c.RequestID)
	b = append(b, `,"extendedRequestId":`...)
	b = appendString(b, c.ExtendedRequestID)
	b = append(b, `,"protocol":`...)
	b = appendString(b, c.Protocol)
	b = append(b, `,"resourcePath":`...)
	b = appendString(b, c.ResourcePath)
	b = append(b, `,"path":`...)
	if p.format == formatREST {
		b = appendString(b, c.Path)
	} else {
		b = appendString(b, path)
	}
	b = append(b, `,"httpMethod":`...)
	b = appendString(b, c.HTTPMethod)
	b = append(b, `,"requestTime":`...)
	b = appendRequestTime(b, c)
	b = append(b, `,"requestTimeEpoch":`...)
	b = strconv.AppendInt(b, c.RequestTimeEpoch(), 10)
	b = append(b, `,"apiId":`...)
	b = appendString(b, c.APIID)
	if p.format == formatREST && c.DeploymentID != "" {
		b = append(b, `,"deploymentId":`...)
		b = appendString(b, c.DeploymentID)
	}
	b = appendIdentity(b, c, p.format)
	var err error
	if b, err = w.appendAuthorizerV1(b, &c.Authorizer); err != nil {
		w.buf = b
		return err
	}

	b = append(b, `},"body":`...)
	b, binary := appendBody(b, p, call, body)
	b = append(b, `,"isBase64Encoded":`...)
	b = strconv.AppendBool(b, binary)
	w.buf = append(b, '}')
	return nil
}

// appendIdentity writes requestContext.identity as identityWire encodes it.
func appendIdentity(b []byte, c *reqctx.Context, f format) []byte {
	id := &c.Identity
	b = append(b, `,"identity":{"accessKey":`...)
	b = appendNullable(b, id.AccessKey)
	b = append(b, `,"accountId":`...)
	b = appendNullable(b, id.AccountID)
	if id.APIKey != "" {
		b = append(b, `,"apiKey":`...)
		b = appendString(b, id.APIKey)
	}
	if id.APIKeyID != "" {
		b = append(b, `,"apiKeyId":`...)
		b = appendString(b, id.APIKeyID)
	}
	b = append(b, `,"caller":`...)
	b = appendNullable(b, id.Caller)
	if f != formatREST {
		b = append(b, `,"cognitoAmr":null`...)
	}
	b = append(b, `,"cognitoAuthenticationProvider":`...)
	b = appendNullable(b, id.CognitoAuthenticationProvider)
	b = append(b, `,"cognitoAuthenticationType":`...)
	b = appendNullable(b, id.CognitoAuthenticationType)
	b = append(b, `,"cognitoIdentityId":`...)
	b = appendNullable(b, id.CognitoIdentityID)
	b = append(b, `,"cognitoIdentityPoolId":`...)
	b = appendNullable(b, id.CognitoIdentityPoolID)
	b = append(b, `,"principalOrgId":`...)
	b = appendNullable(b, id.PrincipalOrgID)
	b = append(b, `,"sourceIp":`...)
	b = appendString(b, id.SourceIP)
	b = append(b, `,"user":`...)
	b = appendNullable(b, id.User)
	b = append(b, `,"userAgent":`...)
	b = appendNullable(b, id.UserAgent)
	b = append(b, `,"userArn":`...)
	b = appendNullable(b, id.UserARN)
	return append(b, '}')
}

// appendAuthorizerV1 writes authorizerV1's member, absent when it is nil.
func (w *eventWriter) appendAuthorizerV1(b []byte, a *reqctx.Authorizer) ([]byte, error) {
	switch a.Kind {
	case reqctx.AuthorizerLambda:
		b = append(b, `,"authorizer":`...)
		return appendValue(b, proxyctx.V1(a), &w.keys)
	case reqctx.AuthorizerCognito:
		b = append(b, `,"authorizer":{"claims":`...)
		b, err := appendValue(b, a.Claims, &w.keys)
		return append(b, '}'), err
	case reqctx.AuthorizerJWT:
		return w.appendClaimsScopes(append(b, `,"authorizer":`...), a)
	}
	return b, nil
}

// appendClaimsScopes writes {"claims": …, "scopes": …} of a JWT authorizer.
func (w *eventWriter) appendClaimsScopes(b []byte, a *reqctx.Authorizer) ([]byte, error) {
	b = append(b, `{"claims":`...)
	b, err := appendValue(b, a.Claims, &w.keys)
	if err != nil {
		return b, err
	}
	b = append(b, `,"scopes":`...)
	if a.Scopes == nil {
		b = append(b, "null"...)
	} else {
		b = appendStringList(b, a.Scopes)
	}
	return append(b, '}'), nil
}

// writeV2 writes a payload 2.0 event, as v2Event builds it and v2Wire encodes it.
func (w *eventWriter) writeV2(p *Proxy, call *gateway.Call, body []byte) error {
	c := call.Ctx
	path := httpAPIPath(c)
	raw := call.Req.URL.RawQuery
	b := append(w.buf[:0], `{"version":"2.0","routeKey":`...)
	b = appendString(b, c.RouteKey)
	b = append(b, `,"rawPath":`...)
	b = appendString(b, path)
	b = append(b, `,"rawQueryString":`...)
	b = appendString(b, raw)

	w.headers, w.cookies = eventHeaders(w.headers, w.cookies, call, formatHTTPv2, len(body))
	if len(w.cookies) > 0 {
		b = append(b, `,"cookies":`...)
		b = appendStringList(b, w.cookies)
	}
	order := w.sortHeaders()
	b = append(b, `,"headers":{`...)
	for n, i := range order {
		h := &w.headers[i]
		b = appendHeaderName(b, n == 0, h)
		if h.values == nil {
			b = appendString(b, h.one)
			continue
		}
		b = append(b, '"')
		for j, v := range h.values {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendEscaped(b, v)
		}
		b = append(b, '"')
	}
	b = append(b, '}')
	if q := w.sortQuery(raw); len(q) > 0 {
		// Repeated parameters joined with "," (v2Event).
		b = append(b, `,"queryStringParameters":{`...)
		for i, j := 0, 0; i < len(q); i = j {
			j = groupEnd(q, i)
			b = appendKey(b, i == 0, q[i].key)
			b = append(b, '"')
			for k := i; k < j; k++ {
				if k > i {
					b = append(b, ',')
				}
				b = appendEscaped(b, q[k].value)
			}
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	if len(call.Params) > 0 {
		b = append(b, `,"pathParameters":`...)
		b = w.appendParams(b, call.Params)
	}

	if len(c.StageVariables) > 0 {
		b = append(b, `,"stageVariables":`...)
		b = w.appendStageVariables(b, c.StageVariables)
	}
	binary := false
	if len(body) > 0 {
		b = append(b, `,"body":`...)
		b, binary = appendBody(b, p, call, body)
	}
	b = append(b, `,"isBase64Encoded":`...)
	b = strconv.AppendBool(b, binary)

	// requestContext comes last: encoding/json puts wireV2's shadowing field after every
	// field of the embedded events type.
	b = append(b, `,"requestContext":{"routeKey":`...)
	b = appendString(b, c.RouteKey)
	b = append(b, `,"accountId":`...)
	b = appendString(b, c.AccountID)
	b = append(b, `,"stage":`...)
	b = appendString(b, c.Stage)
	b = append(b, `,"requestId":`...)
	b = appendString(b, c.RequestID)
	b = append(b, `,"apiId":`...)
	b = appendString(b, c.APIID)
	b = append(b, `,"domainName":`...)
	b = appendString(b, c.DomainName)
	b = append(b, `,"domainPrefix":`...)
	b = appendString(b, c.DomainPrefix)
	b = append(b, `,"time":`...)
	b = appendRequestTime(b, c)
	b = append(b, `,"timeEpoch":`...)
	b = strconv.AppendInt(b, c.RequestTimeEpoch(), 10)
	b = append(b, `,"http":{"method":`...)
	b = appendString(b, c.HTTPMethod)
	b = append(b, `,"path":`...)
	b = appendString(b, path)
	b = append(b, `,"protocol":`...)
	b = appendString(b, c.Protocol)
	b = append(b, `,"sourceIp":`...)
	b = appendString(b, c.Identity.SourceIP)
	b = append(b, `,"userAgent":`...)
	b = appendString(b, c.Identity.UserAgent)
	b = append(b, '}')
	var err error
	if b, err = w.appendAuthorizerV2(b, c); err != nil {
		w.buf = b
		return err
	}
	w.buf = append(b, "}}"...)
	return nil
}

// appendAuthorizerV2 writes authorizerV2's member, absent when it is nil.
func (w *eventWriter) appendAuthorizerV2(b []byte, c *reqctx.Context) ([]byte, error) {
	a := &c.Authorizer
	switch a.Kind {
	case reqctx.AuthorizerLambda:
		b = append(b, `,"authorizer":`...)
		return appendValue(b, proxyctx.V2(a), &w.keys)
	case reqctx.AuthorizerJWT:
		b, err := w.appendClaimsScopes(append(b, `,"authorizer":{"jwt":`...), a)
		return append(b, '}'), err
	case reqctx.AuthorizerIAM:
		id := &c.Identity
		b = append(b, `,"authorizer":{"iam":{"accessKey":`...)
		b = appendString(b, id.AccessKey)
		b = append(b, `,"accountId":`...)
		b = appendString(b, id.AccountID)
		b = append(b, `,"callerId":`...)
		b = appendString(b, id.Caller)
		b = append(b, `,"cognitoIdentity":null,"principalOrgId":`...)
		b = appendNullable(b, id.PrincipalOrgID)
		b = append(b, `,"userArn":`...)
		b = appendString(b, id.UserARN)
		b = append(b, `,"userId":`...)
		b = appendString(b, id.User)
		return append(b, "}}"...), nil
	}
	return b, nil
}

// appendBody writes the body as eventBody gives it, null when there is none, and whether it
// is base64-encoded.
func appendBody(b []byte, p *Proxy, call *gateway.Call, body []byte) ([]byte, bool) {
	switch {
	case len(body) == 0:
		return append(b, "null"...), false
	case p.binaryBody(call):
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, body)
		return append(b, '"'), true
	}
	return appendString(b, body), false
}

// appendRequestTime writes RequestTimeString, which needs no escaping, formatted by hand for
// the years it has four digits for.
func appendRequestTime(b []byte, c *reqctx.Context) []byte {
	t := c.RequestTime.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		b = append(b, '"')
		b = t.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
		return append(b, '"')
	}
	hour, minute, second := t.Clock()
	b = append(b, '"', byte('0'+day/10), byte('0'+day%10), '/')
	b = append(b, month.String()[:3]...)
	b = append(b, '/', byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ':',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+second/10), byte('0'+second%10))
	return append(b, ` +0000"`...)
}

func appendStringList(b []byte, vs []string) []byte {
	b = append(b, '[')
	for i, v := range vs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, v)
	}
	return append(b, ']')
}

// sortHeaders returns the indexes of w.headers in the order of the names the event spells,
// leaving out all but the last of a name given twice, as the maps of v1Headers and v2Headers
// keep it. Indexes rather than the headers are sorted: moving them costs no write barriers.
func (w *eventWriter) sortHeaders() []int32 {
	hs := w.headers
	order := w.order[:0]
	for i := range hs {
		order = append(order, int32(i))
	}
	byName := func(x, y int32) int {
		return compareFold(hs[x].name, hs[x].lower, hs[y].name, hs[y].lower)
	}
	slices.SortStableFunc(order, byName)
	out := order[:0]
	for n, i := range order {
		if n+1 < len(order) && byName(i, order[n+1]) == 0 {
			continue
		}
		out = append(out, i)
	}
	w.order = order
	return out
}

func appendHeaderName(b []byte, first bool, h *eventHeader) []byte {
	if !first {
		b = append(b, ',')
	}
	start := len(b)
	b = appendString(b, h.name)
	if h.lower {
		lowerASCII(b[start:])
	}
	return append(b, ':')
}

// sortQuery parses the query into w.query, sorted by name with each name's values in order.
func (w *eventWriter) sortQuery(raw string) []queryPair {
	q := w.query[:0]
	for k, v, rest, ok := nextQueryPair(raw); ok; k, v, rest, ok = nextQueryPair(rest) {
		q = append(q, queryPair{k, v})
	}
	slices.SortStableFunc(q, func(x, y queryPair) int { return strings.Compare(x.key, y.key) })
	w.query = q
	return q
}

// groupEnd is the end of the run of pairs named as q[i].
func groupEnd(q []queryPair, i int) int {
	j := i + 1
	for j < len(q) && q[j].key == q[i].key {
		j++
	}
	return j
}

// appendParams writes pathParameters' map: null without parameters, the last of a repeated
// name otherwise.
func (w *eventWriter) appendParams(b []byte, ps route.Params) []byte {
	if len(ps) == 0 {
		return append(b, "null"...)
	}
	sorted := append(w.params[:0], ps...)
	slices.SortStableFunc(sorted, func(x, y route.Param) int { return cmp.Compare(x.Name, y.Name) })
	w.params = sorted
	b = append(b, '{')
	first := true
	for i := range sorted {
		if i+1 < len(sorted) && sorted[i+1].Name == sorted[i].Name {
			continue
		}
		b = appendKey(b, first, sorted[i].Name)
		b = appendString(b, sorted[i].Value)
		first = false
	}
	return append(b, '}')
}

// appendStageVariables writes stageVariables' map, null when the stage has none.
func (w *eventWriter) appendStageVariables(b []byte, vars map[string]string) []byte {
	if len(vars) == 0 {
		return append(b, "null"...)
	}
	return appendStringMap(b, vars, &w.keys)
}
