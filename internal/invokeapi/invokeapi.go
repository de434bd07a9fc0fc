// Package invokeapi serves Lambda's Invoke API (POST /2015-03-31/functions/{name}/invocations)
// on the admin listener, so that the AWS SDKs and CLI can invoke genkan's local functions as
// they would invoke Lambda: RequestResponse, Event (queued, retried as Lambda retries
// asynchronous invocations) and DryRun, with X-Amz-Function-Error and X-Amz-Log-Type: Tail.
package invokeapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/genkanhq/genkan/internal/functions"
)

// Invoker is what the API needs of the functions runtime.
type Invoker interface {
	Invoke(ctx context.Context, name string, payload []byte, opts functions.InvokeOptions) (*functions.Result, error)
	Has(name string) bool
}

// Lambda's payload limits for synchronous and asynchronous invocations.
const (
	MaxSyncPayload  = 6 << 20
	MaxAsyncPayload = 256 << 10
)

// Path is the route pattern of the Invoke API, for http.ServeMux.
const Path = "POST /2015-03-31/functions/{name}/invocations"

// Handler serves the Invoke API.
type Handler struct {
	inv       Invoker
	queue     *Queue
	log       *slog.Logger
	region    string
	accountID string
}

// New returns a Handler; queue runs Event invocations (see NewQueue).
func New(inv Invoker, queue *Queue, region, accountID string, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{inv: inv, queue: queue, log: log, region: region, accountID: accountID}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, err := functionName(r.PathValue("name"))
	if err != nil {
		h.fail(w, http.StatusBadRequest, "InvalidParameterValueException", err.Error(), "")
		return
	}
	if q := r.URL.Query().Get("Qualifier"); q != "" && q != "$LATEST" {
		name += ":" + q // only $LATEST exists locally
	}
	if !h.inv.Has(name) {
		h.fail(w, http.StatusNotFound, "ResourceNotFoundException",
			fmt.Sprintf("Function not found: arn:aws:lambda:%s:%s:function:%s", h.region, h.accountID, name), "")
		return
	}
	invType := r.Header.Get("X-Amz-Invocation-Type")
	if invType == "" {
		invType = "RequestResponse"
	}
	limit := int64(MaxSyncPayload)
	if invType == "Event" {
		limit = MaxAsyncPayload
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		h.fail(w, http.StatusBadRequest, "InvalidRequestContentException", "Could not read request body: "+err.Error(), "")
		return
	}
	if int64(len(payload)) > limit {
		h.fail(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf("Request must be smaller than %d bytes for the InvokeFunction operation", limit), "")
		return
	}
	if len(payload) == 0 {
		payload = []byte("{}")
	} else if !json.Valid(payload) {
		h.fail(w, http.StatusBadRequest, "InvalidRequestContentException",
			"Could not parse request body into json: Unexpected character", "")
		return
	}
	opts := functions.InvokeOptions{TraceID: r.Header.Get("X-Amzn-Trace-Id")}
	if cc := r.Header.Get("X-Amz-Client-Context"); cc != "" {
		decoded, err := base64.StdEncoding.DecodeString(cc)
		if err != nil {
			h.fail(w, http.StatusBadRequest, "InvalidParameterValueException", "Client context must be a valid Base64-encoded JSON object.", "")
			return
		}
		opts.ClientContext = string(decoded)
	}

	switch invType {
	case "DryRun":
		w.WriteHeader(http.StatusNoContent)
	case "Event":
		id, err := h.queue.Enqueue(name, payload, opts)
		if err != nil {
			h.fail(w, http.StatusTooManyRequests, "TooManyRequestsException", err.Error(), "ConcurrentInvocationLimitExceeded")
			return
		}
		w.Header().Set("X-Amzn-Requestid", id)
		w.WriteHeader(http.StatusAccepted)
	case "RequestResponse":
		h.invokeSync(w, r, name, payload, opts)
	default:
		h.fail(w, http.StatusBadRequest, "InvalidParameterValueException",
			fmt.Sprintf("1 validation error detected: Value '%s' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]", invType), "")
	}
}

func (h *Handler) invokeSync(w http.ResponseWriter, r *http.Request, name string, payload []byte, opts functions.InvokeOptions) {
	res, err := h.inv.Invoke(r.Context(), name, payload, opts)
	if err != nil {
		h.invokeError(w, name, err)
		return
	}
	hdr := w.Header()
	hdr.Set("X-Amzn-Requestid", res.RequestID)
	hdr.Set("X-Amz-Executed-Version", "$LATEST")
	hdr.Set("Content-Type", "application/json")
	if res.FunctionError != "" {
		hdr.Set("X-Amz-Function-Error", res.FunctionError)
	}
	if strings.EqualFold(r.Header.Get("X-Amz-Log-Type"), "Tail") {
		hdr.Set("X-Amz-Log-Result", base64.StdEncoding.EncodeToString(res.LogTail))
	}
	w.WriteHeader(http.StatusOK)
	w.Write(res.Payload)
}

// invokeError answers a failure to invoke (not a function error, which is a 200) with
// Lambda's status, error type and body.
func (h *Handler) invokeError(w http.ResponseWriter, name string, err error) {
	var te *functions.ThrottleError
	switch {
	case errors.As(err, &te):
		h.fail(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.", te.Reason)
	case errors.Is(err, functions.ErrThrottled):
		h.fail(w, http.StatusTooManyRequests, "TooManyRequestsException", "Rate Exceeded.", "ReservedFunctionConcurrentInvocationLimitExceeded")
	case errors.Is(err, functions.ErrFunctionNotFound):
		h.fail(w, http.StatusNotFound, "ResourceNotFoundException",
			fmt.Sprintf("Function not found: arn:aws:lambda:%s:%s:function:%s", h.region, h.accountID, name), "")
	case errors.Is(err, functions.ErrRequestTooLarge):
		h.fail(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException", err.Error(), "")
	case errors.Is(err, context.Canceled):
		// The caller went away; nobody reads an answer.
	default:
		h.log.Error("invoke failed", "function", name, "error", err)
		h.fail(w, http.StatusBadGateway, "ServiceException", err.Error(), "")
	}
}

// fail writes Lambda's error shape: x-amzn-ErrorType plus {"Type":"User","message":…}.
func (h *Handler) fail(w http.ResponseWriter, status int, errType, message, reason string) {
	body := map[string]string{"Type": "User", "message": message}
	if status >= 500 {
		body["Type"] = "Service"
	}
	if reason != "" {
		body["Reason"] = reason
	}
	w.Header().Set("X-Amzn-Errortype", errType)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// functionName accepts what Lambda accepts as FunctionName: a name, name:qualifier, a partial
// ARN (account:function:name) or a full function ARN. Only $LATEST exists locally, so any
// qualifier other than $LATEST names nothing.
func functionName(raw string) (string, error) {
	s, err := url.PathUnescape(raw)
	if err != nil {
		return "", fmt.Errorf("invalid function name %q", raw)
	}
	if strings.HasPrefix(s, "arn:") {
		parts := strings.Split(s, ":")
		if len(parts) < 7 || parts[2] != "lambda" || parts[5] != "function" {
			return "", fmt.Errorf("invalid function ARN %q", s)
		}
		s = strings.Join(parts[6:], ":")
	} else if parts := strings.Split(s, ":"); len(parts) >= 3 && parts[1] == "function" {
		s = strings.Join(parts[2:], ":")
	}
	name, qualifier, _ := strings.Cut(s, ":")
	if qualifier != "" && qualifier != "$LATEST" {
		name = s // no such alias or version locally: report it as not found by its full name
	}
	if name == "" {
		return "", errors.New("function name must not be empty")
	}
	return name, nil
}
