package config

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// importBare imports an OpenAPI document given directly (or found in a directory).
func (ld *load) importBare(file string, data []byte) {
	api, ok := ld.callImport(apimodel.Position{File: file}, "", data, file, "", ld.l.DefaultStage, "")
	if ok {
		ld.cfg.APIs = append(ld.cfg.APIs, api)
	}
}

// importReferenced imports the document an `openapi:` entry names and lays the entry's own
// keys over it.
func (ld *load) importReferenced(from string, a *apiDecl) {
	file := a.openapi
	if !filepath.IsAbs(file) {
		file = filepath.Join(filepath.Dir(from), file)
	}
	file = filepath.Clean(file)
	ld.track(file)
	ld.referenced[absPath(file)] = true
	data, err := ld.readFile(file)
	if err != nil {
		ld.problem(a.openapiPos, "openapi: %s: %v", a.openapi, unwrapPath(err))
		return
	}
	if !ld.isOpenAPI(data) {
		ld.problem(a.openapiPos, "openapi: %s is not an OpenAPI or Swagger document", a.openapi)
		return
	}
	local := a.api
	stage := ld.l.DefaultStage
	if _, ok := a.has["stages"]; ok && len(local.Stages) > 0 {
		// The importer names its one stage; naming it after the first declared stage lets
		// whatever it derives from the document land on that stage.
		stage = local.Stages[0].Name
	}
	api, ok := ld.callImport(a.openapiPos, "openapi: "+a.openapi+": ", data, file, local.ID, stage, local.Protocol)
	if ok {
		overlay(api, a)
		ld.cfg.APIs = append(ld.cfg.APIs, api)
	}
}

// callImport runs the importer. Problems it returns keep their own positions (inside the
// OpenAPI file); any other error is placed at pos, after prefix.
func (ld *load) callImport(pos apimodel.Position, prefix string, data []byte, file, id, stage string, protocol apimodel.Protocol) (api *apimodel.API, ok bool) {
	if ld.l.ImportOpenAPI == nil {
		ld.problem(pos, "%sthis build cannot import OpenAPI documents", prefix)
		return nil, false
	}
	// The importer is another package run on every reload; its crash must become a config
	// error rather than stop the gateway that is serving the previous config.
	defer func() {
		if r := recover(); r != nil {
			ld.problem(pos, "%sthe OpenAPI importer failed: %v", prefix, r)
			api, ok = nil, false
		}
	}()
	api, warns, err := ld.l.ImportOpenAPI(data, file, id, stage, protocol)
	ld.cfg.Warnings = append(ld.cfg.Warnings, warns...)
	switch {
	case err != nil:
		ld.importError(pos, prefix, err)
	case api == nil:
		ld.problem(pos, "%sthe OpenAPI importer returned no API", prefix)
	default:
		return api, true
	}
	return nil, false
}

// importError records an importer's error. Problems keep their own positions, inside the
// imported file; anything else is placed at pos, after prefix.
func (ld *load) importError(pos apimodel.Position, prefix string, err error) {
	ld.decodePs = append(ld.decodePs, apimodel.AsProblems(fmt.Errorf("%s%w", prefix, err), pos)...)
}

// overlay applies what an openapi entry declares on top of the imported API: scalars
// replace, stages replace (keeping imported variables the entry does not override), routes,
// authorizers and binary media types add, gateway responses replace per type, and
// apiKeySource, resourcePolicy and cors replace.
func overlay(api *apimodel.API, a *apiDecl) {
	local := a.api
	has := func(k string) bool { _, ok := a.has[k]; return ok }
	api.Pos = local.Pos
	if has("id") {
		api.ID = local.ID
	}
	if has("name") {
		api.Name = local.Name
	}
	if has("description") {
		api.Description = local.Description
	}
	if has("protocol") {
		api.Protocol = local.Protocol
	}
	if has("disableExecuteApiEndpoint") {
		api.DisableExecuteAPIEndpoint = local.DisableExecuteAPIEndpoint
	}
	if has("stages") {
		for _, st := range local.Stages {
			i := slices.IndexFunc(api.Stages, func(s *apimodel.Stage) bool { return s.Name == st.Name })
			if i < 0 {
				continue
			}
			imported := api.Stages[i]
			if len(imported.Variables) > 0 {
				vars := maps.Clone(imported.Variables)
				maps.Copy(vars, st.Variables)
				st.Variables = vars
			}
			if st.AccessLogFormat == "" {
				st.AccessLogFormat = imported.AccessLogFormat
			}
		}
		api.Stages = local.Stages
	}
	api.Routes = append(api.Routes, local.Routes...)
	for typ, gr := range local.GatewayResponses {
		if api.GatewayResponses == nil {
			api.GatewayResponses = map[string]*apimodel.GatewayResponse{}
		}
		api.GatewayResponses[typ] = gr
	}
	for _, t := range local.BinaryMediaTypes {
		if !slices.Contains(api.BinaryMediaTypes, t) {
			api.BinaryMediaTypes = append(api.BinaryMediaTypes, t)
		}
	}
	// Authorizers add, as routes do (a name both declare is an error); the entry's `auth`
	// default applied to its own routes only, when they were decoded.
	api.Authorizers = append(api.Authorizers, local.Authorizers...)
	if has("apiKeySource") {
		api.APIKeySource = local.APIKeySource
	}
	if has("resourcePolicy") {
		api.ResourcePolicy, api.ResourcePolicyPos = local.ResourcePolicy, local.ResourcePolicyPos
	}
	if has("cors") {
		api.CORS = local.CORS
	}
}
