package sam

import (
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// REST APIs built from CloudFormation's own resources: a RestApi, its Resource tree, a
// Method per route, and the Deployments and Stages that make AWS serve it.

var restAPIProps = propRules{
	"Name": mapped, "Description": mapped, "Body": mapped, "BodyS3Location": mapped, "BinaryMediaTypes": mapped,
	"EndpointConfiguration": mapped, "DisableExecuteApiEndpoint": mapped, "CloneFrom": mapped, "Policy": mapped,
	"ApiKeySourceType":       mapped,
	"Tags":                   quiet,
	"MinimumCompressionSize": "response compression is not supported yet; responses are not compressed",
	"FailOnWarnings":         noEffect, "Mode": noEffect, "Parameters": noEffect,
}

var restResourceProps = propRules{"ParentId": mapped, "PathPart": mapped, "RestApiId": mapped}

var methodProps = propRules{
	"RestApiId": mapped, "ResourceId": mapped, "HttpMethod": mapped, "Integration": mapped, "OperationName": mapped,
	"RequestParameters": mapped, "AuthorizationType": mapped, "ApiKeyRequired": mapped,
	// Method responses declare what integration responses may set; genkan passes the
	// integration responses through as mapped.
	"MethodResponses":     quiet,
	"AuthorizerId":        mapped,
	"AuthorizationScopes": mapped,
	"RequestModels":       "models and request validation are not supported yet; requests are not validated",
	"RequestValidatorId":  "request validation is not supported yet; requests are not validated",
}

var integrationProps = propRules{
	"Type": mapped, "Uri": mapped, "IntegrationHttpMethod": mapped, "RequestParameters": mapped,
	"RequestTemplates": mapped, "PassthroughBehavior": mapped, "ContentHandling": mapped, "TimeoutInMillis": mapped,
	"IntegrationResponses": mapped, "ConnectionType": mapped, "TlsConfig": mapped, "CacheKeyParameters": mapped,
	"CacheNamespace":       quiet,
	"ConnectionId":         quiet, // reported with ConnectionType
	"Credentials":          noEffect,
	"IntegrationTarget":    "load balancer targets of private integrations are not supported yet",
	"ResponseTransferMode": "response streaming is not supported yet; responses are buffered",
}

var deploymentProps = propRules{
	"RestApiId": mapped, "StageName": mapped, "StageDescription": mapped,
	"Description":              quiet,
	"DeploymentCanarySettings": "canary deployments are not emulated; every request goes to the stage's deployment",
}

var stageProps = propRules{
	"RestApiId": mapped, "StageName": mapped, "DeploymentId": mapped, "Variables": mapped, "AccessLogSetting": mapped,
	"Description": quiet, "Tags": quiet,
	"MethodSettings":      "method settings (throttling, caching, logging) are not supported yet",
	"CacheClusterEnabled": "response caching is not supported yet",
	"CacheClusterSize":    "response caching is not supported yet",
	"CanarySetting":       "canary deployments are not emulated; every request goes to the stage's deployment",
	"ClientCertificateId": "client certificates for backends are not supported yet",
	"TracingEnabled":      noEffect, "DocumentationVersion": noEffect,
}

// belongsTo reports whether a resource's API property names api.
func (im *importer) belongsTo(r *resource, prop, api string) bool {
	p, ok := r.props.Get(prop)
	if !ok {
		return false
	}
	target, ok := im.refTarget(p.Val)
	return ok && target == api
}

func (im *importer) ofType(typ string) []*resource {
	var out []*resource
	for _, r := range im.order {
		if r.typ == typ && !r.skipped {
			out = append(out, r)
		}
	}
	return out
}

func (im *importer) restAPI(r *resource) {
	im.checkProps(r, r.props, restAPIProps)
	id := im.apiIDs[r.id]
	stages := im.restStages(r)
	if p, ok := r.props.Get("CloneFrom"); ok {
		im.fail(p.KeyPos, "%s: CloneFrom copies an API that exists only in AWS; genkan cannot see it", r.id)
		return
	}
	first := ""
	if len(stages) > 0 {
		first = stages[0].Name
	}
	if im.opt.Stage != "" {
		first = im.opt.Stage
	}
	api, found := im.bodyDefinition(r, id, first, apimodel.ProtocolREST)
	if found && api == nil {
		return
	}
	if !found {
		name := first
		if name == "" {
			name = "dev"
		}
		api = &apimodel.API{ID: id, Protocol: apimodel.ProtocolREST, Stages: []*apimodel.Stage{{Name: name, Pos: r.pos}}}
	}
	api.Pos = r.pos
	if len(stages) == 0 {
		im.warn(r.pos, "%s has no AWS::ApiGateway::Deployment or Stage, so AWS does not serve it; genkan serves it as stage %q", r.id, api.Stages[0].Name)
	} else if im.opt.Stage != "" {
		stages[0].Name = im.opt.Stage
		api.Stages = stages[:1]
	} else {
		api.Stages = stages
	}
	if p, ok := r.props.Get("Name"); ok {
		api.Name, _ = im.str(p, r.id+".Name", mayDrop)
	}
	if api.Name == "" {
		api.Name = r.id
	}
	if p, ok := r.props.Get("Description"); ok {
		api.Description, _ = im.str(p, r.id+".Description", mayDrop)
	}
	if p, ok := r.props.Get("BinaryMediaTypes"); ok {
		for _, t := range im.strList(p, r.id+".BinaryMediaTypes", mayDrop) {
			api.BinaryMediaTypes = appendNew(api.BinaryMediaTypes, t)
		}
	}
	if p, ok := r.props.Get("EndpointConfiguration"); ok {
		im.endpointConfiguration(r.id, p, "Types")
	}
	if p, ok := r.props.Get("DisableExecuteApiEndpoint"); ok {
		api.DisableExecuteAPIEndpoint, _ = im.boolean(p, r.id+".DisableExecuteApiEndpoint", mayDrop)
	}
	if p, ok := r.props.Get("ApiKeySourceType"); ok {
		im.apiKeySource(r.id, p, api)
	}
	im.restPolicy(r, api)
	authorizers := im.cfnAuthorizers(r, api, "AWS::ApiGateway::Authorizer", "RestApiId")
	for _, m := range im.ofType("AWS::ApiGateway::Method") {
		if im.belongsTo(m, "RestApiId", r.id) {
			im.used[m.id] = true
			if route := im.method(r, m, authorizers); route != nil {
				api.Routes = append(api.Routes, route)
			}
		}
	}
	for _, res := range im.ofType("AWS::ApiGateway::Resource") {
		if im.belongsTo(res, "RestApiId", r.id) {
			im.used[res.id] = true
			im.checkProps(res, res.props, restResourceProps)
		}
	}
	im.gatewayResponseResources(r, api)
	im.cfg.APIs = append(im.cfg.APIs, api)
}

// restStages collects the stages of a RestApi: a Deployment's StageName creates one, and so
// does each AWS::ApiGateway::Stage.
func (im *importer) restStages(api *resource) []*apimodel.Stage {
	var stages []*apimodel.Stage
	byName := map[string]*apimodel.Stage{}
	add := func(st *apimodel.Stage) {
		if prev, dup := byName[st.Name]; dup {
			im.fail(st.Pos, "%s: stage %q is already created at %s", api.id, st.Name, prev.Pos)
			return
		}
		byName[st.Name] = st
		stages = append(stages, st)
	}
	for _, d := range im.ofType("AWS::ApiGateway::Deployment") {
		if !im.belongsTo(d, "RestApiId", api.id) {
			continue
		}
		im.used[d.id] = true
		im.checkProps(d, d.props, deploymentProps)
		p, ok := d.props.Get("StageName")
		if !ok {
			continue
		}
		name, ok := im.str(p, d.id+".StageName", mustHave)
		if !ok {
			continue
		}
		st := &apimodel.Stage{Name: name, Pos: p.Val.Pos}
		if sd, ok := d.props.Get("StageDescription"); ok {
			im.stageDescription(d, sd, st)
		}
		add(st)
	}
	for _, s := range im.ofType("AWS::ApiGateway::Stage") {
		if !im.belongsTo(s, "RestApiId", api.id) {
			continue
		}
		im.used[s.id] = true
		im.checkProps(s, s.props, stageProps)
		p, ok := s.props.Get("StageName")
		if !ok {
			im.warn(s.pos, "%s has no StageName, which API Gateway requires; genkan leaves the stage out", s.id)
			continue
		}
		name, ok := im.str(p, s.id+".StageName", mustHave)
		if !ok {
			continue
		}
		if dp, ok := s.props.Get("DeploymentId"); ok {
			if target, ok := im.refTarget(dp.Val); ok {
				if d := im.resources[target]; d == nil || d.typ != "AWS::ApiGateway::Deployment" || !im.belongsTo(d, "RestApiId", api.id) {
					im.fail(dp.Val.Pos, "%s: DeploymentId must name an AWS::ApiGateway::Deployment of %s", s.id, api.id)
				}
			}
		}
		st := &apimodel.Stage{Name: name, Pos: p.Val.Pos}
		if v, ok := s.props.Get("Variables"); ok {
			st.Variables = im.strMap(v, s.id+" stage variable", mayDrop)
		}
		if a, ok := s.props.Get("AccessLogSetting"); ok {
			st.AccessLogFormat = im.accessLogFormat(s.id, a)
		}
		add(st)
	}
	return stages
}

// stageDescription reads the stage settings a Deployment gives the stage it creates.
func (im *importer) stageDescription(d *resource, p pair, st *apimodel.Stage) {
	obj, ok := im.object(p, d.id+".StageDescription", mayDrop)
	if !ok {
		return
	}
	for _, f := range obj.Pairs {
		switch f.Key {
		case "Variables":
			st.Variables = im.strMap(f, d.id+" stage variable", mayDrop)
		case "AccessLogSetting":
			st.AccessLogFormat = im.accessLogFormat(d.id, f)
		case "Description", "Tags", "DocumentationVersion", "TracingEnabled", "LoggingLevel", "MetricsEnabled", "DataTraceEnabled":
		default:
			im.warn(f.KeyPos, "%s: StageDescription.%s is not supported yet; ignored", d.id, f.Key)
		}
	}
}

// resourcePath walks a Method's ResourceId up the Resource tree to the API's root.
func (im *importer) resourcePath(api *resource, n *node, seen map[string]bool) (string, bool) {
	if fn, arg, ok := call(n); ok && fn == "Fn::GetAtt" {
		id, attr := "", ""
		switch {
		case arg.Kind == doctree.Scalar:
			id, attr, _ = strings.Cut(arg.Text, ".")
		case arg.Kind == doctree.Seq && len(arg.Items) == 2:
			id, attr = arg.Items[0].Text, arg.Items[1].Text
		}
		if id == api.id && attr == "RootResourceId" {
			return "/", true
		}
		im.fail(n.Pos, "a resource of %s is its Fn::GetAtt %s.RootResourceId or an AWS::ApiGateway::Resource of it, not %s.%s", api.id, api.id, id, attr)
		return "", false
	}
	target, ok := im.refTarget(n)
	res := im.resources[target]
	if !ok || res == nil || res.typ != "AWS::ApiGateway::Resource" {
		im.fail(n.Pos, "a resource of %s is its Fn::GetAtt %s.RootResourceId or an AWS::ApiGateway::Resource of it, got %s", api.id, api.id, n.Describe())
		return "", false
	}
	if seen[target] {
		im.fail(res.pos, "%s: the resource tree loops through %s", api.id, target)
		return "", false
	}
	seen[target] = true
	if !im.belongsTo(res, "RestApiId", api.id) {
		im.fail(res.pos, "%s belongs to another API than %s", target, api.id)
		return "", false
	}
	parent, ok := res.props.Get("ParentId")
	if !ok {
		im.fail(res.pos, "%s needs a ParentId", target)
		return "", false
	}
	base, ok := im.resourcePath(api, parent.Val, seen)
	if !ok {
		return "", false
	}
	part, has := res.props.Get("PathPart")
	if !has {
		im.fail(res.pos, "%s needs a PathPart", target)
		return "", false
	}
	s, ok := im.str(part, target+".PathPart", mustHave)
	if !ok {
		return "", false
	}
	return strings.TrimSuffix(base, "/") + "/" + s, true
}

func (im *importer) method(api, m *resource, authorizers map[string]string) *apimodel.Route {
	im.checkProps(m, m.props, methodProps)
	rp, ok := m.props.Get("ResourceId")
	if !ok {
		im.fail(m.pos, "%s needs a ResourceId", m.id)
		return nil
	}
	path, ok := im.resourcePath(api, rp.Val, map[string]bool{})
	if !ok {
		return nil
	}
	hp, ok := m.props.Get("HttpMethod")
	if !ok {
		im.fail(m.pos, "%s needs an HttpMethod", m.id)
		return nil
	}
	verb, ok := im.str(hp, m.id+".HttpMethod", mustHave)
	if !ok {
		return nil
	}
	route := &apimodel.Route{Method: strings.ToUpper(verb), Path: path, Pos: m.pos}
	if p, ok := m.props.Get("OperationName"); ok {
		route.OperationName, _ = im.str(p, m.id+".OperationName", mayDrop)
	}
	if p, ok := m.props.Get("RequestParameters"); ok {
		if obj, ok := im.object(p, m.id+".RequestParameters", mayDrop); ok {
			for _, e := range obj.Pairs {
				if b, ok := im.boolean(e, m.id+" request parameter "+e.Key, mayDrop); ok {
					if route.RequestParameters == nil {
						route.RequestParameters = map[string]bool{}
					}
					route.RequestParameters[e.Key] = b
				}
			}
		}
	}
	route.Auth = im.cfnRouteAuth(m.id, m.props, m.pos, authorizers, true)
	ip, ok := m.props.Get("Integration")
	if !ok {
		im.fail(m.pos, "%s has no Integration; AWS refuses to deploy an API with such a method (\"No integration defined for method\")", m.id)
		return nil
	}
	if route.Integration = im.restIntegration(m, ip); route.Integration == nil {
		return nil
	}
	return route
}

func (im *importer) restIntegration(m *resource, ip pair) *apimodel.Integration {
	what := m.id + ".Integration"
	obj, ok := im.object(ip, what, mustHave)
	if !ok {
		return nil
	}
	im.checkProps(&resource{id: what, typ: "an Integration"}, obj, integrationProps)
	in := &apimodel.Integration{Pos: ip.KeyPos}
	upper := func(f pair) string {
		s, _ := im.str(f, what+"."+f.Key, mustHave)
		return strings.ToUpper(s)
	}
	for _, f := range obj.Pairs {
		switch f.Key {
		case "Type":
			in.Type = apimodel.IntegrationType(upper(f))
		case "Uri":
			in.URI, _ = im.str(f, what+".Uri", mustHave)
		case "IntegrationHttpMethod":
			in.HTTPMethod = upper(f)
		case "RequestParameters":
			in.RequestParameters = im.strMap(f, what+".RequestParameters", mustHave)
		case "RequestTemplates":
			in.RequestTemplates = im.strMap(f, what+".RequestTemplates", mustHave)
		case "PassthroughBehavior":
			in.PassthroughBehavior = upper(f)
		case "ContentHandling":
			in.ContentHandling = upper(f)
		case "TimeoutInMillis":
			if ms, ok := im.integer(f, what+".TimeoutInMillis", mustHave); ok {
				in.Timeout = time.Duration(ms) * time.Millisecond
			}
		case "ConnectionType":
			in.ConnectionType = upper(f)
			if in.ConnectionType == "VPC_LINK" {
				im.warn(f.Val.Pos, "%s uses a VPC link, which genkan does not have; it connects to the Uri directly", what)
			}
		case "TlsConfig":
			if tls, ok := im.object(f, what+".TlsConfig", mayDrop); ok {
				for _, t := range tls.Pairs {
					if t.Key == "InsecureSkipVerification" {
						in.TLSInsecureSkipVerify, _ = im.boolean(t, what+".TlsConfig.InsecureSkipVerification", mayDrop)
					} else {
						im.warn(t.KeyPos, "%s: TlsConfig.%s is not supported; ignored", what, t.Key)
					}
				}
			}
		case "CacheKeyParameters":
			if len(im.strList(f, what+".CacheKeyParameters", mayDrop)) > 0 {
				im.warn(f.KeyPos, "%s: response caching is not supported yet; CacheKeyParameters is ignored", what)
			}
		case "IntegrationResponses":
			in.Responses = im.integrationResponses(f, what)
		}
	}
	if in.Type == "" {
		im.fail(ip.KeyPos, "%s needs a Type", what)
		return nil
	}
	return in
}

func (im *importer) integrationResponses(p pair, what string) []*apimodel.IntegrationResponse {
	v, ok := im.value(p, what+".IntegrationResponses", mustHave)
	if !ok {
		return nil
	}
	if v.Kind != doctree.Seq {
		im.fail(v.Pos, "%s.IntegrationResponses must be a list, got %s", what, v.Describe())
		return nil
	}
	var out []*apimodel.IntegrationResponse
	for _, item := range v.Items {
		if item.Kind != doctree.Map {
			im.fail(item.Pos, "%s: an integration response must be an object, got %s", what, item.Describe())
			continue
		}
		resp := &apimodel.IntegrationResponse{Pos: item.Pos}
		for _, f := range item.Pairs {
			switch f.Key {
			case "StatusCode":
				resp.StatusCode, _ = im.str(f, what+" response StatusCode", mustHave)
			case "SelectionPattern":
				resp.SelectionPattern, _ = im.str(f, what+" response SelectionPattern", mustHave)
			case "ResponseParameters":
				resp.ResponseParameters = im.strMap(f, what+" response ResponseParameters", mustHave)
			case "ResponseTemplates":
				resp.ResponseTemplates = im.strMap(f, what+" response ResponseTemplates", mustHave)
			case "ContentHandling":
				s, _ := im.str(f, what+" response ContentHandling", mustHave)
				resp.ContentHandling = strings.ToUpper(s)
			default:
				im.warn(f.KeyPos, "%s: an integration response has no field %s; ignored", what, f.Key)
			}
		}
		out = append(out, resp)
	}
	return out
}

// gatewayResponseResources applies the AWS::ApiGateway::GatewayResponse resources of an API.
func (im *importer) gatewayResponseResources(api *resource, out *apimodel.API) {
	for _, g := range im.ofType("AWS::ApiGateway::GatewayResponse") {
		if !im.belongsTo(g, "RestApiId", api.id) {
			continue
		}
		im.used[g.id] = true
		im.checkProps(g, g.props, propRules{"RestApiId": mapped, "ResponseType": mapped, "StatusCode": mapped, "ResponseParameters": mapped, "ResponseTemplates": mapped})
		tp, ok := g.props.Get("ResponseType")
		if !ok {
			im.fail(g.pos, "%s needs a ResponseType", g.id)
			continue
		}
		typ, ok := im.str(tp, g.id+".ResponseType", mustHave)
		if !ok {
			continue
		}
		gr := &apimodel.GatewayResponse{Pos: g.pos}
		if p, ok := g.props.Get("StatusCode"); ok {
			gr.StatusCode, _ = im.str(p, g.id+".StatusCode", mustHave)
		}
		if p, ok := g.props.Get("ResponseParameters"); ok {
			gr.ResponseParameters = im.strMap(p, g.id+".ResponseParameters", mustHave)
		}
		if p, ok := g.props.Get("ResponseTemplates"); ok {
			gr.ResponseTemplates = im.strMap(p, g.id+".ResponseTemplates", mustHave)
		}
		if out.GatewayResponses == nil {
			out.GatewayResponses = map[string]*apimodel.GatewayResponse{}
		}
		out.GatewayResponses[typ] = gr
	}
}

// bodyDefinition imports a CloudFormation API resource's inline Body. found is false when the
// resource has neither Body nor BodyS3Location (its routes come from other resources); api is
// nil after a problem has been reported.
func (im *importer) bodyDefinition(r *resource, id, stage string, p apimodel.Protocol) (api *apimodel.API, found bool) {
	if body, ok := r.props.Get("Body"); ok {
		why := map[*node]string{}
		doc := im.partial(body.Val, why, 0)
		if doc == nil || doc.Kind != doctree.Map || tokenOf(doc) != dictToken {
			im.fail(body.Val.Pos, "%s: Body must be an OpenAPI document (an object), got %s", r.id, body.Val.Describe())
			return nil, true
		}
		return im.importDefinition(doc, r.id, id, stage, p, why), true
	}
	if loc, ok := r.props.Get("BodyS3Location"); ok {
		im.fail(loc.KeyPos, "%s: BodyS3Location reads the definition from S3; genkan reads only local files, so inline it as Body", r.id)
		return nil, true
	}
	return nil, false
}
