package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// fakeRuntime starts a function whose process only reports its Runtime API address, so that
// the test can speak the Runtime API itself.
type fakeRuntime struct {
	t      *testing.T
	m      *Manager
	name   string
	addr   string
	client *http.Client
}

func newFakeRuntime(t *testing.T, m *Manager, name string) *fakeRuntime {
	addrFile := filepath.Join(t.TempDir(), "addr")
	code, _ := filepath.Abs("testdata/fake")
	os.Chmod(filepath.Join(code, "bootstrap"), 0o755)
	mustSync(t, m, &apimodel.Function{Name: name, Runtime: "provided", Code: code, Timeout: 5 * time.Second,
		Environment: map[string]string{"ADDR_FILE": addrFile}})
	client := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(client.CloseIdleConnections)
	return &fakeRuntime{t: t, m: m, name: name, client: client}
}

// invokeAsync starts an invocation and, once the process is up, learns its address.
func (fr *fakeRuntime) invokeAsync(payload string, opts InvokeOptions) chan *Result {
	ch := make(chan *Result, 1)
	go func() {
		res, err := fr.m.Invoke(context.Background(), fr.name, []byte(payload), opts)
		if err != nil {
			fr.t.Errorf("invoke: %v", err)
		}
		ch <- res
	}()
	return ch
}

func (fr *fakeRuntime) waitAddr() {
	f := fr.m.lookup(fr.name)
	env := f.cur.launch.env
	var addrFile string
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "ADDR_FILE="); ok {
			addrFile = v
		}
	}
	waitFor(fr.t, "fake runtime address", func() bool {
		b, err := os.ReadFile(addrFile)
		fr.addr = strings.TrimSpace(string(b))
		return err == nil && fr.addr != ""
	})
}

func (fr *fakeRuntime) do(method, path string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	fr.t.Helper()
	req, _ := http.NewRequest(method, "http://"+fr.addr+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := fr.client.Do(req)
	if err != nil {
		fr.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func expectAPIError(t *testing.T, resp *http.Response, body []byte, status int, errType string) {
	t.Helper()
	var e apiError
	json.Unmarshal(body, &e)
	if resp.StatusCode != status || e.ErrorType != errType || e.ErrorMessage == "" {
		t.Errorf("got %d %s, want %d %s", resp.StatusCode, body, status, errType)
	}
}

func TestRuntimeAPI(t *testing.T) {
	m := newManager(t, Options{Region: "us-west-2"})
	fr := newFakeRuntime(t, m, "fake")
	ch := fr.invokeAsync(`{"hello":"world"}`, InvokeOptions{RequestID: "id-1", TraceID: "Root=1-1-2", ClientContext: `{"custom":{"a":"b"}}`})
	fr.waitAddr()

	resp, body := fr.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	h := resp.Header
	if resp.StatusCode != 200 || string(body) != `{"hello":"world"}` || h.Get("Lambda-Runtime-Aws-Request-Id") != "id-1" ||
		h.Get("Lambda-Runtime-Trace-Id") != "Root=1-1-2" || h.Get("Lambda-Runtime-Client-Context") != `{"custom":{"a":"b"}}` ||
		h.Get("Lambda-Runtime-Invoked-Function-Arn") != "arn:aws:lambda:us-west-2:123456789012:function:fake" ||
		h.Get("Content-Type") != "application/json" {
		t.Fatalf("next: %d %s %v", resp.StatusCode, body, h)
	}
	deadline, _ := strconv.ParseInt(h.Get("Lambda-Runtime-Deadline-Ms"), 10, 64)
	if d := time.Until(time.UnixMilli(deadline)); d < 4*time.Second || d > 5*time.Second {
		t.Errorf("deadline in %v, want about the 5 s timeout", d)
	}

	resp, body = fr.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	expectAPIError(t, resp, body, 403, "InvalidStateTransition")
	resp, body = fr.do("POST", "/2018-06-01/runtime/invocation/other-id/response", []byte(`{}`), nil)
	expectAPIError(t, resp, body, 400, "InvalidRequestID")
	resp, body = fr.do("POST", "/2018-06-01/runtime/init/error", []byte(`{}`), nil)
	expectAPIError(t, resp, body, 403, "InvalidStateTransition")

	resp, body = fr.do("POST", "/2018-06-01/runtime/invocation/id-1/response", []byte(`"done"`), nil)
	if resp.StatusCode != 202 || strings.TrimSpace(string(body)) != `{"status":"OK"}` {
		t.Errorf("response: %d %s", resp.StatusCode, body)
	}
	if res := <-ch; string(res.Payload) != `"done"` || res.FunctionError != "" {
		t.Errorf("result %q %q", res.Payload, res.FunctionError)
	}
	resp, body = fr.do("POST", "/2018-06-01/runtime/invocation/id-1/response", []byte(`"again"`), nil)
	expectAPIError(t, resp, body, 403, "InvalidStateTransition")
	resp, _ = fr.do("GET", "/2018-06-01/runtime/unknown", nil, nil)
	if resp.StatusCode != 404 {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}

	// An error post with a non-JSON body and the error type in the header.
	ch = fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-2"})
	fr.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	resp, _ = fr.do("POST", "/2018-06-01/runtime/invocation/id-2/error", []byte("plain failure"),
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Custom.Failure"})
	if resp.StatusCode != 202 {
		t.Errorf("error post: %d", resp.StatusCode)
	}
	res := <-ch
	if out := decode(t, res); res.FunctionError != "Unhandled" || out["errorType"] != "Custom.Failure" || out["errorMessage"] != "plain failure" {
		t.Errorf("error result: %s", res.Payload)
	}

	// A response over 6 MB: 413 to the runtime, Function.ResponseSizeTooLarge to the caller.
	ch = fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-3"})
	fr.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	resp, body = fr.do("POST", "/2018-06-01/runtime/invocation/id-3/response", make([]byte, MaxResponseBytes+1), nil)
	expectAPIError(t, resp, body, 413, "RequestEntityTooLarge")
	if res := <-ch; !strings.Contains(string(res.Payload), `"errorType":"Function.ResponseSizeTooLarge"`) {
		t.Errorf("oversized: %s", res.Payload)
	}
	// Exactly the limit is fine.
	ch = fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-4"})
	fr.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	if resp, _ := fr.do("POST", "/2018-06-01/runtime/invocation/id-4/response", make([]byte, MaxResponseBytes), nil); resp.StatusCode != 202 {
		t.Errorf("response at the limit: %d", resp.StatusCode)
	}
	if res := <-ch; len(res.Payload) != MaxResponseBytes {
		t.Errorf("payload at the limit: %d bytes", len(res.Payload))
	}
}

func TestRuntimeAPIInitError(t *testing.T) {
	m := newManager(t, Options{})
	fr := newFakeRuntime(t, m, "initerr")
	ch := fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-1"})
	fr.waitAddr()
	resp, body := fr.do("POST", "/2018-06-01/runtime/init/error",
		[]byte(`{"errorMessage":"cannot start","errorType":"Runtime.Custom"}`),
		map[string]string{"Lambda-Runtime-Function-Error-Type": "Runtime.Custom"})
	if resp.StatusCode != 202 {
		t.Fatalf("init/error: %d %s", resp.StatusCode, body)
	}
	res := <-ch
	if res.FunctionError != "Unhandled" || string(res.Payload) != `{"errorMessage":"cannot start","errorType":"Runtime.Custom"}` {
		t.Errorf("init error result: %s", res.Payload)
	}
	if !strings.Contains(string(res.LogTail), "Phase: init\tStatus: error\tError Type: Runtime.Custom") {
		t.Errorf("log tail:\n%s", res.LogTail)
	}
	waitFor(t, "failed instance to go", func() bool { return m.instanceCount("initerr") == 0 })
	// Remembered: the next invocation fails the same way without a new process.
	starts := m.processStarts()
	res = invoke(t, m, "initerr", `{}`)
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "cannot start") || m.processStarts() != starts {
		t.Errorf("second invocation: %s, starts %d → %d", res.Payload, starts, m.processStarts())
	}
}

func TestRuntimeAPIOddRequests(t *testing.T) {
	m := newManager(t, Options{})
	fr := newFakeRuntime(t, m, "odd")
	ch := fr.invokeAsync(`{}`, InvokeOptions{RequestID: "id-1"})
	fr.waitAddr()
	odd := []struct{ method, path string }{
		{"POST", "/2018-06-01/runtime/invocation/next"},
		{"GET", "/2018-06-01/runtime/invocation/id-1/response"},
		{"POST", "/2018-06-01/runtime/invocation//response"},
		{"POST", "/2018-06-01/runtime/invocation/id-1%2Fx/response"},
		{"POST", "/2018-06-01/runtime/invocation/id-1/response/extra"},
		{"PUT", "/2018-06-01/runtime/init/error"},
		{"POST", "/2020-01-01/extension/register"},
		{"GET", "/"},
	}
	for _, o := range odd {
		resp, _ := fr.do(o.method, o.path, []byte("\x00\xff garbage"), map[string]string{"Lambda-Runtime-Function-Error-Type": "not a type; at all"})
		if resp.StatusCode < 400 {
			t.Errorf("%s %s: %d", o.method, o.path, resp.StatusCode)
		}
	}
	// Still serving normally.
	resp, _ := fr.do("GET", "/2018-06-01/runtime/invocation/next", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("next after odd requests: %d", resp.StatusCode)
	}
	fr.do("POST", "/2018-06-01/runtime/invocation/id-1/error", []byte(`{"errorMessage":"x","errorType":"Y"}`), nil)
	if res := <-ch; res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), `"errorType":"Y"`) {
		t.Errorf("result: %s", res.Payload)
	}
}
