// Package admin serves genkan's control plane on the admin listener: API keys, usage plans
// and their usage, and authorizer-cache flushes, at Amazon API Gateway's REST paths and with
// its JSON shapes and errors, so that the AWS CLI and SDKs pointed at genkan (endpoint
// override, access key id "genkan-admin", the admin token as secret) work unchanged. curl
// may use "Authorization: Bearer <token>" instead of signing.
package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/genkanhq/genkan/internal/auth/apikey"
	"github.com/genkanhq/genkan/internal/ids"
)

// AuthorizerCache is what the admin API needs of the gateway to flush cached authorizer
// results for one API stage. Return an error wrapping ErrAPINotFound or ErrStageNotFound for
// ids the gateway does not serve.
type AuthorizerCache interface {
	FlushAuthorizers(apiID, stage string) error
}

// Errors an AuthorizerCache returns (possibly wrapped) for unknown ids.
var (
	ErrAPINotFound   = errors.New("admin: unknown API")
	ErrStageNotFound = errors.New("admin: unknown stage")
)

// Options configure the admin API.
type Options struct {
	// Keys is the key and usage store; nil leaves out the key and usage plan routes.
	Keys *apikey.Store
	// Authorizers flushes authorizer caches; nil answers every flush with NotFoundException.
	Authorizers AuthorizerCache
	// Token is the admin token (see LoadOrCreateToken).
	Token string
	// DisableAuth accepts unauthenticated requests. Only for a loopback listener: whoever can
	// reach the admin API can read every key value.
	DisableAuth bool
	Logger      *slog.Logger
	// Now is the clock SigV4 signatures are checked against; nil means time.Now.
	Now func() time.Time
}

// AccessKeyID is the access key id that SigV4-signing clients use with the admin token as
// their secret access key.
const AccessKeyID = "genkan-admin"

// maxBody bounds request bodies; the control plane's requests are small JSON documents.
const maxBody = 1 << 20

type handler struct {
	keys  *apikey.Store
	authz AuthorizerCache
	token string
	open  bool
	log   *slog.Logger
	now   func() time.Time
}

// NewHandler returns the admin API as an http.Handler of its own.
func NewHandler(o Options) http.Handler {
	mux := http.NewServeMux()
	Register(mux, o)
	return mux
}

// Register adds the admin API's routes to mux, for a server that serves other routes
// (/healthz, Lambda's Invoke API) on the same listener. The patterns are method-qualified
// Go 1.22 patterns under /apikeys, /usageplans, /restapis and /v2/apis.
func Register(mux *http.ServeMux, o Options) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &handler{keys: o.Keys, authz: o.Authorizers, token: o.Token, open: o.DisableAuth, log: o.Logger, now: o.Now}
	routes := map[string]func(http.ResponseWriter, *http.Request) error{
		"DELETE /restapis/{restApiId}/stages/{stageName}/cache/authorizers": h.flushAuthorizers(http.StatusAccepted),
		"DELETE /v2/apis/{apiId}/stages/{stageName}/cache/authorizers":      h.flushAuthorizers(http.StatusNoContent),
	}
	if o.Keys != nil {
		for pattern, fn := range map[string]func(http.ResponseWriter, *http.Request) error{
			"POST /apikeys":                                 h.createKey,
			"GET /apikeys":                                  h.getKeys,
			"GET /apikeys/{apiKey}":                         h.getKey,
			"PATCH /apikeys/{apiKey}":                       h.updateKey,
			"DELETE /apikeys/{apiKey}":                      h.deleteKey,
			"POST /usageplans":                              h.createPlan,
			"GET /usageplans":                               h.getPlans,
			"GET /usageplans/{usagePlanId}":                 h.getPlan,
			"DELETE /usageplans/{usagePlanId}":              h.deletePlan,
			"POST /usageplans/{usagePlanId}/keys":           h.createPlanKey,
			"GET /usageplans/{usagePlanId}/keys":            h.getPlanKeys,
			"GET /usageplans/{usagePlanId}/keys/{keyId}":    h.getPlanKey,
			"DELETE /usageplans/{usagePlanId}/keys/{keyId}": h.deletePlanKey,
			"GET /usageplans/{usagePlanId}/usage":           h.getUsage,
		} {
			routes[pattern] = fn
		}
	}
	for pattern, fn := range routes {
		mux.Handle(pattern, withRequestID(h.authenticate(h.serve(fn))))
	}
}

// withRequestID gives every answer, refusals included, a request id as AWS's do.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Amzn-RequestId", ids.UUID())
		next.ServeHTTP(w, r)
	})
}

// apiError is an answer in the control plane's error format.
type apiError struct {
	status int
	kind   string
	msg    string
}

func (e *apiError) Error() string { return e.kind + ": " + e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "BadRequestException", fmt.Sprintf(format, args...)}
}

func notFound(msg string) error { return &apiError{http.StatusNotFound, "NotFoundException", msg} }

// serve runs a route and renders its error, if any, once: as API Gateway's control plane
// does, {"message": …} with the exception name in X-Amzn-ErrorType.
func (h *handler) serve(fn func(http.ResponseWriter, *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		switch se := apikey.AsError(err); {
		case errors.As(err, &ae):
		case se != nil:
			ae = storeError(se)
		default:
			h.log.Error("admin API request failed", "method", r.Method, "path", r.URL.Path, "error", err.Error())
			ae = &apiError{http.StatusInternalServerError, "InternalServerErrorException", "Internal server error"}
		}
		writeError(w, ae.status, ae.kind, ae.msg)
	})
}

func storeError(e *apikey.Error) *apiError {
	switch e.Kind {
	case apikey.NotFound:
		return &apiError{http.StatusNotFound, "NotFoundException", e.Message}
	case apikey.Conflict:
		return &apiError{http.StatusConflict, "ConflictException", e.Message}
	}
	return &apiError{http.StatusBadRequest, "BadRequestException", e.Message}
}

func writeError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("X-Amzn-ErrorType", kind)
	writeJSON(w, status, map[string]string{"message": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}

// decode reads a JSON body. Fields the API does not know are ignored, as newer SDKs send
// members (tags and the like) that older servers need not understand.
func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	switch {
	case err != nil:
		return badRequest("Could not read the request body: %v", err)
	case len(b) > maxBody:
		return badRequest("The request body exceeds %d bytes", maxBody)
	case len(b) == 0:
		return nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return badRequest("Invalid request body: %v", err)
	}
	return nil
}

// page cuts one page out of items sorted by id, from position (the id of the page's first
// item, as handed out in the previous answer) up to limit items (default 25, at most 500).
func page[T any](r *http.Request, items []T, id func(T) string) ([]T, string, error) {
	q := r.URL.Query()
	limit := 25
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return nil, "", badRequest("Invalid limit: must be between 1 and 500")
		}
		limit = n
	}
	start := 0
	if pos := q.Get("position"); pos != "" {
		for start < len(items) && id(items[start]) < pos {
			start++
		}
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = id(items[end])
	}
	return items[start:end], next, nil
}

// list is the shape of every collection answer ({"item": [...], "position": ...}); the AWS CLI
// shows "item" as "items".
type list[T any] struct {
	Item     []T    `json:"item"`
	Position string `json:"position,omitempty"`
}

func (h *handler) flushAuthorizers(status int) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		api, stage := r.PathValue("restApiId"), r.PathValue("stageName")
		if api == "" {
			api = r.PathValue("apiId")
		}
		if h.authz == nil {
			return notFound("Invalid API identifier specified")
		}
		err := h.authz.FlushAuthorizers(api, stage)
		switch {
		case errors.Is(err, ErrAPINotFound):
			return notFound("Invalid API identifier specified")
		case errors.Is(err, ErrStageNotFound):
			return notFound("Invalid stage identifier specified")
		case err != nil:
			return err
		}
		w.WriteHeader(status)
		return nil
	}
}
