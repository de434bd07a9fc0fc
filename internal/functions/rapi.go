package functions

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
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
	hdrErrorType     = "Lambda-Runtime-Function-Error-Type"
	hdrErrorBody     = "Lambda-Runtime-Function-Error-Body" // trailer, base64
)

func (inst *instance) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+apiPrefix+"/invocation/next", inst.handleNext)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/response", inst.handleResponse)
	mux.HandleFunc("POST "+apiPrefix+"/invocation/{id}/error", inst.handleError)
	mux.HandleFunc("POST "+apiPrefix+"/init/error", inst.handleInitError)
	return mux
}

type apiError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType"`
}

func writeAPIError(w http.ResponseWriter, status int, errType, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(apiError{ErrorMessage: msg, ErrorType: errType})
}

func writeAccepted(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, `{"status":"OK"}`+"\n")
}

func stateError(w http.ResponseWriter, from, to string) {
	writeAPIError(w, http.StatusForbidden, "InvalidStateTransition",
		"State transition from "+from+" to "+to+" failed for runtime. Error: State transition is not allowed")
}

func invalidRequestID(w http.ResponseWriter) {
	writeAPIError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
}

func tooLarge(w http.ResponseWriter) {
	writeAPIError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
		"Exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseBytes)+" bytes).")
}

// handleNext long-polls until an invocation is assigned, then hands it out.
func (inst *instance) handleNext(w http.ResponseWriter, r *http.Request) {
	for {
		inst.mu.Lock()
		if inst.state == stDead || inst.doomed {
			inst.mu.Unlock()
			stateError(w, "Shutdown", "Ready")
			return
		}
		if inst.current != nil {
			inst.mu.Unlock()
			stateError(w, "Running", "Ready")
			return
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
		if inv != nil {
			now := time.Now()
			inst.pending = nil
			inst.current = inv
			if inv.cold {
				inv.initDuration = inst.readyAt.Sub(inst.started)
			}
			inv.delivered = now
			timeout := inst.v.timeout()
			inv.deadline = now.Add(timeout)
			inv.timer = time.AfterFunc(timeout, func() { inst.timedOut(inv) })
		}
		inst.mu.Unlock()

		if first {
			inst.f.initSucceeded(inst.v)
			inst.out.drain() // init output goes before START, as in Lambda
		}
		if inv != nil {
			inst.sendEvent(w, inv)
			return
		}
		select {
		case <-inst.wake:
		case <-inst.dead:
			return
		case <-r.Context().Done():
			return
		}
	}
}

func (inst *instance) sendEvent(w http.ResponseWriter, inv *invocation) {
	inst.f.sink.line(inv, []byte("START RequestId: "+inv.id+" Version: $LATEST"))
	h := w.Header()
	h.Set(hdrRequestID, inv.id)
	h.Set(hdrDeadline, strconv.FormatInt(inv.deadline.UnixMilli(), 10))
	h.Set(hdrFunctionArn, inst.f.arn)
	h.Set(hdrTraceID, inv.traceID)
	if inv.clientContext != "" {
		h.Set(hdrClientContext, inv.clientContext)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(inv.payload)))
	w.WriteHeader(http.StatusOK)
	w.Write(inv.payload)
}

// readBody reads at most MaxResponseBytes; over is true past that.
func readBody(r *http.Request) (body []byte, over bool, err error) {
	body, err = io.ReadAll(io.LimitReader(r.Body, MaxResponseBytes+1))
	if len(body) > MaxResponseBytes {
		return nil, true, nil
	}
	return body, false, err
}

// discard reads what is left of an oversized body (within reason), so that the runtime is
// still sending when it reads the 413 rather than meeting a closed connection.
func discard(r *http.Request) {
	io.Copy(io.Discard, io.LimitReader(r.Body, 4*MaxResponseBytes))
}

// take ends inv's run if it is still the current invocation with that id. On failure it has
// written the Runtime API's answer.
func (inst *instance) take(w http.ResponseWriter, id, to string) *invocation {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	inv := inst.current
	if inv == nil || inv.id != id {
		if id != "" && id == inst.lastID {
			stateError(w, "ResponseSent", to)
		} else {
			invalidRequestID(w)
		}
		return nil
	}
	inst.current = nil
	inst.lastID = id
	if inv.timer != nil {
		inv.timer.Stop()
	}
	return inv
}

// peek checks the id before the body is read, so that a wrong id is refused cheaply.
func (inst *instance) peek(w http.ResponseWriter, id, to string) bool {
	inst.mu.Lock()
	cur, last := inst.current, inst.lastID
	inst.mu.Unlock()
	if cur != nil && cur.id == id {
		return true
	}
	if id != "" && id == last {
		stateError(w, "ResponseSent", to)
	} else {
		invalidRequestID(w)
	}
	return false
}

func (inst *instance) handleResponse(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !inst.peek(w, id, "InvocationResponse") {
		return
	}
	body, over, err := readBody(r)
	inv := inst.take(w, id, "InvocationResponse")
	if inv == nil {
		return
	}
	switch {
	case over:
		discard(r)
		inst.complete(inv, runtimeErrorPayload("Function.ResponseSizeTooLarge",
			"Response payload size exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseBytes)+" bytes)."))
		tooLarge(w)
		return
	case err != nil:
		inst.complete(inv, runtimeErrorPayload("Runtime.TruncatedResponse", "HTTP request detected as truncated"))
		writeAPIError(w, http.StatusBadRequest, "TruncatedHTTPRequest", "HTTP request detected as truncated")
		return
	}
	// aws-lambda-go reports an error met while streaming the body in trailers.
	if t := r.Trailer.Get(hdrErrorType); t != "" {
		eb, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(hdrErrorBody))
		inst.complete(inv, &outcome{kind: outcomeFnError, errType: t, payload: normalizeErrorBody(eb, t)})
		writeAccepted(w)
		return
	}
	inst.complete(inv, &outcome{kind: outcomeOK, payload: body})
	writeAccepted(w)
}

// runtimeErrorPayload is an error Lambda makes without a request id in its message.
func runtimeErrorPayload(errType, msg string) *outcome {
	b, _ := json.Marshal(lambdaError{ErrorType: errType, ErrorMessage: msg})
	return &outcome{kind: outcomeFnError, errType: errType, payload: b}
}

func (inst *instance) handleError(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !inst.peek(w, id, "InvocationErrorResponse") {
		return
	}
	body, over, _ := readBody(r)
	inv := inst.take(w, id, "InvocationErrorResponse")
	if inv == nil {
		return
	}
	if over {
		discard(r)
		inst.complete(inv, runtimeErrorPayload("Function.ResponseSizeTooLarge",
			"Response payload size exceeded maximum allowed payload size ("+strconv.Itoa(MaxResponseBytes)+" bytes)."))
		tooLarge(w)
		return
	}
	t := errorTypeOf(r.Header.Get(hdrErrorType), body)
	inst.complete(inv, &outcome{kind: outcomeFnError, errType: t, payload: normalizeErrorBody(body, t)})
	writeAccepted(w)
}

// handleInitError records the runtime's init failure and ends the process, which reports it
// to whoever waits for this instance.
func (inst *instance) handleInitError(w http.ResponseWriter, r *http.Request) {
	body, over, _ := readBody(r)
	inst.mu.Lock()
	if inst.state != stStarting || inst.doomed {
		inst.mu.Unlock()
		stateError(w, "Ready", "InitError")
		return
	}
	if over {
		body = nil
	}
	t := errorTypeOf(r.Header.Get(hdrErrorType), body)
	inst.initErr = &outcome{kind: outcomeInitFail, errType: t, payload: normalizeErrorBody(body, t)}
	inst.doomed = true
	inst.mu.Unlock()
	writeAccepted(w)
	// Let the runtime read the answer and flush its own log line first.
	time.AfterFunc(50*time.Millisecond, inst.kill)
}
