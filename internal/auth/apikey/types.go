package apikey

import (
	"errors"
	"fmt"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Key is an API key as the gateway and the admin API see it. Values handed out by the Store
// are shared snapshots: callers must not modify them.
type Key struct {
	ID          string
	Name        string
	Value       string
	Description string
	CustomerID  string
	Enabled     bool
	Created     time.Time
	Updated     time.Time
	// StageKeys are CreateApiKey's legacy "restApiId/stageName" pairs, kept and echoed as AWS
	// does; like AWS with usage plans enabled, they authorize nothing.
	StageKeys []string
	// Declared keys come from configuration and cannot be changed through the admin API.
	Declared bool
	Pos      apimodel.Position
	// Plans are the ids of the usage plans the key belongs to, sorted.
	Plans []string
}

// Plan is a usage plan. Like Key, a shared snapshot.
type Plan struct {
	ID          string
	Name        string
	Description string
	Stages      []Stage
	Throttle    *apimodel.Throttle
	Quota       *apimodel.Quota
	Created     time.Time
	Declared    bool
	Pos         apimodel.Position
}

// Stage is one API stage a plan covers, with per-method throttles keyed "/{path}/{METHOD}".
type Stage struct {
	APIID    string                       `json:"apiId"`
	Stage    string                       `json:"stage"`
	Throttle map[string]apimodel.Throttle `json:"throttle,omitempty"`
}

// Covers reports whether the plan includes the API stage.
func (p *Plan) Covers(apiID, stage string) bool {
	for i := range p.Stages {
		if p.Stages[i].APIID == apiID && p.Stages[i].Stage == stage {
			return true
		}
	}
	return false
}

// ErrorKind classifies a Store error the way API Gateway's control plane answers it.
type ErrorKind int

const (
	// NotFound is AWS's NotFoundException (404).
	NotFound ErrorKind = iota + 1
	// Conflict is ConflictException (409).
	Conflict
	// Invalid is BadRequestException (400) for a malformed or impossible request.
	Invalid
	// ReadOnly is BadRequestException (400) for a change to something configuration declares.
	ReadOnly
)

// Error is a Store error with its kind and a message fit for the API's {"message": …}.
type Error struct {
	Kind    ErrorKind
	Message string
}

func (e *Error) Error() string { return e.Message }

// AsError returns err as an *Error, or nil.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func notFound(format string, args ...any) error {
	return &Error{Kind: NotFound, Message: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &Error{Kind: Conflict, Message: fmt.Sprintf(format, args...)}
}

func invalid(msg string) error { return &Error{Kind: Invalid, Message: msg} }

// readOnly names the file that declares what the caller tried to change, because that file is
// where the change has to be made.
func readOnly(what string, pos apimodel.Position) error {
	where := "the configuration file"
	if pos.File != "" {
		where = pos.File
		if pos.Line > 0 {
			where = fmt.Sprintf("%s:%d:%d", pos.File, pos.Line, pos.Column)
		}
	}
	return &Error{Kind: ReadOnly, Message: fmt.Sprintf("%s is declared in %s; edit the file to change it", what, where)}
}

// Messages API Gateway answers for unknown ids.
func keyNotFound() error  { return notFound("Invalid API Key identifier specified") }
func planNotFound() error { return notFound("Invalid Usage Plan ID specified") }
