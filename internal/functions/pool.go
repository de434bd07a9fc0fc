package functions

import (
	"slices"
	"sync"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// function is one served function name. Its versions share the concurrency limit and the log
// sink; only cur takes new invocations, older versions finish what they run and stop.
type function struct {
	m    *Manager
	name string
	arn  string
	sink *logSink

	// mu guards everything below and the pool fields of every instance of this function
	// (instance.busy, pooled, removed, lastUsed). Lock order: function.mu, then instance.mu.
	mu      sync.Mutex
	cur     *version
	limit   int
	minWarm int
	busy    int // instances holding an invocation, across versions
	gone    bool
	queue   []*waiter // invocations waiting for a concurrency slot, oldest first
	qopts   QueueOptions
}

// version is one definition + code of a function. Its hash decides whether Sync replaces it.
type version struct {
	fn     *function
	spec   apimodel.Function
	hash   string
	launch launch
	// problem makes Invoke fail with an error (unsupported runtime, failed build).
	problem error
	// entryErr makes every invocation fail like Lambda does for a missing bootstrap.
	entryErr *outcome

	retired  bool
	free     []*instance // LIFO: the most recently used instance is reused first
	all      map[*instance]struct{}
	initFail *initFailure
}

// initFailure remembers an init failure so that later invocations get the same error without
// a process start, until the back-off passes or the code changes (a new version).
type initFailure struct {
	o     *outcome
	n     int
	until time.Time
}

const (
	initBackoffMin = time.Second
	initBackoffMax = 30 * time.Second
)

// lease is what acquire hands an invocation: an instance (fresh: to be started by the
// caller; assigned: the invocation was handed to it already), or the immediate outcome of a
// known failure.
type lease struct {
	inst     *instance
	fresh    bool
	assigned bool
	v        *version
	imm      *outcome
}

// acquire picks a warm instance (LIFO), or creates one for the caller to start, or returns the
// immediate outcome of a known failure. At the concurrency limit it queues inv when the
// function has a queue with room (the caller then awaits the waiter), else fails with a
// throttle error.
func (f *function) acquire(inv *invocation) (lease, *waiter, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l, err, ok := f.uncountedLocked(); ok {
		return l, nil, err
	}
	if f.busy >= f.limit || len(f.queue) > 0 {
		if f.qopts.Timeout <= 0 || len(f.queue) >= f.qopts.Length {
			return lease{}, nil, f.throttleError(0)
		}
		w := &waiter{inv: inv, ready: make(chan struct{}), timeout: f.qopts.Timeout}
		f.queue = append(f.queue, w)
		return lease{}, w, nil
	}
	return f.countedLocked(), nil, nil
}

func (f *function) throttleError(waited time.Duration) error {
	return &ThrottleError{Function: f.name, Limit: f.limit, Reason: "ReservedFunctionConcurrentInvocationLimitExceeded", Waited: waited}
}

// uncountedLocked returns the outcome of an invocation that takes no concurrency slot (the
// function is gone or cannot run); ok is false otherwise.
func (f *function) uncountedLocked() (l lease, err error, ok bool) {
	if f.gone {
		return lease{}, ErrFunctionNotFound, true
	}
	v := f.cur
	if v.problem != nil {
		return lease{}, v.problem, true
	}
	if v.entryErr != nil {
		return lease{v: v, imm: v.entryErr}, nil, true
	}
	return lease{}, nil, false
}

// countedLocked takes a concurrency slot for an invocation: a warm instance, a new one for the
// caller to start, or the remembered init failure (which takes no slot).
func (f *function) countedLocked() lease {
	v := f.cur
	for len(v.free) > 0 {
		inst := v.free[len(v.free)-1]
		v.free = v.free[:len(v.free)-1]
		inst.pooled = false
		if inst.removed {
			continue
		}
		inst.busy = true
		f.busy++
		return lease{inst: inst, v: v}
	}
	if fail := v.initFail; fail != nil && time.Now().Before(fail.until) {
		return lease{v: v, imm: fail.o}
	}
	inst := newInstance(f, v, "on-demand")
	inst.busy = true
	f.busy++
	v.all[inst] = struct{}{}
	return lease{inst: inst, fresh: true, v: v}
}

// release returns an instance whose invocation ended (or was withdrawn) to the warm pool, or
// stops it when its version was replaced.
func (f *function) release(inst *instance) {
	f.mu.Lock()
	if inst.busy {
		inst.busy = false
		f.busy--
	}
	if inst.removed {
		f.dispatchLocked()
		f.mu.Unlock()
		return
	}
	v := inst.v
	if f.gone || v.retired || v != f.cur {
		f.removeLocked(inst)
		f.dispatchLocked()
		f.mu.Unlock()
		inst.stop(false)
		return
	}
	inst.lastUsed = time.Now()
	inst.pooled = true
	v.free = append(v.free, inst)
	f.dispatchLocked()
	f.mu.Unlock()
}

// remove takes a dying instance out of the pool; it is idempotent.
func (f *function) remove(inst *instance) {
	f.mu.Lock()
	f.removeLocked(inst)
	f.dispatchLocked()
	f.mu.Unlock()
}

func (f *function) removeLocked(inst *instance) {
	if inst.removed {
		return
	}
	inst.removed = true
	if inst.busy {
		inst.busy = false
		f.busy--
	}
	v := inst.v
	delete(v.all, inst)
	if inst.pooled {
		inst.pooled = false
		if i := slices.Index(v.free, inst); i >= 0 {
			v.free = slices.Delete(v.free, i, i+1)
		}
	}
}

// initFailed records an init failure of v with exponential back-off.
func (f *function) initFailed(v *version, o *outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 1
	if v.initFail != nil {
		n = v.initFail.n + 1
	}
	d := initBackoffMin << min(n-1, 5)
	d = min(d, initBackoffMax)
	v.initFail = &initFailure{o: o, n: n, until: time.Now().Add(d)}
}

func (f *function) initSucceeded(v *version) {
	f.mu.Lock()
	v.initFail = nil
	f.mu.Unlock()
}

// retire stops taking invocations on v: idle instances stop now, busy ones when they finish.
func (f *function) retire(v *version) {
	f.mu.Lock()
	v.retired = true
	idle := slices.Clone(v.free)
	for _, inst := range idle {
		f.removeLocked(inst)
	}
	f.mu.Unlock()
	for _, inst := range idle {
		inst.stop(false)
	}
}

// retireAll is retire for a function that is no longer served.
func (f *function) retireAll() {
	f.mu.Lock()
	f.gone = true
	v := f.cur
	f.dispatchLocked() // the queued invocations fail
	f.mu.Unlock()
	f.retire(v)
}

// update installs a new version (nil: keep the current one) and the non-code settings.
func (f *function) update(v *version, spec *apimodel.Function, defaultLimit int) {
	f.mu.Lock()
	old := f.cur
	if v != nil {
		f.cur = v
	}
	f.limit = spec.ReservedConcurrency
	if f.limit <= 0 {
		f.limit = defaultLimit
	}
	f.minWarm = min(spec.MinWarm, f.limit)
	f.qopts = f.m.queueOptions(f.name)
	f.dispatchLocked() // a higher limit admits queued invocations
	f.mu.Unlock()
	if v != nil && old != nil && old != v {
		f.retire(old)
	}
	f.reap(time.Now(), f.m.opts.IdleTimeout)
}

// reap stops instances idle for longer than idle (oldest first, keeping minWarm) and starts
// instances up to minWarm.
func (f *function) reap(now time.Time, idle time.Duration) {
	var stop []*instance
	var warm []*instance
	f.mu.Lock()
	v := f.cur
	if !f.gone {
		for len(v.free) > 0 && len(v.all) > f.minWarm && now.Sub(v.free[0].lastUsed) >= idle {
			inst := v.free[0]
			stop = append(stop, inst)
			f.removeLocked(inst)
		}
		canStart := v.problem == nil && v.entryErr == nil && (v.initFail == nil || now.After(v.initFail.until))
		for canStart && len(v.all) < f.minWarm {
			// Counted in all while it starts, offered in free once started.
			inst := newInstance(f, v, "provisioned-concurrency")
			v.all[inst] = struct{}{}
			warm = append(warm, inst)
		}
	}
	f.mu.Unlock()
	for _, inst := range stop {
		inst.stop(false)
	}
	for _, inst := range warm {
		o, err := inst.start()
		if err != nil || o != nil {
			f.remove(inst)
			if o != nil {
				f.initFailed(inst.v, o)
			}
			continue
		}
		f.mu.Lock()
		if !inst.removed && !f.gone && inst.v == f.cur && !inst.v.retired {
			inst.lastUsed = now
			inst.pooled = true
			inst.v.free = slices.Insert(inst.v.free, 0, inst) // least recently used: first to idle out
			inst = nil
			f.dispatchLocked()
		}
		f.mu.Unlock()
		if inst != nil {
			f.remove(inst)
			inst.stop(false)
		}
	}
}

// immediate finishes an invocation that never reaches a process (remembered init failure,
// missing entrypoint), logging it like any other.
func (f *function) immediate(v *version, inv *invocation, o *outcome) *Result {
	inv.delivered = time.Now()
	f.sink.begin(inv)
	return finishInvocation(f, v, nil, inv, o)
}
