package httpproxy

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// writeHead renders the request head for r and parses it back.
func writeHead(t *testing.T, p *Proxy, c *gateway.Call, method string, bodyLen int64) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	p.writeRequestHead(bw, c, method, p.appendTarget(nil, c), "backend.test:8080", bodyLen, time.Now())
	bw.Flush()
	req, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	return req
}

// The client request of localstack's TestApiGatewayHeaderRemapping and the headers real AWS
// delivered to the backend for HTTP_PROXY (test_apigateway_integrations.snapshot.json,
// test_apigateway_header_remapping_http[HTTP_PROXY], "no-param-integration": a GET method
// with integration method POST). X-Forwarded-* are not in the snapshot because the echo
// backend (httpbin) hides them; they are checked separately.
func TestRequestHeadersMatchAWSSnapshot(t *testing.T) {
	r := httptest.NewRequest("GET", "http://gw/test/no-param", nil)
	for k, v := range map[string]string{
		"Accept": "application/json", "Accept-Charset": "UTF-8", "Accept-Encoding": "br",
		"Age": "request_Age", "Authorization": "Unauthorized", "Connection": "close",
		"Content-Encoding": "deflate", "Content-MD5": "request_Content-MD5",
		"Content-Type": "application/json", "Date": "request_Date", "Expect": "100-continue",
		"Max-Forwards": "2", "Pragma": "cache", "Proxy-Authenticate": "Basic",
		"Range": "bytes=500-999", "Referer": "https://example.com/", "Server": "https://example.com/",
		"TE": "deflate", "Trailer": "Expires", "Transfer-Encoding": "chunked", "Upgrade": "HTTP/2.0",
		"User-Agent": "localStack/0.0", "Via": "p.example.net", "Warn": "299 localStack/0.0",
		"WWW-Authenticate": "Basic YWxhZGRpbjpvcGVuc2VzYW1l",
	} {
		r.Header.Set(k, v)
	}
	p := mustNew(t, &apimodel.Integration{URI: "http://backend.test:8080/", HTTPMethod: "POST"})
	c := &gateway.Call{Req: r, Ctx: &reqctx.Context{APIID: "abc123"}}
	got := writeHead(t, p, c, "POST", 0)
	var names []string
	for k := range got.Header {
		if !strings.HasPrefix(k, "X-Forwarded-") {
			names = append(names, k)
		}
	}
	names = append(names, "Host") // net/http moves it to Request.Host
	slices.Sort(names)
	want := []string{"Accept", "Accept-Charset", "Accept-Encoding", "Age", "Authorization",
		"Content-Length", "Content-Type", "Date", "Host", "Pragma", "Range", "Referer",
		"User-Agent", "Warn", "X-Amzn-Apigateway-Api-Id", "X-Amzn-Trace-Id"}
	if !slices.Equal(names, want) {
		t.Errorf("backend headers\n got %v\nwant %v", names, want)
	}
	if got.Host != "backend.test:8080" || got.ContentLength != 0 || got.Header.Get("Content-Length") != "0" ||
		got.Header.Get("User-Agent") != "localStack/0.0" || got.Method != "POST" {
		t.Errorf("host %q length %d ua %q method %s", got.Host, got.ContentLength, got.Header.Get("User-Agent"), got.Method)
	}
}

func TestForwardedHeaders(t *testing.T) {
	p := mustNew(t, &apimodel.Integration{URI: "http://backend.test/"})
	for _, tc := range []struct {
		name                   string
		remote, host, sourceIP string
		tls                    bool
		xff, proto, port       []string
		wantXFF, wantProto     string
		wantPort               string
	}{
		{name: "plain", remote: "192.0.2.7:5555", host: "gw.test:8080", wantXFF: "192.0.2.7", wantProto: "http", wantPort: "8080"},
		{name: "appended", remote: "192.0.2.7:5555", host: "gw.test", xff: []string{"10.0.0.1, 10.0.0.2", "10.0.0.3"},
			wantXFF: "10.0.0.1, 10.0.0.2, 10.0.0.3, 192.0.2.7", wantProto: "http", wantPort: "80"},
		{name: "ipv6 and tls", remote: "[2001:db8::1]:443", host: "gw.test", tls: true,
			wantXFF: "2001:db8::1", wantProto: "https", wantPort: "443"},
		{name: "source ip from context", remote: "127.0.0.1:1", sourceIP: "203.0.113.9", host: "gw.test",
			wantXFF: "203.0.113.9", wantProto: "http", wantPort: "80"},
		{name: "client proto and port kept", remote: "192.0.2.7:1", host: "gw.test", proto: []string{"https"},
			port: []string{"443"}, wantXFF: "192.0.2.7", wantProto: "https", wantPort: "443"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://"+tc.host+"/", nil)
			r.RemoteAddr, r.Host = tc.remote, tc.host
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for k, v := range map[string][]string{"X-Forwarded-For": tc.xff, "X-Forwarded-Proto": tc.proto, "X-Forwarded-Port": tc.port} {
				if v != nil {
					r.Header[k] = v
				}
			}
			c := &gateway.Call{Req: r, Ctx: &reqctx.Context{Identity: reqctx.Identity{SourceIP: tc.sourceIP}}}
			got := writeHead(t, p, c, "GET", 0)
			if v := got.Header.Values("X-Forwarded-For"); len(v) != 1 || v[0] != tc.wantXFF {
				t.Errorf("X-Forwarded-For %q, want %q", v, tc.wantXFF)
			}
			if v := got.Header.Values("X-Forwarded-Proto"); len(v) != 1 || v[0] != tc.wantProto {
				t.Errorf("X-Forwarded-Proto %q", v)
			}
			if v := got.Header.Values("X-Forwarded-Port"); len(v) != 1 || v[0] != tc.wantPort {
				t.Errorf("X-Forwarded-Port %q", v)
			}
			if got.Header.Get("Content-Length") != "" {
				t.Errorf("GET without body announced Content-Length")
			}
		})
	}
}

func TestRequestFraming(t *testing.T) {
	p := mustNew(t, &apimodel.Integration{URI: "http://backend.test/"})
	r := httptest.NewRequest("PUT", "http://gw/", nil)
	c := &gateway.Call{Req: r, Ctx: &reqctx.Context{}}
	if got := writeHead(t, p, c, "PUT", 12); got.ContentLength != 12 || len(got.TransferEncoding) != 0 {
		t.Errorf("fixed: %d %v", got.ContentLength, got.TransferEncoding)
	}
	if got := writeHead(t, p, c, "PUT", -1); got.ContentLength != -1 || !slices.Equal(got.TransferEncoding, []string{"chunked"}) {
		t.Errorf("chunked: %d %v", got.ContentLength, got.TransferEncoding)
	}
	if got := writeHead(t, p, c, "DELETE", 0); got.Header.Get("Content-Length") != "" {
		t.Errorf("DELETE without body announced Content-Length")
	}
}

func TestHeaderMappingsReplaceClientHeaders(t *testing.T) {
	p := mustNew(t, &apimodel.Integration{URI: "http://backend.test/", RequestParameters: map[string]string{
		"integration.request.header.x-api-version": "'2'",
		"integration.request.header.X-From-Query":  "method.request.querystring.q",
		"integration.request.header.X-Ctx":         "context.requestId",
		"integration.request.header.X-Empty":       "method.request.header.absent",
	}})
	r := httptest.NewRequest("GET", "http://gw/?q=line1%0D%0AEvil:%201", nil)
	r.Header.Set("X-Api-Version", "1")
	c := &gateway.Call{Req: r, Ctx: &reqctx.Context{RequestID: "req-1"}}
	got := writeHead(t, p, c, "GET", 0)
	if v := got.Header.Values("X-Api-Version"); !slices.Equal(v, []string{"2"}) {
		t.Errorf("X-Api-Version %q", v)
	}
	if v := got.Header.Get("X-From-Query"); v != "line1" || got.Header.Get("Evil") != "" {
		t.Errorf("CR LF from a query string must not reach the backend: %q %v", v, got.Header)
	}
	if got.Header.Get("X-Ctx") != "req-1" {
		t.Errorf("X-Ctx %q", got.Header.Get("X-Ctx"))
	}
	if _, ok := got.Header["X-Empty"]; ok {
		t.Errorf("empty mapping sent")
	}
}

// The backend response of the same snapshot (httpbin behind gunicorn) and what AWS returned
// to the client for HTTP_PROXY, with AWS's exact header-name casing.
func TestEmitHeadersMatchAWSSnapshot(t *testing.T) {
	raw := "HTTP/1.1 200 OK\r\nDate: Wed, 11 Dec 2024 15:29:02 GMT\r\nContent-Type: application/json\r\n" +
		"Content-Length: 790\r\nConnection: keep-alive\r\nServer: gunicorn/19.9.0\r\n" +
		"Access-Control-Allow-Origin: *\r\nAccess-Control-Allow-Credentials: true\r\n\r\n"
	h := emitRaw(t, raw, false)
	want := http.Header{
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Origin":      {"*"},
		"Content-Length":                   {"790"},
		"Content-Type":                     {"application/json"},
		"x-amzn-Remapped-Connection":       {"keep-alive"},
		"x-amzn-Remapped-Content-Length":   {"790"},
		"x-amzn-Remapped-Date":             {"Wed, 11 Dec 2024 15:29:02 GMT"},
		"x-amzn-Remapped-Server":           {"gunicorn/19.9.0"},
	}
	if !equalHeaders(h, want) {
		t.Errorf("got  %v\nwant %v", h, want)
	}
}

func TestEmitHeaders(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		isHEAD    bool
		want      http.Header
	}{
		{"remapped", "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\nauthorization: x\r\ncontent-md5: m\r\n" +
			"Max-Forwards: 1\r\nUser-Agent: u\r\nx-amzn-RequestId: r\r\nContent-Length: 0\r\n\r\n", false, http.Header{
			"x-amzn-Remapped-WWW-Authenticate": {"Basic"}, "x-amzn-Remapped-Authorization": {"x"},
			"x-amzn-Remapped-Content-MD5": {"m"}, "x-amzn-Remapped-Max-Forwards": {"1"},
			"x-amzn-Remapped-User-Agent": {"u"}, "x-amzn-Remapped-x-amzn-RequestId": {"r"},
			"Content-Length": {"0"}, "x-amzn-Remapped-Content-Length": {"0"}}},
		{"dropped", "HTTP/1.1 200 OK\r\nVia: 1.1 x\r\nProxy-Authenticate: B\r\nProxy-Connection: k\r\nUpgrade: h2c\r\n" +
			"Trailer: X\r\nTE: t\r\nKeep-Alive: 5\r\nExpect: e\r\nHost: h\r\nX-Kept: k\r\nContent-Length: 0\r\n\r\n", false, http.Header{
			"X-Kept": {"k"}, "Content-Length": {"0"}, "x-amzn-Remapped-Content-Length": {"0"}}},
		{"connection names", "HTTP/1.1 200 OK\r\nConnection: close, X-Hop\r\nX-Hop: 1\r\nX-Kept: 2\r\nContent-Length: 0\r\n\r\n", false, http.Header{
			"x-amzn-Remapped-Connection": {"close, X-Hop"}, "X-Kept": {"2"}, "Content-Length": {"0"},
			"x-amzn-Remapped-Content-Length": {"0"}}},
		{"chunked drops length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\nx-lower: v\r\n\r\n", false, http.Header{
			"X-Lower": {"v"}}},
		{"repeated and odd spacing", "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nset-cookie:b=2  \r\nX-Empty:\r\nContent-Length: 0\r\n\r\n", false, http.Header{
			"Set-Cookie": {"a=1", "b=2"}, "X-Empty": {""}, "Content-Length": {"0"}, "x-amzn-Remapped-Content-Length": {"0"}}},
		{"head keeps length", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", true, http.Header{
			"Content-Length": {"1234"}, "x-amzn-Remapped-Content-Length": {"1234"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if h := emitRaw(t, tc.raw, tc.isHEAD); !equalHeaders(h, tc.want) {
				t.Errorf("got  %v\nwant %v", h, tc.want)
			}
		})
	}
}

func emitRaw(t *testing.T, raw string, isHEAD bool) http.Header {
	t.Helper()
	tr := NewTransport(TransportOptions{})
	defer tr.Close()
	st := &reqState{}
	head, err := tr.readResponseHead(bufio.NewReader(strings.NewReader(raw)), st, isHEAD)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	st.emitHeaders(h, &head)
	return h
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestResponseHeadFraming(t *testing.T) {
	for _, tc := range []struct {
		raw                    string
		isHEAD                 bool
		length                 int64
		chunked, close, noBody bool
		bad                    bool
	}{
		{raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", length: 5},
		{raw: "HTTP/1.1 200 OK\r\n\r\n", length: -1, close: true},
		{raw: "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n", length: 5, close: true},
		{raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\n", length: 5},
		{raw: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\n", length: 5, close: true},
		{raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", length: -1, chunked: true},
		{raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", length: -1, chunked: true, close: true},
		{raw: "HTTP/1.1 204 No Content\r\n\r\n", length: -1, noBody: true},
		{raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", length: 9, noBody: true},
		{raw: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n", isHEAD: true, length: 9, noBody: true},
		{raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n", length: 1},
		{raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", bad: true},
		{raw: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", bad: true},
		{raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", bad: true},
		{raw: "HTTP/1.1 200 OK\r\nX: a\r\n  folded\r\n\r\n", bad: true},
		{raw: "HTTP/1.1 200 OK\r\nBad Name: a\r\n\r\n", bad: true},
		{raw: "HTTP/1.1 101 Switching Protocols\r\n\r\n", bad: true},
		{raw: "HTTP/2 200\r\n\r\n", bad: true},
		{raw: "HTTP/1.1 20 OK\r\n\r\n", bad: true},
		{raw: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 70<<10) + "\r\n\r\n", bad: true},
	} {
		tr := NewTransport(TransportOptions{ReadBufferSize: 128 << 10})
		h, err := tr.readResponseHead(bufio.NewReaderSize(strings.NewReader(tc.raw), 128<<10), &reqState{}, tc.isHEAD)
		tr.Close()
		if tc.bad {
			if err == nil {
				t.Errorf("%q: accepted", tc.raw)
			}
			continue
		}
		if err != nil || h.length != tc.length || h.chunked != tc.chunked || h.close != tc.close || h.noBody != tc.noBody {
			t.Errorf("%q: %+v %v", tc.raw, h, err)
		}
	}
}
