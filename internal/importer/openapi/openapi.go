// Package openapi imports API Gateway OpenAPI definitions (OpenAPI 3.0 and Swagger 2.0 with
// the x-amazon-apigateway-* extensions, as AWS exports them) into apimodel.
//
// The aim is to read a document the way API Gateway's import does: what AWS maps is mapped,
// what AWS tolerates with a warning is tolerated with a warning, and every API Gateway
// extension that genkan does not serve yet is reported with its position rather than dropped
// silently.
package openapi

import (
	"path/filepath"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// Options tune one import.
type Options struct {
	// File is the path used in positions and for resolving relative $refs.
	File string
	// ID is the API id; "" derives it from the file name: lower-case letters and digits, at
	// most 10 characters like AWS ids (petstore.yaml → "petstore").
	ID string
	// Stage is the stage to serve; "" means, for REST APIs, the export's base path (OpenAPI 3
	// servers[0] basePath variable default or URL path, Swagger 2 basePath: "/dev" → "dev"),
	// else "dev"; for HTTP APIs "$default".
	Stage string
	// Protocol is REST or HTTP; "" means HTTP when the document has
	// x-amazon-apigateway-importexport-version (AWS's HTTP API exports carry it), else REST.
	Protocol apimodel.Protocol
}

// defaultStage is used for REST APIs whose document names no usable base path.
const defaultStage = "dev"

// Import converts an OpenAPI document into an API. The warnings list every
// x-amazon-apigateway-* key, and other feature, that genkan does not support yet, each with
// its position. The error is an apimodel.Problems (each with file:line:col) when the document
// cannot be served.
func Import(data []byte, opt Options) (*apimodel.API, []apimodel.Warning, error) {
	im := &importer{opt: opt, used: map[apimodel.Position]bool{}, docs: map[string]*node{}}
	root, err := parseTree(data, opt.File)
	if err != nil {
		im.addError(err)
		return nil, nil, im.problems.Err()
	}
	im.root = root
	api := im.importAPI()
	sortWarnings(im.warnings)
	if len(im.problems) > 0 {
		return nil, im.warnings, im.problems.Err()
	}
	return api, im.warnings, nil
}

func (im *importer) importAPI() *apimodel.API {
	root := im.root
	rootPos := apimodel.Position{File: im.opt.File, Line: 1, Column: 1}
	if root.Kind != doctree.Map {
		im.fail(root.Pos, "an OpenAPI document is an object with an \"openapi\" or \"swagger\" key, got %s", root.Describe())
		return nil
	}
	if !im.version() {
		return nil
	}
	im.protocol = im.opt.Protocol
	if p, ok := root.Get("x-amazon-apigateway-importexport-version"); ok {
		// It only says which export format wrote the file; its presence is what tells an HTTP
		// API export from a REST one.
		im.use(p)
		if im.protocol == "" {
			im.protocol = apimodel.ProtocolHTTP
		}
	}
	if im.protocol == "" {
		im.protocol = apimodel.ProtocolREST
	}
	if im.protocol != apimodel.ProtocolREST && im.protocol != apimodel.ProtocolHTTP {
		im.fail(rootPos, "protocol %q cannot be imported from OpenAPI; use REST or HTTP", im.protocol)
		return nil
	}

	api := &apimodel.API{Protocol: im.protocol, Pos: rootPos}
	api.Name, api.Description = im.info()
	api.ID = im.opt.ID
	if api.ID == "" {
		api.ID = deriveID(im.opt.File, api.Name)
	}
	if api.Name == "" {
		api.Name = api.ID
	}
	api.Stages = []*apimodel.Stage{{Name: im.stage(), Pos: rootPos}}
	im.apiExtensions(api)
	im.accessExtensions(api)
	api.Authorizers = im.securitySchemes()
	im.rootSecurity()
	api.Routes = im.routes()
	im.walkExtensions()
	im.validate(api)
	return api
}

// version checks the openapi/swagger key. AWS imports OpenAPI 2.0 and 3.0.
func (im *importer) version() bool {
	oas, isOAS := im.root.Get("openapi")
	sw, isSwagger := im.root.Get("swagger")
	switch {
	case isOAS && isSwagger:
		im.fail(sw.KeyPos, "the document has both \"openapi\" and \"swagger\"; it must be one or the other")
		return false
	case isSwagger:
		v, ok := im.str(sw, "swagger")
		if !ok {
			return false
		}
		if v != "2.0" {
			im.fail(sw.Val.Pos, "swagger version %q is not supported; Swagger documents are version \"2.0\"", v)
			return false
		}
		im.swagger = true
		return true
	case isOAS:
		v, ok := im.str(oas, "openapi")
		if !ok {
			return false
		}
		switch {
		case strings.HasPrefix(v, "3.0"):
		case strings.HasPrefix(v, "3."):
			im.warn(oas.Val.Pos, "OpenAPI %s: API Gateway imports OpenAPI 2.0 and 3.0 only; genkan reads this document as 3.0", v)
		default:
			im.fail(oas.Val.Pos, "OpenAPI version %q is not supported; API Gateway imports OpenAPI 3.0 and Swagger 2.0", v)
			return false
		}
		return true
	}
	im.fail(im.root.Pos, "not an OpenAPI document: there is no \"openapi\" or \"swagger\" key")
	return false
}

// info returns the API name and description: AWS names the API after info.title.
func (im *importer) info() (name, description string) {
	p, ok := im.root.Get("info")
	if !ok {
		return "", ""
	}
	info, ok := im.object(p, "info")
	if !ok {
		return "", ""
	}
	if t, ok := info.Get("title"); ok {
		name, _ = im.str(t, "info.title")
	}
	if d, ok := info.Get("description"); ok {
		description, _ = im.str(d, "info.description")
	}
	return name, description
}

// deriveID makes an AWS-like id (lower-case letters and digits, at most 10) from the file
// name, falling back to the title so that documents imported from memory get one too.
func deriveID(file, title string) string {
	for _, src := range []string{strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)), title} {
		var b strings.Builder
		for _, r := range strings.ToLower(src) {
			if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
				b.WriteRune(r)
				if b.Len() == 10 {
					break
				}
			}
		}
		if b.Len() > 0 {
			return b.String()
		}
	}
	return "api"
}

// validate runs apimodel's checks here so that an unservable import fails with the positions
// of the document rather than later. The integration timeout ceiling is the one check left to
// the gateway's settings, which may raise AWS's 29 s.
func (im *importer) validate(api *apimodel.API) {
	cfg := &apimodel.Config{
		APIs:     []*apimodel.API{api},
		Settings: apimodel.Settings{MaxIntegrationTimeout: 1 << 62},
	}
	if err := cfg.Validate(); err != nil {
		im.addError(err)
	}
}
