package openapi

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
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
		p, ok := im.root.Get("basePath")
		if !ok {
			return "", apimodel.Position{}
		}
		s, _ := im.str(p, "basePath")
		return s, p.Val.Pos
	}
	p, ok := im.root.Get("servers")
	if !ok {
		return "", apimodel.Position{}
	}
	if p.Val.Kind != doctree.Seq {
		im.warn(p.KeyPos, "servers must be a list of server objects, got %s; ignored", p.Val.Describe())
		return "", apimodel.Position{}
	}
	if len(p.Val.Items) == 0 || p.Val.Items[0].Kind != doctree.Map {
		return "", apimodel.Position{}
	}
	server := p.Val.Items[0]
	vars := map[string]string{}
	if vp, ok := server.Get("variables"); ok && vp.Val.Kind == doctree.Map {
		for _, v := range vp.Val.Pairs {
			if d, ok := v.Val.Get("default"); ok {
				if s, ok := scalarString(d.Val); ok {
					vars[v.Key] = s
					if v.Key == "basePath" {
						return s, d.Val.Pos
					}
				}
			}
		}
	}
	up, ok := server.Get("url")
	if !ok {
		return "", apimodel.Position{}
	}
	raw, ok := scalarString(up.Val)
	if !ok {
		return "", apimodel.Position{}
	}
	for k, v := range vars {
		raw = strings.ReplaceAll(raw, "{"+k+"}", v)
	}
	u, err := url.Parse(raw)
	if err != nil {
		im.warn(up.Val.Pos, "server url %q cannot be parsed (%v); its base path is ignored", raw, err)
		return "", apimodel.Position{}
	}
	return u.Path, up.Val.Pos
}

// apiExtensions maps the API-wide extensions.
func (im *importer) apiExtensions(api *apimodel.API) {
	if p, ok := im.root.Get("x-amazon-apigateway-gateway-responses"); ok {
		im.use(p)
		if im.protocol == apimodel.ProtocolHTTP {
			im.warn(p.KeyPos, "x-amazon-apigateway-gateway-responses is a REST API feature; AWS ignores it for HTTP APIs, and so does genkan")
		} else {
			api.GatewayResponses = im.gatewayResponses(p)
		}
	}
	if p, ok := im.root.Get("x-amazon-apigateway-binary-media-types"); ok {
		im.use(p)
		if im.protocol == apimodel.ProtocolHTTP {
			im.warn(p.KeyPos, "x-amazon-apigateway-binary-media-types is a REST API feature; HTTP APIs decide on base64 encoding themselves, so it is ignored")
		} else {
			api.BinaryMediaTypes = im.stringList(p, "x-amazon-apigateway-binary-media-types")
		}
	}
	// AWS reads the endpoint configuration at the top level of Swagger 2.0 documents and in
	// the server objects of OpenAPI 3.
	if im.swagger {
		if p, ok := im.root.Get("x-amazon-apigateway-endpoint-configuration"); ok {
			im.endpointConfiguration(p, api)
		}
		return
	}
	if sp, ok := im.root.Get("servers"); ok && sp.Val.Kind == doctree.Seq {
		for _, server := range sp.Val.Items {
			if p, ok := server.Get("x-amazon-apigateway-endpoint-configuration"); ok {
				im.endpointConfiguration(p, api)
			}
		}
	}
}

func (im *importer) gatewayResponses(p pair) map[string]*apimodel.GatewayResponse {
	m, ok := im.object(p, "x-amazon-apigateway-gateway-responses")
	if !ok || len(m.Pairs) == 0 {
		return nil
	}
	out := make(map[string]*apimodel.GatewayResponse, len(m.Pairs))
	for _, tp := range m.Pairs {
		what := "gateway response " + tp.Key
		obj, ok := im.object(tp, what)
		if !ok {
			continue
		}
		gr := &apimodel.GatewayResponse{Pos: tp.KeyPos}
		for _, f := range obj.Pairs {
			switch f.Key {
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
		out[tp.Key] = gr
	}
	return out
}

func (im *importer) stringList(p pair, what string) []string {
	if p.Val.IsNull() {
		return nil
	}
	if p.Val.Kind != doctree.Seq {
		im.fail(p.Val.Pos, "%s must be a list of strings, got %s", what, p.Val.Describe())
		return nil
	}
	out := make([]string, 0, len(p.Val.Items))
	for _, item := range p.Val.Items {
		if intrinsic(item) != "" {
			im.notString(pair{Key: p.Key, KeyPos: item.Pos, Val: item}, what)
			continue
		}
		s, ok := scalarString(item)
		if !ok || item.IsNull() {
			im.fail(item.Pos, "%s must be a list of strings, got %s in it", what, item.Describe())
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
	for _, f := range obj.Pairs {
		switch f.Key {
		case "disableExecuteApiEndpoint":
			if b, ok := im.boolean(f, what+".disableExecuteApiEndpoint"); ok && b {
				api.DisableExecuteAPIEndpoint = true
			}
		case "vpcEndpointIds":
			im.warn(f.KeyPos, "%s.vpcEndpointIds: private APIs are not supported yet; the API is served like a public one", what)
		case "ipAddressType":
			im.warn(f.KeyPos, "%s.ipAddressType has no equivalent in genkan, which serves on the addresses it listens on; ignored", what)
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
