package gateway

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/cors"
	"github.com/genkanhq/genkan/internal/observe"
	"github.com/genkanhq/genkan/internal/route"
)

// Table is a compiled configuration: everything the edge needs to serve a request, built once
// by the compile package and never mutated afterwards, so that a reload is one pointer swap and
// in-flight requests finish on the table they started with.
type Table struct {
	Settings apimodel.Settings
	APIs     []*API
	// ByID finds APIs addressed as {apiId}.execute-api.{anything}.
	ByID map[string]*API
	// Domains finds custom domains by host name (lower-case, without port).
	Domains map[string]*Domain
	// PathAPIs are the APIs reachable on any other host by path alone, tried in order.
	PathAPIs []*API
	// Warnings are the compile and import findings, for the start-up listing.
	Warnings []apimodel.Warning
	// Close releases what the table's integrations hold (nil when nothing).
	Close func()
}

// API is one compiled API.
type API struct {
	ID       string
	Name     string
	Protocol apimodel.Protocol
	// Stages by name; DefaultStage is the HTTP API $default stage, served at the root.
	Stages       map[string]*Stage
	DefaultStage *Stage
	Routes       *route.Table
	// RouteList is indexed by the value the route table returns.
	RouteList []*Route
	Responses *apierr.Set
	// CORS is an HTTP API's corsConfiguration; nil when it has none.
	CORS *cors.Policy
	// Authorizers flush the API's authorizer result caches (admin API); nil when none.
	Authorizers []Flusher
}

// Flusher is an authorizer with a result cache.
type Flusher interface{ Flush() }

// Stage is one compiled stage.
type Stage struct {
	Name      string
	Variables map[string]string
	// AccessLog is the stage's access-log format (the gateway default when none was set).
	AccessLog *observe.Format
}

// Route is one compiled route with its integration.
type Route struct {
	Method      string // as declared: GET, …, ANY; empty for $default
	Resource    string // /pets/{id}, or $default
	Key         string // HTTP API route key
	Integration Integration
	Timeout     time.Duration
	// Access runs the route's access control (resource policy, authorizer, API key) before
	// the integration; nil means the route is open.
	Access Checker
	// Spec is the declaration, for listings and error messages.
	Spec *apimodel.Route
}

// Domain is a custom domain with its base-path mappings, longest base path first.
type Domain struct {
	Name     string
	Mappings []*Mapping
}

// Mapping maps a base path of a custom domain to an API stage. A nil Stage means the stage is
// the first path segment after the base path.
type Mapping struct {
	BasePath string // without slashes; "" for the root
	API      *API
	Stage    *Stage
}

// target is where a request resolved to.
type target struct {
	api   *API
	stage *Stage
	// path is the request path with the stage / base path removed.
	path string
}

// resolveHost finds the API (and maybe stage) a Host header names, if any.
func (t *Table) resolveHost(host string) (api *API, domain *Domain) {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	// Host names are case-insensitive, and compile keys domains (and AWS generates API ids)
	// in lower case. ToLower returns host itself when it has no upper case, so this is free in
	// the common case.
	host = strings.ToLower(host)
	if d, ok := t.Domains[host]; ok {
		return nil, d
	}
	if i := strings.Index(host, ".execute-api."); i > 0 {
		if a, ok := t.ByID[host[:i]]; ok {
			return a, nil
		}
	}
	return nil, nil
}

// stageFor splits a path into the API's stage and the rest, as the API is addressed: REST
// APIs always carry /{stage}; HTTP APIs with a $default stage answer at the root unless the
// first segment names another stage.
func (a *API) stageFor(path string) (*Stage, string) {
	first, rest := route.SplitFirst(path)
	if s, ok := a.Stages[first]; ok && s != a.DefaultStage {
		return s, rest
	}
	if a.DefaultStage != nil {
		return a.DefaultStage, path
	}
	return nil, ""
}

// Holder holds the table being served. Load is wait-free, so the edge pays nothing for the
// ability to reload.
type Holder struct {
	p atomic.Pointer[Table]
}

// NewHolder returns a holder serving t.
func NewHolder(t *Table) *Holder {
	h := &Holder{}
	h.p.Store(t)
	return h
}

// Load returns the current table.
func (h *Holder) Load() *Table { return h.p.Load() }

// Swap installs t and returns the previous table. The caller closes the previous table once
// the requests that started on it can have finished.
func (h *Holder) Swap(t *Table) *Table { return h.p.Swap(t) }
