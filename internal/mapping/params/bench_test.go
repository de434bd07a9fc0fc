package params

import (
	"net/http"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// BenchmarkRequestApply maps a header, a query parameter, a path parameter and a context
// variable, the common shape of requestParameters.
func BenchmarkRequestApply(b *testing.B) {
	m, ps := CompileRequest(map[string]string{
		"integration.request.header.X-User":       "method.request.header.foobar",
		"integration.request.querystring.q":       "method.request.querystring.testVar",
		"integration.request.path.id":             "method.request.path.pathVariable",
		"integration.request.header.X-Request-Id": "context.requestId",
		"integration.request.header.Content-Type": "'application/json'",
	}, apimodel.Position{})
	if ps != nil {
		b.Fatal(ps)
	}
	env := testEnv()
	out := RequestValues{Header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		if err := m.Apply(env, &out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponseBodyPath maps a header from a JSON response body, which costs a decode.
func BenchmarkResponseBodyPath(b *testing.B) {
	m, ps := CompileResponse(map[string]string{"method.response.header.Location": "integration.response.body.redirect.url"}, apimodel.Position{})
	if ps != nil {
		b.Fatal(ps)
	}
	h := http.Header{}
	body := testEnv().RespBody
	b.ReportAllocs()
	for b.Loop() {
		env := Env{RespBody: body}
		if err := m.Apply(&env, h, RemapNonProxy); err != nil {
			b.Fatal(err)
		}
	}
}
