package functions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Binaries of testdata/gofn, built once for the whole test binary: v1 and a v2 that differs
// only in a linker-set string, to test code changes.
var goFnV1, goFnV2, testTmp string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "genkan-functions-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testTmp = dir
	goFnV1 = filepath.Join(dir, "v1", "bootstrap")
	goFnV2 = filepath.Join(dir, "v2", "bootstrap")
	for bin, ldflags := range map[string]string{goFnV1: "", goFnV2: "-X main.version=v2"} {
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-ldflags", ldflags, "-o", bin, "./testdata/gofn")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building testdata/gofn: %v\n%s", err, out)
			os.RemoveAll(dir)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer is a concurrency-safe io.Writer for LogOutput.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newManager returns a manager closed at the end of the test, which then also checks that no
// goroutine outlives it.
func newManager(t testing.TB, opts Options) *Manager {
	t.Helper()
	base := runtime.NumGoroutine()
	if opts.LogDir == "" {
		opts.LogDir = t.TempDir()
	}
	if opts.BuildCache == "" {
		opts.BuildCache = filepath.Join(testTmp, "buildcache")
	}
	m, err := NewManager(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Error(err)
		}
		checkGoroutines(t, base)
	})
	return m
}

func checkGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Errorf("goroutines leaked: %d > %d\n%s", runtime.NumGoroutine(), base, buf[:n])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func mustSync(t testing.TB, m *Manager, fns ...*apimodel.Function) []apimodel.Warning {
	t.Helper()
	w, err := m.Sync(fns)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func goFunction(name, code string) *apimodel.Function {
	return &apimodel.Function{Name: name, Runtime: "provided.al2023", Code: code, Timeout: 10 * time.Second,
		Environment: map[string]string{"USER_VAR": "user-value"}}
}

func invoke(t testing.TB, m *Manager, name, payload string) *Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := m.Invoke(ctx, name, []byte(payload), InvokeOptions{})
	if err != nil {
		t.Fatalf("invoke %s %s: %v", name, payload, err)
	}
	return res
}

// decode unmarshals a Result payload.
func decode(t testing.TB, res *Result) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		t.Fatalf("payload %q: %v", res.Payload, err)
	}
	return out
}

func pidOf(t testing.TB, res *Result) int {
	t.Helper()
	pid, ok := okPayload(t, res)["pid"].(float64)
	if !ok {
		t.Fatalf("no pid in %s", res.Payload)
	}
	return int(pid)
}

// okPayload decodes the payload of an invocation that must have succeeded.
func okPayload(t testing.TB, res *Result) map[string]any {
	t.Helper()
	if res.FunctionError != "" {
		t.Fatalf("function error: %s\n%s", res.Payload, res.LogTail)
	}
	return decode(t, res)
}

// instanceCount is the number of live instances of a function's current version.
func (m *Manager) instanceCount(name string) int {
	f := m.lookup(name)
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.cur.all)
}

// readyCount counts instances that have called /next.
func (m *Manager) readyCount(name string) int {
	f := m.lookup(name)
	if f == nil {
		return 0
	}
	f.mu.Lock()
	insts := make([]*instance, 0, len(f.cur.all))
	for inst := range f.cur.all {
		insts = append(insts, inst)
	}
	f.mu.Unlock()
	n := 0
	for _, inst := range insts {
		inst.mu.Lock()
		if inst.state == stReady {
			n++
		}
		inst.mu.Unlock()
	}
	return n
}

func (m *Manager) processStarts() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.starts
}

// dropIdle stops the idle instances of a function, to force a cold start.
func (m *Manager) dropIdle(name string) {
	f := m.lookup(name)
	f.mu.Lock()
	idle := append([]*instance(nil), f.cur.free...)
	for _, inst := range idle {
		f.removeLocked(inst)
	}
	f.mu.Unlock()
	for _, inst := range idle {
		inst.stop(false)
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// A zombie is as good as gone.
	fields := strings.Fields(string(b))
	return len(fields) > 2 && fields[2] != "Z"
}

func copyFile(t testing.TB, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := dst + ".tmp"
	out, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	out.Close()
	// Rename, not overwrite: a running binary cannot be written to (ETXTBSY).
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

func errorType(t testing.TB, res *Result) string {
	t.Helper()
	if res.FunctionError != "Unhandled" {
		t.Fatalf("FunctionError = %q, want Unhandled (payload %s)", res.FunctionError, res.Payload)
	}
	s, _ := decode(t, res)["errorType"].(string)
	return s
}
