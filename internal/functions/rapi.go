package functions

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strconv"
	"time"
)

// The Runtime API, as documented at docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html.
// Status codes and error bodies follow the Runtime Interface Emulator
// (aws-lambda-runtime-interface-emulator, internal/lambda/rapi): 202 {"status":"OK"} on
// accepted posts, 400 InvalidRequestID for an id that is not the current invocation's,
// 403 InvalidStateTransition for a call the runtime's state does not allow, 413
// RequestEntityTooLarge for a response over MaxResponseBytes.

const apiPrefix = "/2018-06-01/runtime"

const (
	hdrRequestID     = "Lambda-Runtime-Aws-Request-Id"
	hdrDeadline      = "Lambda-Runtime-Deadline-Ms"
	hdrFunctionArn   = "Lambda-Runtime-Invoked-Function-Arn"
	hdrTraceID       = "Lambda-Runtime-Trace-Id"
	hdrClientContext = "Lambda-Runtime-Client-Context"
	// Header and trailer names the server compares case-insensitively, in lower case.
	hdrErrorType = "lambda-runtime-function-error-type"
	hdrErrorBody = "lambda-runtime-function-error-body" // trailer, base64
)

// nextHead starts a GET /next as genkan's Node bootstrap pipelines it (nextBuffered).
var nextHead = []byte("GET " + apiPrefix + "/invocation/next ")

var accepted = []byte("HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n" + `{"status":"OK"}` + "\n")

// dispatch serves one request; false ends the connection.
func (rc *rconn) dispatch() bool {
	r := &rc.req
	rest, ok := bytes.CutPrefix(r.path, []byte(apiPrefix+"/"))
	if !ok {
		return rc.notFound()
	}
	get, post := string(r.method) == "GET", string(r.method) == "POST"
	switch {
	case string(rest) == "invocation/next":
		if !get {
			return rc.notAllowed("GET")
		}
		if !rc.discardBody() {
			return false
		}
		return rc.next()
	case string(rest) == "init/error":
		if !post {
			return rc.notAllowed("POST")
		}
		return rc.initError()
	}
	tail, ok := bytes.CutPrefix(rest, []byte("invocation/"))
	i := bytes.IndexByte(tail, '/')
	if !ok || i < 0 {
		return rc.notFound()
	}
	id, action := tail[:i], string(tail[i+1:])
	if action != "response" && action != "error" {
		return rc.notFound()
	}
	if !post {
		return rc.notAllowed("POST")
	}
	if bytes.IndexByte(id, '%') >= 0 {
		s, err := url.PathUnescape(string(id))
		if err != nil {
			return rc.notFound()
		}
		id = []byte(s)
	}
	return rc.post(id, action == "error")
}

func (rc *rconn) notFound() bool {
	ok := rc.discardBody()
	rc.req.keepAlive = rc.req.keepAlive && ok
	return rc.writeSimple(404, "Not Found", "text/plain; charset=utf-8", []byte("404 page not found\n")) == nil && ok
}

func (rc *rconn) notAllowed(allow string) bool {
	ok := rc.discardBody()
	rc.req.keepAlive = rc.req.keepAlive && ok
	b := append(rc.out[:rc.held], "HTTP/1.1 405 Method Not Allowed\r\nAllow: "...)
	b = append(b, allow...)
	b = append(b, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 19\r\n"...)
	if !rc.req.keepAlive {
		b = append(b, "Connection: close\r\n"...)
	}
	b = append(b, "\r\nMethod Not Allowed\n"...)
	return rc.write(b) == nil && ok
}

type apiError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

// apiError writes one of the Runtime API's JSON errors.
func (rc *rconn) apiError(status int, reason, errType, msg string) bool {
	body, _ := json.Marshal(apiError{ErrorMessage: msg, ErrorType: errType})
	return rc.writeSimple(status, reason, "application/json", append(body, '\n')) == nil && rc.req.keepAlive
}

func (rc *rconn) stateError(from, to string) bool {
	return rc.apiError(403, "Forbidden", "InvalidStateTransition",
		"State transition from "+from+" to "+to+" failed for runtime. Error: State transition is not allowed")
}

func (rc *rconn) invalidRequestID() bool {
	return rc.apiError(400, "Bad Request", "InvalidRequestID", "Invalid request ID")
}

func (rc *rconn) tooLarge() bool {
	return rc.apiError(413, "Request Entity Too Large", "RequestEntityTooLarge",
		"Exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseBytes)+" bytes).")
}

// accepted answers a post with 202. When the runtime has pipelined its next GET /next, the
// answer is held to go out with the next one (see rapiconn.go).
func (rc *rconn) accepted() bool {
	b := append(rc.out[:rc.held], accepted...)
	if rc.req.keepAlive && rc.nextBuffered() {
		rc.out, rc.held = b, len(b)
		return true
	}
	return rc.write(b) == nil
}

// next long-polls until an invocation is assigned, then hands it out. While it waits, the
// connection's goroutine sits in a read of the connection, so that a runtime hanging up is
// seen at once; assign wakes it by expiring that read's deadline (under inst.mu, as the
// deadline is cleared), which costs no goroutine and no channel.
func (rc *rconn) next() bool {
	inst := rc.inst
	for woken := false; ; woken = true {
		inst.mu.Lock()
		if inst.state == stDead || inst.doomed {
			inst.mu.Unlock()
			return rc.stateError("Shutdown", "Ready")
		}
		// A /next during an invocation is refused, unless it was already waiting and another
		// connection's /next took the event (a runtime that polls on two connections).
		if inst.current != nil && !woken {
			inst.mu.Unlock()
			return rc.stateError("Running", "Ready")
		}
		first := inst.state == stStarting
		if first {
			inst.state = stReady
			inst.readyAt = time.Now()
			if inst.initTimer != nil {
				inst.initTimer.Stop()
			}
		}
		inv := inst.pending
		if inv != nil && inst.current == nil {
			inst.deliverLocked(inv)
		} else {
			inv = nil
			inst.waiters = append(inst.waiters, rc)
		}
		inst.mu.Unlock()

		if first {
			inst.f.initSucceeded(inst.v)
			inst.out.drain() // init output goes before START, as in Lambda
		}
		if inv != nil {
			inst.f.sink.begin(inv)
			return rc.writeEvent(inv) == nil
		}
		// The held 202 goes out before the wait; a failed write ends it like a hang-up.
		err := rc.flush()
		if err == nil {
			_, err = rc.br.Peek(1)
		}
		inst.mu.Lock()
		for i, w := range inst.waiters {
			if w == rc {
				last := len(inst.waiters) - 1
				inst.waiters[i], inst.waiters[last] = inst.waiters[last], nil
				inst.waiters = inst.waiters[:last]
				break
			}
		}
		rc.c.SetReadDeadline(time.Time{})
		inst.mu.Unlock()
		// Bytes during a long poll would be a request pipelined behind /next, which no Runtime
		// API client sends: the connection is dropped rather than the event risked on it.
		if err == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
			return false
		}
	}
}

func (rc *rconn) writeEvent(inv *invocation) error {
	b := append(rc.out[:rc.held], "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"+hdrRequestID+": "...)
	b = append(b, inv.id...)
	b = append(b, "\r\n"+hdrDeadline+": "...)
	b = strconv.AppendInt(b, inv.deadline.UnixMilli(), 10)
	b = append(b, "\r\n"+hdrFunctionArn+": "...)
	b = append(b, rc.inst.f.arn...)
	b = append(b, "\r\n"+hdrTraceID+": "...)
	b = appendHeaderValue(b, inv.traceID)
	if inv.clientContext != "" {
		b = append(b, "\r\n"+hdrClientContext+": "...)
		b = appendHeaderValue(b, inv.clientContext)
	}
	b = append(b, "\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(inv.payload)), 10)
	if !rc.req.keepAlive {
		b = append(b, "\r\nConnection: close"...)
	}
	rc.out = append(b, "\r\n\r\n"...)
	return rc.writeHeadAndBody(inv.payload)
}

// post serves /invocation/{id}/response and /invocation/{id}/error.
func (rc *rconn) post(id []byte, isError bool) bool {
	inst := rc.inst
	to := "InvocationResponse"
	if isError {
		to = "InvocationErrorResponse"
	}
	// The id is checked before the body is read, so that a wrong one is refused cheaply.
	if refuse := inst.check(id); refuse != "" {
		ok := rc.discardBody()
		rc.req.keepAlive = rc.req.keepAlive && ok
		if refuse == "state" {
			return rc.stateError("ResponseSent", to) && ok
		}
		return rc.invalidRequestID() && ok
	}
	body, over, err := rc.readBody(MaxResponseBytes)
	if err != nil {
		rc.req.keepAlive = false
	}
	inv, refuse := inst.take(id)
	switch {
	case inv == nil && refuse == "state":
		return rc.stateError("ResponseSent", to)
	case inv == nil:
		return rc.invalidRequestID()
	case over:
		inst.complete(inv, runtimeErrorPayload("Function.ResponseSizeTooLarge",
			"Response payload size exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseBytes)+" bytes)."))
		return rc.tooLarge()
	case err != nil:
		inst.complete(inv, runtimeErrorPayload("Runtime.TruncatedResponse", "HTTP request detected as truncated"))
		return rc.apiError(400, "Bad Request", "TruncatedHTTPRequest", "HTTP request detected as truncated")
	}
	r := &rc.req
	var o *outcome
	switch {
	case isError:
		t := errorTypeOf(string(r.errorType), body)
		o = &outcome{kind: outcomeFnError, errType: t, payload: normalizeErrorBody(body, t)}
	case len(r.trailerErrorType) > 0:
		// aws-lambda-go reports an error met while streaming the body in trailers.
		t := string(r.trailerErrorType)
		eb, _ := base64.StdEncoding.DecodeString(string(r.trailerErrorBody))
		o = &outcome{kind: outcomeFnError, errType: t, payload: normalizeErrorBody(eb, t)}
	default:
		o = &outcome{kind: outcomeOK, payload: body}
	}
	inst.complete(inv, o)
	return rc.accepted() && r.keepAlive
}

// runtimeErrorPayload is an error Lambda makes without a request id in its message.
func runtimeErrorPayload(errType, msg string) *outcome {
	b, _ := json.Marshal(lambdaError{ErrorType: errType, ErrorMessage: msg})
	return &outcome{kind: outcomeFnError, errType: errType, payload: b}
}

// initError records the runtime's init failure and ends the process, which reports it to
// whoever waits for this instance.
func (rc *rconn) initError() bool {
	inst := rc.inst
	body, over, err := rc.readBody(MaxResponseBytes)
	if err != nil {
		rc.req.keepAlive = false
	}
	inst.mu.Lock()
	if inst.state != stStarting || inst.doomed {
		inst.mu.Unlock()
		return rc.stateError("Ready", "InitError")
	}
	if over {
		body = nil
	}
	t := errorTypeOf(string(rc.req.errorType), body)
	inst.initErr = &outcome{kind: outcomeInitFail, errType: t, payload: normalizeErrorBody(body, t)}
	inst.doomed = true
	inst.mu.Unlock()
	ok := rc.accepted()
	// Let the runtime read the answer and flush its own log line first.
	time.AfterFunc(50*time.Millisecond, inst.kill)
	return ok && rc.req.keepAlive
}
