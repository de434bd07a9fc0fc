package openapi

import (
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

const anyMethodKey = "x-amazon-apigateway-any-method"

// operationKeys are the path item keys that declare an operation, with the method each stands
// for.
var operationKeys = map[string]string{
	"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "options": "OPTIONS",
	"head": "HEAD", "patch": "PATCH", anyMethodKey: apimodel.MethodAny,
}

// pathItemKeys are the other keys a path item may hold; they describe rather than route.
var pathItemKeys = map[string]bool{"parameters": true, "summary": true, "description": true, "servers": true, "$ref": true}

// routes turns paths and their operations into routes, in document order.
func (im *importer) routes() []*apimodel.Route {
	p, ok := im.root.Get("paths")
	if !ok {
		return nil
	}
	paths, ok := im.object(p, "paths")
	if !ok {
		return nil
	}
	var routes []*apimodel.Route
	for _, pp := range paths.Pairs {
		item, ok := im.deref(pp.Val)
		if !ok {
			continue
		}
		if item.Kind != doctree.Map {
			if !item.IsNull() {
				im.fail(pp.Val.Pos, "path %s must be an object of operations, got %s", pp.Key, item.Describe())
			}
			continue
		}
		var shared []pair
		if pr, ok := item.Get("parameters"); ok {
			shared = im.parameterList(pr)
		}
		for _, op := range item.Pairs {
			method, isOp := operationKeys[op.Key]
			switch {
			case isOp:
			case op.Key == "trace":
				im.warn(op.KeyPos, "API Gateway has no TRACE method; the trace operation of %s is ignored", pp.Key)
				continue
			case pathItemKeys[op.Key], strings.HasPrefix(op.Key, "x-"):
				continue
			default:
				im.warn(op.KeyPos, "path %s has a field %q that is neither an operation nor a path item field; ignored", pp.Key, op.Key)
				continue
			}
			if op.Key == anyMethodKey {
				im.use(op)
			}
			if r := im.route(pp, op, method, shared); r != nil {
				routes = append(routes, r)
			}
		}
	}
	return routes
}

// route maps one operation. It returns nil when the operation cannot be served; a problem or
// warning then says why, and the route stays out of the model so that validation does not
// report it a second time.
func (im *importer) route(pp, op pair, method string, shared []pair) *apimodel.Route {
	before := len(im.problems)
	r := &apimodel.Route{Method: method, Path: pp.Key, Pos: op.KeyPos}
	if pp.Key == apimodel.DefaultRouteKey && im.protocol == apimodel.ProtocolHTTP {
		if method != apimodel.MethodAny {
			im.fail(op.KeyPos, "the $default route catches every method; declare it with %s, not %s", anyMethodKey, op.Key)
			return nil
		}
		r.Method = ""
	} else if strings.HasPrefix(pp.Key, "$") && im.protocol == apimodel.ProtocolREST {
		im.fail(pp.KeyPos, "%s is an HTTP API route, but this document is imported as a REST API (it has no x-amazon-apigateway-importexport-version); set the protocol to HTTP", pp.Key)
		return nil
	}
	label := routeLabel(method, pp.Key)
	obj, ok := im.object(op, "operation "+label)
	if !ok {
		return nil
	}
	if idp, ok := obj.Get("operationId"); ok {
		r.OperationName, _ = im.str(idp, "operationId")
	}
	var own []pair
	if pr, ok := obj.Get("parameters"); ok {
		own = im.parameterList(pr)
	}
	if im.protocol == apimodel.ProtocolREST {
		// HTTP APIs have no method request; their parameters only document the route.
		r.RequestParameters = im.requestParameters(pp.Key, shared, own, label)
	}
	r.Auth = im.routeAuth(obj, label)
	ip, hasIntegration := obj.Get("x-amazon-apigateway-integration")
	if !hasIntegration {
		im.missingIntegration(op, label)
		return nil
	}
	im.use(ip)
	r.Integration = im.integration(ip, label)
	if len(im.problems) > before || r.Integration == nil {
		return nil
	}
	return r
}

// missingIntegration applies AWS's rule for operations without x-amazon-apigateway-integration.
func (im *importer) missingIntegration(op pair, label string) {
	if im.protocol == apimodel.ProtocolHTTP {
		// HTTP APIs accept a route without a target. genkan has no such route, so the route
		// is left out and its requests get the Not Found that unmatched requests get.
		im.warn(op.KeyPos, "route %s has no x-amazon-apigateway-integration; AWS accepts such a route but cannot serve it, and genkan leaves it out", label)
		return
	}
	// REST APIs import such a method, but no deployment of them succeeds.
	im.fail(op.KeyPos, "method %s has no x-amazon-apigateway-integration; AWS imports it but then refuses to deploy the API (\"No integration defined for method\")", label)
}

// parameterList decodes an OpenAPI parameters list, following $refs.
func (im *importer) parameterList(p pair) []pair {
	if p.Val.IsNull() {
		return nil
	}
	if p.Val.Kind != doctree.Seq {
		im.fail(p.Val.Pos, "parameters must be a list, got %s", p.Val.Describe())
		return nil
	}
	out := make([]pair, 0, len(p.Val.Items))
	for _, item := range p.Val.Items {
		param, ok := im.deref(item)
		if !ok {
			continue
		}
		if param.Kind != doctree.Map {
			im.fail(item.Pos, "a parameter must be an object, got %s", param.Describe())
			continue
		}
		out = append(out, pair{KeyPos: item.Pos, Val: param})
	}
	return out
}

// requestParameters builds the method request parameters ("method.request.querystring.page":
// required) from path-level and operation parameters; the operation's win, as in OpenAPI.
func (im *importer) requestParameters(path string, shared, own []pair, label string) map[string]bool {
	out := map[string]bool{}
	// AWS declares every parameter of the resource path, listed in the document or not.
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out["method.request.path."+strings.TrimSuffix(seg[1:len(seg)-1], "+")] = true
		}
	}
	seen := map[string]bool{}
	for _, list := range [][]pair{own, shared} {
		for _, p := range list {
			name, in, required, ok := im.parameter(p)
			if !ok || seen[in+"\x00"+name] {
				continue
			}
			seen[in+"\x00"+name] = true
			switch in {
			case "path":
				// API Gateway requires every path parameter, whatever the document says.
				out["method.request.path."+name] = true
			case "query":
				out["method.request.querystring."+name] = required
			case "header":
				out["method.request.header."+name] = required
			case "cookie":
				im.warn(p.KeyPos, "cookie parameter %q of %s: API Gateway method requests have no cookie parameters; ignored", name, label)
			case "body", "formData":
				// Swagger 2.0 request bodies: they only matter to request validation models.
			default:
				im.fail(p.KeyPos, "parameter %q of %s: \"in\" must be path, query, header or cookie, got %q", name, label, in)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (im *importer) parameter(p pair) (name, in string, required, ok bool) {
	np, hasName := p.Val.Get("name")
	ip, hasIn := p.Val.Get("in")
	if !hasName || !hasIn {
		im.fail(p.KeyPos, "a parameter needs both \"name\" and \"in\"")
		return "", "", false, false
	}
	if name, ok = im.str(np, "parameter name"); !ok {
		return "", "", false, false
	}
	if in, ok = im.str(ip, "parameter in"); !ok {
		return "", "", false, false
	}
	if rp, has := p.Val.Get("required"); has {
		if required, ok = im.boolean(rp, "parameter required"); !ok {
			return "", "", false, false
		}
	}
	return name, in, required, true
}
