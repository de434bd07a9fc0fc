// Command proxyonly serves one HTTP_PROXY integration behind a bare net/http server, without
// the rest of the gateway (routing, $context logging, stages). bench/run.sh runs it beside
// `genkan serve` to separate the integration's cost from the edge's, and with -mode stdlib
// as the net/http/httputil.ReverseProxy baseline on the same server code.
//
//	go run ./bench/proxyonly -listen 127.0.0.1:9101 -backend http://127.0.0.1:9001 -mode genkan
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	_ "net/http/pprof" // only served with -pprof
	"net/url"
	"runtime/debug"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/integration/httpproxy"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9101", "address to listen on")
	backend := flag.String("backend", "http://127.0.0.1:9001", "backend base URL")
	mode := flag.String("mode", "genkan", "genkan (the HTTP_PROXY integration) or stdlib (httputil.ReverseProxy)")
	stage := flag.String("stage", "b", "first path segment to strip, as a stage")
	gcPercent := flag.Int("gcpercent", 0, "debug.SetGCPercent value (0 keeps GOGC)")
	pprofAddr := flag.String("pprof", "", "serve net/http/pprof on this address (profiling under load)")
	flag.Parse()
	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, nil)) }()
	}
	if *gcPercent != 0 {
		debug.SetGCPercent(*gcPercent)
	}
	prefix := "/" + *stage

	var h http.Handler
	switch *mode {
	case "genkan":
		tr := httpproxy.NewTransport(httpproxy.TransportOptions{})
		p, err := httpproxy.New(&apimodel.Integration{
			Type: apimodel.IntegrationHTTPProxy,
			URI:  strings.TrimSuffix(*backend, "/") + "/{proxy}",
		}, tr)
		if err != nil {
			log.Fatal(err)
		}
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// What the edge does around an integration, in miniature: a deadline, a
			// pooled $context and the {proxy+} parameter.
			ctx, cancel := context.WithTimeout(r.Context(), apimodel.DefaultIntegrationTimeout)
			defer cancel()
			rc := reqctx.Acquire()
			defer reqctx.Release(rc)
			path := strings.TrimPrefix(r.URL.EscapedPath(), prefix)
			params := route.Params{{Name: "proxy", Value: strings.TrimPrefix(path, "/")}}
			c := gateway.Call{Req: r.WithContext(ctx), Ctx: rc, Params: params, Path: path}
			if err := p.Invoke(w, &c); err != nil {
				status := http.StatusBadGateway
				if ae, ok := err.(*apierr.Error); ok && ae.Type == apierr.IntegrationTimeout {
					status = http.StatusGatewayTimeout
				}
				http.Error(w, err.Error(), status)
			}
		})
	case "stdlib":
		target, err := url.Parse(*backend)
		if err != nil {
			log.Fatal(err)
		}
		rp := httputil.NewSingleHostReverseProxy(target)
		// The default of 2 idle connections per host would measure connection churn, not
		// the proxy.
		rp.Transport = &http.Transport{MaxIdleConnsPerHost: 512, IdleConnTimeout: 90 * time.Second}
		h = http.StripPrefix(prefix, rp)
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	srv := &http.Server{Addr: *listen, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Printf("proxyonly (%s) listening on %s -> %s", *mode, *listen, *backend)
	log.Fatal(srv.ListenAndServe())
}
