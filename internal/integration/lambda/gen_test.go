package lambda

import (
	"crypto/tls"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// gen turns bytes into choices, so that one generator serves the seeded table tests and the
// fuzz targets (where the fuzzer's mutations steer it). Exhausted input reads as zeros.
type gen struct {
	data  []byte
	i     int
	clean bool // outputs: well formed
}

func (g *gen) byte() byte {
	if g.i >= len(g.data) {
		return 0
	}
	g.i++
	return g.data[g.i-1]
}

// n is a choice in [0, k).
func (g *gen) n(k int) int {
	if k <= 256 {
		return int(g.byte()) % k
	}
	return (int(g.byte())<<8 | int(g.byte())) % k
}

func (g *gen) pick(options ...string) string { return options[g.n(len(options))] }

// pieces are the fragments strings are made of: the characters JSON escapes or encoding/json
// treats specially (control characters, quotes, U+2028/2029, invalid UTF-8, HTML's <>&),
// multi-byte text, and what percent-decoding and query splitting look at.
var pieces = []string{
	"a", "Z", "0", "hello", " ", `"`, `\`, "/", "<", ">", "&", "\n", "\r", "\t", "\b", "\f",
	"\x00", "\x01", "\x1f", "\x7f", "é", "日本", "😀", "\u2028", "\u2029", "\ufffd",
	"\xff", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "%", "%2F", "%20", "%zz", "%e2%82%ac", "%C3", "+",
	"=", ";", ",", "?", "#", "\\u0041", "null", "{}", "[1]",
}

// str is a string of up to max pieces; a zero byte ends it early, and byte 255 takes the next
// byte as it is.
func (g *gen) str(max int) string {
	var b strings.Builder
	for k := g.n(max + 1); k > 0; k-- {
		switch c := g.byte(); c {
		case 255:
			b.WriteByte(g.byte())
		default:
			b.WriteString(pieces[int(c)%len(pieces)])
		}
	}
	return b.String()
}

// maybe is "" or a string, about half the time each.
func (g *gen) maybe(max int) string {
	if g.n(2) == 0 {
		return ""
	}
	return g.str(max)
}

var headerNames = []string{
	"Accept", "Accept-Encoding", "Authorization", "Connection", "Content-Length", "Content-Md5",
	"Content-Type", "Cookie", "Host", "Keep-Alive", "Origin", "Te", "Upgrade", "User-Agent",
	"Www-Authenticate", "X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port",
	"X-Forwarded-Proto", "X-Custom", "X-Multi", "Set-Cookie", "X-Ünïcode", "Transfer-Encoding",
}

const tokenChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$%&'*+.^`|~"

// headerName is a known name or a random token, canonical as Go's server makes it.
func (g *gen) headerName() string {
	if g.n(3) > 0 {
		return headerNames[g.n(len(headerNames))]
	}
	var b strings.Builder
	for k := 1 + g.n(10); k > 0; k-- {
		b.WriteByte(tokenChars[g.n(len(tokenChars))])
	}
	return http.CanonicalHeaderKey(b.String())
}

// value is a decoded-JSON value of an authorizer's context or claims, with now and then one
// encoding/json must handle itself or refuse.
func (g *gen) value(depth int) any {
	k := g.n(16)
	if depth > 2 && k >= 9 {
		k = 0
	}
	switch k {
	case 0, 1, 2:
		return g.str(4)
	case 3:
		return json.Number(g.pick("0", "-1", "123", "1.50", "1e21", "-0.0e-7", "", "9007199254740993"))
	case 4:
		return g.n(2) == 0
	case 5:
		return nil
	case 6:
		return g.pick("3", "0.1", "1e21", "1e-7", "-0", "123456789.123", "5e-324", "1.7976931348623157e308")
	case 7:
		f, _ := strconv.ParseFloat(g.pick("3", "0.1", "1e21", "1e-7", "-0", "123456789.123", "5e-324", "1e20"), 64)
		return f
	case 8:
		return int64(g.n(1<<16)) - 1<<15
	case 9, 10:
		m := map[string]any{}
		for range g.n(5) {
			m[g.str(3)] = g.value(depth + 1)
		}
		if g.n(8) == 0 {
			return map[string]any(nil)
		}
		return m
	case 11:
		var l []any
		for range g.n(4) {
			l = append(l, g.value(depth+1))
		}
		if l == nil && g.n(2) == 0 {
			l = []any{}
		}
		return l
	case 12:
		return []string{g.str(2), g.str(2)}
	case 13:
		return map[string]string{g.str(2): g.str(2), g.str(2): g.str(2)}
	case 14:
		// Types left to encoding/json: a struct, a raw message (compacted), an int.
		switch g.n(5) {
		case 0:
			return struct {
				A int    `json:"a"`
				B string `json:"b,omitempty"`
			}{g.n(100), g.str(2)}
		case 1:
			return json.RawMessage(` { "x" : [1, "<&>"] } `)
		case 2:
			return []int{g.n(10), 2}
		case 3:
			return uint8(g.n(256))
		}
		return json.RawMessage(`"\u2028"`)
	}
	// Refused by encoding/json, and so by both encoders.
	if g.n(2) == 0 {
		return math.NaN()
	}
	return json.Number(g.pick("abc", "01", "1.", "+1", "0x10"))
}

func (g *gen) object(maxKeys int) map[string]any {
	if g.n(5) == 0 {
		return nil
	}
	m := map[string]any{}
	for range g.n(maxKeys + 1) {
		m[g.str(3)] = g.value(0)
	}
	return m
}

// eventCase is a generated request: a proxy of some format, the $context the edge and the
// access checks left, and a way to make the call afresh (each encoder reads the body).
type eventCase struct {
	p       *Proxy
	ctx     *reqctx.Context
	req     *http.Request
	body    string
	hasBody bool
	path    string
	params  route.Params
}

func (ec *eventCase) call() *gateway.Call {
	r := *ec.req
	r.Body = http.NoBody
	if ec.hasBody {
		r.Body = &resettableBody{}
		r.Body.(*resettableBody).Reset(ec.body)
	}
	return &gateway.Call{Req: &r, Ctx: ec.ctx, Params: ec.params, Path: ec.path}
}

var binaryTypeLists = [][]string{nil, {"image/png", "application/octet-stream"}, {"*/*"}, {"image~1*", "text/plain"}}

func (g *gen) eventCase() *eventCase {
	p := &Proxy{format: format(g.n(3))}
	if p.format == formatREST {
		p.binary = compileMediaTypes(binaryTypeLists[g.n(len(binaryTypeLists))])
	}
	c := &reqctx.Context{
		RequestID: g.pick("c0ffee00-1111-4222-8333-444455556666", "", g.str(3)), ExtendedRequestID: g.maybe(3),
		APIID: g.pick("a1b2c3d4e5", g.str(2)), AccountID: g.pick("111111111111", ""),
		Stage: g.pick("prod", "$default", "v1", g.str(2)), ResourcePath: g.pick("/pets/{id}", "/{proxy+}", "/", g.str(4)),
		RouteKey: g.pick("GET /pets/{id}", "$default", g.str(4)), HTTPMethod: g.pick("GET", "POST", "DELETE", "PATCH", g.str(2)),
		Protocol: g.pick("HTTP/1.1", "HTTP/2.0", ""), DomainName: g.pick("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "localhost", g.str(2)),
		DomainPrefix: g.maybe(2), OperationName: g.maybe(2), DeploymentID: g.maybe(2),
		TraceID: g.pick("Root=1-5e9f0c65-1de4d666d4dd26aced652b6c", g.str(3)),
	}
	switch g.n(4) {
	case 0:
		c.RequestTime = time.Unix(int64(g.n(1<<16))<<15, int64(g.n(1000))*1e6)
	case 1:
		c.RequestTime = time.Date(2024, 2, 29, 23, 59, 59, 999e6, time.FixedZone("x", 3600*g.n(13)))
	case 2:
		c.RequestTime = time.Date(g.n(25000)-5000, time.Month(1+g.n(12)), 1+g.n(31), g.n(24), g.n(60), g.n(60), 0, time.UTC)
	}
	c.Identity = reqctx.Identity{
		SourceIP: g.pick("203.0.113.7", "::1", ""), UserAgent: g.maybe(3), APIKey: g.maybe(2), APIKeyID: g.maybe(2),
		Caller: g.maybe(2), User: g.maybe(2), UserARN: g.maybe(2), AccountID: g.maybe(2), AccessKey: g.maybe(2),
		PrincipalOrgID: g.maybe(2), CognitoIdentityID: g.maybe(2), CognitoIdentityPoolID: g.maybe(2),
		CognitoAuthenticationType: g.maybe(2), CognitoAuthenticationProvider: g.maybe(2),
	}
	// The stage's path first, as on {apiId}.execute-api hosts, or a custom domain's base path.
	segs := []string{"", c.Stage}
	if g.n(3) == 0 {
		segs[1] = "base"
	}
	for range g.n(4) {
		segs = append(segs, g.str(3))
	}
	c.Path = strings.Join(segs, "/")
	ec := &eventCase{p: p, ctx: c, path: "/" + strings.Join(segs[2:], "/")}
	switch g.n(4) {
	case 0:
		c.StageVariables = map[string]string{}
	case 1, 2:
		c.StageVariables = map[string]string{"env": g.str(3), g.str(2): g.str(3), "url": "https://x.example/<a>&b"}
	}
	for range g.n(4) {
		ec.params = append(ec.params, route.Param{Name: g.pick("id", "proxy", "name", g.str(2)), Value: g.str(4)})
	}

	var q []string
	for range g.n(6) {
		switch g.n(5) {
		case 0:
			q = append(q, g.str(2)) // no '='
		case 1:
			q = append(q, g.pick("tag", "a", "")+"=") // empty value
		default:
			q = append(q, g.pick("tag", "a", "caf%C3%A9", "x+y", g.str(2))+"="+g.str(3))
		}
	}
	r, _ := http.NewRequest(http.MethodGet, "http://h.example/", nil)
	r.URL.RawQuery = strings.Join(q, g.pick("&", ";", "&&"))
	r.Method = c.HTTPMethod
	r.Host = g.pick("", "api.example.com", "localhost:3000", "[::1]:8080", "[::1]", "h:", g.str(2))
	if g.n(2) == 0 {
		r.ProtoMajor, r.ProtoMinor, r.Proto = 2, 0, "HTTP/2.0"
	}
	if g.n(3) == 0 {
		r.TLS = &tls.ConnectionState{}
	}
	r.Header = http.Header{}
	for range g.n(12) {
		name := g.headerName()
		for range 1 + g.n(3) {
			r.Header[name] = append(r.Header[name], g.str(4))
		}
	}
	if g.n(2) == 0 {
		r.Header["Content-Type"] = []string{g.pick("application/json", "text/plain; charset=utf-8", "image/png",
			"application/octet-stream", "application/x-www-form-urlencoded", "", "Text/HTML", "*/*")}
	}
	switch g.n(3) {
	case 1:
		ec.body, ec.hasBody = g.str(8), true
	case 2:
		b := make([]byte, g.n(40))
		for i := range b {
			b[i] = g.byte()
		}
		ec.body, ec.hasBody = string(b), true
	}
	ec.req = r

	a := &c.Authorizer
	switch a.Kind = reqctx.AuthorizerKind(g.n(5)); a.Kind {
	case reqctx.AuthorizerLambda:
		a.PrincipalID = g.str(2)
		a.IntegrationLatency = time.Duration(g.n(5000)) * time.Millisecond / 7
		a.Context = g.object(5)
	case reqctx.AuthorizerJWT, reqctx.AuthorizerCognito:
		a.Claims = g.object(5)
		switch g.n(3) {
		case 1:
			a.Scopes = []string{}
		case 2:
			a.Scopes = []string{g.str(2), "pets:read"}
		}
	}
	return ec
}
