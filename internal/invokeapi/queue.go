package invokeapi

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/genkanhq/genkan/internal/functions"
	"github.com/google/uuid"
)

// QueueOptions tune asynchronous invocation. Zero values take Lambda's behaviour.
type QueueOptions struct {
	// Capacity bounds queued events; Enqueue fails past it (default 10,000).
	Capacity int
	// Workers run events concurrently (default 4).
	Workers int
	// RetryDelays are the waits before each retry of an event whose function failed. Lambda
	// retries twice, about one and two minutes later.
	RetryDelays []time.Duration
	// ThrottleBackoff is the first wait after a throttled attempt, doubled each time up to
	// five minutes; MaxEventAge drops an event that could not run for this long (Lambda: 6 h).
	ThrottleBackoff time.Duration
	MaxEventAge     time.Duration
	Logger          *slog.Logger
}

// Queue runs Event invocations in the background: at least once, retried on function errors
// and throttling as Lambda does, and drained on Close.
type Queue struct {
	inv  Invoker
	opts QueueOptions
	log  *slog.Logger
	ch   chan *event

	mu      sync.Mutex
	closed  bool
	pending sync.WaitGroup // events accepted and not yet finished, including waits
	workers sync.WaitGroup
	stop    chan struct{}
}

type event struct {
	id        string
	function  string
	payload   []byte
	opts      functions.InvokeOptions
	received  time.Time
	attempt   int
	throttles int
}

var errQueueFull = errors.New("Rate Exceeded.")

// NewQueue starts the workers.
func NewQueue(inv Invoker, opts QueueOptions) *Queue {
	if opts.Capacity <= 0 {
		opts.Capacity = 10000
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.RetryDelays == nil {
		opts.RetryDelays = []time.Duration{time.Minute, 2 * time.Minute}
	}
	if opts.ThrottleBackoff <= 0 {
		opts.ThrottleBackoff = time.Second
	}
	if opts.MaxEventAge <= 0 {
		opts.MaxEventAge = 6 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	q := &Queue{inv: inv, opts: opts, log: opts.Logger, ch: make(chan *event, opts.Capacity), stop: make(chan struct{})}
	for i := 0; i < opts.Workers; i++ {
		q.workers.Add(1)
		go q.work()
	}
	return q
}

// Enqueue accepts an event and returns its request id.
func (q *Queue) Enqueue(function string, payload []byte, opts functions.InvokeOptions) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return "", errors.New("shutting down")
	}
	if opts.RequestID == "" {
		opts.RequestID = uuid.NewString()
	}
	ev := &event{id: opts.RequestID, function: function, payload: payload, opts: opts, received: time.Now()}
	q.pending.Add(1)
	select {
	case q.ch <- ev:
		return ev.id, nil
	default:
		q.pending.Done()
		return "", errQueueFull
	}
}

func (q *Queue) work() {
	defer q.workers.Done()
	for {
		select {
		case ev := <-q.ch:
			q.run(ev)
		case <-q.stop:
			return
		}
	}
}

// run makes one attempt and schedules the next one if Lambda would retry.
func (q *Queue) run(ev *event) {
	ev.attempt++
	ctx := context.Background()
	res, err := q.inv.Invoke(ctx, ev.function, ev.payload, ev.opts)
	switch {
	case err == nil && res.FunctionError == "":
		q.pending.Done()
		return
	case errors.Is(err, functions.ErrThrottled):
		if time.Since(ev.received) > q.opts.MaxEventAge {
			q.log.Warn("async event dropped: too old", "function", ev.function, "requestId", ev.id)
			q.pending.Done()
			return
		}
		ev.attempt-- // throttling does not use up a retry, as in Lambda
		ev.throttles++
		q.retryAfter(ev, min(q.opts.ThrottleBackoff<<min(ev.throttles-1, 8), 5*time.Minute))
	case err != nil:
		q.log.Error("async invocation failed", "function", ev.function, "requestId", ev.id, "error", err)
		q.pending.Done()
	default:
		if ev.attempt > len(q.opts.RetryDelays) {
			q.log.Warn("async event failed after retries", "function", ev.function, "requestId", ev.id, "attempts", ev.attempt)
			q.pending.Done()
			return
		}
		q.retryAfter(ev, q.opts.RetryDelays[ev.attempt-1])
	}
}

// retryAfter re-queues ev after d without holding a worker.
func (q *Queue) retryAfter(ev *event, d time.Duration) {
	time.AfterFunc(d, func() {
		select {
		case q.ch <- ev:
		case <-q.stop:
			q.pending.Done()
		}
	})
}

// Close stops accepting events and waits up to ctx's deadline for queued ones (including
// retries still waiting) to finish.
func (q *Queue) Close(ctx context.Context) error {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	done := make(chan struct{})
	go func() { q.pending.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	close(q.stop)
	q.workers.Wait()
	return err
}
