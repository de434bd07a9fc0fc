package sam

import (
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

var samAPIProps = propRules{
	"Name": mapped, "Description": mapped, "StageName": mapped, "Variables": mapped, "DefinitionBody": mapped,
	"DefinitionUri": mapped, "BinaryMediaTypes": mapped, "GatewayResponses": mapped, "AccessLogSetting": mapped,
	"EndpointConfiguration": mapped, "OpenApiVersion": mapped, "DisableExecuteApiEndpoint": mapped,
	"MergeDefinitions": mapped, "Cors": mapped, "Auth": mapped, "ApiKeySourceType": mapped,
	"Tags": quiet, "PropagateTags": quiet,
	"MethodSettings":         "method settings (throttling, caching, logging) are not supported yet",
	"Models":                 "models and request validation are not supported yet; requests are not validated",
	"Domain":                 "custom domains are not read from SAM's Domain property yet; the API is served on its own host and paths",
	"CacheClusterEnabled":    "response caching is not supported yet",
	"CacheClusterSize":       "response caching is not supported yet",
	"CanarySetting":          "canary deployments are not emulated; every request goes to the stage's deployment",
	"MinimumCompressionSize": "response compression is not supported yet; responses are not compressed",
	"TracingEnabled":         noEffect, "FailOnWarnings": noEffect, "AlwaysDeploy": noEffect, "Mode": noEffect,
}

var samHTTPAPIProps = propRules{
	"Name": mapped, "Description": mapped, "StageName": mapped, "StageVariables": mapped, "DefinitionBody": mapped,
	"DefinitionUri": mapped, "AccessLogSettings": mapped, "DisableExecuteApiEndpoint": mapped, "CorsConfiguration": mapped,
	"Auth": mapped,
	"Tags": quiet, "PropagateTags": quiet,
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
		r := &resource{id: id, typ: typ, pos: im.events[id][0].pos, node: &node{Kind: doctree.Map}, implicit: true}
		r.props = &node{Kind: doctree.Map, Pos: r.pos}
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
	if p, ok := props.Get("StageName"); ok {
		if stage, ok = im.str(p, r.id+".StageName", mustHave); !ok {
			return
		}
		stagePos = p.Val.Pos
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
	body, hasBody := props.Get("DefinitionBody")
	uri, hasURI := props.Get("DefinitionUri")
	var api *apimodel.API
	var auth *samAuth
	switch {
	case hasBody && hasURI:
		im.fail(uri.KeyPos, "%s: set DefinitionBody or DefinitionUri, not both", r.id)
		return
	case hasURI:
		// SAM cannot edit a definition it only uploads, so events add no routes to it, and
		// what SAM would write into it is refused.
		for _, prop := range []string{"Auth", "Cors", "CorsConfiguration"} {
			if p, ok := props.Get(prop); ok {
				im.fail(p.KeyPos, "%s: %s works only with an inline definition (DefinitionBody); SAM rejects it beside DefinitionUri", r.id, prop)
			}
		}
		api = im.importDefinitionFile(uri, r.id+".DefinitionUri", id, served, protocol)
		im.checkEventsServed(r, api, events)
	default:
		why := map[*node]string{}
		doc := &node{Kind: doctree.Map, Pos: r.pos}
		if hasBody {
			doc = im.partial(body.Val, why, 0)
			if doc == nil || doc.Kind != doctree.Map || tokenOf(doc) != dictToken {
				im.fail(body.Val.Pos, "%s: DefinitionBody must be an OpenAPI document (an object), got %s", r.id, body.Val.Describe())
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
		auth = im.readAuth(r, props, httpAPI)
		if merges {
			im.addEvents(doc, events, httpAPI, manages, auth, served)
		}
		// SAM's order: the events' routes and Auth, then CORS, then the API's Auth.
		if httpAPI {
			im.httpCors(doc, r, props)
		} else {
			im.restCors(doc, r, props)
		}
		if auth != nil {
			im.applyAuth(doc, auth, served)
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
	if auth != nil && auth.usagePlan != nil {
		im.samUsagePlan(r, *auth.usagePlan, api, served)
	}
	im.cfg.APIs = append(im.cfg.APIs, api)
}

func skeleton(pos apimodel.Position, httpAPI bool, title string) *node {
	version := pair{Key: "swagger", KeyPos: pos, Val: strNode("2.0", pos)}
	if httpAPI {
		version = pair{Key: "openapi", KeyPos: pos, Val: strNode("3.0.1", pos)}
	}
	info := mapOf(pos, pair{Key: "version", KeyPos: pos, Val: strNode("1.0", pos)}, pair{Key: "title", KeyPos: pos, Val: strNode(title, pos)})
	return mapOf(pos, version, pair{Key: "info", KeyPos: pos, Val: info}, pair{Key: "paths", KeyPos: pos, Val: mapOf(pos)})
}

func (im *importer) flag(props *node, id, prop string) bool {
	p, ok := props.Get(prop)
	if !ok {
		return false
	}
	b, _ := im.boolean(p, id+"."+prop, mayDrop)
	return b
}

// child returns the mapping under key, adding an empty one when there is none.
func (im *importer) child(m *node, key string, pos apimodel.Position) (*node, bool) {
	if p, ok := m.Get(key); ok {
		if p.Val.Kind != doctree.Map || tokenOf(p.Val) != dictToken {
			im.fail(p.Val.Pos, "%s must be an object, got %s", key, p.Val.Describe())
			return nil, false
		}
		return p.Val, true
	}
	c := mapOf(pos)
	m.Pairs = append(m.Pairs, pair{Key: key, KeyPos: pos, Val: c})
	return c, true
}

// addEvents writes each event's route into the definition, as SAM's editors do: an
// aws_proxy integration calling the function. strict is SAM's check for definitions it
// writes itself, where two events cannot claim one route.
func (im *importer) addEvents(doc *node, events []*apiEvent, httpAPI, strict bool, auth *samAuth, stage string) {
	paths, ok := im.child(doc, "paths", doc.Pos)
	if !ok {
		return
	}
	for _, e := range events {
		item, ok := im.child(paths, e.path, e.pathPos)
		if !ok {
			continue
		}
		op, exists := item.Get(e.method)
		if exists && op.Val.Kind == doctree.Map {
			if _, integrated := op.Val.Get("x-amazon-apigateway-integration"); integrated {
				if strict {
					im.fail(e.pos, "%s: API method %q is defined more than once for path %q", e.fnID+" event "+e.name, e.method, e.path)
				} else if httpAPI {
					// SAM's OpenApiEditor keeps the definition's integration but still
					// applies the event's Auth.
					im.eventAuth(e, doc, op.Val, auth, httpAPI, stage)
				}
				continue
			}
		}
		integration := mapOf(e.pos,
			pair{Key: "type", KeyPos: e.pos, Val: strNode("aws_proxy", e.pos)},
			pair{Key: "httpMethod", KeyPos: e.pos, Val: strNode("POST", e.pos)},
			pair{Key: "uri", KeyPos: e.pos, Val: strNode(invocationURI(e.fnName), e.pos)})
		what := e.fnID + " event " + e.name
		if httpAPI {
			version := strNode("2.0", e.pos)
			if p, ok := e.props.Get("PayloadFormatVersion"); ok {
				if s, ok := im.str(p, what+" PayloadFormatVersion", mustHave); ok {
					version = strNode(s, p.Val.Pos)
				}
			}
			integration.Pairs = append(integration.Pairs, pair{Key: "payloadFormatVersion", KeyPos: e.pos, Val: version})
		}
		if p, ok := e.props.Get("TimeoutInMillis"); ok {
			if v, ok := im.value(p, what+" TimeoutInMillis", mustHave); ok {
				integration.Pairs = append(integration.Pairs, pair{Key: "timeoutInMillis", KeyPos: p.KeyPos, Val: v})
			}
		}
		entry := pair{Key: "x-amazon-apigateway-integration", KeyPos: e.pos, Val: integration}
		if !exists || op.Val.IsNull() {
			op = pair{Key: e.method, KeyPos: e.methPos, Val: mapOf(e.pos)}
			item.Pairs = append(item.Pairs, op)
		} else if op.Val.Kind != doctree.Map {
			im.fail(op.Val.Pos, "operation %s %s must be an object, got %s", e.method, e.path, op.Val.Describe())
			continue
		}
		op.Val.Pairs = append(op.Val.Pairs, entry)
		if !httpAPI {
			im.eventParameters(e, op.Val, what)
		}
		im.eventAuth(e, doc, op.Val, auth, httpAPI, stage)
	}
}

// eventParameters turns an Api event's RequestParameters into the operation's parameters,
// which is how SAM declares them to API Gateway.
func (im *importer) eventParameters(e *apiEvent, op *node, what string) {
	p, ok := e.props.Get("RequestParameters")
	if !ok {
		return
	}
	v, ok := im.value(p, what+" RequestParameters", mustHave)
	if !ok {
		return
	}
	if v.Kind != doctree.Seq {
		im.fail(v.Pos, "%s: RequestParameters must be a list, got %s", what, v.Describe())
		return
	}
	params := &node{Kind: doctree.Seq, Pos: p.Val.Pos}
	for _, item := range v.Items {
		name, required := item.Text, false
		if item.Kind == doctree.Map && len(item.Pairs) == 1 {
			name = item.Pairs[0].Key
			for _, f := range pairsOrNil(item.Pairs[0].Val) {
				switch f.Key {
				case "Required":
					required, _ = im.boolean(f, what+" RequestParameters Required", mustHave)
				case "Caching":
					if b, _ := im.boolean(f, what+" RequestParameters Caching", mayDrop); b {
						im.warn(f.KeyPos, "%s: response caching is not supported yet; Caching is ignored", what)
					}
				default:
					im.fail(f.KeyPos, "%s: a request parameter takes Required and Caching, not %s", what, f.Key)
				}
			}
		} else if item.Kind != doctree.Scalar {
			im.fail(item.Pos, "%s: a request parameter is a name or {name: {Required, Caching}}, got %s", what, item.Describe())
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
			im.fail(item.Pos, "%s: request parameter %q must be method.request.querystring.NAME, method.request.header.NAME or method.request.path.NAME", what, name)
			continue
		}
		params.Items = append(params.Items, mapOf(item.Pos,
			pair{Key: "name", KeyPos: item.Pos, Val: strNode(pname, item.Pos)},
			pair{Key: "in", KeyPos: item.Pos, Val: strNode(in, item.Pos)},
			pair{Key: "required", KeyPos: item.Pos, Val: &node{Kind: doctree.Scalar, Type: doctree.Bool, Text: boolText(required || in == "path"), Pos: item.Pos}}))
	}
	op.Pairs = append(op.Pairs, pair{Key: "parameters", KeyPos: p.KeyPos, Val: params})
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
		if p, ok := e.props.Get("Auth"); ok {
			im.warn(p.KeyPos, "%s event %s: SAM applies an event's Auth only to definitions it writes or merges (MergeDefinitions), so it has no effect on %s; ignored", e.fnID, e.name, r.id)
		}
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
	if p, ok := props.Get("Name"); ok {
		if s, ok := im.str(p, r.id+".Name", mayDrop); ok {
			api.Name = s
		}
	}
	if p, ok := props.Get("Description"); ok {
		api.Description, _ = im.str(p, r.id+".Description", mayDrop)
	}
	st := api.Stages[0]
	st.Pos = stagePos
	varsProp, logProp := "Variables", "AccessLogSetting"
	if api.Protocol == apimodel.ProtocolHTTP {
		varsProp, logProp = "StageVariables", "AccessLogSettings"
	}
	if p, ok := props.Get(varsProp); ok {
		st.Variables = im.strMap(p, r.id+" stage variable", mayDrop)
	}
	if p, ok := props.Get(logProp); ok {
		st.AccessLogFormat = im.accessLogFormat(r.id, p)
	}
	if api.Protocol == apimodel.ProtocolREST {
		// Without OpenApiVersion, SAM's deployment also creates a stage named "Stage", which
		// AWS serves like the declared one.
		if _, set := props.Get("OpenApiVersion"); !set && im.opt.Stage == "" && st.Name != "Stage" {
			api.Stages = append(api.Stages, &apimodel.Stage{Name: "Stage", Pos: r.pos})
		}
		if p, ok := props.Get("BinaryMediaTypes"); ok {
			for _, t := range im.strList(p, r.id+".BinaryMediaTypes", mayDrop) {
				api.BinaryMediaTypes = appendNew(api.BinaryMediaTypes, strings.ReplaceAll(t, "~1", "/"))
			}
		}
		if p, ok := props.Get("GatewayResponses"); ok {
			im.samGatewayResponses(r.id, p, api)
		}
		if p, ok := props.Get("ApiKeySourceType"); ok {
			im.apiKeySource(r.id, p, api)
		}
	}
	if p, ok := props.Get("EndpointConfiguration"); ok {
		im.endpointConfiguration(r.id, p, "Type")
	}
	if p, ok := props.Get("DisableExecuteApiEndpoint"); ok {
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
	obj, ok := im.object(p, id+"."+p.Key, mayDrop)
	if !ok {
		return ""
	}
	format := ""
	for _, f := range obj.Pairs {
		switch f.Key {
		case "Format":
			format, _ = im.str(f, id+"."+p.Key+".Format", mayDrop)
		case "DestinationArn":
		default:
			im.warn(f.KeyPos, "%s: %s has no field %s; ignored", id, p.Key, f.Key)
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
	case v.Kind == doctree.Scalar:
		types = []string{v.Text}
	case v.Kind == doctree.Map:
		if t, ok := v.Get(typeKey); ok {
			if t.Val.Kind == doctree.Seq {
				for _, item := range t.Val.Items {
					types = append(types, item.Text)
				}
			} else {
				types = append(types, t.Val.Text)
			}
		}
	}
	for _, t := range types {
		if strings.EqualFold(t, "PRIVATE") {
			im.warn(p.Val.Pos, "%s: private APIs are not supported yet; the API is served like a public one", id)
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
	for _, t := range obj.Pairs {
		what := id + " gateway response " + t.Key
		resp, ok := im.object(t, what, mayDrop)
		if !ok {
			continue
		}
		gr := &apimodel.GatewayResponse{Pos: t.KeyPos}
		for _, f := range resp.Pairs {
			switch f.Key {
			case "StatusCode":
				gr.StatusCode, _ = im.str(f, what+" StatusCode", mustHave)
			case "ResponseTemplates":
				gr.ResponseTemplates = im.strMap(f, what+" ResponseTemplates", mayDrop)
			case "ResponseParameters":
				rp, ok := im.object(f, what+" ResponseParameters", mayDrop)
				if !ok {
					continue
				}
				for _, kind := range rp.Pairs {
					prefix := map[string]string{"Headers": "header.", "Paths": "path.", "QueryStrings": "querystring."}[kind.Key]
					if prefix == "" {
						im.fail(kind.KeyPos, "%s: ResponseParameters takes Headers, Paths and QueryStrings, not %s", what, kind.Key)
						continue
					}
					for k, v := range im.strMap(kind, what+" "+kind.Key, mayDrop) {
						if gr.ResponseParameters == nil {
							gr.ResponseParameters = map[string]string{}
						}
						gr.ResponseParameters["gatewayresponse."+prefix+k] = v
					}
				}
			default:
				im.warn(f.KeyPos, "%s has no field %s; ignored", what, f.Key)
			}
		}
		if api.GatewayResponses == nil {
			api.GatewayResponses = map[string]*apimodel.GatewayResponse{}
		}
		api.GatewayResponses[t.Key] = gr
	}
}
