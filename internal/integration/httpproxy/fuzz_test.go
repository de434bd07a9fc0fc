package httpproxy

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// FuzzResponseHead feeds arbitrary backend bytes to the response parser: it must never panic,
// and whatever it accepts must produce header names and values net/http will write safely.
func FuzzResponseHead(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No Content\r\nConnection: keep-alive, X-A\r\nX-A: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nServer: s\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
		"HTTP/1.1 999 x\r\nset-cookie:a\r\nSet-Cookie: b \r\n\r\n",
		"HTTP/1.1 200\n\n",
	} {
		f.Add(s)
	}
	tr := NewTransport(TransportOptions{MaxResponseHeaderBytes: 4096, ReadBufferSize: 4096})
	f.Cleanup(func() { tr.Close() })
	f.Fuzz(func(t *testing.T, raw string) {
		st := &reqState{}
		head, err := tr.readResponseHead(bufio.NewReaderSize(strings.NewReader(raw), 4096), st, false)
		if err != nil {
			return
		}
		if head.status < 200 || head.status > 999 {
			t.Fatalf("accepted status %d", head.status)
		}
		h := http.Header{}
		st.emitHeaders(h, &head)
		for k, vv := range h {
			if !validHeaderName(k) {
				t.Fatalf("header name %q", k)
			}
			for _, v := range vv {
				if strings.ContainsAny(v, "\r\n") {
					t.Fatalf("header %s value %q", k, v)
				}
			}
		}
	})
}

// FuzzAppendTarget renders a URI template with arbitrary parameter values, path and query:
// the request-target must never contain bytes that could end the request line or inject a
// header, whatever the client sent.
func FuzzAppendTarget(f *testing.F) {
	f.Add("a b/c%2Fd", "/a%20b/c%2Fd", "x=1&y=%26", "v1")
	f.Add("\r\nHost: evil", "/x", "", "a b\r\n")
	f.Add("ü/../#?", "/%C3%BC/../", "q=#", "")
	tr := NewTransport(TransportOptions{})
	f.Cleanup(func() { tr.Close() })
	var proxies []*Proxy
	for _, uri := range []string{
		"http://h/base/{proxy}?fixed=1",
		"http://h/${stageVariables.v}/{id}?q={proxy}",
	} {
		p, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: uri}, tr)
		if err != nil {
			f.Fatal(err)
		}
		proxies = append(proxies, p)
	}
	f.Fuzz(func(t *testing.T, param, path, query, stageVar string) {
		r := httptest.NewRequest("GET", "http://gw/", nil)
		r.URL.RawQuery = query
		c := &gateway.Call{Req: r, Path: path,
			Ctx:    &reqctx.Context{StageVariables: map[string]string{"v": stageVar}},
			Params: route.Params{{Name: "id", Value: param}, {Name: "proxy", Value: param}}}
		for _, p := range proxies {
			target := p.appendTarget(nil, c)
			if len(target) == 0 || target[0] != '/' {
				t.Fatalf("target %q", target)
			}
			for _, b := range target {
				if b <= ' ' || b >= 0x7f || b == '#' {
					t.Fatalf("target %q contains %q", target, b)
				}
			}
		}
	})
}
