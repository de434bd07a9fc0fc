package functions

import (
	"net"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// launch is how to start a version's processes.
type launch struct {
	path string   // executable
	args []string // after path
	dir  string   // working directory, LAMBDA_TASK_ROOT
	env  []string // everything but the per-instance variables; user variables last
}

type instState int

const (
	stStarting instState = iota // process started, no /next yet
	stReady                     // has called /next at least once
	stDead                      // process exited
)

// instance is one process (an execution environment in Lambda's terms) with its own Runtime
// API listener, so that every request on that listener belongs to it.
type instance struct {
	f        *function
	v        *version
	initType string // on-demand | provisioned-concurrency (AWS_LAMBDA_INITIALIZATION_TYPE)
	stream   string // AWS_LAMBDA_LOG_STREAM_NAME

	api       *rapiServer
	cmd       *exec.Cmd
	out       *pipeReader
	cg        *instCgroup
	started   time.Time
	initTimer *time.Timer
	mem       memSampler

	// Pool fields, guarded by f.mu.
	busy     bool
	pooled   bool
	removed  bool
	lastUsed time.Time

	mu           sync.Mutex
	state        instState
	doomed       bool // timed out or failed init: being killed, takes nothing more
	stopping     bool // killed on purpose
	closing      bool // killed by Manager.Close
	initTimedOut bool
	initErr      *outcome // posted on /init/error
	assigned     bool     // an invocation was assigned once
	initFailure  *outcome // an init failure for the starting invocation to claim
	initFailDur  time.Duration
	readyAt      time.Time // first /next
	pending      *invocation
	current      *invocation
	lastID       string      // the last request id answered, for 403 vs 400
	waiters      []*rconn    // connections long-polling /next
	timer        *time.Timer // the current invocation's timeout, reused across invocations
}

func newInstance(f *function, v *version, initType string) *instance {
	return &instance{f: f, v: v, initType: initType, stream: newLogStreamName(time.Now())}
}

// start launches the process. A launch failure is an outcome for the invocation (Lambda's
// Runtime.InvalidEntrypoint); err is for genkan-side failures.
func (inst *instance) start() (*outcome, error) {
	m := inst.f.m
	if !m.register(inst) {
		return nil, ErrClosed
	}
	fail := func(err error) (*outcome, error) {
		m.unregister(inst)
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		ln.Close()
		return fail(err)
	}
	mem := inst.v.spec.MemoryMB
	if mem <= 0 {
		mem = apimodel.DefaultFunctionMemory
	}
	inst.cg = m.cg.create(int64(mem) << 20)

	l := inst.v.launch
	cmd := exec.Command(l.path, l.args...)
	cmd.Dir = l.dir
	env := make([]string, 0, len(l.env)+3)
	env = append(env,
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"AWS_LAMBDA_LOG_STREAM_NAME="+inst.stream,
		"AWS_LAMBDA_INITIALIZATION_TYPE="+inst.initType)
	cmd.Env = append(env, l.env...)
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = sysProcAttr()
	inst.mu.Lock()
	inst.cmd = cmd
	inst.mu.Unlock()
	inst.api = newRAPIServer(inst, ln, &m.wg)
	inst.out = newPipeReader(pr, inst.f.sink)

	inst.started = time.Now()
	err = cmd.Start()
	pw.Close()
	if err != nil {
		pr.Close()
		ln.Close()
		inst.cg.remove()
		m.unregister(inst)
		return runtimeError("Runtime.InvalidEntrypoint", err.Error()), nil
	}
	inst.cg.attach(cmd.Process.Pid)
	m.wg.Add(3)
	go func() { defer m.wg.Done(); inst.api.serve() }()
	go func() { defer m.wg.Done(); inst.out.run() }()
	go inst.wait()
	inst.mu.Lock()
	// Lambda gives an on-demand init 10 s, then retries it inside the invocation under the
	// function's timeout; one deadline of both together has the same bound.
	inst.initTimer = time.AfterFunc(m.opts.InitTimeout+inst.v.timeout(), inst.initTimeout)
	stopping := inst.stopping
	inst.mu.Unlock()
	if stopping { // stopped (Close, a new version) while starting
		inst.kill()
	}
	return nil, nil
}

// assign hands inv to the instance; /next delivers it. False when the instance is dying.
func (inst *instance) assign(inv *invocation) bool {
	inst.mu.Lock()
	// A starting instance that has already failed its init still takes the event: its end
	// reports the init error to it.
	if inst.state == stDead || inst.stopping || (inst.doomed && inst.state != stStarting) {
		inst.mu.Unlock()
		return false
	}
	// The invocation that an on-demand instance was started for pays its init, even when
	// the runtime reached /next before this assignment.
	if !inst.assigned && inst.initType == "on-demand" {
		inv.cold = true
	}
	first := !inst.assigned
	inst.assigned = true
	inst.pending = inv
	inst.out.attach(inv, first)
	for _, w := range inst.waiters {
		w.c.SetReadDeadline(aLongTimeAgo) // wakes the long poll (next)
	}
	inst.mu.Unlock()
	return true
}

// deliverLocked makes the pending inv the current one as /next hands it out; inst.mu is held.
func (inst *instance) deliverLocked(inv *invocation) {
	now := time.Now()
	inst.pending = nil
	inst.current = inv
	if inv.cold {
		inv.initDuration = inst.readyAt.Sub(inst.started)
	}
	inv.delivered = now
	timeout := inst.v.timeout()
	inv.deadline = now.Add(timeout)
	if inst.timer == nil {
		inst.timer = time.AfterFunc(timeout, inst.timedOut)
	} else {
		inst.timer.Reset(timeout)
	}
}

// unassign withdraws inv if the runtime has not taken it yet.
func (inst *instance) unassign(inv *invocation) bool {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if inst.pending != inv {
		return false
	}
	inst.pending = nil
	inst.out.detach(inv)
	return true
}

// check tells whether id names the current invocation: "" when it does, else "state" when it
// is the one just answered (403) or "id" (400).
func (inst *instance) check(id []byte) string {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.refusal(id)
}

func (inst *instance) refusal(id []byte) string {
	if cur := inst.current; cur != nil && cur.id == string(id) {
		return ""
	}
	if len(id) > 0 && string(id) == inst.lastID {
		return "state"
	}
	return "id"
}

// take ends the run of the current invocation if id names it; else it says why not, as check.
func (inst *instance) take(id []byte) (*invocation, string) {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	if refuse := inst.refusal(id); refuse != "" {
		return nil, refuse
	}
	inv := inst.current
	inst.current = nil
	inst.lastID = inv.id
	inst.timer.Stop()
	return inv, ""
}

// complete ends the current invocation normally (the runtime posted a response or an error).
func (inst *instance) complete(inv *invocation, o *outcome) {
	inst.out.drain()
	inst.out.detach(inv)
	res := finishInvocation(inst.f, inst.v, inst, inv, o)
	// Back to the pool (or to a queued invocation) before the caller wakes, so that a caller
	// invoking again right away finds this instance warm.
	inst.f.release(inst)
	inv.resolve(res, nil)
}

// stop kills the process group; wait() does the bookkeeping.
func (inst *instance) stop(closing bool) {
	inst.mu.Lock()
	inst.stopping = true
	inst.closing = inst.closing || closing
	inst.mu.Unlock()
	inst.kill()
}

// kill SIGKILLs the process group unless the process is already reaped (its pid may be reused).
func (inst *instance) kill() {
	inst.mu.Lock()
	dead, cmd := inst.state == stDead, inst.cmd
	inst.mu.Unlock()
	if !dead && cmd != nil && cmd.Process != nil {
		killGroup(cmd.Process)
	}
}

// timedOut runs when the instance's timer fires. The timer is reused, so a late firing meant
// for an earlier invocation finds the current one (if any) before its deadline and does
// nothing.
func (inst *instance) timedOut() {
	inst.mu.Lock()
	inv := inst.current
	if inv == nil || time.Now().Before(inv.deadline) {
		inst.mu.Unlock()
		return
	}
	inst.current = nil
	inst.lastID = inv.id
	inst.doomed = true
	inst.mu.Unlock()
	// Free the concurrency slot now: the next invocation gets a new instance, as in Lambda.
	inst.f.remove(inst)
	inst.mem.sample(inst, time.Time{}) // while the process still exists
	inst.kill()
	inst.out.drain()
	inst.out.detach(inv)
	res := finishInvocation(inst.f, inst.v, inst, inv, timeoutOutcome(inst.v.timeout()))
	inv.resolve(res, nil)
}

func timeoutOutcome(d time.Duration) *outcome {
	msg := "Task timed out after " + formatSeconds(d) + " seconds"
	return &outcome{kind: outcomeTimeout, errType: "Sandbox.Timedout", message: msg, logMessage: msg}
}

func (inst *instance) initTimeout() {
	inst.mu.Lock()
	if inst.state != stStarting {
		inst.mu.Unlock()
		return
	}
	inst.initTimedOut = true
	inst.doomed = true
	inst.mu.Unlock()
	inst.kill()
}

// wait reaps the process and settles whatever it held.
func (inst *instance) wait() {
	m := inst.f.m
	defer m.wg.Done()
	inst.cmd.Wait()
	ps := inst.cmd.ProcessState
	killGroup(inst.cmd.Process) // children left in the group
	// The pipe ends when every holder exits; do not wait for one that left the group.
	select {
	case <-inst.out.done:
	case <-time.After(time.Second):
		inst.out.close()
		<-inst.out.done
	}
	now := time.Now()
	oom := inst.cg.oomKilled()
	inst.mem.final(inst.cg.peakMB())

	desc := "Runtime exited without providing a reason"
	if ps != nil && !ps.Success() {
		desc = "Runtime exited with error: " + ps.String()
	}
	exitType := "Runtime.ExitError"
	if oom {
		exitType = "Runtime.OutOfMemory"
	}

	inst.mu.Lock()
	if inst.initTimer != nil {
		inst.initTimer.Stop()
	}
	wasReady := inst.state == stReady
	stopping, closing, initTimedOut, initErr := inst.stopping, inst.closing, inst.initTimedOut, inst.initErr
	doomed := inst.doomed
	inst.mu.Unlock()

	// An init failure is recorded before the instance counts as dead, so that an invocation
	// that finds it dead and tries again meets the remembered failure, not a new process.
	var initO *outcome
	if !wasReady && !closing && (!stopping || initTimedOut || initErr != nil) {
		switch {
		case initErr != nil:
			initO = initErr
		case initTimedOut:
			initO = timeoutOutcome(inst.v.timeout())
		default:
			initO = runtimeError(exitType, desc)
		}
		inst.f.initFailed(inst.v, initO)
	}

	initDur := now.Sub(inst.started)
	inst.mu.Lock()
	inst.state = stDead
	cur, pend := inst.current, inst.pending
	inst.current, inst.pending = nil, nil
	if inst.timer != nil {
		inst.timer.Stop()
	}
	// An on-demand instance that failed before the invocation it was started for got
	// assigned: that invocation claims the report (claimInitFailure).
	claimable := initO != nil && pend == nil && !inst.assigned && inst.initType == "on-demand"
	if claimable {
		inst.initFailure, inst.initFailDur = initO, initDur
	}
	inst.mu.Unlock()

	inst.f.remove(inst)
	inst.api.close()
	defer m.unregister(inst)
	defer inst.cg.remove()

	pid := inst.cmd.Process.Pid
	switch {
	case initO != nil:
		m.log.Warn("functions: init failed", "function", inst.f.name, "pid", pid, "error_type", initO.errType, "status", desc)
	case !stopping && !doomed:
		m.log.Info("functions: instance exited", "function", inst.f.name, "pid", pid, "status", desc)
	default:
		m.log.Debug("functions: instance stopped", "function", inst.f.name, "pid", pid)
	}

	switch {
	case closing:
		for _, inv := range []*invocation{cur, pend} {
			if inv != nil {
				inv.resolve(nil, ErrClosed)
			}
		}
	case claimable:
	case initO != nil && pend == nil:
		inst.f.sink.line(nil, initReport(initDur, initO))
	case initO != nil:
		pend.resolve(inst.reportInitFailure(pend, initO, initDur), nil)
	default:
		if cur != nil {
			inst.out.detach(cur)
			cur.resolve(finishInvocation(inst.f, inst.v, inst, cur, runtimeError(exitType, desc)), nil)
		}
		if pend != nil {
			// Never delivered (the process died after its last answer, or was stopped while
			// starting): safe to run elsewhere.
			pend.redispatch()
		}
	}
}

func initReport(d time.Duration, o *outcome) []byte {
	return []byte("INIT_REPORT Init Duration: " + ms(d) + " ms\tPhase: init\tStatus: error\tError Type: " + o.errType)
}

// reportInitFailure ends inv with the init failure of this instance, logged as Lambda does:
// INIT_REPORT, START, the error, END, REPORT.
func (inst *instance) reportInitFailure(inv *invocation, o *outcome, d time.Duration) *Result {
	inv.cold, inv.initDuration = true, d
	inv.delivered = time.Now()
	inst.f.sink.lines(inv, initReport(d, o))
	inst.f.sink.begin(inv)
	return finishInvocation(inst.f, inst.v, inst, inv, o)
}

// claimInitFailure returns the init failure report for the invocation that started this
// instance, when the instance failed before the invocation could be assigned; nil otherwise.
func (inst *instance) claimInitFailure(inv *invocation) *Result {
	inst.mu.Lock()
	o, d := inst.initFailure, inst.initFailDur
	inst.initFailure = nil
	inst.mu.Unlock()
	if o == nil {
		return nil
	}
	inst.out.attach(inv, true) // the init output
	inst.out.detach(inv)
	return inst.reportInitFailure(inv, o, d)
}

func (v *version) timeout() time.Duration {
	if v.spec.Timeout > 0 {
		return v.spec.Timeout
	}
	return apimodel.DefaultFunctionTimeout
}

func (v *version) memoryMB() int {
	if v.spec.MemoryMB > 0 {
		return v.spec.MemoryMB
	}
	return apimodel.DefaultFunctionMemory
}

// memSampleEvery spaces the reads of an instance's memory peak.
const memSampleEvery = 100 * time.Millisecond

// memSampler keeps Lambda's Max Memory Used for an instance: the peak of the environment so
// far, from the larger of two sources. The cgroup's peak is one pread of a file kept open (2-3
// µs, a syscall into kernfs); it misses what the process mapped before it was moved into the
// cgroup (the runtime's own code and heap, charged elsewhere), and without a cgroup there is
// nothing else, so the process tree's peak resident set (VmHWM, summed from /proc: ~40 µs) is
// read too. Read at every REPORT they were a fifth of the Runtime API's CPU per invocation, so
// they are read at most every memSampleEvery: an invocation after a pause (or longer than
// that) gets a fresh figure, and under sustained load a REPORT lags the peak by at most that.
type memSampler struct {
	mu      sync.Mutex
	peakMB  int64
	sampled time.Time
}

func (inst *instance) maxMemoryMB() int { return inst.mem.sample(inst, time.Now()) }

// sample updates and returns the peak; a zero now reads regardless of the last read.
func (s *memSampler) sample(inst *instance, now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.IsZero() || now.Sub(s.sampled) >= memSampleEvery {
		s.sampled = now
		s.peakMB = max(s.peakMB, inst.cg.peakMB())
		if inst.cmd != nil && inst.cmd.Process != nil {
			if kb := treeMaxRSSKB(inst.cmd.Process.Pid); kb > 0 {
				s.peakMB = max(s.peakMB, (kb+1023)/1024)
			}
		}
	}
	return int(s.peakMB)
}

// final records the cgroup's peak once the process is gone, for a REPORT written after it.
func (s *memSampler) final(cgPeakMB int64) {
	s.mu.Lock()
	s.peakMB = max(s.peakMB, cgPeakMB)
	s.mu.Unlock()
}
