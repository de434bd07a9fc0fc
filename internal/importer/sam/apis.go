package sam

import (
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
)

var samAPIProps = propRules{
	"Name": mapped, "Description": mapped, "StageName": mapped, "Variables": mapped, "DefinitionBody": mapped,
	"DefinitionUri": mapped, "BinaryMediaTypes": mapped, "GatewayResponses": mapped, "AccessLogSetting": mapped,
	"EndpointConfiguration": mapped, "OpenApiVersion": mapped, "DisableExecuteApiEndpoint": mapped,
	"MergeDefinitions": mapped,
	"Tags":             quiet, "PropagateTags": quiet,
	"Cors":                   "CORS is not supported yet; preflight requests are routed like any other and no CORS headers are added",
	"Auth":                   "authorizers, API keys and resource policies are not supported yet; requests are not authorized",
	"MethodSettings":         "method settings (throttling, caching, logging) are not supported yet",
	"Models":                 "models and request validation are not supported yet; requests are not validated",
	"Domain":                 "custom domains are not read from SAM's Domain property yet; the API is served on its own host and paths",
	"CacheClusterEnabled":    "response caching is not supported yet",
	"CacheClusterSize":       "response caching is not supported yet",
	"CanarySetting":          "canary deployments are not emulated; every request goes to the stage's deployment",
	"MinimumCompressionSize": "response compression is not supported yet; responses are not compressed",
	"ApiKeySourceType":       "API keys are not supported yet; API keys are not checked",
	"TracingEnabled":         noEffect, "FailOnWarnings": noEffect, "AlwaysDeploy": noEffect, "Mode": noEffect,
}

var samHTTPAPIProps = propRules{
	"Name": mapped, "Description": mapped, "StageName": mapped, "StageVariables": mapped, "DefinitionBody": mapped,
	"DefinitionUri": mapped, "AccessLogSettings": mapped, "DisableExecuteApiEndpoint": mapped,
	"Tags": quiet, "PropagateTags": quiet,
	"CorsConfiguration":    "CORS is not supported yet; preflight requests are routed like any other and no CORS headers are added",
	"Auth":                 "authorizers are not supported yet; requests are not authorized",
	"DefaultRouteSettings": "route settings (throttling, detailed metrics) are not supported yet",
	"RouteSettings":        "route settings (throttling, detailed metrics) are not supported yet",
	"Domain":               "custom domains are not read from SAM's Domain property yet; the API is served on its own host and paths",
	"FailOnWarnings":       noEffect,
}

// apis imports every API of the template, then the implicit ones SAM creates.
func (im *importer) apis() {
	for _, r := range im.order {
		if r.skipped {
			continue
		}
		switch r.typ {
		case typeSAMApi, typeSAMHttpApi:
			im.samAPI(r, im.withGlobals(r))
		case typeRestApi:
			im.restAPI(r)
		case typeV2Api:
			im.v2API(r)
		}
	}
	for _, id := range im.implicitAPIs() {
		if _, own := im.resources[id]; own || len(im.events[id]) == 0 {
			// Without events (theirs failed, and said why) SAM would not create it either.
			continue
		}
		typ := typeSAMApi
		if id == implicitHTTPAPI {
			typ = typeSAMHttpApi
		}
		r := &resource{id: id, typ: typ, pos: im.events[id][0].pos, node: &node{kind: mapNode}, implicit: true}
		r.props = &node{kind: mapNode, pos: r.pos}
		im.samAPI(r, im.withGlobals(r))
	}
}

// samAPI imports an AWS::Serverless::Api or HttpApi as SAM translates it: an OpenAPI
// definition (the template's, or one SAM writes from the events), one stage, and the
// properties SAM folds into the definition.
func (im *importer) samAPI(r *resource, props *node) {
	httpAPI := r.typ == typeSAMHttpApi
	implicit := r.implicit
	rules, protocol, stage := samAPIProps, apimodel.ProtocolREST, "Prod"
	if httpAPI {
		rules, protocol, stage = samHTTPAPIProps, apimodel.ProtocolHTTP, apimodel.DefaultStage
	}
	im.checkProps(r, props, rules)
	stagePos := r.pos
	if p, ok := props.get("StageName"); ok {
		if stage, ok = im.str(p, r.id+".StageName", mustHave); !ok {
			return
		}
		stagePos = p.val.pos
	} else if !httpAPI && !implicit {
		im.fail(r.pos, "%s needs a StageName", r.id)
		return
	}
	served := stage
	if im.opt.Stage != "" {
		served = im.opt.Stage
	}
	id := im.apiIDs[r.id]
	events := im.events[r.id]
	body, hasBody := props.get("DefinitionBody")
	uri, hasURI := props.get("DefinitionUri")
	var api *apimodel.API
	switch {
	case hasBody && hasURI:
		im.fail(uri.keyPos, "%s: set DefinitionBody or DefinitionUri, not both", r.id)
		return
	case hasURI:
		// SAM cannot edit a definition it only uploads, so events add no routes to it.
		api = im.importDefinitionFile(uri, r.id+".DefinitionUri", id, served, protocol)
		im.checkEventsServed(r, api, events)
	default:
		why := map[*node]string{}
		doc := &node{kind: mapNode, pos: r.pos}
		if hasBody {
			doc = im.partial(body.val, why, 0)
			if doc == nil || doc.kind != mapNode || tokenOf(doc) != dictToken {
				im.fail(body.val.pos, "%s: DefinitionBody must be an OpenAPI document (an object), got %s", r.id, body.val.describe())
				return
			}
		} else {
			doc = skeleton(r.pos, httpAPI, im.stack)
		}
		// SAM adds event routes to the definitions it writes itself, and, for HTTP APIs and
		// MergeDefinitions, to the template's own too; there a route the definition already
		// integrates is left as the definition says.
		manages := !hasBody
		merges := manages || httpAPI || im.flag(props, r.id, "MergeDefinitions")
		if merges {
			im.addEvents(doc, events, httpAPI, manages)
		}
		api = im.importDefinition(doc, r.id, id, served, protocol, why)
		if !merges {
			im.checkEventsServed(r, api, events)
		}
	}
	if api == nil {
		return
	}
	api.Pos = r.pos
	im.samAPISettings(r, props, api, stagePos)
	im.cfg.APIs = append(im.cfg.APIs, api)
}

func skeleton(pos apimodel.Position, httpAPI bool, title string) *node {
	version := pair{key: "swagger", keyPos: pos, val: strNode("2.0", pos)}
	if httpAPI {
		version = pair{key: "openapi", keyPos: pos, val: strNode("3.0.1", pos)}
	}
	info := mapOf(pos, pair{key: "version", keyPos: pos, val: strNode("1.0", pos)}, pair{key: "title", keyPos: pos, val: strNode(title, pos)})
	return mapOf(pos, version, pair{key: "info", keyPos: pos, val: info}, pair{key: "paths", keyPos: pos, val: mapOf(pos)})
}

func (im *importer) flag(props *node, id, prop string) bool {
	p, ok := props.get(prop)
	if !ok {
		return false
	}
	b, _ := im.boolean(p, id+"."+prop, mayDrop)
	return b
}

// child returns the mapping under key, adding an empty one when there is none.
func (im *importer) child(m *node, key string, pos apimodel.Position) (*node, bool) {
	if p, ok := m.get(key); ok {
		if p.val.kind != mapNode || tokenOf(p.val) != dictToken {
			im.fail(p.val.pos, "%s must be an object, got %s", key, p.val.describe())
			return nil, false
		}
		return p.val, true
	}
	c := mapOf(pos)
	m.pairs = append(m.pairs, pair{key: key, keyPos: pos, val: c})
	return c, true
}

// addEvents writes each event's route into the definition, as SAM's editors do: an
// aws_proxy integration calling the function. strict is SAM's check for definitions it
// writes itself, where two events cannot claim one route.
func (im *importer) addEvents(doc *node, events []*apiEvent, httpAPI, strict bool) {
	paths, ok := im.child(doc, "paths", doc.pos)
	if !ok {
		return
	}
	for _, e := range events {
		item, ok := im.child(paths, e.path, e.pathPos)
		if !ok {
			continue
		}
		op, exists := item.get(e.method)
		if exists && op.val.kind == mapNode {
			if _, integrated := op.val.get("x-amazon-apigateway-integration"); integrated {
				if strict {
					im.fail(e.pos, "%s: API method %q is defined more than once for path %q", e.fnID+" event "+e.name, e.method, e.path)
				}
				continue
			}
		}
		integration := mapOf(e.pos,
			pair{key: "type", keyPos: e.pos, val: strNode("aws_proxy", e.pos)},
			pair{key: "httpMethod", keyPos: e.pos, val: strNode("POST", e.pos)},
			pair{key: "uri", keyPos: e.pos, val: strNode(invocationURI(e.fnName), e.pos)})
		what := e.fnID + " event " + e.name
		if httpAPI {
			version := strNode("2.0", e.pos)
			if p, ok := e.props.get("PayloadFormatVersion"); ok {
				if s, ok := im.str(p, what+" PayloadFormatVersion", mustHave); ok {
					version = strNode(s, p.val.pos)
				}
			}
			integration.pairs = append(integration.pairs, pair{key: "payloadFormatVersion", keyPos: e.pos, val: version})
		}
		if p, ok := e.props.get("TimeoutInMillis"); ok {
			if v, ok := im.value(p, what+" TimeoutInMillis", mustHave); ok {
				integration.pairs = append(integration.pairs, pair{key: "timeoutInMillis", keyPos: p.keyPos, val: v})
			}
		}
		entry := pair{key: "x-amazon-apigateway-integration", keyPos: e.pos, val: integration}
		if !exists || op.val.isNull() {
			op = pair{key: e.method, keyPos: e.methPos, val: mapOf(e.pos)}
			item.pairs = append(item.pairs, op)
		} else if op.val.kind != mapNode {
			im.fail(op.val.pos, "operation %s %s must be an object, got %s", e.method, e.path, op.val.describe())
			continue
		}
		op.val.pairs = append(op.val.pairs, entry)
		if !httpAPI {
			im.eventParameters(e, op.val, what)
		}
	}
}

// eventParameters turns an Api event's RequestParameters into the operation's parameters,
// which is how SAM declares them to API Gateway.
func (im *importer) eventParameters(e *apiEvent, op *node, what string) {
	p, ok := e.props.get("RequestParameters")
	if !ok {
		return
	}
	v, ok := im.value(p, what+" RequestParameters", mustHave)
	if !ok {
		return
	}
	if v.kind != seqNode {
		im.fail(v.pos, "%s: RequestParameters must be a list, got %s", what, v.describe())
		return
	}
	params := &node{kind: seqNode, pos: p.val.pos}
	for _, item := range v.items {
		name, required := item.text, false
		if item.kind == mapNode && len(item.pairs) == 1 {
			name = item.pairs[0].key
			for _, f := range item.pairs[0].val.pairsOrNil() {
				switch f.key {
				case "Required":
					required, _ = im.boolean(f, what+" RequestParameters Required", mustHave)
				case "Caching":
					if b, _ := im.boolean(f, what+" RequestParameters Caching", mayDrop); b {
						im.warn(f.keyPos, "%s: response caching is not supported yet; Caching is ignored", what)
					}
				default:
					im.fail(f.keyPos, "%s: a request parameter takes Required and Caching, not %s", what, f.key)
				}
			}
		} else if item.kind != scalarNode {
			im.fail(item.pos, "%s: a request parameter is a name or {name: {Required, Caching}}, got %s", what, item.describe())
			continue
		}
		rest, ok := strings.CutPrefix(name, "method.request.")
		in, pname, _ := strings.Cut(rest, ".")
		switch in {
		case "querystring":
			in = "query"
		case "header", "path":
		default:
			ok = false
		}
		if !ok || pname == "" {
			im.fail(item.pos, "%s: request parameter %q must be method.request.querystring.NAME, method.request.header.NAME or method.request.path.NAME", what, name)
			continue
		}
		params.items = append(params.items, mapOf(item.pos,
			pair{key: "name", keyPos: item.pos, val: strNode(pname, item.pos)},
			pair{key: "in", keyPos: item.pos, val: strNode(in, item.pos)},
			pair{key: "required", keyPos: item.pos, val: &node{kind: scalarNode, typ: boolScalar, text: boolText(required || in == "path"), pos: item.pos}}))
	}
	op.pairs = append(op.pairs, pair{key: "parameters", keyPos: p.keyPos, val: params})
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// checkEventsServed warns about events whose route the API's own definition lacks: SAM does
// not add them there, so AWS does not serve them (`sam local` does, which surprises people
// when they deploy).
func (im *importer) checkEventsServed(r *resource, api *apimodel.API, events []*apiEvent) {
	if api == nil {
		return
	}
	for _, e := range events {
		method := strings.ToUpper(e.method)
		if e.method == anyMethod {
			method = apimodel.MethodAny
		}
		found := false
		for _, rt := range api.Routes {
			if (rt.Path == e.path && (rt.Method == method || rt.Method == apimodel.MethodAny)) || (e.path == apimodel.DefaultRouteKey && rt.Path == e.path) {
				found = true
				break
			}
		}
		if !found {
			im.warn(e.pos, "%s event %s: %s %s is not in the definition of %s; SAM adds event routes only to APIs it defines itself, so AWS does not serve this route, and neither does genkan (sam local does)", e.fnID, e.name, method, e.path, r.id)
		}
	}
}

// samAPISettings applies what SAM sets beside the definition: names, the stage, binary media
// types, gateway responses and endpoint settings.
func (im *importer) samAPISettings(r *resource, props *node, api *apimodel.API, stagePos apimodel.Position) {
	if p, ok := props.get("Name"); ok {
		if s, ok := im.str(p, r.id+".Name", mayDrop); ok {
			api.Name = s
		}
	}
	if p, ok := props.get("Description"); ok {
		api.Description, _ = im.str(p, r.id+".Description", mayDrop)
	}
	st := api.Stages[0]
	st.Pos = stagePos
	varsProp, logProp := "Variables", "AccessLogSetting"
	if api.Protocol == apimodel.ProtocolHTTP {
		varsProp, logProp = "StageVariables", "AccessLogSettings"
	}
	if p, ok := props.get(varsProp); ok {
		st.Variables = im.strMap(p, r.id+" stage variable", mayDrop)
	}
	if p, ok := props.get(logProp); ok {
		st.AccessLogFormat = im.accessLogFormat(r.id, p)
	}
	if api.Protocol == apimodel.ProtocolREST {
		// Without OpenApiVersion, SAM's deployment also creates a stage named "Stage", which
		// AWS serves like the declared one.
		if _, set := props.get("OpenApiVersion"); !set && im.opt.Stage == "" && st.Name != "Stage" {
			api.Stages = append(api.Stages, &apimodel.Stage{Name: "Stage", Pos: r.pos})
		}
		if p, ok := props.get("BinaryMediaTypes"); ok {
			for _, t := range im.strList(p, r.id+".BinaryMediaTypes", mayDrop) {
				api.BinaryMediaTypes = appendNew(api.BinaryMediaTypes, strings.ReplaceAll(t, "~1", "/"))
			}
		}
		if p, ok := props.get("GatewayResponses"); ok {
			im.samGatewayResponses(r.id, p, api)
		}
	}
	if p, ok := props.get("EndpointConfiguration"); ok {
		im.endpointConfiguration(r.id, p, "Type")
	}
	if p, ok := props.get("DisableExecuteApiEndpoint"); ok {
		api.DisableExecuteAPIEndpoint, _ = im.boolean(p, r.id+".DisableExecuteApiEndpoint", mayDrop)
	}
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// accessLogFormat reads AccessLogSetting(s): the format is served; the destination is
// CloudWatch's, and genkan writes access logs its own way.
func (im *importer) accessLogFormat(id string, p pair) string {
	obj, ok := im.object(p, id+"."+p.key, mayDrop)
	if !ok {
		return ""
	}
	format := ""
	for _, f := range obj.pairs {
		switch f.key {
		case "Format":
			format, _ = im.str(f, id+"."+p.key+".Format", mayDrop)
		case "DestinationArn":
		default:
			im.warn(f.keyPos, "%s: %s has no field %s; ignored", id, p.key, f.key)
		}
	}
	return strings.TrimSpace(format)
}

// endpointConfiguration warns about private endpoints; REGIONAL and EDGE only decide where
// AWS places the API.
func (im *importer) endpointConfiguration(id string, p pair, typeKey string) {
	v, ok := im.value(p, id+".EndpointConfiguration", mayDrop)
	if !ok {
		return
	}
	var types []string
	switch {
	case v.kind == scalarNode:
		types = []string{v.text}
	case v.kind == mapNode:
		if t, ok := v.get(typeKey); ok {
			if t.val.kind == seqNode {
				for _, item := range t.val.items {
					types = append(types, item.text)
				}
			} else {
				types = append(types, t.val.text)
			}
		}
	}
	for _, t := range types {
		if strings.EqualFold(t, "PRIVATE") {
			im.warn(p.val.pos, "%s: private APIs are not supported yet; the API is served like a public one", id)
		}
	}
}

// samGatewayResponses maps SAM's GatewayResponses shape onto API Gateway's: SAM prefixes
// the header, path and query string parameters with gatewayresponse.*, and its responses
// replace those of the same type in the definition.
func (im *importer) samGatewayResponses(id string, p pair, api *apimodel.API) {
	obj, ok := im.object(p, id+".GatewayResponses", mayDrop)
	if !ok {
		return
	}
	for _, t := range obj.pairs {
		what := id + " gateway response " + t.key
		resp, ok := im.object(t, what, mayDrop)
		if !ok {
			continue
		}
		gr := &apimodel.GatewayResponse{Pos: t.keyPos}
		for _, f := range resp.pairs {
			switch f.key {
			case "StatusCode":
				gr.StatusCode, _ = im.str(f, what+" StatusCode", mustHave)
			case "ResponseTemplates":
				gr.ResponseTemplates = im.strMap(f, what+" ResponseTemplates", mayDrop)
			case "ResponseParameters":
				rp, ok := im.object(f, what+" ResponseParameters", mayDrop)
				if !ok {
					continue
				}
				for _, kind := range rp.pairs {
					prefix := map[string]string{"Headers": "header.", "Paths": "path.", "QueryStrings": "querystring."}[kind.key]
					if prefix == "" {
						im.fail(kind.keyPos, "%s: ResponseParameters takes Headers, Paths and QueryStrings, not %s", what, kind.key)
						continue
					}
					for k, v := range im.strMap(kind, what+" "+kind.key, mayDrop) {
						if gr.ResponseParameters == nil {
							gr.ResponseParameters = map[string]string{}
						}
						gr.ResponseParameters["gatewayresponse."+prefix+k] = v
					}
				}
			default:
				im.warn(f.keyPos, "%s has no field %s; ignored", what, f.key)
			}
		}
		if api.GatewayResponses == nil {
			api.GatewayResponses = map[string]*apimodel.GatewayResponse{}
		}
		api.GatewayResponses[t.key] = gr
	}
}
