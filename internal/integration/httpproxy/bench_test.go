package httpproxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// benchBody is the 100-byte JSON answer of bench/backend.
var benchBody = []byte(`{"message":"hello from the bench backend, a fixed body of exactly one hundred bytes...........pad"}` + "\n")

// rawBenchBackend answers every request with benchBody without allocating, so that the
// allocations a benchmark reports are the proxy's.
func rawBenchBackend(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	resp := append([]byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"+
		"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 100\r\n\r\n"), benchBody...)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					length := 0
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
						if len(line) > 16 && string(line[:16]) == "Content-Length: " {
							for _, d := range line[16:] {
								if d >= '0' && d <= '9' {
									length = length*10 + int(d-'0')
								}
							}
						}
					}
					br.Discard(length)
					if _, err := c.Write(resp); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

func benchBackend(b *testing.B) *httptest.Server {
	if len(benchBody) != 100 {
		b.Fatalf("bench body is %d bytes", len(benchBody))
	}
	be := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{"100"}
		w.Write(benchBody)
	}))
	b.Cleanup(be.Close)
	return be
}

// discardWriter is a ResponseWriter that keeps nothing, so that BenchmarkProxy measures the
// integration alone.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(s int)           { d.status = s }
func (d *discardWriter) Write(b []byte) (int, error) { d.n += len(b); return len(b), nil }

// BenchmarkProxy measures one proxied GET through Invoke against a loopback backend: the
// allocations reported are the integration's own (the edge's and net/http's are not in it).
func BenchmarkProxy(b *testing.B) {
	be := rawBenchBackend(b)
	tr := NewTransport(TransportOptions{})
	b.Cleanup(func() { tr.Close() })
	p, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: be + "/{proxy}"}, tr)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, "GET", "http://gw.local/b/item?x=1", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("User-Agent", "wrk")
		req.Header.Set("Accept", "*/*")
		rc := &reqctx.Context{APIID: "bench"}
		c := &gateway.Call{Req: req, Ctx: rc, Path: "/item", Params: route.Params{{Name: "proxy", Value: "item"}}}
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			w.n = 0
			if err := p.Invoke(w, c); err != nil || w.status != 200 || w.n != 100 {
				b.Fatalf("err %v status %d n %d", err, w.status, w.n)
			}
		}
	})
}

// BenchmarkReverseProxy is BenchmarkProxy's harness around net/http/httputil.ReverseProxy
// (with a 512-connection pool and a buffer pool, its best case): the same request, backend
// and writer, so ns/op and allocs/op compare the two clients directly.
func BenchmarkReverseProxy(b *testing.B) {
	be := rawBenchBackend(b)
	target, _ := url.Parse(be)
	rp := httputil.NewSingleHostReverseProxy(target)
	tr := &http.Transport{MaxIdleConnsPerHost: 512}
	b.Cleanup(tr.CloseIdleConnections)
	rp.Transport = tr
	rp.BufferPool = bufferPool{}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "http://gw.local/item?x=1", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("User-Agent", "wrk")
		req.Header.Set("Accept", "*/*")
		w := &discardWriter{h: http.Header{}}
		for pb.Next() {
			clear(w.h)
			w.n = 0
			rp.ServeHTTP(w, req)
			if w.status != 200 || w.n != 100 {
				b.Fatalf("status %d n %d", w.status, w.n)
			}
		}
	})
}

// BenchmarkStdTransport is the design this package did not keep: the same proxy logic (URI
// template, header rules, pooled copy buffer) over net/http.Transport's RoundTrip instead of
// the lean client. The difference to BenchmarkProxy is the cost of net/http's client alone.
func BenchmarkStdTransport(b *testing.B) {
	be := rawBenchBackend(b)
	tr := &http.Transport{MaxIdleConnsPerHost: 512, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	p, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: be + "/{proxy}"}, NewTransport(TransportOptions{}))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, "GET", "http://gw.local/b/item?x=1", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("User-Agent", "wrk")
		req.Header.Set("Accept", "*/*")
		c := &gateway.Call{Req: req, Ctx: &reqctx.Context{APIID: "bench"}, Path: "/item", Params: route.Params{{Name: "proxy", Value: "item"}}}
		w := &discardWriter{h: http.Header{}}
		target := make([]byte, 0, 256)
		buf := make([]byte, 32<<10)
		for pb.Next() {
			clear(w.h)
			w.n = 0
			target = p.appendTarget(target[:0], c)
			out, err := http.NewRequestWithContext(ctx, req.Method, be+string(target), nil)
			if err != nil {
				b.Fatal(err)
			}
			for k, vv := range req.Header {
				if requestAction(k) == reqPass {
					out.Header[k] = vv
				}
			}
			out.Header["X-Forwarded-For"] = []string{clientIP(c)}
			resp, err := tr.RoundTrip(out)
			if err != nil {
				b.Fatal(err)
			}
			for k, vv := range resp.Header {
				w.h[k] = vv
			}
			w.WriteHeader(resp.StatusCode)
			io.CopyBuffer(w, resp.Body, buf)
			resp.Body.Close()
			if w.status != 200 || w.n != 100 {
				b.Fatalf("status %d n %d", w.status, w.n)
			}
		}
	})
}

type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { return make([]byte, 32<<10) }}

func (bufferPool) Get() []byte  { return copyBuffers.Get().([]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(b) } // boxes the slice: the interface gives no choice

// BenchmarkCompare runs the same client against the backend directly, through genkan's
// proxy and through net/http/httputil.ReverseProxy (the "plain Go proxy" baseline), all
// served by net/http in this process. Compare ns/op and allocs/op of the sub-benchmarks.
func BenchmarkCompare(b *testing.B) {
	be := benchBackend(b)
	target, _ := url.Parse(be.URL)

	tr := NewTransport(TransportOptions{})
	b.Cleanup(func() { tr.Close() })
	p, err := New(&apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: be.URL + "/{proxy}"}, tr)
	if err != nil {
		b.Fatal(err)
	}
	genkan := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := reqctx.Acquire()
		defer reqctx.Release(rc)
		path := strings.TrimPrefix(r.URL.Path, "/b")
		c := gateway.Call{Req: r, Ctx: rc, Path: path, Params: route.Params{{Name: "proxy", Value: path[1:]}}}
		if err := p.Invoke(w, &c); err != nil {
			w.WriteHeader(502)
		}
	}))
	b.Cleanup(genkan.Close)

	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = &http.Transport{MaxIdleConnsPerHost: 512, ForceAttemptHTTP2: false}
	stdlib := httptest.NewServer(rp)
	b.Cleanup(stdlib.Close)

	for _, tc := range []struct{ name, url string }{
		{"direct", be.URL + "/item"},
		{"genkan", genkan.URL + "/b/item"},
		{"reverseproxy", stdlib.URL + "/item"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}
			defer client.CloseIdleConnections()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := client.Get(tc.url)
					if err != nil {
						b.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 || n != 100 {
						b.Fatalf("status %d, %d bytes", resp.StatusCode, n)
					}
				}
			})
		})
	}
}
