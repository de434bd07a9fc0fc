package functions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

func TestSyncCodeChangeDrainsOldVersion(t *testing.T) {
	m := newManager(t, Options{})
	code := filepath.Join(t.TempDir(), "fn")
	copyFile(t, goFnV1, filepath.Join(code, "bootstrap"))
	fn := goFunction("fn", code)
	mustSync(t, m, fn)
	first := invoke(t, m, "fn", `{"action":"echo"}`)
	oldPID := pidOf(t, first)

	// Same definition and code: the warm instance stays.
	mustSync(t, m, goFunction("fn", code))
	if p := pidOf(t, invoke(t, m, "fn", `{"action":"echo"}`)); p != oldPID {
		t.Fatalf("unchanged Sync replaced the instance: %d → %d", oldPID, p)
	}

	inflight := make(chan *Result, 1)
	go func() { inflight <- invoke(t, m, "fn", `{"action":"sleep","ms":600}`) }()
	f := m.lookup("fn")
	waitFor(t, "in-flight invocation", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.busy == 1
	})

	copyFile(t, goFnV2, filepath.Join(code, "bootstrap"))
	mustSync(t, m, goFunction("fn", code))
	res := invoke(t, m, "fn", `{"action":"echo"}`)
	if v := decode(t, res)["version"]; v != "v2" {
		t.Errorf("new invocation ran %v, want v2", v)
	}
	old := <-inflight
	if out := okPayload(t, old); out["version"] != "v1" || out["pid"] != float64(oldPID) {
		t.Errorf("in-flight invocation: %s (old pid %d)", old.Payload, oldPID)
	}
	waitFor(t, "old version's instance to stop", func() bool { return !processAlive(oldPID) })
	if p := pidOf(t, invoke(t, m, "fn", `{"action":"echo"}`)); p == oldPID {
		t.Error("old instance still serving")
	}

	// A definition change (memory) is a new version too.
	fn2 := goFunction("fn", code)
	fn2.MemoryMB = 256
	mustSync(t, m, fn2)
	if mem := decode(t, invoke(t, m, "fn", `{"action":"echo"}`))["env"].(map[string]any)["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]; mem != "256" {
		t.Errorf("memory after change = %v", mem)
	}
}

func TestSyncRemoveStops(t *testing.T) {
	m := newManager(t, Options{})
	mustSync(t, m, goFunction("gone", goFnV1), goFunction("kept", goFnV1))
	pid := pidOf(t, invoke(t, m, "gone", `{"action":"echo"}`))
	mustSync(t, m, goFunction("kept", goFnV1))
	if m.Has("gone") || !m.Has("kept") {
		t.Fatalf("Has after removal: gone=%v kept=%v", m.Has("gone"), m.Has("kept"))
	}
	if _, err := m.Invoke(context.Background(), "gone", nil, InvokeOptions{}); !errors.Is(err, ErrFunctionNotFound) {
		t.Errorf("removed function: %v", err)
	}
	waitFor(t, "removed function's process to stop", func() bool { return !processAlive(pid) })
	if got := m.CodePaths(); len(got) != 1 || got[0] != goFnV1 {
		t.Errorf("CodePaths = %v", got)
	}
}

func TestSyncRejectsWhatLambdaRejects(t *testing.T) {
	m := newManager(t, Options{})
	mustSync(t, m, goFunction("ok", goFnV1))
	pos := apimodel.Position{File: "genkan.yaml", Line: 12, Column: 5}
	cases := []struct {
		fn   apimodel.Function
		want []string
	}{
		{apimodel.Function{Name: "typo", Runtime: "nodejs20.z", Handler: "index.handler", Code: "/x", Pos: pos},
			[]string{`genkan.yaml:12:5: function "typo"`, `unknown runtime "nodejs20.z"`, `did you mean "nodejs20.x"`}},
		{apimodel.Function{Name: "bad name!", Runtime: "provided", Code: "/x"}, []string{"name must be"}},
		{apimodel.Function{Name: "env", Runtime: "provided", Code: "/x", Environment: map[string]string{"AWS_REGION": "x", "TZ": "y"}},
			[]string{"reserved by Lambda: AWS_REGION, TZ"}},
		{apimodel.Function{Name: "mem", Runtime: "provided", Code: "/x", MemoryMB: 64}, []string{"memory 64 MB"}},
		{apimodel.Function{Name: "to", Runtime: "provided", Code: "/x", Timeout: 901 * time.Second}, []string{"timeout 15m1s"}},
		{apimodel.Function{Name: "nh", Runtime: "python3.11", Code: "/x"}, []string{"needs a handler"}},
		{apimodel.Function{Name: "nc", Runtime: "provided"}, []string{"code path is required"}},
	}
	for _, c := range cases {
		fn := c.fn
		_, err := m.Sync([]*apimodel.Function{goFunction("ok", goFnV1), &fn})
		if err == nil {
			t.Errorf("%s: no error", fn.Name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", fn.Name, err, w)
			}
		}
	}
	if _, err := m.Sync([]*apimodel.Function{goFunction("ok", goFnV1), goFunction("ok", goFnV1)}); err == nil {
		t.Error("duplicate name accepted")
	}
	// A rejected Sync changes nothing.
	if !m.Has("ok") || m.Has("typo") {
		t.Error("a failed Sync changed the served functions")
	}
}

func TestSyncWarnings(t *testing.T) {
	m := newManager(t, Options{})
	missing := filepath.Join(t.TempDir(), "empty")
	os.MkdirAll(missing, 0o755)
	warns := mustSync(t, m,
		&apimodel.Function{Name: "java", Runtime: "java21", Handler: "x::y", Code: t.TempDir()},
		&apimodel.Function{Name: "nobootstrap", Runtime: "provided.al2", Code: missing},
		&apimodel.Function{Name: "creds", Runtime: "provided", Code: goFnV1, Environment: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE"}},
	)
	all := ""
	for _, w := range warns {
		all += w.Message + "\n"
	}
	for _, s := range []string{"function java: runtime java21 is not supported", "function nobootstrap: no executable at " + missing + "/bootstrap", "AWS_ACCESS_KEY_ID is reserved"} {
		if !strings.Contains(all, s) {
			t.Errorf("warnings lack %q:\n%s", s, all)
		}
	}
	_, err := m.Invoke(context.Background(), "java", []byte(`{}`), InvokeOptions{})
	if !errors.Is(err, ErrUnsupportedRuntime) || !strings.Contains(err.Error(), "java21") {
		t.Errorf("java invoke: %v", err)
	}
	res := invoke(t, m, "nobootstrap", `{}`)
	if typ := errorType(t, res); typ != "Runtime.InvalidEntrypoint" ||
		!strings.Contains(string(res.Payload), "Couldn't find valid bootstrap(s): ["+missing+"/bootstrap]") {
		t.Errorf("missing bootstrap: %s", res.Payload)
	}
	if !strings.Contains(string(res.LogTail), "END RequestId: "+res.RequestID) {
		t.Errorf("no END line for a failed invocation:\n%s", res.LogTail)
	}
}

func TestGoSourceBuildAndCache(t *testing.T) {
	cache := t.TempDir()
	src, err := filepath.Abs("testdata/gofn")
	if err != nil {
		t.Fatal(err)
	}
	fn := &apimodel.Function{Name: "src", Runtime: "go", Code: src}
	m := newManager(t, Options{BuildCache: cache})
	if w := mustSync(t, m, fn); len(w) != 0 {
		t.Fatalf("warnings: %v", w)
	}
	if n := m.builder.builds.Load(); n != 1 {
		t.Errorf("go build ran %d times, want 1", n)
	}
	res := invoke(t, m, "src", `{"action":"echo"}`)
	if out := okPayload(t, res); out["version"] != "v1" || out["wd"] != src {
		t.Errorf("built function: %s", res.Payload)
	}
	entries, _ := os.ReadDir(cache)
	entries = slices.DeleteFunc(entries, func(e os.DirEntry) bool { return e.Name() == "index" })
	if len(entries) != 1 {
		t.Fatalf("cache holds %d entries", len(entries))
	}
	// Unchanged sources: Sync again, and a second manager on the same cache, build nothing.
	mustSync(t, m, fn)
	m2 := newManager(t, Options{BuildCache: cache})
	mustSync(t, m2, fn)
	if n := m.builder.builds.Load() + m2.builder.builds.Load(); n != 1 {
		t.Errorf("go build ran %d times in total, want 1", n)
	}
	if res := invoke(t, m2, "src", `{"action":"echo"}`); res.FunctionError != "" {
		t.Errorf("cached binary: %s", res.Payload)
	}

	// A relative cache directory is genkan's, not the function's.
	rel, err := filepath.Rel(mustGetwd(t), filepath.Join(t.TempDir(), "relcache"))
	if err != nil {
		t.Fatal(err)
	}
	m3 := newManager(t, Options{BuildCache: rel})
	mustSync(t, m3, fn)
	if res := invoke(t, m3, "src", `{"action":"echo"}`); res.FunctionError != "" {
		t.Errorf("relative cache: %s", res.Payload)
	}
	if _, err := os.Stat(filepath.Join(src, rel)); err == nil {
		t.Errorf("build cache created inside the function's directory")
	}

	// A build failure is a warning; invocations fail with an error naming it.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "main.go"), []byte("package main\nfunc main() { undefined() }\n"), 0o644)
	os.WriteFile(filepath.Join(bad, "go.mod"), []byte("module bad\n\ngo 1.21\n"), 0o644)
	warns := mustSync(t, m2, &apimodel.Function{Name: "bad", Runtime: "go", Code: bad})
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "undefined") {
		t.Errorf("build failure warnings: %v", warns)
	}
	if _, err := m2.Invoke(context.Background(), "bad", nil, InvokeOptions{}); !errors.Is(err, ErrBuildFailed) {
		t.Errorf("invoking a failed build: %v", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	m := newManager(t, Options{})
	if m.cg == nil {
		t.Skip("no writable memory cgroup here")
	}
	mustSync(t, m, goFunction("mem", goFnV1))
	res := invoke(t, m, "mem", `{"action":"alloc","mb":400}`)
	if typ := errorType(t, res); typ != "Runtime.OutOfMemory" && typ != "Runtime.ExitError" {
		t.Errorf("over the memory size: %s", res.Payload)
	}
	if !strings.Contains(string(res.Payload), "signal: killed") {
		t.Errorf("payload %s", res.Payload)
	}
	res = invoke(t, m, "mem", `{"action":"alloc","mb":20}`)
	if res.FunctionError != "" || res.MaxMemoryMB < 20 || res.MaxMemoryMB > 128 {
		t.Errorf("within the memory size: %q, max memory %d MB", res.FunctionError, res.MaxMemoryMB)
	}
}

func TestGo1xHandlerBinary(t *testing.T) {
	m := newManager(t, Options{})
	code := t.TempDir()
	copyFile(t, goFnV1, filepath.Join(code, "main"))
	warns := mustSync(t, m, &apimodel.Function{Name: "legacy", Runtime: "go1.x", Handler: "main", Code: code})
	if len(warns) != 1 || !strings.Contains(warns[0].Message, "go1.x is deprecated") {
		t.Errorf("warnings: %v", warns)
	}
	out := okPayload(t, invoke(t, m, "legacy", `{"action":"echo"}`))
	if env := out["env"].(map[string]any); env["AWS_EXECUTION_ENV"] != "AWS_Lambda_go1.x" || env["_HANDLER"] != "main" {
		t.Errorf("env: %v", env)
	}
}

func TestInvokeRejectsBadInput(t *testing.T) {
	m := newManager(t, Options{})
	mustSync(t, m, goFunction("fn", goFnV1))
	for _, id := range []string{"a/b", "x y", "new\nline", strings.Repeat("a", 129)} {
		if _, err := m.Invoke(context.Background(), "fn", []byte(`{}`), InvokeOptions{RequestID: id}); err == nil {
			t.Errorf("request id %q accepted", id)
		}
	}
	if _, err := m.Sync([]*apimodel.Function{nil, goFunction("fn", goFnV1)}); err != nil {
		t.Errorf("nil entry: %v", err)
	}
	// Odd but valid: headers with line breaks are sanitised, non-JSON payloads reach the
	// runtime as they are (aws-lambda-go answers with its unmarshal error).
	res, err := m.Invoke(context.Background(), "fn", []byte(`not json`), InvokeOptions{TraceID: "Root=1\r\nX: y", ClientContext: "{\n}"})
	if err != nil || res.FunctionError != "Unhandled" {
		t.Errorf("non-JSON payload: %v %s", err, res.Payload)
	}
}

func mustGetwd(t *testing.T) string {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
