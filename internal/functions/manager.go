package functions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Lambda's payload limits for synchronous invocation.
const (
	// MaxRequestBytes is the largest invocation payload (Lambda: 6 MB for RequestResponse).
	MaxRequestBytes = 6 << 20
	// MaxResponseBytes is the largest response a runtime may post: the Runtime API accepts
	// 6 MiB + 100 bytes (aws-lambda-runtime-interface-emulator interop.MaxPayloadSize).
	MaxResponseBytes = 6<<20 + 100
)

// Defaults for Options fields left zero.
const (
	DefaultIdleTimeout     = 5 * time.Minute
	DefaultConcurrency     = 10
	DefaultInitTimeout     = 10 * time.Second // Lambda's limit for an on-demand INIT phase
	DefaultMaxLogFileBytes = 16 << 20
)

var (
	// ErrThrottled is returned (wrapped in *ThrottleError) when a function already runs as many
	// invocations as its reserved concurrency allows. Lambda answers 429 TooManyRequestsException
	// immediately instead of queueing, and so does genkan unless Options.Queue (or
	// FunctionQueues) lets invocations wait. API Gateway does not pass that 429 on: REST and
	// HTTP API Lambda proxy integrations answer 500 Internal Server Error (for REST through the
	// INTEGRATION_FAILURE gateway response, which users may re-map).
	ErrThrottled = errors.New("TooManyRequestsException: Rate Exceeded.")
	// ErrFunctionNotFound is returned when no function of that name is served
	// (Lambda: ResourceNotFoundException, 404).
	ErrFunctionNotFound = errors.New("ResourceNotFoundException: Function not found")
	// ErrRequestTooLarge is returned for payloads over MaxRequestBytes
	// (Lambda: RequestTooLargeException, 413).
	ErrRequestTooLarge = errors.New("RequestTooLargeException: Request must be smaller than 6291456 bytes for the InvokeFunction operation")
	// ErrUnsupportedRuntime is wrapped by the error Invoke returns for a runtime genkan cannot
	// run on this host (java*, dotnet*, ruby*, or node/python without an interpreter).
	ErrUnsupportedRuntime = errors.New("runtime not supported here")
	// ErrBuildFailed is wrapped by the error Invoke returns when a "go" function did not build.
	ErrBuildFailed = errors.New("build failed")
	// ErrClosed is returned once the Manager is closed.
	ErrClosed = errors.New("functions: manager closed")
)

// ThrottleError says which limit an invocation hit. errors.Is(err, ErrThrottled) holds.
type ThrottleError struct {
	Function string
	Limit    int
	// Reason is Lambda's throttle reason code.
	Reason string
	// Waited is how long the invocation waited in the function's queue (0: none).
	Waited time.Duration
}

func (e *ThrottleError) Error() string {
	if e.Waited > 0 {
		return fmt.Sprintf("functions: %s: %v (reserved concurrency %d, %s; queued for %v)", e.Function, ErrThrottled, e.Limit, e.Reason, e.Waited)
	}
	return fmt.Sprintf("functions: %s: %v (reserved concurrency %d, %s)", e.Function, ErrThrottled, e.Limit, e.Reason)
}

func (e *ThrottleError) Is(target error) bool { return target == ErrThrottled }

// Options configure a Manager. Zero values take the defaults documented per field.
type Options struct {
	Logger *slog.Logger // nil: discard
	// LogDir receives one file per function, LogDir/<name>.log, rotated to <name>.log.1 past
	// MaxLogFileBytes. Empty: no files.
	LogDir string
	// LogOutput receives every function log line prefixed with "[name] " (nil: none).
	LogOutput         io.Writer
	Region, AccountID string // default apimodel.DefaultRegion / DefaultAccountID
	// IdleTimeout stops instances that served nothing for this long (default 5 min).
	IdleTimeout time.Duration
	// DefaultConcurrency caps functions without ReservedConcurrency (default 10).
	DefaultConcurrency int
	// Queue lets invocations beyond a function's reserved concurrency wait for an instance
	// (see QueueOptions); the zero value throttles them at once, as Lambda does.
	Queue QueueOptions
	// FunctionQueues overrides Queue per function name.
	FunctionQueues map[string]QueueOptions
	// BuildCache holds binaries built for the "go" runtime, one directory per content key
	// (default: the user cache dir's genkan/functions).
	BuildCache string
	// InitTimeout is Lambda's INIT phase limit (default 10 s). A process that has not called
	// /next within InitTimeout plus the function's timeout is killed, as Lambda bounds a
	// suppressed init retried inside the invocation.
	InitTimeout     time.Duration
	MaxLogFileBytes int64 // default 16 MiB
	// DisableMemoryLimit skips the cgroup memory limit even where it could be set.
	DisableMemoryLimit bool
}

// InvokeOptions carry the per-invocation metadata Lambda's Invoke API accepts.
type InvokeOptions struct {
	TraceID       string // X-Amzn-Trace-Id; "" → a fresh unsampled trace id
	ClientContext string // base64-decoded JSON, passed as Lambda-Runtime-Client-Context
	RequestID     string // "" → a generated UUID
}

// Result is one invocation's outcome, shaped after Lambda's Invoke response.
type Result struct {
	// Payload is the function's response, or the error JSON when FunctionError != "".
	Payload []byte
	// FunctionError is "" or "Unhandled" (Lambda's X-Amz-Function-Error).
	FunctionError string
	// LogTail is the last 4 KB of this invocation's log, START to REPORT (X-Amz-Log-Result).
	LogTail   []byte
	RequestID string
	// Duration runs from the event's hand-over on /next to the response; BilledDuration rounds
	// it up to the millisecond and adds the init phase of a cold start, as Lambda bills since
	// August 2025.
	Duration       time.Duration
	BilledDuration time.Duration
	MaxMemoryMB    int
	// InitDuration is set when this invocation waited for an on-demand cold start.
	InitDuration time.Duration
	// ColdStart is true when a new instance was started for this invocation.
	ColdStart bool
}

// Manager runs the functions of one genkan process. All methods are safe for concurrent use.
type Manager struct {
	opts    Options
	log     *slog.Logger
	hosts   *hostRuntimes
	builder *builder
	cg      *memCgroup // nil: no memory limit
	bootDir string     // embedded bootstraps, written once

	syncMu sync.Mutex // serializes Sync

	mu        sync.RWMutex
	fns       map[string]*function
	sinks     map[string]*logSink
	instances map[*instance]struct{}
	closed    bool

	ctx    context.Context // ends at Close, for builds
	cancel context.CancelFunc

	wg         sync.WaitGroup
	reaperStop chan struct{}
	reaperDone chan struct{}

	starts int64 // processes started, under mu; read by tests
}

// NewManager prepares a Manager; it starts no process until Sync.
func NewManager(opts Options) (*Manager, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Region == "" {
		opts.Region = apimodel.DefaultRegion
	}
	if opts.AccountID == "" {
		opts.AccountID = apimodel.DefaultAccountID
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.DefaultConcurrency <= 0 {
		opts.DefaultConcurrency = DefaultConcurrency
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = DefaultInitTimeout
	}
	if opts.MaxLogFileBytes <= 0 {
		opts.MaxLogFileBytes = DefaultMaxLogFileBytes
	}
	if opts.BuildCache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		opts.BuildCache = filepath.Join(dir, "genkan", "functions")
	}
	// go build runs in the function's directory: a relative cache path would land there.
	if abs, err := filepath.Abs(opts.BuildCache); err == nil {
		opts.BuildCache = abs
	}
	if opts.LogOutput != nil {
		opts.LogOutput = &lockedWriter{w: opts.LogOutput}
	}
	if opts.LogDir != "" {
		if err := os.MkdirAll(opts.LogDir, 0o755); err != nil {
			return nil, fmt.Errorf("functions: log dir: %w", err)
		}
	}
	bootDir, err := writeBootstraps()
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	m := &Manager{
		opts:       opts,
		log:        opts.Logger,
		hosts:      newHostRuntimes(),
		builder:    newBuilder(opts.BuildCache),
		bootDir:    bootDir,
		fns:        make(map[string]*function),
		sinks:      make(map[string]*logSink),
		instances:  make(map[*instance]struct{}),
		reaperStop: make(chan struct{}),
		reaperDone: make(chan struct{}),
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	if !opts.DisableMemoryLimit {
		m.cg = newMemCgroup(m.log)
	}
	go m.reaper()
	return m, nil
}

// Has reports whether a function of that name is served.
func (m *Manager) Has(name string) bool {
	return m.lookup(name) != nil
}

// CodePaths lists the code paths of the served functions, for callers that watch them and call
// Sync again on change (a change is only noticed by Sync).
func (m *Manager) CodePaths() []string {
	var out []string
	for _, f := range m.functions() {
		f.mu.Lock()
		out = append(out, f.cur.spec.Code)
		f.mu.Unlock()
	}
	sort.Strings(out)
	return out
}

// functions snapshots the served functions; callers lock each one without holding m.mu
// (lock order: function.mu before Manager.mu).
func (m *Manager) functions() []*function {
	m.mu.RLock()
	defer m.mu.RUnlock()
	fns := make([]*function, 0, len(m.fns))
	for _, f := range m.fns {
		fns = append(fns, f)
	}
	return fns
}

func (m *Manager) lookup(name string) *function {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.fns[name]
}

// maxAttempts bounds re-dispatches of an invocation whose instance died before taking it.
const maxAttempts = 3

// Invoke runs one synchronous (RequestResponse) invocation. A function error is a Result with
// FunctionError set; the error return is for what Lambda reports as an API error: not found,
// throttled, payload too large, or ctx ending first. When ctx ends after the event was handed
// to the function, the function still runs to completion or timeout, as in Lambda.
func (m *Manager) Invoke(ctx context.Context, name string, payload []byte, opts InvokeOptions) (*Result, error) {
	if len(payload) > MaxRequestBytes {
		return nil, ErrRequestTooLarge
	}
	f := m.lookup(name)
	if f == nil {
		if m.isClosed() {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("%w: arn:aws:lambda:%s:%s:function:%s", ErrFunctionNotFound, m.opts.Region, m.opts.AccountID, name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	id := opts.RequestID
	if id == "" {
		id = newRequestID()
	} else if !validRequestID(id) {
		return nil, fmt.Errorf("functions: invalid request id %q", id)
	}
	traceID := opts.TraceID
	if traceID == "" {
		traceID = newTraceID(time.Now())
	}
	for attempt := 1; ; attempt++ {
		inv := newInvocation(id, payload, traceID, opts.ClientContext)
		l, w, err := f.acquire(inv)
		if w != nil {
			l, err = f.await(ctx, w)
		}
		if err != nil {
			if errors.Is(err, ErrFunctionNotFound) && m.isClosed() {
				err = ErrClosed
			}
			return nil, err
		}
		if l.imm != nil {
			return f.immediate(l.v, inv, l.imm), nil
		}
		inst, v := l.inst, l.v
		if l.fresh {
			o, err := inst.start()
			if err != nil || o != nil {
				f.remove(inst)
			}
			if err != nil {
				return nil, err
			}
			if o != nil {
				f.initFailed(v, o)
				return f.immediate(v, inv, o), nil
			}
		}
		if !l.assigned && !inst.assign(inv) {
			// Dying: free its slot now rather than when its exit is processed.
			f.remove(inst)
			if l.fresh {
				if res := inst.claimInitFailure(inv); res != nil {
					return res, nil
				}
			}
			if attempt >= maxAttempts {
				return nil, fmt.Errorf("functions: %s: instances keep exiting before taking the event", name)
			}
			continue
		}
		select {
		case <-inv.done:
			if inv.retry {
				if attempt >= maxAttempts {
					return nil, fmt.Errorf("functions: %s: instances keep exiting before taking the event", name)
				}
				continue
			}
			return inv.res, inv.err
		case <-ctx.Done():
			if inst.unassign(inv) {
				f.release(inst)
			}
			return nil, ctx.Err()
		}
	}
}

func (m *Manager) isClosed() bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.closed
}

// Close stops every instance and waits for their goroutines. In-flight invocations end with
// ErrClosed.
func (m *Manager) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.cancel()
	fns := m.fns
	m.fns = map[string]*function{}
	insts := make([]*instance, 0, len(m.instances))
	for inst := range m.instances {
		insts = append(insts, inst)
	}
	m.mu.Unlock()

	close(m.reaperStop)
	<-m.reaperDone
	for _, f := range fns {
		f.retireAll()
	}
	for _, inst := range insts {
		inst.stop(true)
	}
	done := make(chan struct{})
	go func() { m.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		err = errors.New("functions: instances did not stop within 10 s")
	}
	m.mu.Lock()
	for _, s := range m.sinks {
		s.close()
	}
	m.mu.Unlock()
	m.cg.close()
	os.RemoveAll(m.bootDir)
	return err
}

// register records a new instance so that Close can find it; false once closed.
func (m *Manager) register(inst *instance) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.instances[inst] = struct{}{}
	m.starts++
	return true
}

func (m *Manager) unregister(inst *instance) {
	m.mu.Lock()
	delete(m.instances, inst)
	m.mu.Unlock()
}

// reaper scales idle instances down, keeps MinWarm instances up and retries failed inits
// once their back-off has passed.
func (m *Manager) reaper() {
	defer close(m.reaperDone)
	tick := min(max(m.opts.IdleTimeout/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-m.reaperStop:
			return
		case now := <-t.C:
			for _, f := range m.functions() {
				f.reap(now, m.opts.IdleTimeout)
			}
		}
	}
}

// validRequestID keeps a caller's request id usable in a Runtime API path and a log line.
func validRequestID(id string) bool {
	if len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
