package mock

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
)

// discard is a ResponseWriter that keeps its header map, so the benchmark measures the
// integration rather than the recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func benchmark(b *testing.B, spec *apimodel.Integration, header http.Header) {
	m, err := New(spec)
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest("OPTIONS", "/dev/product", nil)
	for k, v := range header {
		r.Header[k] = v
	}
	c := &gateway.Call{Req: r, Ctx: &reqctx.Context{RequestID: "c0a8f1e2-0000-4000-8000-000000000000"}}
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		if err := m.Invoke(w, c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStaticCORS is the CORS preflight of swagger-mock-cors.json: static request and
// response templates, literal headers, a single default response.
func BenchmarkStaticCORS(b *testing.B) {
	benchmark(b, corsSpec, http.Header{"Content-Type": {"application/json; charset=utf-8"}, "Accept": {"*/*"}})
}

// BenchmarkPatterned selects among responses by selectionPattern and maps a stage variable.
func BenchmarkPatterned(b *testing.B) {
	benchmark(b, &apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 404}`},
		Responses: []*apimodel.IntegrationResponse{
			{StatusCode: "200"},
			{StatusCode: "404", SelectionPattern: `4\d{2}`, ResponseTemplates: map[string]string{"application/json": `{"message": "not here"}`},
				ResponseParameters: map[string]string{"method.response.header.X-Request-Id": "context.requestId"}},
		},
	}, nil)
}
