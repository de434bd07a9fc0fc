package functions

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"
)

// queueLen is the number of invocations waiting for a function.
func (m *Manager) queueLen(name string) int {
	f := m.lookup(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue)
}

func TestQueueServesBurstWithFewInstances(t *testing.T) {
	m := newManager(t, Options{Queue: QueueOptions{Timeout: 10 * time.Second}})
	fn := goFunction("q", goFnV1)
	fn.ReservedConcurrency = 2
	mustSync(t, m, fn)

	var wg sync.WaitGroup
	pids := make([]int, 8)
	for i := range pids {
		wg.Go(func() { pids[i] = pidOf(t, invoke(t, m, "q", `{"action":"sleep","ms":150}`)) })
	}
	wg.Wait()
	distinct := map[int]bool{}
	for _, p := range pids {
		distinct[p] = true
	}
	if len(distinct) != 2 || m.processStarts() != 2 {
		t.Errorf("8 queued invocations ran in %d processes (%d started), want 2", len(distinct), m.processStarts())
	}
	if n := m.queueLen("q"); n != 0 {
		t.Errorf("queue holds %d after the burst", n)
	}
}

func TestQueueTimeoutAndLength(t *testing.T) {
	m := newManager(t, Options{Queue: QueueOptions{Timeout: 150 * time.Millisecond, Length: 1}})
	fn := goFunction("q", goFnV1)
	fn.ReservedConcurrency = 1
	mustSync(t, m, fn)
	invoke(t, m, "q", `{"action":"echo"}`)

	busy := make(chan *Result, 1)
	go func() { busy <- invoke(t, m, "q", `{"action":"sleep","ms":1000}`) }()
	waitFor(t, "busy instance", func() bool { f := m.lookup("q"); f.mu.Lock(); defer f.mu.Unlock(); return f.busy == 1 })

	queued := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := m.Invoke(context.Background(), "q", []byte(`{"action":"echo"}`), InvokeOptions{})
		queued <- err
	}()
	waitFor(t, "a queued invocation", func() bool { return m.queueLen("q") == 1 })
	// The queue is full: throttled at once.
	_, err := m.Invoke(context.Background(), "q", []byte(`{"action":"echo"}`), InvokeOptions{})
	var te *ThrottleError
	if !errors.As(err, &te) || te.Waited != 0 {
		t.Errorf("beyond the queue's length: %v", err)
	}
	// The queued one gives up after the queue timeout.
	err = <-queued
	if !errors.Is(err, ErrThrottled) || !errors.As(err, &te) || te.Waited != 150*time.Millisecond {
		t.Errorf("after the queue timeout: %v", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 900*time.Millisecond {
		t.Errorf("queued invocation gave up after %v", d)
	}
	if n := m.queueLen("q"); n != 0 {
		t.Errorf("queue holds %d", n)
	}
	if res := <-busy; res.FunctionError != "" {
		t.Errorf("busy invocation: %s", res.Payload)
	}
}

func TestQueueContextAndClose(t *testing.T) {
	m, err := NewManager(Options{BuildCache: testTmp + "/buildcache", LogDir: t.TempDir(),
		FunctionQueues: map[string]QueueOptions{"q": {Timeout: time.Minute}}})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			m.Close()
		}
	})
	fn, other := goFunction("q", goFnV1), goFunction("other", goFnV1)
	fn.ReservedConcurrency, other.ReservedConcurrency = 1, 1
	mustSync(t, m, fn, other)
	for _, name := range []string{"q", "other"} {
		go m.Invoke(context.Background(), name, []byte(`{"action":"sleep","ms":5000}`), InvokeOptions{}) // ends with Close
	}
	waitFor(t, "busy instances", func() bool {
		n := 0
		for _, name := range []string{"q", "other"} {
			f := m.lookup(name)
			f.mu.Lock()
			n += f.busy
			f.mu.Unlock()
		}
		return n == 2
	})
	// FunctionQueues gives "q" a queue; "other" keeps Lambda's immediate throttle.
	if _, err := m.Invoke(context.Background(), "other", nil, InvokeOptions{}); !errors.Is(err, ErrThrottled) {
		t.Errorf("function without a queue: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := m.Invoke(ctx, "q", []byte(`{}`), InvokeOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("queued invocation whose context ended: %v", err)
	}
	if n := m.queueLen("q"); n != 0 {
		t.Errorf("queue holds %d after the context ended", n)
	}

	errc := make(chan error, 1)
	go func() {
		_, err := m.Invoke(context.Background(), "q", []byte(`{}`), InvokeOptions{})
		errc <- err
	}()
	waitFor(t, "a queued invocation", func() bool { return m.queueLen("q") == 1 })
	closed = true
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("queued invocation at Close: %v", err)
	}
}

func TestQueueAfterCrashStartsNewInstance(t *testing.T) {
	m := newManager(t, Options{Queue: QueueOptions{Timeout: 10 * time.Second}})
	fn := goFunction("q", goFnV1)
	fn.ReservedConcurrency = 1
	mustSync(t, m, fn)
	pid := pidOf(t, invoke(t, m, "q", `{"action":"echo"}`))

	// The crash frees the slot while another invocation waits: it gets a new instance.
	crashed := make(chan *Result, 1)
	go func() { crashed <- invoke(t, m, "q", `{"action":"sleep","ms":10000}`) }()
	waitFor(t, "busy instance", func() bool { f := m.lookup("q"); f.mu.Lock(); defer f.mu.Unlock(); return f.busy == 1 })
	waiting := make(chan *Result, 1)
	go func() { waiting <- invoke(t, m, "q", `{"action":"echo"}`) }()
	waitFor(t, "a queued invocation", func() bool { return m.queueLen("q") == 1 })
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
	if res := <-crashed; errorType(t, res) != "Runtime.ExitError" {
		t.Errorf("crashed invocation: %s", res.Payload)
	}
	res := <-waiting
	if p := pidOf(t, res); p == pid || !res.ColdStart {
		t.Errorf("queued invocation after the crash: pid %d (was %d), cold %v", p, pid, res.ColdStart)
	}
}
