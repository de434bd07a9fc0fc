package sam

import (
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// HTTP APIs built from CloudFormation's AWS::ApiGatewayV2 resources: quick create (an Api
// with a Target), or Routes that target Integrations, served by Stages.

var v2APIProps = propRules{
	"Name": mapped, "Description": mapped, "ProtocolType": mapped, "Target": mapped, "RouteKey": mapped,
	"Body": mapped, "BodyS3Location": mapped, "DisableExecuteApiEndpoint": mapped, "RouteSelectionExpression": mapped,
	"CorsConfiguration": mapped,
	"Tags":              quiet,
	"CredentialsArn":    noEffect, "Version": noEffect, "FailOnWarnings": noEffect, "DisableSchemaValidation": noEffect,
	"ApiKeySelectionExpression": noEffect, "BasePath": noEffect, "IpAddressType": noEffect,
}

var v2RouteProps = propRules{
	"ApiId": mapped, "RouteKey": mapped, "Target": mapped, "OperationName": mapped, "AuthorizationType": mapped,
	"AuthorizerId": mapped, "AuthorizationScopes": mapped,
	"ApiKeyRequired": noEffect, "RequestParameters": noEffect, "RequestModels": noEffect,
	"ModelSelectionExpression": noEffect, "RouteResponseSelectionExpression": noEffect,
}

var v2IntegrationProps = propRules{
	"ApiId": mapped, "IntegrationType": mapped, "IntegrationUri": mapped, "IntegrationMethod": mapped,
	"PayloadFormatVersion": mapped, "TimeoutInMillis": mapped, "TlsConfig": mapped, "ConnectionType": mapped,
	"IntegrationSubtype": mapped,
	"Description":        quiet, "ConnectionId": quiet, // reported with ConnectionType
	"CredentialsArn":     noEffect,
	"RequestParameters":  "parameter mapping is not supported yet; requests are passed on unchanged",
	"ResponseParameters": "parameter mapping is not supported yet; responses are passed back unchanged",
	"RequestTemplates":   noEffect, "TemplateSelectionExpression": noEffect, "PassthroughBehavior": noEffect,
	"ContentHandlingStrategy": noEffect,
}

var v2StageProps = propRules{
	"ApiId": mapped, "StageName": mapped, "StageVariables": mapped, "AccessLogSettings": mapped,
	"AutoDeploy": quiet, "DeploymentId": quiet, "Description": quiet, "Tags": quiet,
	"DefaultRouteSettings": "route settings (throttling, detailed metrics) are not supported yet",
	"RouteSettings":        "route settings (throttling, detailed metrics) are not supported yet",
	"ClientCertificateId":  "client certificates for backends are not supported yet",
	"AccessPolicyId":       noEffect,
}

func (im *importer) v2API(r *resource) {
	im.checkProps(r, r.props, v2APIProps)
	_, hasBody := r.props.Get("Body")
	protocol := "HTTP"
	if p, ok := r.props.Get("ProtocolType"); ok {
		protocol, _ = im.str(p, r.id+".ProtocolType", mustHave)
		switch protocol {
		case "HTTP":
		case "WEBSOCKET":
			im.fail(p.Val.Pos, "%s: WebSocket APIs are not supported yet", r.id)
			return
		default:
			im.fail(p.Val.Pos, "%s: ProtocolType %q is not HTTP or WEBSOCKET", r.id, protocol)
			return
		}
	} else if !hasBody {
		im.fail(r.pos, "%s needs a ProtocolType (or a Body)", r.id)
		return
	}
	id := im.apiIDs[r.id]
	stages := im.v2Stages(r)
	_, quickCreate := r.props.Get("Target")
	if quickCreate && len(stages) == 0 {
		// Quick create adds the $default stage, deployed automatically.
		stages = []*apimodel.Stage{{Name: apimodel.DefaultStage, Pos: r.pos}}
	}
	first := apimodel.DefaultStage
	if len(stages) > 0 {
		first = stages[0].Name
	}
	if im.opt.Stage != "" {
		first = im.opt.Stage
	}
	api, found := im.bodyDefinition(r, id, first, apimodel.ProtocolHTTP)
	if found && api == nil {
		return
	}
	if !found {
		api = &apimodel.API{ID: id, Protocol: apimodel.ProtocolHTTP, Stages: []*apimodel.Stage{{Name: first, Pos: r.pos}}}
	}
	api.Pos = r.pos
	switch {
	case len(stages) == 0:
		im.warn(r.pos, "%s has no AWS::ApiGatewayV2::Stage, so AWS does not serve it; genkan serves it as stage %q", r.id, api.Stages[0].Name)
	case im.opt.Stage != "":
		stages[0].Name = im.opt.Stage
		api.Stages = stages[:1]
	default:
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
	if p, ok := r.props.Get("DisableExecuteApiEndpoint"); ok {
		api.DisableExecuteAPIEndpoint, _ = im.boolean(p, r.id+".DisableExecuteApiEndpoint", mayDrop)
	}
	if p, ok := r.props.Get("CorsConfiguration"); ok {
		// CloudFormation applies it after importing any Body, so it wins over the Body's.
		api.CORS = im.cfnCORS(r, p)
	}
	authorizers := im.cfnAuthorizers(r, api, "AWS::ApiGatewayV2::Authorizer", "ApiId")
	var quick *apimodel.Route
	if quickCreate {
		if quick = im.quickCreateRoute(r); quick != nil {
			api.Routes = append(api.Routes, quick)
		}
	}
	integrations := map[string]*resource{}
	for _, in := range im.ofType("AWS::ApiGatewayV2::Integration") {
		if im.belongsTo(in, "ApiId", r.id) {
			integrations[im.physical[in.id]] = in
			im.used[in.id] = true
		}
	}
	built := map[string]*apimodel.Integration{}
	for _, rt := range im.ofType("AWS::ApiGatewayV2::Route") {
		if im.belongsTo(rt, "ApiId", r.id) {
			im.used[rt.id] = true
			if route := im.v2Route(rt, integrations, built, authorizers); route != nil {
				api.Routes = append(api.Routes, route)
			}
		}
	}
	for _, o := range im.ofType("AWS::ApiGatewayV2::ApiGatewayManagedOverrides") {
		if im.belongsTo(o, "ApiId", r.id) {
			im.used[o.id] = true
			im.managedOverrides(o, quick, authorizers)
		}
	}
	im.cfg.APIs = append(im.cfg.APIs, api)
}

// quickCreateRoute is the route quick create makes: RouteKey (default $default) to Target.
func (im *importer) quickCreateRoute(r *resource) *apimodel.Route {
	tp, _ := r.props.Get("Target")
	target, ok := im.str(tp, r.id+".Target", mustHave)
	if !ok {
		return nil
	}
	in := &apimodel.Integration{Pos: tp.KeyPos, URI: target}
	switch {
	case strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://"):
		in.Type, in.HTTPMethod, in.PayloadFormatVersion = apimodel.IntegrationHTTPProxy, apimodel.MethodAny, "1.0"
	case strings.HasPrefix(target, "arn:") && strings.Contains(target, ":lambda:"):
		in.Type, in.PayloadFormatVersion = apimodel.IntegrationAWSProxy, "2.0"
	default:
		im.fail(tp.Val.Pos, "%s: Target %q is neither an http(s) URL nor a Lambda function ARN", r.id, target)
		return nil
	}
	key := apimodel.DefaultRouteKey
	keyPos := tp.KeyPos
	if p, ok := r.props.Get("RouteKey"); ok {
		if key, ok = im.str(p, r.id+".RouteKey", mustHave); !ok {
			return nil
		}
		keyPos = p.Val.Pos
	}
	route, ok := im.routeKey(key, keyPos, r.id)
	if !ok {
		return nil
	}
	route.Integration = in
	return route
}

// routeKey parses "GET /pets/{id}", "ANY /{proxy+}" or "$default".
func (im *importer) routeKey(key string, pos apimodel.Position, owner string) (*apimodel.Route, bool) {
	if key == apimodel.DefaultRouteKey {
		return &apimodel.Route{Path: apimodel.DefaultRouteKey, Pos: pos}, true
	}
	method, path, ok := strings.Cut(key, " ")
	if !ok {
		im.fail(pos, "%s: route key %q is neither $default nor \"METHOD /path\"", owner, key)
		return nil, false
	}
	return &apimodel.Route{Method: strings.ToUpper(method), Path: strings.TrimSpace(path), Pos: pos}, true
}

func (im *importer) v2Route(rt *resource, integrations map[string]*resource, built map[string]*apimodel.Integration, authorizers map[string]string) *apimodel.Route {
	im.checkProps(rt, rt.props, v2RouteProps)
	kp, ok := rt.props.Get("RouteKey")
	if !ok {
		im.fail(rt.pos, "%s needs a RouteKey", rt.id)
		return nil
	}
	key, ok := im.str(kp, rt.id+".RouteKey", mustHave)
	if !ok {
		return nil
	}
	route, ok := im.routeKey(key, kp.Val.Pos, rt.id)
	if !ok {
		return nil
	}
	route.Pos = rt.pos
	if p, ok := rt.props.Get("OperationName"); ok {
		route.OperationName, _ = im.str(p, rt.id+".OperationName", mayDrop)
	}
	route.Auth = im.cfnRouteAuth(rt.id, rt.props, rt.pos, authorizers, false)
	tp, ok := rt.props.Get("Target")
	if !ok {
		// AWS accepts a route without a target but cannot serve it.
		im.warn(rt.pos, "%s has no Target; AWS accepts such a route but cannot serve it, and genkan leaves it out", rt.id)
		return nil
	}
	target, ok := im.str(tp, rt.id+".Target", mustHave)
	if !ok {
		return nil
	}
	intID, ok := strings.CutPrefix(target, "integrations/")
	in := integrations[intID]
	if !ok || in == nil {
		im.fail(tp.Val.Pos, "%s: Target %q must be integrations/ followed by the Ref of an AWS::ApiGatewayV2::Integration of the same API", rt.id, target)
		return nil
	}
	spec, done := built[intID]
	if !done {
		spec = im.v2Integration(in)
		built[intID] = spec
	}
	if spec == nil {
		return nil
	}
	c := *spec
	route.Integration = &c
	return route
}

func (im *importer) v2Integration(r *resource) *apimodel.Integration {
	im.checkProps(r, r.props, v2IntegrationProps)
	in := &apimodel.Integration{Pos: r.pos}
	upper := func(f pair) string {
		s, _ := im.str(f, r.id+"."+f.Key, mustHave)
		return strings.ToUpper(s)
	}
	for _, f := range r.props.Pairs {
		switch f.Key {
		case "IntegrationType":
			in.Type = apimodel.IntegrationType(upper(f))
			if in.Type != apimodel.IntegrationHTTPProxy && in.Type != apimodel.IntegrationAWSProxy {
				im.fail(f.Val.Pos, "%s: HTTP APIs take HTTP_PROXY and AWS_PROXY integrations, not %s", r.id, in.Type)
				return nil
			}
		case "IntegrationUri":
			in.URI, _ = im.str(f, r.id+".IntegrationUri", mustHave)
		case "IntegrationMethod":
			in.HTTPMethod = upper(f)
		case "PayloadFormatVersion":
			in.PayloadFormatVersion, _ = im.str(f, r.id+".PayloadFormatVersion", mustHave)
		case "TimeoutInMillis":
			if ms, ok := im.integer(f, r.id+".TimeoutInMillis", mustHave); ok {
				in.Timeout = time.Duration(ms) * time.Millisecond
			}
		case "ConnectionType":
			if in.ConnectionType = upper(f); in.ConnectionType == "VPC_LINK" {
				im.warn(f.Val.Pos, "%s uses a VPC link, which genkan does not have; it connects to the IntegrationUri directly", r.id)
			}
		case "TlsConfig":
			im.warn(f.KeyPos, "%s: TlsConfig (private integrations) is not supported yet; the certificate is checked against the uri's host", r.id)
		case "IntegrationSubtype":
			im.fail(f.KeyPos, "%s: AWS service integrations (IntegrationSubtype) are not supported yet", r.id)
			return nil
		}
	}
	switch {
	case in.Type == "":
		im.fail(r.pos, "%s needs an IntegrationType", r.id)
		return nil
	case in.Type == apimodel.IntegrationAWSProxy && in.PayloadFormatVersion == "":
		im.fail(r.pos, "%s needs a PayloadFormatVersion (1.0 or 2.0): CloudFormation requires one for Lambda integrations", r.id)
		return nil
	case in.PayloadFormatVersion == "":
		in.PayloadFormatVersion = "1.0"
	}
	return in
}

func (im *importer) v2Stages(api *resource) []*apimodel.Stage {
	var stages []*apimodel.Stage
	byName := map[string]*apimodel.Stage{}
	for _, s := range im.ofType("AWS::ApiGatewayV2::Stage") {
		if !im.belongsTo(s, "ApiId", api.id) {
			continue
		}
		im.used[s.id] = true
		im.checkProps(s, s.props, v2StageProps)
		p, ok := s.props.Get("StageName")
		if !ok {
			im.fail(s.pos, "%s needs a StageName", s.id)
			continue
		}
		name, ok := im.str(p, s.id+".StageName", mustHave)
		if !ok {
			continue
		}
		st := &apimodel.Stage{Name: name, Pos: p.Val.Pos}
		if prev, dup := byName[name]; dup {
			im.fail(st.Pos, "%s: stage %q is already created at %s", api.id, name, prev.Pos)
			continue
		}
		byName[name] = st
		if v, ok := s.props.Get("StageVariables"); ok {
			st.Variables = im.strMap(v, s.id+" stage variable", mayDrop)
		}
		if a, ok := s.props.Get("AccessLogSettings"); ok {
			st.AccessLogFormat = im.accessLogFormat(s.id, a)
		}
		stages = append(stages, st)
	}
	for _, d := range im.ofType("AWS::ApiGatewayV2::Deployment") {
		if im.belongsTo(d, "ApiId", api.id) {
			im.used[d.id] = true
		}
	}
	return stages
}

// managedOverrides applies an ApiGatewayManagedOverrides' Route to the route quick create
// made: its authorization and operation name. Overrides of the integration and the stage are
// reported.
func (im *importer) managedOverrides(o *resource, quick *apimodel.Route, authorizers map[string]string) {
	im.checkProps(o, o.props, propRules{"ApiId": mapped, "Route": mapped,
		"Integration": "overrides of the quick-create integration are not applied yet",
		"Stage":       "overrides of the quick-create stage are not applied yet"})
	p, ok := o.props.Get("Route")
	if !ok {
		return
	}
	if quick == nil {
		im.warn(p.KeyPos, "%s: the API has no quick-create route to override; ignored", o.id)
		return
	}
	obj, ok := im.object(p, o.id+".Route", mustHave)
	if !ok {
		return
	}
	im.checkProps(&resource{id: o.id + ".Route", typ: "a route override"}, obj, propRules{
		"AuthorizationType": mapped, "AuthorizerId": mapped, "AuthorizationScopes": mapped, "OperationName": mapped,
		"Target": "overriding the quick-create route's target is not applied yet"})
	if _, has := obj.Get("AuthorizationType"); has {
		quick.Auth = im.cfnRouteAuth(o.id+".Route", obj, p.KeyPos, authorizers, false)
	}
	if op, has := obj.Get("OperationName"); has {
		quick.OperationName, _ = im.str(op, o.id+".Route.OperationName", mayDrop)
	}
}
