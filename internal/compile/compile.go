// Package compile turns a validated apimodel.Config into an immutable *gateway.Table. It is
// the one place that knows every integration implementation; everything else sees only the
// gateway interfaces.
package compile

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/access"
	"github.com/genkanhq/genkan/internal/apierr"
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/cors"
	"github.com/genkanhq/genkan/internal/gateway"
	"github.com/genkanhq/genkan/internal/integration/httpcustom"
	"github.com/genkanhq/genkan/internal/integration/httpproxy"
	"github.com/genkanhq/genkan/internal/integration/lambda"
	"github.com/genkanhq/genkan/internal/integration/mock"
	"github.com/genkanhq/genkan/internal/observe"
	"github.com/genkanhq/genkan/internal/route"
)

// Deps are the long-lived resources integrations share across reloads.
type Deps struct {
	// Proxy is the pooled client of HTTP_PROXY integrations.
	Proxy *httpproxy.Transport
	// HTTP is the client of HTTP (custom) integrations.
	HTTP http.RoundTripper
	// Lambda invokes the functions that AWS_PROXY integrations name (nil: AWS_PROXY routes are
	// a configuration error).
	Lambda lambda.Invoker
	// RemoteLambda is set when functions that are not declared locally are invoked on a
	// remote Lambda endpoint; then unknown function names are not an error.
	RemoteLambda bool
	// Keys is the API key and usage-plan state (nil: apiKeyRequired routes are an error).
	Keys access.KeyStore
	// Verifiers share JWT verifiers and their JWKS caches across reloads; nil means a new set
	// per compile.
	Verifiers *access.Verifiers
}

func (d *Deps) verifiers() *access.Verifiers {
	if d.Verifiers == nil {
		d.Verifiers = &access.Verifiers{}
	}
	return d.Verifiers
}

// Compile validates cfg and builds the serving table. Every problem found is returned, each
// with its position, as apimodel.Problems.
func Compile(cfg *apimodel.Config, deps Deps) (*gateway.Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	settings := cfg.Settings.WithDefaults()
	t := &gateway.Table{
		Settings: settings,
		ByID:     map[string]*gateway.API{},
		Domains:  map[string]*gateway.Domain{},
		Warnings: append([]apimodel.Warning(nil), cfg.Warnings...),
	}
	var ps apimodel.Problems
	funcs := map[string]bool{}
	for _, f := range cfg.Functions {
		funcs[f.Name] = true
	}
	exists := func(name string) bool { return deps.RemoteLambda || funcs[name] }
	iam, errs := compileIAM(cfg.AccessKeys, settings)
	ps = append(ps, errs...)
	all := map[string]*gateway.API{}
	for _, spec := range cfg.APIs {
		api, errs := compileAPI(spec, settings, &deps, iam, exists)
		ps = append(ps, errs...)
		if api == nil {
			continue
		}
		t.APIs = append(t.APIs, api)
		all[api.ID] = api
		// disableExecuteApiEndpoint leaves an API reachable through custom domains only.
		if !spec.DisableExecuteAPIEndpoint {
			t.ByID[api.ID] = api
			t.PathAPIs = append(t.PathAPIs, api)
		}
	}
	for _, d := range cfg.Domains {
		t.Domains[strings.ToLower(d.Name)] = compileDomain(d, all)
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

func compileAPI(spec *apimodel.API, s apimodel.Settings, deps *Deps, iam *access.IAM, exists func(string) bool) (*gateway.API, apimodel.Problems) {
	var ps apimodel.Problems
	responses, err := apierr.Compile(spec.Protocol, spec.GatewayResponses)
	if err != nil {
		ps = append(ps, apimodel.Problem{Pos: spec.Pos, Message: err.Error()})
	}
	api := &gateway.API{
		ID:        spec.ID,
		Name:      spec.Name,
		Protocol:  spec.Protocol,
		Stages:    map[string]*gateway.Stage{},
		Responses: responses,
	}
	defaultLog, err := observe.ParseFormatFor(spec.Protocol, "")
	if err != nil {
		ps = append(ps, apimodel.Problem{Pos: spec.Pos, Message: err.Error()})
	}
	for _, st := range spec.Stages {
		stage := &gateway.Stage{Name: st.Name, Variables: st.Variables, AccessLog: defaultLog}
		if stage.Variables == nil {
			stage.Variables = map[string]string{}
		}
		if st.AccessLogFormat != "" {
			f, err := observe.ParseFormatFor(spec.Protocol, st.AccessLogFormat)
			if err != nil {
				ps = append(ps, apimodel.Problem{Pos: st.Pos, Message: "accessLogFormat: " + err.Error()})
			}
			stage.AccessLog = f
		}
		api.Stages[st.Name] = stage
		if st.Name == apimodel.DefaultStage {
			api.DefaultStage = stage
		}
	}
	if spec.CORS != nil {
		api.CORS = cors.New(spec.CORS)
	}
	ab, err := newAccessBuilder(spec, s, *deps, iam, exists)
	if err != nil {
		ps = append(ps, apimodel.AsProblems(err, spec.Pos)...)
	}
	ab.deps.Verifiers = deps.verifiers()
	kind := route.REST
	if spec.Protocol != apimodel.ProtocolREST {
		kind = route.HTTP
	}
	b := route.NewBuilder(kind)
	for _, rs := range spec.Routes {
		in, err := integration(rs.Integration, spec, *deps, exists)
		if err != nil {
			ps = append(ps, apimodel.AsProblems(err, rs.Integration.Pos)...)
			continue
		}
		check, err := ab.route(rs)
		if err != nil {
			ps = append(ps, apimodel.AsProblems(err, rs.Pos)...)
			continue
		}
		rt := &gateway.Route{
			Method:      rs.Method,
			Resource:    rs.Path,
			Key:         rs.Key(),
			Integration: in,
			Access:      check,
			Timeout:     timeout(rs.Integration, s),
			Spec:        rs,
		}
		if spec.Protocol == apimodel.ProtocolREST {
			rt.Key = ""
		}
		if err := b.Add(rs.Method, rs.Path, len(api.RouteList)); err != nil {
			ps = append(ps, apimodel.Problem{Pos: rs.Pos, Message: err.Error()})
			continue
		}
		api.RouteList = append(api.RouteList, rt)
	}
	api.Routes = b.Build()
	api.Authorizers = ab.flushers
	return api, ps
}

// integration builds the implementation of one integration declaration.
func integration(spec *apimodel.Integration, api *apimodel.API, deps Deps, exists func(string) bool) (gateway.Integration, error) {
	switch spec.Type {
	case apimodel.IntegrationHTTPProxy:
		return httpproxy.New(spec, deps.Proxy)
	case apimodel.IntegrationHTTP:
		return httpcustom.New(spec, deps.HTTP)
	case apimodel.IntegrationMock:
		return mock.New(spec)
	case apimodel.IntegrationAWSProxy:
		if deps.Lambda == nil {
			return nil, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("AWS_PROXY integration %q: no functions runtime is available", spec.URI)}
		}
		return lambda.New(spec, api.Protocol, deps.Lambda, exists, lambda.WithBinaryMediaTypes(api.BinaryMediaTypes))
	case apimodel.IntegrationAWS:
		return nil, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf(
			"AWS integration %q: AWS service integrations are not supported yet (they need mapping templates)", spec.URI)}
	}
	return nil, apimodel.Problem{Pos: spec.Pos, Message: fmt.Sprintf("integration type %q is not supported", spec.Type)}
}

// timeout is the integration's own timeout, else AWS's default of 29 s. Validate has already
// bounded it by the configured maximum.
func timeout(spec *apimodel.Integration, _ apimodel.Settings) time.Duration {
	if spec.Timeout > 0 {
		return spec.Timeout
	}
	return apimodel.DefaultIntegrationTimeout
}

func compileDomain(spec *apimodel.Domain, apis map[string]*gateway.API) *gateway.Domain {
	d := &gateway.Domain{Name: strings.ToLower(spec.Name)}
	for _, m := range spec.Mappings {
		api := apis[m.APIID]
		if api == nil {
			continue // Validate already reported it
		}
		bp := strings.Trim(m.BasePath, "/")
		if bp == "(none)" {
			bp = ""
		}
		gm := &gateway.Mapping{BasePath: bp, API: api}
		if m.Stage != "" {
			gm.Stage = api.Stages[m.Stage]
		}
		d.Mappings = append(d.Mappings, gm)
	}
	sort.SliceStable(d.Mappings, func(i, j int) bool { return len(d.Mappings[i].BasePath) > len(d.Mappings[j].BasePath) })
	return d
}
