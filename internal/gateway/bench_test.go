package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/observe"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark measures the edge.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkEdgeMock is the edge's own cost per request: resolution, routing, $context, the
// timeout context and a static MOCK integration, without sockets.
func BenchmarkEdgeMock(b *testing.B) {
	for _, accessLog := range []bool{false, true} {
		name := "no-access-log"
		if accessLog {
			name = "access-log"
		}
		b.Run(name, func(b *testing.B) {
			cfg := &apimodel.Config{APIs: []*apimodel.API{{
				ID: "bench", Protocol: apimodel.ProtocolREST,
				Stages: []*apimodel.Stage{{Name: "b"}},
				Routes: []*apimodel.Route{
					{Method: "GET", Path: "/mock", Integration: &apimodel.Integration{
						Type: apimodel.IntegrationMock, RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
						Responses: []*apimodel.IntegrationResponse{{StatusCode: "200", ResponseTemplates: map[string]string{"application/json": `{"message":"hello"}`}}},
					}},
					{Method: "ANY", Path: "/{proxy+}", Integration: &apimodel.Integration{Type: apimodel.IntegrationMock}},
				},
			}}}
			t, err := compile.Compile(cfg, compile.Deps{})
			if err != nil {
				b.Fatal(err)
			}
			h := &gateway.Handler{Tables: gateway.NewHolder(t)}
			if accessLog {
				f, _ := observe.ParseFormat("")
				h.LogFormat = f
				h.AccessLog = observe.NewAccessLog(io.Discard)
				defer h.AccessLog.Close()
			}
			req := httptest.NewRequest("GET", "http://127.0.0.1:3000/b/mock", nil)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					h.ServeHTTP(w, req)
				}
			})
		})
	}
}
