package functions

import (
	"context"
	"slices"
	"time"
)

// DefaultQueueLength caps the invocations waiting per function when QueueOptions.Length is 0.
const DefaultQueueLength = 1000

// QueueOptions let an invocation that finds its function at its reserved concurrency wait for
// an instance instead of failing at once. Lambda throttles at once (429, which API Gateway
// answers with 500), and so does genkan by default; locally that mostly turns a burst from a
// load test or a page's parallel requests into errors, or forces a reserved concurrency as high
// as the client's parallelism and as many processes. With a queue, a few warm instances serve
// many connections: an invocation waits (first come, first served) until an instance frees
// up, and is throttled only when Timeout passes first or Length invocations already wait.
type QueueOptions struct {
	// Timeout is how long an invocation may wait; 0 throttles at once, as Lambda does.
	Timeout time.Duration
	// Length caps the invocations waiting per function (0: DefaultQueueLength); more are
	// throttled at once.
	Length int
}

// queueOptions returns the queue of function name: its own from Options.FunctionQueues, else
// Options.Queue.
func (m *Manager) queueOptions(name string) QueueOptions {
	q, ok := m.opts.FunctionQueues[name]
	if !ok {
		q = m.opts.Queue
	}
	if q.Length <= 0 {
		q.Length = DefaultQueueLength
	}
	return q
}

// waiter is a queued invocation. dispatchLocked settles it, under function.mu: it either hands
// inv straight to a warm instance (assigned; the waiter then only waits for inv.done, so a
// freed instance costs no extra goroutine hand-over) or sets lease/err and closes ready.
type waiter struct {
	inv     *invocation
	timeout time.Duration
	ready   chan struct{}

	dispatched bool
	lease      lease
	err        error
}

// dispatchLocked gives free capacity to queued invocations, oldest first. It runs, under
// f.mu, wherever capacity may have appeared: an instance released or removed, a warm one
// started, the limit raised, the function gone.
func (f *function) dispatchLocked() {
	for len(f.queue) > 0 {
		w := f.queue[0]
		l, err, ok := f.uncountedLocked()
		if !ok {
			if f.busy >= f.limit {
				return
			}
			l = f.countedLocked()
			if l.inst != nil && !l.fresh {
				if !l.inst.assign(w.inv) {
					// Dying between its answer and now: its exit is processed elsewhere.
					f.removeLocked(l.inst)
					continue
				}
				l.assigned = true
			}
		}
		f.queue[0] = nil
		f.queue = f.queue[1:]
		w.dispatched, w.lease, w.err = true, l, err
		if !l.assigned {
			close(w.ready)
		}
	}
}

// await waits for w's turn. It returns the lease dispatchLocked gave it, or the error that
// ended the wait: ctx's, or a throttle error once the queue timeout passed.
func (f *function) await(ctx context.Context, w *waiter) (lease, error) {
	t := time.NewTimer(w.timeout)
	defer t.Stop()
	var err error
	select {
	case <-w.ready:
		return w.lease, w.err
	case <-w.inv.done: // assigned to a warm instance, and already finished
	case <-ctx.Done():
		err = ctx.Err()
	case <-t.C:
		err = f.throttleError(w.timeout)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !w.dispatched {
		f.queue = slices.DeleteFunc(f.queue, func(q *waiter) bool { return q == w })
		return lease{}, err
	}
	// Dispatched meanwhile: the invocation goes on, and the caller's wait sees ctx.
	return w.lease, w.err
}
