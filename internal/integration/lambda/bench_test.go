package lambda

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// Canned outputs as aws-lambda-go marshals events.APIGatewayProxyResponse and
// APIGatewayV2HTTPResponse: every member present, nulls included, a JSON body as a string.
const (
	benchRESTOutput = `{"statusCode":200,"headers":{"Content-Type":"application/json","X-Request-Id":"7f1c2a9e"},` +
		`"multiValueHeaders":{"Set-Cookie":["session=abc123; Path=/; HttpOnly","theme=dark"]},` +
		`"body":"{\"message\":\"hello from the genkan bench function, a fixed body of one hundred bytes..............\"}\n"}`
	benchV2Output = `{"statusCode":200,"headers":{"content-type":"application/json","x-request-id":"7f1c2a9e"},` +
		`"multiValueHeaders":null,"body":"{\"message\":\"hello from the genkan bench function, a fixed body of one hundred bytes..............\"}\n",` +
		`"cookies":["session=abc123; Path=/; HttpOnly","theme=dark"]}`
	benchBody = `{"name":"Mr. Whiskers","species":"cat","tags":["fluffy","indoor"],"age":3}`
)

// benchHeaders are what a browser-ish client sends to an API.
var benchHeaders = http.Header{
	"Accept":          {"application/json, text/plain, */*"},
	"Accept-Encoding": {"gzip, deflate, br"},
	"Accept-Language": {"en-GB,en;q=0.9"},
	"Authorization":   {"Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl"},
	"Content-Type":    {"application/json"},
	"Cookie":          {"session=abc123; theme=dark"},
	"Origin":          {"https://app.example.com"},
	"Referer":         {"https://app.example.com/pets"},
	"User-Agent":      {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"},
	"X-Custom":        {"one", "two"},
}

// jwtChecker stands in for a JWT authorizer: it leaves what access.Guard leaves in $context.
type jwtChecker struct{ claims map[string]any }

func (j jwtChecker) Check(c *gateway.Call) error {
	c.Ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerJWT, Claims: j.claims, Scopes: []string{"pets:read", "pets:write"}}
	return nil
}

type benchWriter struct {
	h      http.Header
	status int
}

func (d *benchWriter) Header() http.Header         { return d.h }
func (d *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *benchWriter) WriteHeader(status int)      { d.status = status }

// BenchmarkEdgeLambda is one warm invocation through the real edge with an Invoker that answers
// at once: the event built and encoded, the output parsed and written, and the edge around them.
func BenchmarkEdgeLambda(b *testing.B) {
	claims := map[string]any{"sub": "0f3c5c3a-5b4e-4f54-9d52-3b3c9f4a1e1d", "iss": "https://issuer.example.com/",
		"aud": "pets-api", "exp": "1718722804", "iat": "1718719204", "scope": "pets:read pets:write"}
	cases := []struct {
		name, target string
		protocol     apimodel.Protocol
		stage        string
		route        testRoute
		output       string
		access       gateway.Checker
		edgeOnly     bool
	}{
		{name: "rest", protocol: apimodel.ProtocolREST, stage: "prod", output: benchRESTOutput,
			route:  testRoute{"POST", "/pets/{petId}/toys", nil},
			target: "/prod/pets/42/toys?sort=name&tag=a&tag=b&q=caf%C3%A9"},
		{name: "http-v2", protocol: apimodel.ProtocolHTTP, stage: "$default", output: benchV2Output,
			route:  testRoute{"POST", "/pets/{petId}/toys", v2Spec("2.0")},
			target: "/pets/42/toys?sort=name&tag=a&tag=b&q=caf%C3%A9"},
		{name: "http-v2-jwt", protocol: apimodel.ProtocolHTTP, stage: "$default", output: benchV2Output,
			route:  testRoute{"POST", "/pets/{petId}/toys", v2Spec("2.0")},
			target: "/pets/42/toys?sort=name&tag=a&tag=b&q=caf%C3%A9", access: jwtChecker{claims}},
		// The edge alone, for subtracting: the rest case's request answered without Lambda.
		{name: "rest-edge-only", protocol: apimodel.ProtocolREST, stage: "prod", edgeOnly: true,
			route:  testRoute{"POST", "/pets/{petId}/toys", nil},
			target: "/prod/pets/42/toys?sort=name&tag=a&tag=b&q=caf%C3%A9"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			out := []byte(tc.output)
			inv := InvokerFunc(func(context.Context, string, []byte) ([]byte, string, error) { return out, "", nil })
			h := newHandler(b, tc.protocol, map[string]map[string]string{tc.stage: {"env": "bench", "table": "pets"}},
				[]testRoute{tc.route}, inv)
			h.Tables.Load().APIs[0].RouteList[0].Access = tc.access
			if tc.edgeOnly {
				h.Tables.Load().APIs[0].RouteList[0].Integration = staticAnswer{}
			}

			req, err := http.NewRequest("POST", "http://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"+tc.target, nil)
			if err != nil {
				b.Fatal(err)
			}
			req.RemoteAddr = "203.0.113.7:52114"
			req.Header = benchHeaders
			req.ContentLength = int64(len(benchBody))
			body := &resettableBody{}
			req.Body = body
			w := &benchWriter{h: http.Header{}}
			serve := func() {
				body.Reset(benchBody)
				clear(w.h)
				h.ServeHTTP(w, req)
			}
			serve()
			if w.status != http.StatusOK || w.h.Get("Content-Length") != "100" || len(w.h["Set-Cookie"]) != 2 {
				b.Fatalf("unexpected response %d %v", w.status, w.h)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				serve()
			}
		})
	}
}

// BenchmarkEventEncoders compares the hand-written event with the encoding/json reference on
// the same request, in one process: the event alone, without the edge.
func BenchmarkEventEncoders(b *testing.B) {
	for _, f := range []format{formatREST, formatHTTPv2} {
		r, _ := http.NewRequest("POST", "http://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod/pets/42/toys?sort=name&tag=a&tag=b&q=caf%C3%A9", nil)
		r.Header, r.RemoteAddr = benchHeaders, "203.0.113.7:52114"
		body := &resettableBody{}
		r.Body = body
		c := &reqctx.Context{RequestID: "c0ffee00-1111-4222-8333-444455556666", ExtendedRequestID: "Ab1Cd2Ef3G=",
			APIID: "a1b2c3d4e5", AccountID: "111111111111", Stage: "prod", ResourcePath: "/pets/{petId}/toys",
			RouteKey: "POST /pets/{petId}/toys", HTTPMethod: "POST", Path: "/prod/pets/42/toys", Protocol: "HTTP/1.1",
			DomainName: "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", DomainPrefix: "a1b2c3d4e5", RequestTime: time.Now(),
			StageVariables: map[string]string{"env": "bench", "table": "pets"},
			Identity:       reqctx.Identity{SourceIP: "203.0.113.7", UserAgent: benchHeaders.Get("User-Agent")}}
		p := &Proxy{format: f}
		fillDerived(c, r, f, nil)
		call := &gateway.Call{Req: r, Ctx: c, Params: route.Params{{Name: "petId", Value: "42"}}, Path: "/pets/42/toys"}
		for _, enc := range []struct {
			name string
			fn   func(*Proxy, *gateway.Call) ([]byte, error)
		}{{"encoding-json", referenceEvent}, {"hand-written", (*Proxy).event}} {
			b.Run(fmt.Sprintf("%s/%s", map[format]string{formatREST: "rest", formatHTTPv2: "http-v2"}[f], enc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					body.Reset(benchBody)
					if _, err := enc.fn(p, call); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOutputParsers compares parseFast with parseGeneral on the canned outputs.
func BenchmarkOutputParsers(b *testing.B) {
	for _, tc := range []struct {
		name string
		f    format
		out  string
	}{{"rest", formatREST, benchRESTOutput}, {"http-v2", formatHTTPv2, benchV2Output}} {
		p, out := &Proxy{format: tc.f}, []byte(tc.out)
		b.Run(tc.name+"/encoding-json", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.parseGeneral(out); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tc.name+"/single-pass", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := p.parseFast(out); !ok {
					b.Fatal("refused")
				}
			}
		})
	}
}

// staticAnswer is an integration that reads the body and answers what the bench function does.
type staticAnswer struct{}

func (staticAnswer) Invoke(w http.ResponseWriter, call *gateway.Call) error {
	if _, err := io.Copy(io.Discard, call.Req.Body); err != nil {
		return err
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{"100"}
	h["Set-Cookie"] = []string{"session=abc123; Path=/; HttpOnly", "theme=dark"}
	w.WriteHeader(http.StatusOK)
	_, err := io.WriteString(w, `{"message":"hello from the genkan bench function, a fixed body of one hundred bytes.............."}`+"\n")
	return err
}

// resettableBody is a request body that can be read again, so one request serves every
// iteration.
type resettableBody struct{ strings.Reader }

func (r *resettableBody) Close() error { return nil }
