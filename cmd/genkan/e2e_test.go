package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// echoed is what the test backend saw.
type echoed struct {
	Method  string      `json:"method"`
	Path    string      `json:"path"`
	RawPath string      `json:"rawPath"`
	Query   string      `json:"query"`
	Header  http.Header `json:"header"`
	Host    string      `json:"host"`
	Body    string      `json:"body"`
}

// newBackend starts a real HTTP backend on loopback that echoes requests, sleeps on /slow and
// answers /status/N with N.
func newBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/slow"):
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
				return
			}
			fmt.Fprint(w, "slow done")
			return
		case strings.HasPrefix(r.URL.Path, "/status/"):
			var code int
			fmt.Sscanf(strings.TrimPrefix(r.URL.Path, "/status/"), "%d", &code)
			w.Header().Set("X-Backend", "yes")
			w.WriteHeader(code)
			fmt.Fprintf(w, `{"status":%d}`, code)
			return
		}
		body := new(strings.Builder)
		if r.Body != nil {
			buf := make([]byte, 4096)
			for {
				n, err := r.Body.Read(buf)
				body.Write(buf[:n])
				if err != nil {
					break
				}
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Backend", "yes")
		json.NewEncoder(w).Encode(echoed{r.Method, r.URL.Path, r.URL.RawPath, r.URL.RawQuery, r.Header, r.Host, body.String()})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func decodeEcho(t *testing.T, r response) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("backend echo: %v in %q (status %d)", err, r.body, r.status)
	}
	return e
}

const restConfig = `
apis:
  - id: shop
    protocol: REST
    stages:
      dev:
        variables: { backend: "%[1]s" }
    gatewayResponses:
      RESOURCE_NOT_FOUND:
        statusCode: 404
    routes:
      GET /pets/{id}:
        proxy: ${stageVariables.backend}/pets/{id}
      ANY /files/{proxy+}:
        proxy: %[1]s/files/{proxy}
      POST /pets:
        proxy: %[1]s/pets
      GET /health:
        mock: { statusCode: 200, body: '{"ok":true}', headers: { Content-Type: "'application/json'" } }
      GET /slow:
        integration: { type: HTTP_PROXY, uri: "%[1]s/slow", timeout: 300ms }
      GET /down:
        proxy: http://127.0.0.1:1/down
      GET /status/{code}:
        proxy: %[1]s/status/{code}
`

func TestRESTProxyEndToEnd(t *testing.T) {
	backend := newBackend(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "genkan.yaml"), fmt.Sprintf(restConfig, backend.URL))
	g := startGenkan(t, dir, "--access-log", "-")

	t.Run("path param and stage variable", func(t *testing.T) {
		r := do(t, "GET", g.url("/dev/pets/42?x=1&x=2"), nil, "X-Custom", "v")
		if r.status != 200 {
			t.Fatalf("status %d body %s", r.status, r.body)
		}
		e := decodeEcho(t, r)
		if e.Path != "/pets/42" || e.Query != "x=1&x=2" || e.Header.Get("X-Custom") != "v" {
			t.Fatalf("backend saw %+v", e)
		}
		if !strings.Contains(e.Header.Get("X-Forwarded-For"), "127.0.0.1") {
			t.Fatalf("X-Forwarded-For = %q", e.Header.Get("X-Forwarded-For"))
		}
		if r.header.Get("X-Backend") != "yes" || r.header.Get("x-amzn-RequestId") == "" {
			t.Fatalf("response headers %v", r.header)
		}
	})
	t.Run("greedy proxy keeps the rest of the path", func(t *testing.T) {
		e := decodeEcho(t, do(t, "DELETE", g.url("/dev/files/a/b/c.txt"), nil))
		if e.Method != "DELETE" || e.Path != "/files/a/b/c.txt" {
			t.Fatalf("backend saw %+v", e)
		}
	})
	t.Run("body forwarded", func(t *testing.T) {
		e := decodeEcho(t, do(t, "POST", g.url("/dev/pets"), strings.NewReader(`{"name":"rex"}`), "Content-Type", "application/json"))
		if e.Body != `{"name":"rex"}` {
			t.Fatalf("backend body %q", e.Body)
		}
	})
	t.Run("mock", func(t *testing.T) {
		r := do(t, "GET", g.url("/dev/health"), nil)
		if r.status != 200 || r.body != `{"ok":true}` || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("mock answered %d %q %v", r.status, r.body, r.header)
		}
	})
	t.Run("backend status passes through", func(t *testing.T) {
		r := do(t, "GET", g.url("/dev/status/418"), nil)
		if r.status != 418 || r.body != `{"status":418}` {
			t.Fatalf("got %d %q", r.status, r.body)
		}
	})
	for _, tc := range []struct{ name, method, path string }{
		{"unknown path", "GET", "/dev/nope"},
		{"unknown method", "PUT", "/dev/pets/1"},
		{"unknown stage", "GET", "/prod/pets/1"},
		{"no stage", "GET", "/"},
		{"lower-case method", "get", "/dev/health"},
	} {
		t.Run("403 "+tc.name, func(t *testing.T) {
			r := do(t, tc.method, g.url(tc.path), nil)
			if r.status != 403 || r.body != `{"message":"Missing Authentication Token"}` ||
				r.header.Get("x-amzn-ErrorType") != "MissingAuthenticationTokenException" {
				t.Fatalf("got %d %q %v", r.status, r.body, r.header)
			}
		})
	}
	t.Run("integration timeout is 504", func(t *testing.T) {
		start := time.Now()
		r := do(t, "GET", g.url("/dev/slow"), nil)
		if r.status != 504 || !strings.Contains(r.body, "Endpoint request timed out") {
			t.Fatalf("got %d %q", r.status, r.body)
		}
		if d := time.Since(start); d > 1500*time.Millisecond {
			t.Fatalf("timeout took %s, configured 300ms", d)
		}
	})
	t.Run("unreachable backend is INTEGRATION_FAILURE", func(t *testing.T) {
		r := do(t, "GET", g.url("/dev/down"), nil)
		if r.status != 504 && r.status != 500 && r.status != 502 {
			t.Fatalf("got %d %q", r.status, r.body)
		}
		if !strings.Contains(r.body, "message") {
			t.Fatalf("body %q", r.body)
		}
	})
	t.Run("body over the limit is 413 before reading", func(t *testing.T) {
		got := rawRequest(t, g.addr, "POST /dev/pets HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n")
		if !strings.HasPrefix(got, "413 ") {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("ambiguous framing is rejected", func(t *testing.T) {
		for _, raw := range []string{
			"POST /dev/pets HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
			"POST /dev/pets HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
			"POST /dev/pets HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		} {
			if got := rawRequest(t, g.addr, raw); !strings.HasPrefix(got, "400 ") && !strings.HasPrefix(got, "501 ") {
				t.Errorf("%q: got %s", raw, got)
			}
		}
		// With both, Transfer-Encoding wins and the backend gets the body re-framed.
		got := rawRequest(t, g.addr, "POST /dev/pets HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
		if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, `"body":"hello"`) {
			t.Fatalf("chunked with a stray Content-Length: %s", got)
		}
	})
	t.Run("request line and headers over 10,240 bytes are refused", func(t *testing.T) {
		got := rawRequest(t, g.addr, "GET /dev/health HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 10300)+"\r\n\r\n")
		if !strings.HasPrefix(got, "431 ") {
			t.Fatalf("got %s", got)
		}
		if r := do(t, "GET", g.url("/dev/health"), nil, "X-Big", strings.Repeat("a", 9000)); r.status != 200 {
			t.Fatalf("a 9,000-byte header was refused: %d", r.status)
		}
	})
	t.Run("URL over 10,240 bytes is 414", func(t *testing.T) {
		if r := do(t, "GET", g.url("/dev/pets/"+strings.Repeat("a", 10300)), nil); r.status != 414 {
			t.Fatalf("got %d %q", r.status, r.body)
		}
	})
	t.Run("access log has one JSON line per request", func(t *testing.T) {
		waitFor(t, "access log line", 5*time.Second, func() bool {
			return strings.Contains(g.stdout(), `"status":"418"`) || strings.Contains(g.stdout(), `"status":418`)
		})
	})
}

func TestListingAndValidate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "genkan.yaml"), fmt.Sprintf(restConfig, "http://127.0.0.1:9"))
	g := startGenkan(t, dir)
	waitFor(t, "route listing", 5*time.Second, func() bool {
		return strings.Contains(g.stdout(), "http://"+g.addr+"/dev/pets/{id}")
	})

	bad := filepath.Join(dir, "bad.yaml")
	writeFile(t, bad, "apis:\n  - id: shop\n    routes:\n      GTE /x:\n        proxy: http://127.0.0.1:9/\n")
	out, err := exec.Command(genkanBin, "validate", bad).CombinedOutput()
	if err == nil {
		t.Fatalf("validate accepted a bad file: %s", out)
	}
	if code := err.(*exec.ExitError).ExitCode(); code != 1 {
		t.Fatalf("exit code %d", code)
	}
	if !strings.Contains(string(out), "bad.yaml:4:") {
		t.Fatalf("validate output lacks file:line:col: %s", out)
	}
	good := filepath.Join(dir, "genkan.yaml")
	if out, err := exec.Command(genkanBin, "validate", good).CombinedOutput(); err != nil {
		t.Fatalf("validate rejected a good file: %v %s", err, out)
	}
	out, err = exec.Command(genkanBin, "routes", good).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "/dev/files/{proxy+}") {
		t.Fatalf("routes: %v %s", err, out)
	}
}

func TestHotReloadUnderLoad(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "genkan.yaml")
	version := func(n int) string {
		return fmt.Sprintf("apis:\n  - id: r\n    stages: { dev: {} }\n    routes:\n      GET /v:\n        mock: { statusCode: 200, body: 'v%d' }\n", n)
	}
	writeFile(t, cfg, version(1))
	g := startGenkan(t, dir)

	var failures, total atomic.Int64
	var seen sync.Map
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := client.Get(g.url("/dev/v"))
				total.Add(1)
				if err != nil {
					failures.Add(1)
					continue
				}
				b := make([]byte, 16)
				n, _ := resp.Body.Read(b)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					failures.Add(1)
					continue
				}
				seen.Store(string(b[:n]), true)
			}
		}()
	}
	for n := 2; n <= 6; n++ {
		replaceFile(t, cfg, version(n))
		want := fmt.Sprintf("v%d", n)
		waitFor(t, "reload to "+want, 10*time.Second, func() bool { _, ok := seen.Load(want); return ok })
	}
	// An invalid file is reported and the last good configuration keeps serving.
	replaceFile(t, cfg, "apis:\n  - id: r\n    stages: { dev: {} }\n    routes:\n      GET /v:\n        mock: { statusCode: nope }\n")
	waitFor(t, "reload error logged", 10*time.Second, func() bool { return strings.Contains(g.stderr(), "genkan.yaml:6:") })
	time.Sleep(100 * time.Millisecond)
	close(stop)
	wg.Wait()
	if r := do(t, "GET", g.url("/dev/v"), nil); r.body != "v6" {
		t.Fatalf("after a bad reload got %q, want the last good v6", r.body)
	}
	if failures.Load() != 0 {
		t.Fatalf("%d of %d requests failed during reloads", failures.Load(), total.Load())
	}
	if total.Load() < 50 {
		t.Fatalf("only %d requests were made during the reloads", total.Load())
	}

	// SIGHUP reloads too.
	writeFile(t, filepath.Join(dir, "other.yaml"), "")
	g.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, "SIGHUP reload attempt", 5*time.Second, func() bool { return strings.Count(g.stderr(), "reload") >= 2 })
}

func TestGracefulDrain(t *testing.T) {
	backend := newBackend(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "genkan.yaml"), fmt.Sprintf(
		"apis:\n  - id: d\n    stages: { dev: {} }\n    routes:\n      GET /slow:\n        proxy: %s/slow\n", backend.URL))
	g := startGenkan(t, dir, "--drain-timeout", "10s")
	done := make(chan response, 1)
	go func() {
		resp, err := http.Get(g.url("/dev/slow"))
		if err != nil {
			done <- response{status: -1, body: err.Error()}
			return
		}
		defer resp.Body.Close()
		b := make([]byte, 64)
		n, _ := resp.Body.Read(b)
		done <- response{status: resp.StatusCode, body: string(b[:n])}
	}()
	time.Sleep(300 * time.Millisecond) // the request is in flight at the backend
	if err := g.stop(syscall.SIGTERM, 15*time.Second); err != nil {
		t.Fatalf("genkan exited with %v after SIGTERM", err)
	}
	r := <-done
	if r.status != 200 || r.body != "slow done" {
		t.Fatalf("in-flight request got %d %q", r.status, r.body)
	}
}

func TestHostAndDomainRouting(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "genkan.yaml"), `
apis:
  - id: alpha
    stages: { dev: {} }
    routes:
      GET /who: { mock: { statusCode: 200, body: alpha } }
  - id: beta
    protocol: HTTP
    routes:
      GET /who: { mock: { statusCode: 200, body: beta } }
domains:
  - name: api.example.test
    mappings:
      - { basePath: a, api: alpha, stage: dev }
      - { basePath: "", api: beta, stage: $default }
`)
	g := startGenkan(t, dir)
	for _, tc := range []struct {
		host, path, want string
		status           int
	}{
		{"alpha.execute-api.localhost", "/dev/who", "alpha", 200},
		{"beta.execute-api.localhost", "/who", "beta", 200},
		{"beta.execute-api.localhost", "/nope", `{"message":"Not Found"}`, 404},
		{"api.example.test", "/a/who", "alpha", 200},
		{"api.example.test", "/who", "beta", 200},
		{"127.0.0.1", "/dev/who", "alpha", 200},
		{"127.0.0.1", "/who", "beta", 200},
	} {
		r := do(t, "GET", g.url(tc.path), nil, "Host", tc.host)
		if r.status != tc.status || r.body != tc.want {
			t.Errorf("Host %s %s: got %d %q, want %d %q", tc.host, tc.path, r.status, r.body, tc.status, tc.want)
		}
	}
}

func TestQuickstartExample(t *testing.T) {
	wd, _ := os.Getwd()
	example := filepath.Join(wd, "..", "..", "examples", "quickstart")
	dir := t.TempDir()
	g := startGenkan(t, dir, example)
	if r := do(t, "GET", g.url("/dev/hello"), nil); r.status != 200 || !strings.Contains(r.body, "hello from genkan") {
		t.Fatalf("/dev/hello: %d %q", r.status, r.body)
	}
	if r := do(t, "GET", g.url("/dev/greet/genkan"), nil); r.status != 200 || !strings.Contains(r.body, `"message":"Hello, genkan"`) {
		t.Fatalf("/dev/greet/genkan: %d %q", r.status, r.body)
	}
	if r := do(t, "GET", g.url("/v1/pets/7"), nil); r.status != 200 || r.header.Get("X-Request-Id") != r.header.Get("x-amzn-RequestId") {
		t.Fatalf("/v1/pets/7: %d %q %v", r.status, r.body, r.header)
	}
}
