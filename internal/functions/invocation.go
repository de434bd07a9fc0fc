package functions

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// invocation is one attempt to run an event on an instance. A re-dispatch (the instance died
// before taking the event) makes a new invocation with the same request id.
type invocation struct {
	id            string
	payload       []byte
	traceID       string
	clientContext string

	// Set under the owning instance's mu.
	delivered    time.Time // when /next handed the event out
	deadline     time.Time
	initDuration time.Duration
	cold         bool

	// startPending is set under the log sink's mu once the event is handed out: START is
	// written with the invocation's next log line.
	startPending bool
	tail         tailBuffer

	done  chan struct{}
	res   *Result
	err   error
	retry bool // the event never reached a process: run it elsewhere
}

func newInvocation(id string, payload []byte, traceID, clientContext string) *invocation {
	return &invocation{id: id, payload: payload, traceID: traceID, clientContext: clientContext, done: make(chan struct{})}
}

func (inv *invocation) resolve(res *Result, err error) {
	inv.res, inv.err = res, err
	close(inv.done)
}

func (inv *invocation) redispatch() {
	inv.retry = true
	close(inv.done)
}

// outcomeKind says who produced an outcome, which decides the extra log lines and the REPORT
// status, following what Lambda writes for each case.
type outcomeKind int

const (
	outcomeOK       outcomeKind = iota // the runtime posted a response
	outcomeFnError                     // the runtime posted an error
	outcomeRuntime                     // genkan saw the runtime fail (exit, OOM, bad entrypoint)
	outcomeTimeout                     // the function ran past its timeout
	outcomeInitFail                    // the runtime posted /init/error
)

type outcome struct {
	kind    outcomeKind
	payload []byte // response, or error JSON for outcomeFnError / outcomeInitFail
	errType string
	// message is the part after "RequestId: <id> Error: " for genkan-made errors; the payload
	// is built per invocation so that a remembered failure names the current request.
	message string
	// logMessage, when set, replaces message in the log lines (Lambda logs a timeout
	// differently from how it reports it).
	logMessage string
}

// lambdaError is the body Lambda returns for errors it makes itself; the field order matches
// Lambda's (errorType first).
type lambdaError struct {
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
}

func runtimeError(errType, message string) *outcome {
	return &outcome{kind: outcomeRuntime, errType: errType, message: message}
}

func (o *outcome) payloadFor(id string) []byte {
	if o.message == "" {
		return o.payload
	}
	b, _ := json.Marshal(lambdaError{ErrorType: o.errType, ErrorMessage: "RequestId: " + id + " Error: " + o.message})
	return b
}

// normalizeErrorBody returns an error body posted by a runtime as Lambda would return it:
// as posted when it is JSON, else wrapped.
func normalizeErrorBody(body []byte, errType string) []byte {
	if len(body) > 0 && json.Valid(body) {
		return body
	}
	if errType == "" {
		errType = "Runtime.Unknown"
	}
	b, _ := json.Marshal(lambdaError{ErrorType: errType, ErrorMessage: string(body)})
	return b
}

// errorTypeOf picks the error type from the Lambda-Runtime-Function-Error-Type header, else
// from the body's errorType.
func errorTypeOf(header string, body []byte) string {
	if header != "" {
		return header
	}
	var e struct {
		ErrorType string `json:"errorType"`
	}
	if json.Unmarshal(body, &e) == nil && e.ErrorType != "" {
		return e.ErrorType
	}
	return "Runtime.Unknown"
}

func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
}

func ms(d time.Duration) string {
	return string(appendMS(nil, d))
}

func appendMS(b []byte, d time.Duration) []byte {
	return strconv.AppendFloat(b, float64(d)/float64(time.Millisecond), 'f', 2, 64)
}

// ceilMS rounds up to the next millisecond, Lambda's billing granularity.
func ceilMS(d time.Duration) time.Duration {
	return (d + time.Millisecond - 1) / time.Millisecond * time.Millisecond
}

// finishInvocation writes Lambda's closing log lines (error lines, END, REPORT) and builds the
// Result. inst is nil when no process was involved.
func finishInvocation(f *function, v *version, inst *instance, inv *invocation, o *outcome) *Result {
	now := time.Now()
	var dur time.Duration
	if !inv.delivered.IsZero() {
		dur = now.Sub(inv.delivered)
	}
	memSize := v.memoryMB()
	res := &Result{
		Payload:      o.payloadFor(inv.id),
		RequestID:    inv.id,
		Duration:     dur,
		InitDuration: inv.initDuration,
		ColdStart:    inv.cold,
	}
	if o.kind != outcomeOK {
		res.FunctionError = "Unhandled"
	}
	if inst != nil {
		res.MaxMemoryMB = inst.maxMemoryMB()
	}
	res.BilledDuration = ceilMS(dur)
	if inv.cold {
		res.BilledDuration += ceilMS(inv.initDuration)
	}

	// Lambda's closing lines, written together: [error lines,] END, REPORT. The buffers stay
	// on the stack: lines is indexed, never appended to.
	var lines [4][]byte
	n := 0
	var status string
	switch o.kind {
	case outcomeTimeout:
		status = "timeout"
		lines[n] = []byte(now.UTC().Format("2006-01-02T15:04:05.000Z") + " " + inv.id + " " + o.logMessage)
		n++
	case outcomeRuntime, outcomeInitFail:
		status = "error"
		if o.message != "" {
			lines[n], lines[n+1] = []byte("RequestId: "+inv.id+" Error: "+o.message), []byte(o.errType)
			n += 2
		}
	}
	var endBuf [64]byte
	lines[n] = append(append(endBuf[:0], "END RequestId: "...), inv.id...)
	n++
	var reportBuf [256]byte
	r := append(reportBuf[:0], "REPORT RequestId: "...)
	r = append(r, inv.id...)
	r = append(r, "\tDuration: "...)
	r = appendMS(r, dur)
	r = append(r, " ms\tBilled Duration: "...)
	r = strconv.AppendInt(r, int64(res.BilledDuration/time.Millisecond), 10)
	r = append(r, " ms\tMemory Size: "...)
	r = strconv.AppendInt(r, int64(memSize), 10)
	r = append(r, " MB\tMax Memory Used: "...)
	r = strconv.AppendInt(r, int64(res.MaxMemoryMB), 10)
	r = append(r, " MB"...)
	if inv.cold && inv.initDuration > 0 {
		r = append(r, "\tInit Duration: "...)
		r = appendMS(r, inv.initDuration)
		r = append(r, " ms"...)
	}
	if status != "" {
		r = append(r, "\tStatus: "...)
		r = append(r, status...)
		if status == "error" {
			r = append(r, "\tError Type: "...)
			r = append(r, o.errType...)
		}
	}
	lines[n] = r
	f.sink.lines(inv, lines[:n+1]...)
	res.LogTail = inv.tail.take()
	return res
}

// tailSize is how much of an invocation's log Lambda returns with LogType Tail.
const tailSize = 4 << 10

// tailBuffer keeps the last tailSize bytes of an invocation's log lines.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailBuffer) add(line []byte) {
	t.mu.Lock()
	if t.buf == nil {
		t.buf = make([]byte, 0, 512) // START, END and REPORT fit
	}
	if len(line) >= tailSize {
		t.buf = append(t.buf[:0], line[len(line)-tailSize+1:]...)
	} else {
		t.buf = append(t.buf, line...)
	}
	t.buf = append(t.buf, '\n')
	if len(t.buf) > 2*tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	t.mu.Unlock()
}

func (t *tailBuffer) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > tailSize {
		b = b[len(b)-tailSize:]
	}
	return append([]byte(nil), b...)
}

// take returns the tail without a copy, for an invocation that logs nothing more.
func (t *tailBuffer) take() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > tailSize {
		b = b[len(b)-tailSize:]
	}
	t.buf = nil
	return b
}
