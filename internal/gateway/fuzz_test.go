package gateway_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/observe"
)

// FuzzServeHTTP sends arbitrary request lines and Host headers through the edge over a fixed
// table with every kind of resolution (multiConfig). Whatever arrives, the handler must not
// panic and must answer with a status of its own and a request id header. Requests are parsed
// by net/http's own reader, so the edge sees only what a listener could hand it.
func FuzzServeHTTP(f *testing.F) {
	for _, seed := range [][3]string{
		{"GET", "/prod/pets/1", "rest1.execute-api.localhost:3000"},
		{"POST", "/v1/orders/7?x=%2F", "api.example.com"},
		{"OPTIONS", "*", "localhost"},
		{"GET", "http://evil.example/prod/pets", "localhost"},
		{"PATCH", "/beta/items/%zz", "http1.execute-api.localhost"},
		{"get", "//prod//files/../a", "[::1]:3000"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	tbl := mustCompile(f, multiConfig())
	// A short URL limit lets small inputs reach the 414 path; a 10 KB seed would make every
	// minimization crawl.
	tbl.Settings.MaxURLBytes = 64
	format, err := observe.ParseFormat("")
	if err != nil {
		f.Fatal(err)
	}
	al := observe.NewAccessLog(io.Discard)
	f.Cleanup(func() { _ = al.Close() })
	h := &gateway.Handler{Tables: gateway.NewHolder(tbl), AccessLog: al, LogFormat: format, Logger: quietLogger()}

	f.Fuzz(func(t *testing.T, method, target, host string) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return // net/http refuses it before any handler runs
		}
		r.RemoteAddr = "192.0.2.1:4321"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		switch rec.Code {
		case 200, 403, 404, 414:
		default:
			t.Fatalf("%q %q host %q: status %d %q", method, target, host, rec.Code, rec.Body)
		}
		if rec.Body.Len() == 0 {
			t.Fatalf("%q %q host %q: %d with an empty body", method, target, host, rec.Code)
		}
		hdr := rec.Header()
		if hdr.Get("X-Amzn-Requestid") == "" && hdr.Get("Apigw-Requestid") == "" {
			t.Fatalf("%q %q host %q: %d without a request id header: %v", method, target, host, rec.Code, hdr)
		}
	})
}
