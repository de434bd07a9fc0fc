package openapi

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// stageName mirrors apimodel's rule for stage names, to tell a base path that can double as a
// stage name from one that cannot.
var stageName = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,128}$`)

// stage picks the stage to serve. AWS exports write the stage they were exported from as the
// base path ("/dev"), so serving that stage keeps exported URLs working.
func (im *importer) stage() string {
	if im.opt.Stage != "" {
		return im.opt.Stage
	}
	if im.protocol == apimodel.ProtocolHTTP {
		return apimodel.DefaultStage
	}
	base, pos := im.basePath()
	name := strings.Trim(base, "/")
	switch {
	case name == "":
		return defaultStage
	case stageName.MatchString(name):
		return name
	}
	im.warn(pos, "base path %q is not a stage name; serving stage %q (AWS's import ignores base paths by default too)", base, defaultStage)
	return defaultStage
}

// basePath reads Swagger's basePath, or the first OpenAPI 3 server's basePath variable (which
// AWS prefers even when the URL does not use it) or URL path.
func (im *importer) basePath() (string, apimodel.Position) {
	if im.swagger {
		p, ok := im.root.get("basePath")
		if !ok {
			return "", apimodel.Position{}
		}
		s, _ := im.str(p, "basePath")
		return s, p.val.pos
	}
	p, ok := im.root.get("servers")
	if !ok {
		return "", apimodel.Position{}
	}
	if p.val.kind != seqNode {
		im.warn(p.keyPos, "servers must be a list of server objects, got %s; ignored", p.val.describe())
		return "", apimodel.Position{}
	}
	if len(p.val.items) == 0 || p.val.items[0].kind != mapNode {
		return "", apimodel.Position{}
	}
	server := p.val.items[0]
	vars := map[string]string{}
	if vp, ok := server.get("variables"); ok && vp.val.kind == mapNode {
		for _, v := range vp.val.pairs {
			if d, ok := v.val.get("default"); ok {
				if s, ok := scalarString(d.val); ok {
					vars[v.key] = s
					if v.key == "basePath" {
						return s, d.val.pos
					}
				}
			}
		}
	}
	up, ok := server.get("url")
	if !ok {
		return "", apimodel.Position{}
	}
	raw, ok := scalarString(up.val)
	if !ok {
		return "", apimodel.Position{}
	}
	for k, v := range vars {
		raw = strings.ReplaceAll(raw, "{"+k+"}", v)
	}
	u, err := url.Parse(raw)
	if err != nil {
		im.warn(up.val.pos, "server url %q cannot be parsed (%v); its base path is ignored", raw, err)
		return "", apimodel.Position{}
	}
	return u.Path, up.val.pos
}

// apiExtensions maps the API-wide extensions.
func (im *importer) apiExtensions(api *apimodel.API) {
	if p, ok := im.root.get("x-amazon-apigateway-gateway-responses"); ok {
		im.use(p)
		if im.protocol == apimodel.ProtocolHTTP {
			im.warn(p.keyPos, "x-amazon-apigateway-gateway-responses is a REST API feature; AWS ignores it for HTTP APIs, and so does genkan")
		} else {
			api.GatewayResponses = im.gatewayResponses(p)
		}
	}
	if p, ok := im.root.get("x-amazon-apigateway-binary-media-types"); ok {
		im.use(p)
		if im.protocol == apimodel.ProtocolHTTP {
			im.warn(p.keyPos, "x-amazon-apigateway-binary-media-types is a REST API feature; HTTP APIs decide on base64 encoding themselves, so it is ignored")
		} else {
			api.BinaryMediaTypes = im.stringList(p, "x-amazon-apigateway-binary-media-types")
		}
	}
	// AWS reads the endpoint configuration at the top level of Swagger 2.0 documents and in
	// the server objects of OpenAPI 3.
	if im.swagger {
		if p, ok := im.root.get("x-amazon-apigateway-endpoint-configuration"); ok {
			im.endpointConfiguration(p, api)
		}
		return
	}
	if sp, ok := im.root.get("servers"); ok && sp.val.kind == seqNode {
		for _, server := range sp.val.items {
			if p, ok := server.get("x-amazon-apigateway-endpoint-configuration"); ok {
				im.endpointConfiguration(p, api)
			}
		}
	}
}

func (im *importer) gatewayResponses(p pair) map[string]*apimodel.GatewayResponse {
	m, ok := im.object(p, "x-amazon-apigateway-gateway-responses")
	if !ok || len(m.pairs) == 0 {
		return nil
	}
	out := make(map[string]*apimodel.GatewayResponse, len(m.pairs))
	for _, tp := range m.pairs {
		what := "gateway response " + tp.key
		obj, ok := im.object(tp, what)
		if !ok {
			continue
		}
		gr := &apimodel.GatewayResponse{Pos: tp.keyPos}
		for _, f := range obj.pairs {
			switch f.key {
			case "statusCode":
				gr.StatusCode, _ = im.str(f, what+" statusCode")
			case "responseParameters":
				gr.ResponseParameters = im.stringMap(f, what+" responseParameters")
			case "responseTemplates":
				gr.ResponseTemplates = im.stringMap(f, what+" responseTemplates")
			default:
				im.unknownField(f, what)
			}
		}
		out[tp.key] = gr
	}
	return out
}

func (im *importer) stringList(p pair, what string) []string {
	if p.val.isNull() {
		return nil
	}
	if p.val.kind != seqNode {
		im.fail(p.val.pos, "%s must be a list of strings, got %s", what, p.val.describe())
		return nil
	}
	out := make([]string, 0, len(p.val.items))
	for _, item := range p.val.items {
		s, ok := scalarString(item)
		if !ok || item.isNull() {
			im.fail(item.pos, "%s must be a list of strings, got %s in it", what, item.describe())
			continue
		}
		out = append(out, s)
	}
	return out
}

func (im *importer) endpointConfiguration(p pair, api *apimodel.API) {
	im.use(p)
	const what = "x-amazon-apigateway-endpoint-configuration"
	obj, ok := im.object(p, what)
	if !ok {
		return
	}
	for _, f := range obj.pairs {
		switch f.key {
		case "disableExecuteApiEndpoint":
			if b, ok := im.boolean(f, what+".disableExecuteApiEndpoint"); ok && b {
				api.DisableExecuteAPIEndpoint = true
			}
		case "vpcEndpointIds":
			im.warn(f.keyPos, "%s.vpcEndpointIds: private APIs are not supported yet; the API is served like a public one", what)
		case "ipAddressType":
			im.warn(f.keyPos, "%s.ipAddressType has no equivalent in genkan, which serves on the addresses it listens on; ignored", what)
		default:
			im.unknownField(f, what)
		}
	}
}

// routeLabel names a route in messages the way AWS's import warnings do.
func routeLabel(method, path string) string {
	if path == apimodel.DefaultRouteKey {
		return path
	}
	return fmt.Sprintf("%s %s", method, path)
}
