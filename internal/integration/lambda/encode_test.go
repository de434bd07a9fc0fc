package lambda

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
	"github.com/genkanhq/genkan/internal/route"
)

// checkEventCase holds the hand-written event to encoding/json's, byte for byte, and the
// refactored header and query helpers to the originals.
func checkEventCase(t *testing.T, ec *eventCase) {
	t.Helper()
	got, gotErr := ec.p.event(ec.call())
	want, wantErr := referenceEvent(ec.p, ec.call())
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("format %d: error %v, reference %v", ec.p.format, gotErr, wantErr)
	}
	if wantErr == nil && !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("format %d: events differ at byte %d\n got %s\nwant %s", ec.p.format, i, got, want)
	}
	if wantErr == nil && !json.Valid(got) {
		t.Fatalf("invalid JSON: %s", got)
	}

	call := ec.call()
	gotKeys, gotQuery := parseQuery(call.Req.URL.RawQuery)
	wantKeys, wantQuery := refParseQuery(call.Req.URL.RawQuery)
	if !reflect.DeepEqual(gotKeys, wantKeys) || !reflect.DeepEqual(gotQuery, wantQuery) {
		t.Fatalf("parseQuery(%q) = %q %q, was %q %q", call.Req.URL.RawQuery, gotKeys, gotQuery, wantKeys, wantQuery)
	}
	for _, f := range []format{formatREST, formatHTTPv1} {
		s, m := v1Headers(call, f, 7)
		rs, rm := refV1Headers(call, f, 7)
		if !reflect.DeepEqual(s, rs) || !reflect.DeepEqual(m, rm) {
			t.Fatalf("v1Headers(%d) = %q %q, was %q %q", f, s, m, rs, rm)
		}
	}
	h, cookies := v2Headers(call, 7)
	rh, rcookies := refV2Headers(call, 7)
	if !reflect.DeepEqual(h, rh) || !reflect.DeepEqual(cookies, rcookies) {
		t.Fatalf("v2Headers = %q %q, was %q %q", h, cookies, rh, rcookies)
	}
}

// TestEventMatchesEncodingJSON: requests written out by hand, one per feature, in each format.
func TestEventMatchesEncodingJSON(t *testing.T) {
	base := func(f format) *eventCase {
		r, _ := http.NewRequest("POST", "https://api.example.com/prod/pets/caf%C3%A9?a=1&a=&b=%E2%82%AC&c&=x&d=1;d=2&e=a+b", nil)
		r.Header = http.Header{
			"Accept": {"*/*"}, "Cookie": {"a=1; b=2", "c=3"}, "X-Multi": {"one", "two <&>"},
			"Content-Type": {"application/json"}, "User-Agent": {"curl/8"}, "X-Forwarded-For": {"198.51.100.1"},
		}
		c := &reqctx.Context{
			RequestID: "c0ffee00-1111-4222-8333-444455556666", ExtendedRequestID: "Ab1Cd2Ef3G=", APIID: "a1b2c3d4e5",
			AccountID: "111111111111", Stage: "prod", ResourcePath: "/pets/{name}", RouteKey: "POST /pets/{name}",
			HTTPMethod: "POST", Path: "/prod/pets/caf%C3%A9", Protocol: "HTTP/1.1", DomainName: "api.example.com",
			DomainPrefix: "api", TraceID: "Root=1-5e9f0c65-1de4d666d4dd26aced652b6c", DeploymentID: "d3pl0y",
			ResourceID: "r3s0ur", RequestTime: time.Date(2026, 11, 26, 5, 4, 3, 2e6, time.UTC),
			StageVariables: map[string]string{"env": "prod", "url": "https://x.example/?a=<b>&c"},
			Identity:       reqctx.Identity{SourceIP: "203.0.113.7", UserAgent: "curl/8"},
		}
		return &eventCase{p: &Proxy{format: f}, ctx: c, req: r, body: `{"name":"Mr. Whiskers \u2028 <3"}`, hasBody: true,
			path: "/pets/caf%C3%A9", params: route.Params{{Name: "name", Value: "café"}}}
	}
	cases := map[string]func(ec *eventCase){
		"plain":       func(*eventCase) {},
		"no body":     func(ec *eventCase) { ec.hasBody = false },
		"empty body":  func(ec *eventCase) { ec.body = "" },
		"binary body": func(ec *eventCase) { ec.body, ec.req.Header["Content-Type"] = "\x89PNG\x00\xff", []string{"image/png"} },
		"no query":    func(ec *eventCase) { ec.req.URL.RawQuery = "" },
		"http2 names": func(ec *eventCase) { ec.req.ProtoMajor, ec.req.Proto = 2, "HTTP/2.0" },
		"no params":   func(ec *eventCase) { ec.params, ec.ctx.StageVariables = nil, nil },
		"dup params": func(ec *eventCase) {
			ec.params = append(ec.params, route.Param{Name: "name", Value: "second"}, route.Param{Name: "a", Value: "b"})
		},
		"identity": func(ec *eventCase) {
			ec.ctx.Identity = reqctx.Identity{SourceIP: "::1", UserAgent: "ua", APIKey: "k", APIKeyID: "kid", Caller: "AIDA",
				User: "AIDA", UserARN: "arn:aws:iam::111111111111:user/a", AccountID: "111111111111", AccessKey: "AKIA",
				PrincipalOrgID: "o-1", CognitoIdentityID: "us-east-1:1", CognitoIdentityPoolID: "us-east-1:p",
				CognitoAuthenticationType: "authenticated", CognitoAuthenticationProvider: "cognito-idp"}
		},
		"lambda authorizer": func(ec *eventCase) {
			ec.ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, PrincipalID: "user|a", IntegrationLatency: 42 * time.Millisecond,
				Context: map[string]any{"n": json.Number("1.50"), "b": true, "s": "<x>", "principalId": "spoofed",
					"o": map[string]any{"id": json.Number("3"), "l": []any{"x", nil, 1.5, map[string]any{}}}, "nil": nil}}
		},
		"lambda authorizer without context": func(ec *eventCase) {
			ec.ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, PrincipalID: "user"}
		},
		"jwt": func(ec *eventCase) {
			ec.ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerJWT, Scopes: []string{"pets:read"},
				Claims: map[string]any{"sub": "x", "cognito:groups": "[admin users]", "exp": "1718722804"}}
		},
		"jwt without scopes": func(ec *eventCase) {
			ec.ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerJWT, Claims: map[string]any{}}
		},
		"cognito": func(ec *eventCase) {
			ec.ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerCognito, Claims: map[string]any{"sub": "x", "email": "a@b"}}
		},
		"iam": func(ec *eventCase) {
			ec.ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerIAM}
			ec.ctx.Identity.AccessKey, ec.ctx.Identity.Caller, ec.ctx.Identity.UserARN = "AKIA", "AIDA", "arn:aws:iam::1:user/a"
		},
		"invalid number": func(ec *eventCase) {
			ec.ctx.Authorizer = reqctx.Authorizer{Kind: reqctx.AuthorizerLambda, Context: map[string]any{"n": []any{json.Number("01")}}}
		},
	}
	for name, mod := range cases {
		for _, f := range []format{formatREST, formatHTTPv1, formatHTTPv2} {
			t.Run(fmt.Sprintf("%s/%d", name, f), func(t *testing.T) {
				ec := base(f)
				mod(ec)
				checkEventCase(t, ec)
			})
		}
	}
}

// TestEventGenerated compares the encoders on generated requests; FuzzEvent explores further.
func TestEventGenerated(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := range n {
		rng := rand.New(rand.NewPCG(uint64(i), 0x9e3779b97f4a7c15))
		data := make([]byte, 200+rng.IntN(800))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		ec := (&gen{data: data}).eventCase()
		t.Run(fmt.Sprint(i), func(t *testing.T) { checkEventCase(t, ec) })
	}
}

func FuzzEvent(f *testing.F) {
	for _, seed := range []string{"", "\x00\x01\x02", "\x02\x05\x07\x09\x0b\xff\xfe\x01\x01\x01\x01\x01\x01\x01\x01"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkEventCase(t, (&gen{data: data}).eventCase())
	})
}

// plain8 against the byte-by-byte rule, on words of the bytes around its thresholds.
func TestPlain8(t *testing.T) {
	edges := []byte{0, 1, 0x1f, 0x20, 0x21, '"', 0x23, 0x5b, '\\', 0x5d, 0x7e, 0x7f, 0x80, 0x81, 0x9f, 0xa0, 0xdc, 0xe2, 0xff, 'a'}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		var w [8]byte
		want := true
		for i := range w {
			w[i] = edges[rng.IntN(len(edges))]
			if rng.IntN(4) > 0 {
				w[i] = 'a' // mostly plain, so that single offenders are tried in every position
			}
			want = want && w[i] >= 0x20 && w[i] < 0x80 && w[i] != '"' && w[i] != '\\'
		}
		if got := plain8(load8(w[:], 0)); got != want {
			t.Fatalf("plain8(%q) = %v", w, got)
		}
	}
}

// Bodies of unknown length are read whole into the event, and one over the edge's limit is
// still the edge's 413 (the integration hands the limit's error back unwrapped).
func TestChunkedBodies(t *testing.T) {
	rec := &recorder{}
	h := newHandler(t, apimodel.ProtocolREST, map[string]map[string]string{"prod": nil}, []testRoute{{"POST", "/x", nil}}, rec)
	h.Tables.Load().Settings.MaxBodyBytes = 6000
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body string) *http.Response {
		// A reader of unknown length: Go's client sends it chunked, without Content-Length.
		req, err := http.NewRequest("POST", srv.URL+"/prod/x", io.MultiReader(strings.NewReader(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	body := strings.Repeat("0123456789<\"\n", 400) // 5200 bytes, read in several chunks
	if resp := post(body); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ev := decode(t, rec.last(t).payload); ev["body"] != body {
		t.Errorf("body %q", ev["body"])
	}
	if resp := post(body + body); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: status %d", resp.StatusCode)
	}
}

// The pooled scratch of events and outputs is never shared between requests in flight: each
// response carries its own request's event.
func TestConcurrentEvents(t *testing.T) {
	inv := InvokerFunc(func(_ context.Context, _ string, payload []byte) ([]byte, string, error) {
		var ev struct{ Body string }
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, "", err
		}
		out, err := json.Marshal(map[string]any{"statusCode": 200, "headers": map[string]string{"X-Echo": ev.Body}, "body": ev.Body})
		return out, "", err
	})
	for _, v := range []string{"1.0", "2.0"} {
		h := newHandler(t, apimodel.ProtocolHTTP, map[string]map[string]string{"$default": nil}, []testRoute{{"POST", "/x", v2Spec(v)}}, inv)
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 200 {
					want := fmt.Sprintf("request %d/%d %s", g, i, strings.Repeat("x", i))
					req := httptest.NewRequest("POST", "/x", strings.NewReader(want))
					req.Header.Set("Content-Type", "text/plain")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Body.String() != want || w.Header().Get("X-Echo") != want {
						t.Errorf("payload %s: got %q, header %q", v, w.Body.String(), w.Header().Get("X-Echo"))
						return
					}
				}
			})
		}
		wg.Wait()
	}
}
