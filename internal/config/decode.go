package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// document is what one genkan YAML file declares, before OpenAPI references are imported
// and files are merged.
type document struct {
	settings apimodel.Settings
	// setAt records where each setting was given, so that two files setting the same one
	// is reported at both places.
	setAt     map[string]apimodel.Position
	apis      []*apiDecl
	domains   []*apimodel.Domain
	functions []*funcDecl
	// Access control declared at the top level.
	apiKeys    []*apimodel.APIKey
	usagePlans []*apimodel.UsagePlan
	accessKeys []*apimodel.AccessKey
}

// apiDecl is one entry of `apis`. For an `openapi` entry, api holds only what the YAML adds
// to the imported document and has says which keys were given. A `sam` entry has nothing
// but sam.
type apiDecl struct {
	api        *apimodel.API
	openapi    string
	openapiPos apimodel.Position
	sam        string
	samPos     apimodel.Position
	has        map[string]entry
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	regionPattern    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	stageVarName     = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)
	headerName       = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	headerValue      = regexp.MustCompile(`^('.*'|(method\.request|integration\.response|stageVariables|context)\.\S+)$`)
	methodParam      = regexp.MustCompile(`^method\.request\.(path|querystring|multivaluequerystring|header|multivalueheader)\.\S+$`)
	statusPattern    = regexp.MustCompile(`^[1-5][0-9]{2}$`)
	hostName         = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$`)
)

var (
	integrationTypes = []string{"HTTP", "HTTP_PROXY", "MOCK", "AWS", "AWS_PROXY"}
	passthroughs     = []string{"WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"}
	contentHandlings = []string{"CONVERT_TO_BINARY", "CONVERT_TO_TEXT"}
)

func (d *decoder) document(root ast.Node) *document {
	doc := &document{setAt: map[string]apimodel.Position{}}
	if root == nil {
		return doc
	}
	d.object("at the top level", "", nil, root, fields{
		// $schema lets JSON editors find docs/genkan.schema.json; it means nothing here.
		"$schema":  func(e entry) { d.str("$schema", e.val) },
		"settings": func(e entry) { d.settings(doc, e) },
		"apis": func(e entry) {
			for i, item := range d.seq("apis", e.val) {
				if a := d.api(fmt.Sprintf("apis[%d]", i), item); a != nil {
					doc.apis = append(doc.apis, a)
				}
			}
		},
		"domains": func(e entry) {
			for i, item := range d.seq("domains", e.val) {
				if dom := d.domain(fmt.Sprintf("domains[%d]", i), item); dom != nil {
					doc.domains = append(doc.domains, dom)
				}
			}
		},
		"functions":  func(e entry) { doc.functions = d.functions(e.val) },
		"apiKeys":    func(e entry) { doc.apiKeys = d.apiKeys(e.val) },
		"usagePlans": func(e entry) { doc.usagePlans = d.usagePlans(e.val) },
		"accessKeys": func(e entry) { doc.accessKeys = d.accessKeys(e.val) },
	})
	return doc
}

func (d *decoder) settings(doc *document, owner entry) {
	s := &doc.settings
	mark := func(name string, e entry) { doc.setAt[name] = d.pos(e.keyNode) }
	limit := func(name string, set func(int64)) func(entry) {
		return func(e entry) {
			if v, ok := d.integer(name, e.val, 1, false); ok {
				set(v)
				mark("limits."+name, e)
			}
		}
	}
	d.object("in settings", "settings", owner.keyNode, owner.val, fields{
		"accountId": func(e entry) {
			if v, ok := d.match("accountId", e.val, accountIDPattern, "a 12-digit AWS account id"); ok {
				s.AccountID = v
				mark("accountId", e)
			}
		},
		"region": func(e entry) {
			if v, ok := d.match("region", e.val, regionPattern, "an AWS region such as us-east-1"); ok {
				s.Region = v
				mark("region", e)
			}
		},
		"maxIntegrationTimeout": func(e entry) {
			v, ok := d.duration("maxIntegrationTimeout", e.val)
			if ok && v < apimodel.DefaultIntegrationTimeout {
				d.errorf(d.value(e.val), "maxIntegrationTimeout: %s is below AWS's %s ceiling, which this setting can only raise", v, apimodel.DefaultIntegrationTimeout)
				return
			}
			if ok {
				s.MaxIntegrationTimeout = v
				mark("maxIntegrationTimeout", e)
			}
		},
		"limits": func(e entry) {
			d.object("in limits", "limits", e.keyNode, e.val, fields{
				"maxBodyBytes":   limit("maxBodyBytes", func(v int64) { s.MaxBodyBytes = v }),
				"maxHeaderBytes": limit("maxHeaderBytes", func(v int64) { s.MaxHeaderBytes = int(v) }),
				"maxUrlBytes":    limit("maxUrlBytes", func(v int64) { s.MaxURLBytes = int(v) }),
			})
		},
		"iam": func(e entry) { d.iamSettings(doc, e) },
	})
}

func (d *decoder) api(label string, n ast.Node) *apiDecl {
	a := &apiDecl{api: &apimodel.API{}}
	api := a.api
	var defaultAuth *routeAuthDecl
	seen, ok := d.object("in api", label, nil, n, fields{
		"id":          func(e entry) { api.ID, _ = d.str("id", e.val) },
		"name":        func(e entry) { api.Name, _ = d.text("name", e.val) },
		"description": func(e entry) { api.Description, _ = d.text("description", e.val) },
		"protocol": func(e entry) {
			p, _ := d.enum("protocol", e.val, string(apimodel.ProtocolREST), string(apimodel.ProtocolHTTP))
			api.Protocol = apimodel.Protocol(p)
		},
		"openapi": func(e entry) {
			a.openapiPos = d.pos(e.keyNode)
			if v := d.value(e.val); v != nil {
				a.openapiPos = d.pos(v)
			}
			path, ok := d.text("openapi", e.val)
			if ok && path == "" {
				d.errorAt(a.openapiPos, "openapi: needs the path of an OpenAPI or Swagger file")
			}
			a.openapi = path
		},
		"sam": func(e entry) { d.samPath(a, e) },
		"stages": func(e entry) {
			var ok bool
			if api.Stages, ok = d.stages(e.val); !ok {
				// Already reported; a stand-in keeps apimodel from adding "has no stage".
				api.Stages = []*apimodel.Stage{{Name: "dev", Pos: d.pos(e.keyNode)}}
			}
		},
		"routes":           func(e entry) { api.Routes = d.routes(e.val) },
		"gatewayResponses": func(e entry) { api.GatewayResponses = d.gatewayResponses(e.val) },
		"binaryMediaTypes": func(e entry) { api.BinaryMediaTypes = d.strList("binaryMediaTypes", e.val) },
		"disableExecuteApiEndpoint": func(e entry) {
			api.DisableExecuteAPIEndpoint, _ = d.boolean("disableExecuteApiEndpoint", e.val)
		},
		"authorizers": func(e entry) { api.Authorizers = d.authorizers(e.val) },
		"auth":        func(e entry) { defaultAuth = d.routeAuth(e, false) },
		"apiKeySource": func(e entry) {
			api.APIKeySource, _ = d.enum("apiKeySource", e.val, apimodel.APIKeySourceHeader, apimodel.APIKeySourceAuthorizer)
		},
		"resourcePolicy": func(e entry) { api.ResourcePolicy, api.ResourcePolicyPos, _ = d.policyDoc("resourcePolicy", e) },
		"cors":           func(e entry) { api.CORS = d.cors(e) },
	})
	if !ok {
		return nil
	}
	d.applyRouteAuth(api, defaultAuth)
	a.has = seen
	api.Pos = d.pos(d.value(n))
	if e, ok := seen["id"]; ok {
		api.Pos = d.pos(e.keyNode)
	}
	if _, ref := seen["sam"]; ref {
		d.samOnly(seen)
		return a
	}
	if _, ref := seen["openapi"]; ref {
		return a
	}
	if _, ok := seen["id"]; !ok {
		d.errorf(d.value(n), `missing key "id" in api (or "openapi" to import one)`)
	}
	if api.Protocol == "" {
		api.Protocol = apimodel.ProtocolREST
	}
	if api.Name == "" {
		api.Name = api.ID
	}
	if _, ok := seen["stages"]; !ok {
		api.Stages = []*apimodel.Stage{{Name: defaultStage(api.Protocol), Pos: api.Pos}}
	}
	return a
}

// defaultStage is what AWS users get first: the console's "dev" habit for REST, the
// auto-deployed $default stage for HTTP APIs.
func defaultStage(p apimodel.Protocol) string {
	if p == apimodel.ProtocolHTTP {
		return apimodel.DefaultStage
	}
	return "dev"
}

func (d *decoder) stages(n ast.Node) ([]*apimodel.Stage, bool) {
	es, ok := d.entries("stages", n)
	out := []*apimodel.Stage{}
	for _, e := range es {
		st := &apimodel.Stage{Name: e.key, Pos: d.pos(e.keyNode)}
		d.object("in stage "+quote(e.key), "stages."+e.key, e.keyNode, e.val, fields{
			"variables":       func(v entry) { st.Variables = d.variables(v.val) },
			"accessLogFormat": func(v entry) { st.AccessLogFormat, _ = d.text("accessLogFormat", v.val) },
		})
		out = append(out, st)
	}
	return out, ok
}

// variables checks names here rather than leaving it to apimodel, which can only point
// at the stage, not at the offending variable.
func (d *decoder) variables(n ast.Node) map[string]string {
	es, _ := d.entries("variables", n)
	if len(es) == 0 {
		return nil
	}
	out := make(map[string]string, len(es))
	for _, e := range es {
		if !stageVarName.MatchString(e.key) {
			d.errorf(e.keyNode, "stage variable name %s must be 1-64 letters, digits or '_'", quote(e.key))
			continue
		}
		if v, ok := d.text("variables."+e.key, e.val); ok {
			out[e.key] = v
		}
	}
	return out
}

func (d *decoder) routes(n ast.Node) []*apimodel.Route {
	es, _ := d.entries("routes", n)
	var out []*apimodel.Route
	for _, e := range es {
		r := &apimodel.Route{Pos: d.pos(e.keyNode)}
		method, path, ok := strings.Cut(e.key, " ")
		switch {
		case e.key == apimodel.DefaultRouteKey:
			r.Path = apimodel.DefaultRouteKey
		case !ok:
			d.errorf(e.keyNode, `route key %s must be "METHOD /path" or "$default"`, quote(e.key))
			continue
		case !apimodel.IsMethod(method):
			d.errorf(e.keyNode, "route key %s: method %s is not one of %s", quote(e.key), quote(method), strings.Join(apimodel.Methods, ", "))
			continue
		default:
			// The path itself is checked by apimodel, which reports at r.Pos.
			r.Method, r.Path = method, path
		}
		d.route(r, e)
		out = append(out, r)
	}
	return out
}

func (d *decoder) route(r *apimodel.Route, owner entry) {
	var via []entry
	use := func(e entry, in *apimodel.Integration) {
		via = append(via, e)
		if len(via) == 1 {
			r.Integration = in
		}
	}
	d.object("in route "+quote(owner.key), owner.key, owner.keyNode, owner.val, fields{
		"proxy": func(e entry) {
			// Kept even when the URL is unreadable, so apimodel does not add "no integration".
			uri, _ := d.text("proxy", e.val)
			use(e, &apimodel.Integration{Type: apimodel.IntegrationHTTPProxy, URI: uri, Pos: d.valuePos(e)})
		},
		"mock":              func(e entry) { use(e, d.mock(e)) },
		"integration":       func(e entry) { use(e, d.integration(e)) },
		"function":          func(e entry) { use(e, d.functionRoute(e)) },
		"requestParameters": func(e entry) { r.RequestParameters = d.methodParams(e.val) },
		"operationName":     func(e entry) { r.OperationName, _ = d.str("operationName", e.val) },
		"auth":              func(e entry) { d.routeAuthKey(r, e) },
		"apiKeyRequired":    func(e entry) { d.routeKeyRequired(r, e) },
	})
	for _, e := range via[min(1, len(via)):] {
		d.errorf(e.keyNode, "route %s: %s and %s both declare the integration; keep one", owner.key, quote(via[0].key), quote(e.key))
	}
}

// valuePos places problems about a value at the value, or at its key when the value is
// unusable.
func (d *decoder) valuePos(e entry) apimodel.Position {
	if v := d.value(e.val); v != nil {
		return d.pos(v)
	}
	return d.pos(e.keyNode)
}

// mock expands the MOCK shorthand into what AWS's console builds: a request template that
// sets the status, and one default integration response carrying headers and body.
func (d *decoder) mock(owner entry) *apimodel.Integration {
	status := "200"
	var body string
	var headers map[string]string
	d.object("in mock", "mock", owner.keyNode, owner.val, fields{
		"statusCode": func(e entry) {
			if s, ok := d.statusCode("statusCode", e.val); ok {
				status = s
			}
		},
		"body":    func(e entry) { body, _ = d.text("body", e.val) },
		"headers": func(e entry) { headers = d.headers("headers", e.val) },
	})
	resp := &apimodel.IntegrationResponse{StatusCode: status, Pos: d.pos(owner.keyNode)}
	if len(headers) > 0 {
		resp.ResponseParameters = make(map[string]string, len(headers))
		for name, v := range headers {
			resp.ResponseParameters["method.response.header."+name] = v
		}
	}
	if body != "" {
		resp.ResponseTemplates = map[string]string{"application/json": body}
	}
	return &apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": ` + status + `}`},
		Responses:        []*apimodel.IntegrationResponse{resp},
		Pos:              d.pos(owner.keyNode),
	}
}

func (d *decoder) integration(owner entry) *apimodel.Integration {
	in := &apimodel.Integration{Pos: d.pos(owner.keyNode)}
	seen, _ := d.object("in integration", "integration", owner.keyNode, owner.val, fields{
		"type": func(e entry) {
			t, _ := d.enum("type", e.val, integrationTypes...)
			in.Type = apimodel.IntegrationType(t)
		},
		"httpMethod": func(e entry) { in.HTTPMethod, _ = d.enum("httpMethod", e.val, apimodel.Methods...) },
		"uri":        func(e entry) { in.URI, _ = d.text("uri", e.val) },
		"timeout":    func(e entry) { in.Timeout, _ = d.duration("timeout", e.val) },
		"timeoutInMillis": func(e entry) {
			ms, ok := d.integer("timeoutInMillis", e.val, 1, true)
			if ok && ms > int64(time.Duration(1<<62)/time.Millisecond) {
				d.errorf(d.value(e.val), "timeoutInMillis: %d is out of range", ms)
				return
			}
			if ok {
				in.Timeout = time.Duration(ms) * time.Millisecond
			}
		},
		"requestParameters":   func(e entry) { in.RequestParameters = d.strMap("requestParameters", e.val, false) },
		"requestTemplates":    func(e entry) { in.RequestTemplates = d.strMap("requestTemplates", e.val, false) },
		"passthroughBehavior": func(e entry) { in.PassthroughBehavior, _ = d.enum("passthroughBehavior", e.val, passthroughs...) },
		"contentHandling":     func(e entry) { in.ContentHandling, _ = d.enum("contentHandling", e.val, contentHandlings...) },
		"responses": func(e entry) {
			for i, item := range d.seq("responses", e.val) {
				if r := d.integrationResponse(fmt.Sprintf("responses[%d]", i), item); r != nil {
					in.Responses = append(in.Responses, r)
				}
			}
		},
		"payloadFormatVersion": func(e entry) { in.PayloadFormatVersion, _ = d.payloadFormatVersion(e.val) },
		"connectionType":       func(e entry) { in.ConnectionType, _ = d.enum("connectionType", e.val, "INTERNET", "VPC_LINK") },
		"tlsConfig": func(e entry) {
			d.object("in tlsConfig", "tlsConfig", e.keyNode, e.val, fields{
				"insecureSkipVerification": func(e entry) {
					in.TLSInsecureSkipVerify, _ = d.boolean("insecureSkipVerification", e.val)
				},
			})
		},
	}, "type")
	a, hasA := seen["timeout"]
	b, hasB := seen["timeoutInMillis"]
	if hasA && hasB {
		later := b
		if posLess(d.pos(b.keyNode), d.pos(a.keyNode)) {
			later = a
		}
		d.errorf(later.keyNode, "timeout and timeoutInMillis both set the timeout; keep one")
	}
	return in
}

func posLess(a, b apimodel.Position) bool {
	return a.Line < b.Line || (a.Line == b.Line && a.Column < b.Column)
}

func (d *decoder) integrationResponse(label string, n ast.Node) *apimodel.IntegrationResponse {
	r := &apimodel.IntegrationResponse{Pos: d.pos(d.value(n))}
	_, ok := d.object("in integration response", label, nil, n, fields{
		"statusCode":         func(e entry) { r.StatusCode, _ = d.statusCode("statusCode", e.val) },
		"selectionPattern":   func(e entry) { r.SelectionPattern, _ = d.str("selectionPattern", e.val) },
		"responseParameters": func(e entry) { r.ResponseParameters = d.strMap("responseParameters", e.val, false) },
		"responseTemplates":  func(e entry) { r.ResponseTemplates = d.strMap("responseTemplates", e.val, false) },
		"contentHandling":    func(e entry) { r.ContentHandling, _ = d.enum("contentHandling", e.val, contentHandlings...) },
	}, "statusCode")
	if !ok {
		return nil
	}
	return r
}

func (d *decoder) gatewayResponses(n ast.Node) map[string]*apimodel.GatewayResponse {
	es, _ := d.entries("gatewayResponses", n)
	if len(es) == 0 {
		return nil
	}
	out := make(map[string]*apimodel.GatewayResponse, len(es))
	for _, e := range es {
		gr := &apimodel.GatewayResponse{Pos: d.pos(e.keyNode)}
		var headers map[string]string
		var body string
		seen, _ := d.object("in gateway response "+quote(e.key), "gatewayResponses."+e.key, e.keyNode, e.val, fields{
			"statusCode":         func(e entry) { gr.StatusCode, _ = d.statusCode("statusCode", e.val) },
			"headers":            func(e entry) { headers = d.headers("headers", e.val) },
			"body":               func(e entry) { body, _ = d.text("body", e.val) },
			"responseParameters": func(e entry) { gr.ResponseParameters = d.strMap("responseParameters", e.val, false) },
			"responseTemplates":  func(e entry) { gr.ResponseTemplates = d.strMap("responseTemplates", e.val, false) },
		})
		for name, v := range headers {
			key := "gatewayresponse.header." + name
			for k := range gr.ResponseParameters {
				if strings.EqualFold(k, key) {
					d.errorf(seen["headers"].keyNode, "header %s is set by both headers and responseParameters", name)
				}
			}
			if gr.ResponseParameters == nil {
				gr.ResponseParameters = map[string]string{}
			}
			gr.ResponseParameters[key] = v
		}
		if _, ok := seen["body"]; ok {
			if _, dup := gr.ResponseTemplates["application/json"]; dup {
				d.errorf(seen["body"].keyNode, "body and responseTemplates both set application/json; keep one")
			}
			if gr.ResponseTemplates == nil {
				gr.ResponseTemplates = map[string]string{}
			}
			gr.ResponseTemplates["application/json"] = body
		}
		out[e.key] = gr
	}
	return out
}

// statusCode accepts 200 and "200": AWS types status codes as strings, and its users write
// both.
func (d *decoder) statusCode(label string, n ast.Node) (string, bool) {
	if s, ok := d.value(n).(*ast.StringNode); ok {
		if !statusPattern.MatchString(s.Value) {
			d.errorf(s, "%s: %s is not an HTTP status code (100-599)", label, quote(s.Value))
			return "", false
		}
		return s.Value, true
	}
	x, ok := d.integer(label, n, 0, false)
	if !ok {
		return "", false
	}
	if x < 100 || x > 599 {
		d.errorf(d.value(n), "%s: %d is not an HTTP status code (100-599)", label, x)
		return "", false
	}
	return strconv.FormatInt(x, 10), true
}

// payloadFormatVersion accepts the unquoted 1.0 and 2.0 that YAML reads as numbers.
func (d *decoder) payloadFormatVersion(n ast.Node) (string, bool) {
	var x float64
	switch v := d.value(n).(type) {
	case *ast.FloatNode:
		x = v.Value
	case *ast.IntegerNode:
		if i, ok := intValue(v); ok {
			x = float64(i)
		}
	default:
		return d.enum("payloadFormatVersion", n, "1.0", "2.0")
	}
	if x == 1 || x == 2 {
		return strconv.FormatFloat(x, 'f', 1, 64), true
	}
	d.errorf(d.value(n), `payloadFormatVersion: %s is not one of 1.0, 2.0`, d.value(n).GetToken().Value)
	return "", false
}

// headers reads the headers shorthand. Values keep AWS's mapping syntax ('literal' or a
// reference) so they mean the same as in an exported API; a bare value is almost always a
// forgotten pair of quotes, so it is refused with that hint.
func (d *decoder) headers(label string, n ast.Node) map[string]string {
	es, _ := d.entries(label, n)
	if len(es) == 0 {
		return nil
	}
	out := make(map[string]string, len(es))
	first := map[string]ast.Node{}
	for _, e := range es {
		if !headerName.MatchString(e.key) {
			d.errorf(e.keyNode, "%s: %s is not an HTTP header name", label, quote(e.key))
			continue
		}
		if prev, dup := first[strings.ToLower(e.key)]; dup {
			d.errorf(e.keyNode, "%s: header %s is already set at %s", label, e.key, d.pos(prev))
			continue
		}
		first[strings.ToLower(e.key)] = e.keyNode
		v, ok := d.str(label+"."+e.key, e.val)
		if !ok {
			continue
		}
		if !headerValue.MatchString(v) {
			d.errorf(d.value(e.val), `%s.%s: %s must be a quoted literal like "'%s'" or a reference like method.request.header.name`, label, e.key, quote(v), v)
			continue
		}
		out[e.key] = v
	}
	return out
}

func (d *decoder) methodParams(n ast.Node) map[string]bool {
	es, _ := d.entries("requestParameters", n)
	if len(es) == 0 {
		return nil
	}
	out := make(map[string]bool, len(es))
	for _, e := range es {
		if !methodParam.MatchString(e.key) {
			d.errorf(e.keyNode, "requestParameters: %s is not a method request parameter such as method.request.header.x-id", quote(e.key))
			continue
		}
		if b, ok := d.boolean("requestParameters."+e.key, e.val); ok {
			out[e.key] = b
		}
	}
	return out
}

func (d *decoder) domain(label string, n ast.Node) *apimodel.Domain {
	dom := &apimodel.Domain{Pos: d.pos(d.value(n))}
	seen, ok := d.object("in domain", label, nil, n, fields{
		"name": func(e entry) {
			name, ok := d.text("name", e.val)
			if ok && !hostName.MatchString(name) {
				d.errorf(d.value(e.val), "name: %s is not a host name such as api.example.com", quote(name))
				return
			}
			// Host matching is case-insensitive; one spelling spares every consumer.
			dom.Name = strings.ToLower(name)
		},
		"mappings": func(e entry) {
			for i, item := range d.seq("mappings", e.val) {
				m := &apimodel.BasePathMapping{Pos: d.pos(d.value(item))}
				if _, ok := d.object("in mapping", fmt.Sprintf("mappings[%d]", i), nil, item, fields{
					"basePath": func(e entry) { m.BasePath, _ = d.str("basePath", e.val) },
					"api":      func(e entry) { m.APIID, _ = d.str("api", e.val) },
					"stage":    func(e entry) { m.Stage, _ = d.str("stage", e.val) },
				}, "api"); ok {
					dom.Mappings = append(dom.Mappings, m)
				}
			}
		},
	}, "name")
	if !ok {
		return nil
	}
	if e, ok := seen["name"]; ok {
		dom.Pos = d.pos(e.keyNode)
	}
	return dom
}
