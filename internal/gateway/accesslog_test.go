package gateway_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/observe"
)

// logLine is one access-log line of the formats below, split into its fields.
type logLine struct{ id, stage, status, length, resource string }

func parseLog(t *testing.T, out string) map[string]logLine {
	t.Helper()
	lines := map[string]logLine{}
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		f := strings.Fields(l)
		if len(f) != 5 {
			t.Fatalf("access log line %q: want 5 fields", l)
		}
		lines[f[0]] = logLine{f[0], f[1], f[2], f[3], f[4]}
	}
	return lines
}

// TestAccessLog: each request writes one line, in its stage's format or else the handler's,
// with the status and length the client actually received, whoever wrote the response.
func TestAccessLog(t *testing.T) {
	const stageFormat = `$context.requestId $context.stage $context.status $context.responseLength $context.resourcePath`
	cfg := &apimodel.Config{
		Settings: apimodel.Settings{MaxBodyBytes: 8},
		APIs: []*apimodel.API{{ID: "logged", Protocol: rest,
			Stages: []*apimodel.Stage{{Name: "prod", AccessLogFormat: stageFormat}},
			Routes: []*apimodel.Route{
				mockRoute("GET", "/pets", "rest1 GET /pets"),
				mockRoute("GET", "/partial", "unused"),
				mockRoute("GET", "/failing", "unused"),
				mockRoute("POST", "/upload", "unused"),
			}}},
	}
	tbl := mustCompile(t, cfg)
	setRoute(t, tbl, "logged", "/partial", integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
		w.WriteHeader(http.StatusPartialContent)
		_, _ = w.Write([]byte("partial"))
		return errors.New("cut off")
	}))
	setRoute(t, tbl, "logged", "/failing", integrationFunc(func(http.ResponseWriter, *gateway.Call) error {
		return errors.New("refused")
	}))
	setRoute(t, tbl, "logged", "/upload", echo)
	handlerFormat, err := observe.ParseFormat(`$context.requestId nostage $context.status $context.responseLength $context.resourcePath`)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer // written only by the log's goroutine, read after Close
	al := observe.NewAccessLog(&out)
	h := &gateway.Handler{Tables: gateway.NewHolder(tbl), AccessLog: al, LogFormat: handlerFormat, Logger: quietLogger()}

	tests := []struct {
		name, method, target, body string
		status                     int
		stage, resource            string
	}{
		{"mock", "GET", "/prod/pets", "", 200, "prod", "/pets"},
		{"unknown route", "GET", "/prod/nope", "", 403, "prod", "-"},
		{"no stage: the handler's format", "GET", "/elsewhere", "", 403, "nostage", "-"},
		{"integration failure", "GET", "/prod/failing", "", 504, "prod", "/failing"},
		{"error after the response started", "GET", "/prod/partial", "", 206, "prod", "/partial"},
		{"body read by the integration", "POST", "/prod/upload", "12345678", 200, "prod", "/upload"},
		{"body over the limit", "POST", "/prod/upload", "123456789", 413, "prod", "/upload"},
		{"uri over the limit", "GET", "/prod/" + strings.Repeat("u", apimodel.DefaultMaxURLBytes), "", 414, "nostage", "-"},
	}
	ids := make([]string, len(tests))
	got := make([]*httptest.ResponseRecorder, len(tests))
	for i, tt := range tests {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		rec := serve(h, tt.method, "localhost", tt.target, body)
		if rec.Code != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.status)
		}
		ids[i], got[i] = checkIDs(t, rec.Header(), rest), rec
	}
	if err := al.Close(); err != nil {
		t.Fatal(err)
	}
	lines := parseLog(t, out.String())
	if len(lines) != len(tests) {
		t.Fatalf("%d access-log lines for %d requests:\n%s", len(lines), len(tests), out.String())
	}
	for i, tt := range tests {
		l, ok := lines[ids[i]]
		if !ok {
			t.Errorf("%s: no line for request %s", tt.name, ids[i])
			continue
		}
		want := logLine{ids[i], tt.stage, strconv.Itoa(got[i].Code), strconv.Itoa(got[i].Body.Len()), tt.resource}
		if l != want {
			t.Errorf("%s: logged %+v, want %+v (what the client received)", tt.name, l, want)
		}
	}
}

// TestResponseWriter: the edge's writer passes an integration's response through unchanged
// and reports the status that reached the client: the first final one, 200 for a bare Write,
// never an informational 1xx. ResponseController reaches the connection through it.
func TestResponseWriter(t *testing.T) {
	tests := []struct {
		name   string
		in     func(w http.ResponseWriter) error
		status int
		body   string
		got1xx int
	}{
		{"bare write is 200", func(w http.ResponseWriter) error {
			_, err := w.Write([]byte("hello"))
			return err
		}, 200, "hello", 0},
		{"second WriteHeader is ignored", func(w http.ResponseWriter) error {
			w.WriteHeader(http.StatusAccepted)
			w.WriteHeader(http.StatusInternalServerError)
			_, err := w.Write([]byte("ok"))
			return err
		}, 202, "ok", 0},
		{"103 Early Hints is passed on, then the real status", func(w http.ResponseWriter) error {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusCreated)
			_, err := w.Write([]byte("made"))
			return err
		}, 201, "made", 103},
		{"write deadline through ResponseController", func(w http.ResponseWriter) error {
			rc := http.NewResponseController(w)
			if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
				return err
			}
			w.WriteHeader(http.StatusOK)
			if err := rc.Flush(); err != nil {
				return err
			}
			_, err := w.Write([]byte("flushed"))
			return err
		}, 200, "flushed", 0},
		{"empty 204", func(w http.ResponseWriter) error {
			w.WriteHeader(http.StatusNoContent)
			return nil
		}, 204, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out lockedBuffer
			al := observe.NewAccessLog(&out)
			f, err := observe.ParseFormat(`$context.requestId x $context.status $context.responseLength x`)
			if err != nil {
				t.Fatal(err)
			}
			var invokeErr error
			in := integrationFunc(func(w http.ResponseWriter, c *gateway.Call) error {
				invokeErr = tt.in(w)
				return invokeErr
			})
			srv := httptest.NewServer(&gateway.Handler{Tables: gateway.NewHolder(handTable(t, rest, in, time.Second)),
				AccessLog: al, LogFormat: f, Logger: quietLogger()})
			defer srv.Close()

			got1xx := 0
			ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				Got1xxResponse: func(code int, _ textproto.MIMEHeader) error { got1xx = code; return nil },
			})
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/s/r", nil)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || string(b) != tt.body || got1xx != tt.got1xx {
				t.Errorf("got %d %q (1xx %d), want %d %q (1xx %d)", resp.StatusCode, b, got1xx, tt.status, tt.body, tt.got1xx)
			}
			srv.Close() // waits for the handler: its log line is written, invokeErr is set
			if invokeErr != nil {
				t.Fatalf("integration: %v", invokeErr)
			}
			if err := al.Close(); err != nil {
				t.Fatal(err)
			}
			l := parseLog(t, out.String())[resp.Header.Get("X-Amzn-Requestid")]
			if l.status != strconv.Itoa(tt.status) || l.length != strconv.Itoa(len(tt.body)) {
				t.Errorf("logged status %s length %s, want %d %d", l.status, l.length, tt.status, len(tt.body))
			}
		})
	}
}
