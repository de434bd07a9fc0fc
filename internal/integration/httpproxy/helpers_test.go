package httpproxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// front is a stand-in for the gateway's edge: it strips a one-segment stage prefix, treats
// the rest as the {proxy+} parameter, sets the deadline and renders returned errors.
type front struct {
	p         *Proxy
	timeout   time.Duration
	stageVars map[string]string
	lastErr   atomic.Pointer[error]
	lastCtx   atomic.Pointer[reqctx.Context]
	// integErr is $context.integration.error, stored once the handler is done (even when
	// Invoke aborted it), so that tests read it without racing the handler.
	integErr atomic.Pointer[string]
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	path := r.URL.EscapedPath()
	if i := strings.IndexByte(path[1:], '/'); i >= 0 {
		path = path[i+1:]
	} else {
		path = "/"
	}
	rc := &reqctx.Context{APIID: "abc123", StageVariables: f.stageVars}
	c := &gateway.Call{Req: r, Ctx: rc, Path: path}
	if proxy := strings.TrimPrefix(path, "/"); proxy != "" {
		dec, _ := pathUnescape(proxy)
		c.Params = route.Params{{Name: "proxy", Value: dec}}
	}
	f.lastCtx.Store(rc)
	defer func() { e := rc.IntegrationError; f.integErr.Store(&e) }()
	err := f.p.Invoke(w, c)
	f.lastErr.Store(&err)
	if err != nil {
		var ae *apierr.Error
		if errors.As(err, &ae) {
			status := apimodel.GatewayResponseTypes[string(ae.Type)]
			if ae.Status != 0 {
				status = ae.Status
			}
			w.Header().Set("X-Test-Error-Type", string(ae.Type))
			w.WriteHeader(status)
			w.Write([]byte(`{"message":"` + ae.Message + `"}`))
		}
	}
}

// integrationError waits for the last request's handler to finish and returns its
// $context.integration.error.
func (f *front) integrationError() string {
	for i := 0; i < 200; i++ {
		if e := f.integErr.Load(); e != nil {
			return *e
		}
		time.Sleep(5 * time.Millisecond)
	}
	return "<handler did not finish>"
}

func (f *front) err() error {
	if e := f.lastErr.Load(); e != nil {
		return *e
	}
	return nil
}

func pathUnescape(s string) (string, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b), nil
}

// setup starts backend h, a proxy for uri (with %s replaced by the backend's address) and a
// front server; it returns the front's URL.
func setup(t testing.TB, h http.Handler, uri string, opts TransportOptions) (string, *front, *httptest.Server) {
	t.Helper()
	be := httptest.NewServer(h)
	t.Cleanup(be.Close)
	return setupWith(t, be, uri, opts)
}

func setupWith(t testing.TB, be *httptest.Server, uri string, opts TransportOptions) (string, *front, *httptest.Server) {
	t.Helper()
	tr := NewTransport(opts)
	t.Cleanup(func() { tr.Close() })
	spec := &apimodel.Integration{
		Type: apimodel.IntegrationHTTPProxy,
		URI:  strings.ReplaceAll(uri, "%s", strings.TrimPrefix(strings.TrimPrefix(be.URL, "http://"), "https://")),
	}
	if strings.HasPrefix(be.URL, "https://") {
		spec.URI = strings.Replace(spec.URI, "http://", "https://", 1)
		spec.TLSInsecureSkipVerify = true
	}
	p, err := New(spec, tr)
	if err != nil {
		t.Fatal(err)
	}
	f := &front{p: p, timeout: 20 * time.Second}
	fs := httptest.NewServer(f)
	t.Cleanup(fs.Close)
	return fs.URL, f, be
}

// connCounter counts the TCP connections a test server accepts.
type connCounter struct{ n atomic.Int64 }

func (cc *connCounter) hook(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		cc.n.Add(1)
	}
}

func mustNew(t testing.TB, spec *apimodel.Integration) *Proxy {
	t.Helper()
	tr := NewTransport(TransportOptions{})
	t.Cleanup(func() { tr.Close() })
	if spec.Type == "" {
		spec.Type = apimodel.IntegrationHTTPProxy
	}
	p, err := New(spec, tr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
