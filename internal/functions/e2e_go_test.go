package functions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGoEchoWarmReuse(t *testing.T) {
	m := newManager(t, Options{Region: "eu-west-1", AccountID: "111122223333"})
	code := filepath.Join(t.TempDir(), "echo")
	copyFile(t, goFnV1, filepath.Join(code, "bootstrap"))
	mustSync(t, m, goFunction("echo", code))

	ctx := context.Background()
	r1, err := m.Invoke(ctx, "echo", []byte(`{"action":"echo","data":{"k":"v"}}`),
		InvokeOptions{RequestID: "req-1", TraceID: "Root=1-abc-def;Sampled=1"})
	if err != nil {
		t.Fatal(err)
	}
	if !r1.ColdStart || r1.InitDuration <= 0 || r1.FunctionError != "" {
		t.Fatalf("first invocation: cold=%v init=%v err=%q", r1.ColdStart, r1.InitDuration, r1.FunctionError)
	}
	out := decode(t, r1)
	if out["requestId"] != "req-1" || r1.RequestID != "req-1" {
		t.Errorf("request id: %v / %v", out["requestId"], r1.RequestID)
	}
	if out["trace"] != "Root=1-abc-def;Sampled=1" {
		t.Errorf("trace = %v", out["trace"])
	}
	if out["arn"] != "arn:aws:lambda:eu-west-1:111122223333:function:echo" {
		t.Errorf("arn = %v", out["arn"])
	}
	if d := out["data"].(map[string]any); d["k"] != "v" {
		t.Errorf("data = %v", d)
	}
	if wd := out["wd"].(string); wd != code {
		t.Errorf("working dir = %s, want %s", wd, code)
	}
	if ms := out["deadlineInMs"].(float64); ms < 9000 || ms > 10000 {
		t.Errorf("deadline in %v ms, want about the 10 s timeout", ms)
	}
	env := out["env"].(map[string]any)
	want := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "echo", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128", "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1",
		"LAMBDA_TASK_ROOT": code, "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/echo", "TZ": ":UTC",
		"LANG": "en_US.UTF-8", "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "USER_VAR": "user-value",
		"AWS_EXECUTION_ENV": "", "GOMAXPROCS": "1",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if s := env["AWS_LAMBDA_LOG_STREAM_NAME"].(string); !regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`).MatchString(s) {
		t.Errorf("log stream name %q", s)
	}

	r2 := invoke(t, m, "echo", `{"action":"echo"}`)
	if r2.ColdStart || r2.InitDuration != 0 {
		t.Errorf("second invocation cold=%v init=%v", r2.ColdStart, r2.InitDuration)
	}
	if pidOf(t, r1) != pidOf(t, r2) {
		t.Errorf("warm invocation ran in another process: %d vs %d", pidOf(t, r1), pidOf(t, r2))
	}
	if id := decode(t, r2)["requestId"].(string); !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) || id != r2.RequestID {
		t.Errorf("generated request id %q / %q", id, r2.RequestID)
	}
	if m.instanceCount("echo") != 1 {
		t.Errorf("instances = %d", m.instanceCount("echo"))
	}
}

func TestGoFunctionErrorsAndCrashes(t *testing.T) {
	m := newManager(t, Options{})
	mustSync(t, m, goFunction("fn", goFnV1))
	pid := pidOf(t, invoke(t, m, "fn", `{"action":"echo"}`))

	res := invoke(t, m, "fn", `{"action":"error"}`)
	if typ := errorType(t, res); typ != "errorString" || decode(t, res)["errorMessage"] != "boom" {
		t.Errorf("error: %s", res.Payload)
	}
	if p := pidOf(t, invoke(t, m, "fn", `{"action":"echo"}`)); p != pid {
		t.Errorf("a handled error replaced the instance: %d → %d", pid, p)
	}

	// aws-lambda-go reports a panic, then exits: the next invocation is a cold start.
	res = invoke(t, m, "fn", `{"action":"panic"}`)
	if typ := errorType(t, res); typ != "string" || decode(t, res)["errorMessage"] != "kaboom" {
		t.Errorf("panic: %s", res.Payload)
	}
	next := invoke(t, m, "fn", `{"action":"echo"}`)
	if pidOf(t, next) == pid || !next.ColdStart {
		t.Errorf("after a panic: pid %d (was %d), cold %v", pidOf(t, next), pid, next.ColdStart)
	}
	pid = pidOf(t, next)

	res = invoke(t, m, "fn", `{"action":"exit"}`)
	if typ := errorType(t, res); typ != "Runtime.ExitError" {
		t.Errorf("exit: %s", res.Payload)
	}
	wantMsg := "RequestId: " + res.RequestID + " Error: Runtime exited with error: exit status 1"
	if msg := decode(t, res)["errorMessage"]; msg != wantMsg {
		t.Errorf("exit message %q, want %q", msg, wantMsg)
	}
	tail := string(res.LogTail)
	for _, s := range []string{"exiting now", wantMsg, "\nRuntime.ExitError\n", "Status: error\tError Type: Runtime.ExitError"} {
		if !strings.Contains(tail, s) {
			t.Errorf("log tail lacks %q:\n%s", s, tail)
		}
	}
	if processAlive(pid) {
		t.Errorf("crashed process %d still alive", pid)
	}
	if p := pidOf(t, invoke(t, m, "fn", `{"action":"echo"}`)); p == pid {
		t.Error("invocation after a crash reused the dead pid")
	}
}

func TestGoTimeoutKillsAndReplaces(t *testing.T) {
	m := newManager(t, Options{})
	fn := goFunction("slow", goFnV1)
	fn.Timeout = 300 * time.Millisecond
	mustSync(t, m, fn)
	pid := pidOf(t, invoke(t, m, "slow", `{"action":"echo"}`))

	start := time.Now()
	res := invoke(t, m, "slow", `{"action":"sleep","ms":5000}`)
	elapsed := time.Since(start)
	if typ := errorType(t, res); typ != "Sandbox.Timedout" {
		t.Errorf("timeout type %q", typ)
	}
	wantMsg := "RequestId: " + res.RequestID + " Error: Task timed out after 0.30 seconds"
	if msg := decode(t, res)["errorMessage"]; msg != wantMsg {
		t.Errorf("timeout message %q, want %q", msg, wantMsg)
	}
	if elapsed < 300*time.Millisecond || elapsed > 2*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if res.Duration < 300*time.Millisecond || res.Duration > time.Second {
		t.Errorf("duration %v", res.Duration)
	}
	tail := string(res.LogTail)
	if !regexp.MustCompile(`\d{4}-\d\d-\d\dT[\d:.]+Z `+res.RequestID+` Task timed out after 0.30 seconds`).MatchString(tail) ||
		!strings.Contains(tail, "Status: timeout") || !strings.Contains(tail, "sleeping 5000") {
		t.Errorf("log tail:\n%s", tail)
	}
	waitFor(t, "timed-out process to die", func() bool { return !processAlive(pid) })
	next := invoke(t, m, "slow", `{"action":"echo"}`)
	if pidOf(t, next) == pid || !next.ColdStart {
		t.Errorf("after timeout: pid %d (was %d) cold %v", pidOf(t, next), pid, next.ColdStart)
	}
}

func TestGoConcurrencyAndThrottle(t *testing.T) {
	m := newManager(t, Options{})
	fn := goFunction("conc", goFnV1)
	fn.ReservedConcurrency = 3
	mustSync(t, m, fn)

	var wg sync.WaitGroup
	pids := make([]int, 3)
	for i := range 3 {
		wg.Go(func() { pids[i] = pidOf(t, invoke(t, m, "conc", `{"action":"sleep","ms":400}`)) })
	}
	f := m.lookup("conc")
	waitFor(t, "3 busy instances", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.busy == 3
	})
	start := time.Now()
	_, err := m.Invoke(context.Background(), "conc", []byte(`{"action":"echo"}`), InvokeOptions{})
	var te *ThrottleError
	if !errors.Is(err, ErrThrottled) || !errors.As(err, &te) || te.Limit != 3 {
		t.Fatalf("4th concurrent invocation: %v", err)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Errorf("throttling took %v; Lambda throttles at once", time.Since(start))
	}
	wg.Wait()
	if pids[0] == pids[1] || pids[1] == pids[2] || pids[0] == pids[2] {
		t.Errorf("parallel invocations shared processes: %v", pids)
	}
	if n := m.instanceCount("conc"); n != 3 {
		t.Errorf("instances = %d, want 3", n)
	}
	// LIFO: sequential invocations keep hitting the same (most recent) instance.
	a := pidOf(t, invoke(t, m, "conc", `{"action":"echo"}`))
	b := pidOf(t, invoke(t, m, "conc", `{"action":"echo"}`))
	if a != b {
		t.Errorf("sequential invocations used %d then %d", a, b)
	}
}

func TestGoScaleToZeroAndBack(t *testing.T) {
	m := newManager(t, Options{IdleTimeout: 150 * time.Millisecond})
	mustSync(t, m, goFunction("idle", goFnV1))
	pid := pidOf(t, invoke(t, m, "idle", `{"action":"echo"}`))
	waitFor(t, "scale to zero", func() bool { return m.instanceCount("idle") == 0 })
	waitFor(t, "idle process exit", func() bool { return !processAlive(pid) })
	res := invoke(t, m, "idle", `{"action":"echo"}`)
	if !res.ColdStart || pidOf(t, res) == pid {
		t.Errorf("after scale to zero: cold %v pid %d (was %d)", res.ColdStart, pidOf(t, res), pid)
	}
}

func TestGoMinWarm(t *testing.T) {
	m := newManager(t, Options{IdleTimeout: 100 * time.Millisecond})
	fn := goFunction("warm", goFnV1)
	fn.MinWarm = 2
	mustSync(t, m, fn)
	waitFor(t, "2 warm instances", func() bool { return m.readyCount("warm") == 2 })
	res := invoke(t, m, "warm", `{"action":"echo"}`)
	if res.ColdStart || res.InitDuration != 0 {
		t.Errorf("invocation on a warm instance: cold %v init %v", res.ColdStart, res.InitDuration)
	}
	if typ := decode(t, res)["env"].(map[string]any)["AWS_LAMBDA_INITIALIZATION_TYPE"]; typ != "provisioned-concurrency" {
		t.Errorf("initialization type %v", typ)
	}
	time.Sleep(400 * time.Millisecond) // several idle timeouts
	if n := m.instanceCount("warm"); n != 2 {
		t.Errorf("instances after idle = %d, want MinWarm 2", n)
	}
}

func TestGoInitFailureNotRetriedHot(t *testing.T) {
	m := newManager(t, Options{})
	marker := filepath.Join(t.TempDir(), "starts")
	fn := goFunction("bad", goFnV1)
	fn.Environment = map[string]string{"GOFN_INIT_FAIL": marker}
	mustSync(t, m, fn)
	var first *Result
	start := time.Now()
	for i := range 5 {
		res := invoke(t, m, "bad", `{"action":"echo"}`)
		if typ := errorType(t, res); typ != "Runtime.ExitError" {
			t.Fatalf("init failure type %q", typ)
		}
		want := "RequestId: " + res.RequestID + " Error: Runtime exited with error: exit status 3"
		if msg := decode(t, res)["errorMessage"]; msg != want {
			t.Errorf("message %q, want %q", msg, want)
		}
		if i == 0 {
			first = res
		}
	}
	if time.Since(start) > initBackoffMin {
		t.Skip("machine too slow to check the back-off window")
	}
	b, _ := os.ReadFile(marker)
	if n := strings.Count(string(b), "\n"); n != 1 {
		t.Errorf("init ran %d times for 5 invocations within the back-off", n)
	}
	tail := string(first.LogTail)
	for _, s := range []string{"init failing on purpose", "INIT_REPORT Init Duration:", "Phase: init\tStatus: error\tError Type: Runtime.ExitError"} {
		if !strings.Contains(tail, s) {
			t.Errorf("log tail lacks %q:\n%s", s, tail)
		}
	}
}

func TestResponseAndRequestLimits(t *testing.T) {
	m := newManager(t, Options{})
	mustSync(t, m, goFunction("big", goFnV1))
	res := invoke(t, m, "big", `{"action":"big","size":6291556}`)
	if typ := errorType(t, res); typ != "Function.ResponseSizeTooLarge" {
		t.Errorf("oversized response: %s", res.Payload)
	}
	res = invoke(t, m, "big", `{"action":"big","size":1000}`)
	if res.FunctionError != "" || len(res.Payload) != 1002 {
		t.Errorf("response after the oversized one: %q %d bytes", res.FunctionError, len(res.Payload))
	}
	_, err := m.Invoke(context.Background(), "big", make([]byte, MaxRequestBytes+1), InvokeOptions{})
	if !errors.Is(err, ErrRequestTooLarge) {
		t.Errorf("oversized request: %v", err)
	}
	if _, err := m.Invoke(context.Background(), "nope", nil, InvokeOptions{}); !errors.Is(err, ErrFunctionNotFound) {
		t.Errorf("unknown function: %v", err)
	}
}

func TestContextEndsBeforeFunction(t *testing.T) {
	m := newManager(t, Options{})
	fn := goFunction("ctx", goFnV1)
	fn.ReservedConcurrency = 1
	mustSync(t, m, fn)
	pid := pidOf(t, invoke(t, m, "ctx", `{"action":"echo"}`))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := m.Invoke(ctx, "ctx", []byte(`{"action":"sleep","ms":500}`), InvokeOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	// As in Lambda, the function keeps running and holds its concurrency.
	if _, err := m.Invoke(context.Background(), "ctx", []byte(`{}`), InvokeOptions{}); !errors.Is(err, ErrThrottled) {
		t.Errorf("while the abandoned invocation runs: %v", err)
	}
	waitFor(t, "abandoned invocation to finish", func() bool {
		_, err := m.Invoke(context.Background(), "ctx", []byte(`{"action":"echo"}`), InvokeOptions{})
		return err == nil
	})
	if p := pidOf(t, invoke(t, m, "ctx", `{"action":"echo"}`)); p != pid {
		t.Errorf("instance replaced: %d → %d", pid, p)
	}
}

func TestCloseEndsInFlight(t *testing.T) {
	m, err := NewManager(Options{BuildCache: filepath.Join(testTmp, "buildcache")})
	if err != nil {
		t.Fatal(err)
	}
	mustSync(t, m, goFunction("c", goFnV1))
	pid := pidOf(t, invoke(t, m, "c", `{"action":"echo"}`))
	errc := make(chan error, 1)
	go func() {
		_, err := m.Invoke(context.Background(), "c", []byte(`{"action":"sleep","ms":5000}`), InvokeOptions{})
		errc <- err
	}()
	waitFor(t, "invocation in flight", func() bool {
		f := m.lookup("c")
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.busy == 1
	})
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("in-flight invocation: %v", err)
	}
	if processAlive(pid) {
		t.Errorf("process %d survived Close", pid)
	}
	if _, err := m.Invoke(context.Background(), "c", nil, InvokeOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
