package apierr

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/reqctx"
)

type rendered struct {
	status int
	header http.Header
	body   string
	ctx    *reqctx.Context
}

func render(t testing.TB, s *Set, r *http.Request, c *reqctx.Context, e *Error) rendered {
	t.Helper()
	if c == nil {
		c = &reqctx.Context{}
	}
	rec := httptest.NewRecorder()
	s.Render(rec, r, c, e)
	return rendered{status: rec.Code, header: rec.Header(), body: rec.Body.String(), ctx: c}
}

func mustCompile(t testing.TB, p apimodel.Protocol, o map[string]*apimodel.GatewayResponse) *Set {
	t.Helper()
	s, err := Compile(p, o)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return s
}

// The table must cover exactly the types API Gateway has, with the statuses apimodel validates.
func TestSpecsMatchModel(t *testing.T) {
	for name, status := range apimodel.GatewayResponseTypes {
		sp, ok := specs[Type(name)]
		if !ok {
			t.Errorf("%s: no spec", name)
			continue
		}
		if status != 0 && sp.status != status {
			t.Errorf("%s: status %d, apimodel says %d", name, sp.status, status)
		}
	}
	if len(specs) != len(apimodel.GatewayResponseTypes) {
		t.Errorf("%d specs, %d types in apimodel", len(specs), len(apimodel.GatewayResponseTypes))
	}
}

func TestRESTDefaults(t *testing.T) {
	tests := []struct {
		typ       Type
		status    int
		body      string
		errorType string
		message   string // $context.error.message
	}{
		{AccessDenied, 403, `{"Message":"User is not authorized to access this resource with an explicit deny"}`, "AccessDeniedException", "User is not authorized to access this resource with an explicit deny"},
		{APIConfigurationError, 500, `{"message": "Internal server error"}`, "InternalServerErrorException", "Internal server error"},
		{AuthorizerConfigurationError, 500, `{"message": null}`, "AuthorizerConfigurationException", ""},
		{AuthorizerFailure, 500, `{"message": null}`, "AuthorizerFailureException", ""},
		{BadRequestParameters, 400, `{"message":"Bad Request"}`, "BadRequestException", "Bad Request"},
		{BadRequestBody, 400, `{"message":"Invalid request body"}`, "BadRequestException", "Invalid request body"},
		{Default4XX, 400, `{"message":"Bad Request"}`, "BadRequestException", "Bad Request"},
		{Default5XX, 500, `{"message": "Internal server error"}`, "InternalServerErrorException", "Internal server error"},
		{ExpiredToken, 403, `{"message":"The security token included in the request is expired"}`, "ExpiredTokenException", "The security token included in the request is expired"},
		{IntegrationFailure, 504, `{"message": "Internal server error"}`, "InternalServerErrorException", "Internal server error"},
		{IntegrationTimeout, 504, `{"message": "Endpoint request timed out"}`, "InternalServerErrorException", "Endpoint request timed out"},
		{InvalidAPIKey, 403, `{"message":"Forbidden"}`, "ForbiddenException", "Forbidden"},
		{InvalidSignature, 403, `{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}`, "InvalidSignatureException", specs[InvalidSignature].message},
		{MissingAuthenticationToken, 403, `{"message":"Missing Authentication Token"}`, "MissingAuthenticationTokenException", "Missing Authentication Token"},
		{QuotaExceeded, 429, `{"message":"Limit Exceeded"}`, "LimitExceededException", "Limit Exceeded"},
		{RequestTooLarge, 413, `{"message":"Request Too Long"}`, "RequestTooLargeException", "Request Too Long"},
		{ResourceNotFound, 404, `{"message":"Not Found"}`, "ResourceNotFoundException", "Not Found"},
		{Throttled, 429, `{"message":"Too Many Requests"}`, "TooManyRequestsException", "Too Many Requests"},
		{Unauthorized, 401, `{"message":"Unauthorized"}`, "UnauthorizedException", "Unauthorized"},
		{UnsupportedMediaType, 415, `{"message":"Unsupported Media Type"}`, "BadRequestException", "Unsupported Media Type"},
		{WAFFiltered, 403, `{"message":"Forbidden"}`, "ForbiddenException", "Forbidden"},
	}
	if len(tests) != len(specs) {
		t.Fatalf("table has %d types, specs %d", len(tests), len(specs))
	}
	s := mustCompile(t, apimodel.ProtocolREST, nil)
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			got := render(t, s, nil, nil, New(tt.typ, ""))
			if got.status != tt.status || got.body != tt.body {
				t.Errorf("got %d %s, want %d %s", got.status, got.body, tt.status, tt.body)
			}
			// Header() canonicalizes lookups, but the map must hold AWS's spelling.
			if v := got.header["x-amzn-ErrorType"]; len(v) != 1 || v[0] != tt.errorType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", v, tt.errorType)
			}
			if ct := got.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cl := got.header.Get("Content-Length"); cl != strconv.Itoa(len(tt.body)) {
				t.Errorf("Content-Length = %q for %d bytes", cl, len(tt.body))
			}
			c := got.ctx
			if c.Status != tt.status || c.ResponseLength != int64(len(tt.body)) ||
				c.Error.ResponseType != string(tt.typ) || c.Error.Message != tt.message {
				t.Errorf("context = status %d length %d type %q message %q", c.Status, c.ResponseLength, c.Error.ResponseType, c.Error.Message)
			}
			// The access log must see the same messageString the body was rendered from.
			if ms, _ := c.Lookup("error.messageString"); tt.body[len(`{"message":`):len(tt.body)-1] != ms {
				t.Errorf("messageString %q does not match body %s", ms, tt.body)
			}
		})
	}
}

func TestHTTPAPIDefaults(t *testing.T) {
	tests := []struct {
		types  []Type
		status int
		body   string
	}{
		{[]Type{MissingAuthenticationToken, ResourceNotFound}, 404, `{"message":"Not Found"}`},
		{[]Type{Unauthorized}, 401, `{"message":"Unauthorized"}`},
		{[]Type{AccessDenied, ExpiredToken, InvalidAPIKey, InvalidSignature, WAFFiltered}, 403, `{"message":"Forbidden"}`},
		{[]Type{Throttled, QuotaExceeded}, 429, `{"message":"Too Many Requests"}`},
		{[]Type{RequestTooLarge}, 413, `{"message":"Request Entity Too Large"}`},
		{[]Type{BadRequestBody, BadRequestParameters, Default4XX}, 400, `{"message":"Bad Request"}`},
		{[]Type{UnsupportedMediaType}, 415, `{"message":"Unsupported Media Type"}`},
		{[]Type{IntegrationTimeout}, 503, `{"message":"Service Unavailable"}`},
		{[]Type{IntegrationFailure, APIConfigurationError, AuthorizerConfigurationError, AuthorizerFailure, Default5XX, "NO_SUCH_TYPE"}, 500, `{"message":"Internal Server Error"}`},
	}
	s := mustCompile(t, apimodel.ProtocolHTTP, nil)
	seen := 0
	for _, tt := range tests {
		for _, typ := range tt.types {
			seen++
			t.Run(string(typ), func(t *testing.T) {
				// Status and message are fixed: an HTTP API shows neither e.Message nor e.Status.
				got := render(t, s, nil, nil, &Error{Type: typ, Message: "details", Status: 502})
				if got.status != tt.status || got.body != tt.body {
					t.Errorf("got %d %s, want %d %s", got.status, got.body, tt.status, tt.body)
				}
				if len(got.header["x-amzn-ErrorType"])+len(got.header["X-Amzn-Errortype"]) != 0 {
					t.Errorf("HTTP APIs send no x-amzn-ErrorType: %v", got.header)
				}
				wantCT := "application/json"
				if typ == IntegrationTimeout {
					wantCT = ""
				}
				if ct := got.header.Get("Content-Type"); ct != wantCT {
					t.Errorf("Content-Type = %q, want %q", ct, wantCT)
				}
				if got.ctx.Status != tt.status || got.ctx.ResponseLength != int64(len(tt.body)) {
					t.Errorf("context status %d length %d", got.ctx.Status, got.ctx.ResponseLength)
				}
			})
		}
	}
	if seen != len(specs)+1 {
		t.Errorf("HTTP table covers %d types, want all %d", seen-1, len(specs))
	}
}

func TestRESTMessagesAndStatus(t *testing.T) {
	s := mustCompile(t, apimodel.ProtocolREST, nil)
	tests := []struct {
		name   string
		err    *Error
		status int
		body   string
		header map[string]string
	}{
		{"validator message", New(BadRequestParameters, "Missing required request parameters: [x-header-param, qs1]"),
			400, `{"message":"Missing required request parameters: [x-header-param, qs1]"}`, nil},
		// Content-Length 56 in a real capture.
		{"unreachable backend", New(IntegrationFailure, "Network error communicating with endpoint"),
			504, `{"message": "Network error communicating with endpoint"}`, nil},
		{"malformed Lambda proxy response", New(Default5XX, "").WithStatus(502),
			502, `{"message": "Internal server error"}`, nil},
		{"explicit deny by resource policy", New(AccessDenied, "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/ with an explicit deny"),
			403, `{"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abc/dev/GET/ with an explicit deny"}`, nil},
		{"message needing escapes", New(BadRequestBody, "bad \"x\"\n\tat <root> \xff"),
			400, `{"message":"bad \"x\"\n\tat <root> \ufffd"}`, nil},
		{"authorizer error with a message", New(AuthorizerConfigurationError, "Authorizer error"),
			500, `{"message": "Authorizer error"}`, nil},
		{"SigV4 header parse failure", &Error{Type: Default4XX, Status: 403, ErrorType: "IncompleteSignatureException",
			Message: "Invalid key=value pair (missing equal-sign) in Authorization header"},
			403, `{"message":"Invalid key=value pair (missing equal-sign) in Authorization header"}`,
			map[string]string{"x-amzn-ErrorType": "IncompleteSignatureException"}},
		{"extra header", &Error{Type: Unauthorized, Header: http.Header{"Www-Authenticate": {"Bearer"}}},
			401, `{"message":"Unauthorized"}`, map[string]string{"Www-Authenticate": "Bearer"}},
		{"unknown type", New("NO_SUCH_TYPE", ""), 500, `{"message": "Internal server error"}`,
			map[string]string{"x-amzn-ErrorType": "InternalServerErrorException"}},
		{"nil error", nil, 500, `{"message": "Internal server error"}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := render(t, s, nil, nil, tt.err)
			if got.status != tt.status || got.body != tt.body {
				t.Errorf("got %d %s\nwant %d %s", got.status, got.body, tt.status, tt.body)
			}
			for k, v := range tt.header {
				if g := got.header[k]; len(g) != 1 || g[0] != v {
					t.Errorf("header %s = %q, want %q", k, g, v)
				}
			}
			if got.header.Get("Content-Length") != strconv.Itoa(len(tt.body)) {
				t.Errorf("Content-Length %q", got.header.Get("Content-Length"))
			}
		})
	}
}

func TestNilSetIsRESTDefaults(t *testing.T) {
	var s *Set
	got := render(t, s, nil, nil, New(MissingAuthenticationToken, ""))
	if got.status != 403 || got.body != `{"message":"Missing Authentication Token"}` {
		t.Errorf("got %d %s", got.status, got.body)
	}
}

func TestWriteBodyTooLarge(t *testing.T) {
	rec := httptest.NewRecorder()
	c := &reqctx.Context{}
	WriteBodyTooLarge(rec, c, 10485760)
	want := "HTTP content length exceeded 10485760 bytes."
	if rec.Code != 413 || rec.Body.String() != want || rec.Header().Get("Content-Type") != "text/plain" {
		t.Errorf("got %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	if c.Status != 413 || c.ResponseLength != int64(len(want)) || c.Error.ResponseType != "" {
		t.Errorf("context %+v", c)
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\x00\x1f\r\n\t", `"\u0000\u001f\r\n\t"`},
		{"<&> é 日本", `"<&> é 日本"`},
		{"bad\xc3", `"bad\ufffd"`},
	}
	for _, tt := range tests {
		if got := string(appendJSONString(nil, tt.in)); got != tt.want {
			t.Errorf("appendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// discard is a ResponseWriter that keeps nothing, so the benchmark measures Render alone.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(int)             {}

func BenchmarkRender(b *testing.B) {
	s := mustCompile(b, apimodel.ProtocolREST, map[string]*apimodel.GatewayResponse{
		"DEFAULT_4XX": {ResponseParameters: map[string]string{"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}},
	})
	r := httptest.NewRequest("GET", "/pets", nil)
	for _, bc := range []struct {
		name string
		err  *Error
	}{
		{"default", New(IntegrationTimeout, "")},
		{"default+custom-message", New(BadRequestParameters, "Missing required request parameters: [q]")},
		{"DEFAULT_4XX-headers", New(MissingAuthenticationToken, "")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w := &discard{h: http.Header{}}
			c := &reqctx.Context{}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				s.Render(w, r, c, bc.err)
			}
		})
	}
}
