package gateway_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
)

// TestBodyLimits: a declared Content-Length over the limit is refused before the integration
// runs; a chunked body is cut off where it crosses the limit, when the integration reads it.
// REST answers as AWS's front door does (plain text, no error type), HTTP APIs with their 413.
func TestBodyLimits(t *testing.T) {
	const limit = 16
	restTooLarge := fmt.Sprintf("HTTP content length exceeded %d bytes.", limit)
	httpTooLarge := `{"message":"Request Entity Too Large"}`
	tests := []struct {
		name    string
		proto   apimodel.Protocol
		body    string
		chunked bool
		status  int
		want    string
		invoked bool // whether the integration may run at all
	}{
		{"rest content-length at the limit", rest, strings.Repeat("a", limit), false, 200, strings.Repeat("a", limit), true},
		{"rest content-length over the limit", rest, strings.Repeat("a", limit+1), false, 413, restTooLarge, false},
		{"rest chunked at the limit", rest, strings.Repeat("b", limit), true, 200, strings.Repeat("b", limit), true},
		{"rest chunked over the limit", rest, strings.Repeat("b", 10*limit), true, 413, restTooLarge, true},
		{"http content-length over the limit", htp, strings.Repeat("c", limit+1), false, 413, httpTooLarge, false},
		{"http chunked over the limit", htp, strings.Repeat("c", limit+1), true, 413, httpTooLarge, true},
		{"http empty body", htp, "", false, 200, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			in := integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
				calls.Add(1)
				return echo(w, c)
			})
			tbl := handTable(t, tt.proto, in, time.Second)
			tbl.Settings.MaxBodyBytes = limit
			srv := httptest.NewServer(&gateway.Handler{Tables: gateway.NewHolder(tbl), Logger: quietLogger()})
			defer srv.Close()

			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length, so the client sends it chunked
			}
			// The route is GET /s/r; a GET may carry a body, at AWS as here.
			req, err := http.NewRequest("GET", srv.URL+"/s/r", body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.chunked {
				req.TransferEncoding = []string{"chunked"}
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || string(got) != tt.want {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, got, tt.status, tt.want)
			}
			if n := calls.Load(); !tt.invoked && n != 0 {
				t.Errorf("the integration ran %d times for a body refused by its Content-Length", n)
			}
			checkIDs(t, resp.Header, tt.proto)
			if v := errorType(resp.Header); v != "" {
				t.Errorf("x-amzn-ErrorType = %q; the 413 is not a gateway response", v)
			}
		})
	}
}

// TestBodyLimitBeforeReading sends only the headers of a request that declares a huge body:
// the 413 must arrive without the gateway waiting for a single byte of it.
func TestBodyLimitBeforeReading(t *testing.T) {
	called := make(chan struct{}, 1)
	in := integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
		called <- struct{}{}
		return echo(w, c)
	})
	srv := httptest.NewServer(&gateway.Handler{Tables: gateway.NewHolder(handTable(t, rest, in, time.Second)), Logger: quietLogger()})
	defer srv.Close()

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /s/r HTTP/1.1\r\nHost: localhost\r\nContent-Length: %d\r\n\r\n", int64(apimodel.DefaultMaxBodyBytes)+1)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response while the body is unsent: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	want := fmt.Sprintf("HTTP content length exceeded %d bytes.", apimodel.DefaultMaxBodyBytes)
	if resp.StatusCode != 413 || string(b) != want || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("got %d %q (%s), want 413 %q", resp.StatusCode, b, resp.Header.Get("Content-Type"), want)
	}
	select {
	case <-called:
		t.Error("the integration ran")
	default:
	}
}

// TestURLLimit: a request URI longer than MaxURLBytes is refused with 414 before routing; one
// of exactly the limit is served. Even the refusal carries a request id.
func TestURLLimit(t *testing.T) {
	cfg := &apimodel.Config{
		Settings: apimodel.Settings{MaxURLBytes: 32},
		APIs: []*apimodel.API{{ID: "a", Protocol: rest, Stages: stages("s"), Routes: []*apimodel.Route{
			mockRoute("GET", "/{p+}", "ok"),
		}}},
	}
	h := &gateway.Handler{Tables: gateway.NewHolder(mustCompile(t, cfg)), Logger: quietLogger()}
	tests := []struct {
		name   string
		target string
		status int
		body   string
	}{
		{"at the limit", "/s/" + strings.Repeat("x", 29), 200, "ok"},
		{"query counts", "/s/x?" + strings.Repeat("q", 27), 200, "ok"},
		{"one byte over", "/s/" + strings.Repeat("x", 30), 414, `{"message":"Request-URI Too Long"}`},
		{"query over", "/s/x?" + strings.Repeat("q", 28), 414, `{"message":"Request-URI Too Long"}`},
		{"unroutable and over: the limit comes first", "/nostage/" + strings.Repeat("x", 30), 414, `{"message":"Request-URI Too Long"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, "GET", "localhost", tt.target, nil)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			checkIDs(t, rec.Header(), rest)
			wantType := ""
			if tt.status == 414 {
				wantType = "RequestTooLargeException"
			}
			if v := errorType(rec.Header()); v != wantType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", v, wantType)
			}
		})
	}
}

// TestIntegrationErrors: the edge gives each integration the route's timeout in its context
// and turns what the integration returns into exactly one gateway response.
func TestIntegrationErrors(t *testing.T) {
	const timeout = 30 * time.Millisecond
	untilDeadline := func(ret func(ctx context.Context) error) gateway.Integration {
		return integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
			ctx := c.Req.Context()
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
				return errors.New("the edge gave the integration no deadline")
			}
			return ret(ctx)
		})
	}
	timedOut := `{"message": "Endpoint request timed out"}`
	tests := []struct {
		name      string
		proto     apimodel.Protocol
		in        gateway.Integration
		status    int
		body      string
		errorType string
		ctype     string
	}{
		{"rest: context error after the deadline", rest, untilDeadline(func(ctx context.Context) error { return ctx.Err() }),
			504, timedOut, "InternalServerErrorException", "application/json"},
		{"rest: wrapped context error after the deadline", rest, untilDeadline(func(ctx context.Context) error { return fmt.Errorf("dial: %w", ctx.Err()) }),
			504, timedOut, "InternalServerErrorException", "application/json"},
		{"rest: INTEGRATION_TIMEOUT from the integration", rest, untilDeadline(func(ctx context.Context) error {
			return apierr.Wrap(apierr.IntegrationTimeout, "", ctx.Err())
		}), 504, timedOut, "InternalServerErrorException", "application/json"},
		{"rest: other failure after the deadline stays a failure", rest, untilDeadline(func(context.Context) error {
			return apierr.New(apierr.IntegrationFailure, "")
		}), 504, `{"message": "Internal server error"}`, "InternalServerErrorException", "application/json"},
		{"rest: plain error", rest, integrationFunc(func(http.ResponseWriter, *gateway.Call) error { return errors.New("connection refused") }),
			504, `{"message": "Internal server error"}`, "InternalServerErrorException", "application/json"},
		{"rest: typed error", rest, integrationFunc(func(http.ResponseWriter, *gateway.Call) error { return apierr.New(apierr.Throttled, "") }),
			429, `{"message":"Too Many Requests"}`, "TooManyRequestsException", "application/json"},
		{"http: context error after the deadline", htp, untilDeadline(func(ctx context.Context) error { return ctx.Err() }),
			503, `{"message":"Service Unavailable"}`, "", ""},
		{"http: plain error", htp, integrationFunc(func(http.ResponseWriter, *gateway.Call) error { return errors.New("connection refused") }),
			500, `{"message":"Internal Server Error"}`, "", "application/json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			h := &gateway.Handler{
				Tables: gateway.NewHolder(handTable(t, tt.proto, tt.in, timeout)),
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			}
			start := time.Now()
			rec := serve(h, "GET", "localhost", "/s/r", nil)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("took %s with a %s timeout", elapsed, timeout)
			}
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			if v := errorType(rec.Header()); v != tt.errorType {
				t.Errorf("x-amzn-ErrorType = %q, want %q", v, tt.errorType)
			}
			if v := rec.Header().Get("Content-Type"); v != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", v, tt.ctype)
			}
			checkIDs(t, rec.Header(), tt.proto)
			if tt.status >= 500 && !strings.Contains(logs.String(), "integration failed") {
				t.Errorf("an integration failure was not logged: %q", logs.String())
			}
		})
	}
}

// TestIntegrationDeadline: the context an integration gets ends at the route's timeout.
func TestIntegrationDeadline(t *testing.T) {
	for _, timeout := range []time.Duration{50 * time.Millisecond, 29 * time.Second} {
		c := &capture{}
		h := &gateway.Handler{Tables: gateway.NewHolder(handTable(t, rest, c, timeout)), Logger: quietLogger()}
		serve(h, "GET", "localhost", "/s/r", nil)
		got := c.last(t)
		if !got.hasDL || got.deadline > timeout || got.deadline < timeout-time.Second {
			t.Errorf("timeout %s: integration had %s left (deadline set: %v)", timeout, got.deadline, got.hasDL)
		}
	}
}

// TestErrorAfterResponseStarted: once an integration committed a status, its error is only
// logged; a second (gateway) response would corrupt the one the client is reading.
func TestErrorAfterResponseStarted(t *testing.T) {
	tests := []struct {
		name   string
		in     gateway.Integration
		status int
		body   string
	}{
		{"after WriteHeader and Write", integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte("partial"))
			return errors.New("backend reset the connection")
		}), 202, "partial"},
		{"after Write alone", integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
			_, _ = w.Write([]byte("part"))
			return apierr.New(apierr.IntegrationTimeout, "")
		}), 200, "part"},
		{"after WriteHeader alone", integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
			w.WriteHeader(http.StatusCreated)
			return errors.New("stream broke")
		}), 201, ""},
		{"after a Flush through ResponseController", integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
			if err := http.NewResponseController(w).Flush(); err != nil {
				return fmt.Errorf("flush: %w", err)
			}
			return errors.New("stream broke")
		}), 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs lockedBuffer
			h := &gateway.Handler{
				Tables: gateway.NewHolder(handTable(t, rest, tt.in, time.Second)),
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			}
			rec := serve(h, "GET", "localhost", "/s/r", nil)
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body, tt.status, tt.body)
			}
			if v := errorType(rec.Header()); v != "" {
				t.Errorf("a gateway response was started: x-amzn-ErrorType %q", v)
			}
			if !strings.Contains(logs.String(), "integration failed after the response started") {
				t.Errorf("the error was not logged: %q", logs.String())
			}
		})
	}
}

// TestGatewayResponsesSeeTheRequest: error responses are rendered with the API's own gateway
// responses, after the edge filled $context and handed over the path parameters.
func TestGatewayResponsesSeeTheRequest(t *testing.T) {
	cfg := &apimodel.Config{APIs: []*apimodel.API{{
		ID: "gr", Protocol: rest,
		Stages: []*apimodel.Stage{{Name: "prod", Variables: map[string]string{"team": "pets"}}},
		Routes: []*apimodel.Route{mockRoute("GET", "/pets/{id}", "unused")},
		GatewayResponses: map[string]*apimodel.GatewayResponse{
			"DEFAULT_5XX": {
				ResponseParameters: map[string]string{
					"gatewayresponse.header.X-Pet":   "method.request.path.id",
					"gatewayresponse.header.X-Stage": "context.stage",
				},
				ResponseTemplates: map[string]string{"application/json": `{"m":$context.error.messageString,"stage":"$context.stage","res":"$context.resourcePath","team":"$stageVariables.team"}`},
			},
			"MISSING_AUTHENTICATION_TOKEN": {StatusCode: "404", ResponseTemplates: map[string]string{"application/json": `{"nothing":"here"}`}},
		},
	}}}
	tbl := mustCompile(t, cfg)
	setRoute(t, tbl, "gr", "/pets/{id}", integrationFunc(func(http.ResponseWriter, *gateway.Call) error {
		return errors.New("boom")
	}))
	h := &gateway.Handler{Tables: gateway.NewHolder(tbl), Logger: quietLogger()}

	rec := serve(h, "GET", "gr.execute-api.localhost", "/prod/pets/7", nil)
	want := `{"m": "Internal server error","stage":"prod","res":"/pets/{id}","team":"pets"}`
	if rec.Code != 504 || rec.Body.String() != want {
		t.Errorf("integration failure: got %d %s, want 504 %s", rec.Code, rec.Body, want)
	}
	if rec.Header().Get("X-Pet") != "7" || rec.Header().Get("X-Stage") != "prod" {
		t.Errorf("headers from the request: X-Pet %q X-Stage %q", rec.Header().Get("X-Pet"), rec.Header().Get("X-Stage"))
	}

	rec = serve(h, "GET", "gr.execute-api.localhost", "/prod/nothing", nil)
	if rec.Code != 404 || rec.Body.String() != `{"nothing":"here"}` {
		t.Errorf("unknown route: got %d %s, want the API's MISSING_AUTHENTICATION_TOKEN override", rec.Code, rec.Body)
	}
}
