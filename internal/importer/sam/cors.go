package sam

import (
	"sort"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// CORS as SAM writes it. A REST API answers preflight requests with the OPTIONS methods SAM
// adds to every path (a mock integration whose response sets the Access-Control-Allow-*
// headers), so route matching answers them like any other request; an HTTP API's
// CorsConfiguration becomes x-amazon-apigateway-cors, which API Gateway answers itself.

var restCORSKeys = map[string]bool{"AllowMethods": true, "AllowHeaders": true, "AllowOrigin": true, "MaxAge": true, "AllowCredentials": true}

// allHTTPMethods is what SAM allows on a path with an ANY method.
var allHTTPMethods = []string{"OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"}

// restCors applies an Api's Cors property: a string is the allowed origin, an object sets the
// headers one by one. Values are API Gateway header values, quoted ("'*'").
func (im *importer) restCors(doc *node, r *resource, props *node) {
	p, ok := props.Get("Cors")
	if !ok {
		return
	}
	what := r.id + ".Cors"
	// A header value only a deployment knows leaves out that header, with a warning; the
	// preflight methods are still served.
	v := p.Val
	if _, _, isCall := call(v); isCall {
		if v, ok = im.value(p, what, mayDrop); !ok {
			return
		}
	}
	values := map[string]*node{"AllowOrigin": strNode("'*'", p.KeyPos)}
	credentials := false
	switch v.Kind {
	case doctree.Scalar:
		if v.IsNull() || v.Text == "" {
			return
		}
		values["AllowOrigin"] = v
	case doctree.Map:
		for _, f := range v.Pairs {
			if !restCORSKeys[f.Key] {
				im.fail(f.KeyPos, "%s has no property %s (it takes AllowOrigin, AllowHeaders, AllowMethods, MaxAge and AllowCredentials); SAM rejects the template", what, f.Key)
				continue
			}
			if f.Key == "AllowCredentials" {
				credentials, _ = im.boolean(f, what+".AllowCredentials", mustHave)
				continue
			}
			fv, ok := im.value(f, what+"."+f.Key, mayDrop)
			if !ok {
				delete(values, f.Key)
				continue
			}
			values[f.Key] = fv
		}
	default:
		im.fail(v.Pos, "%s must be an allowed origin or an object, got %s", what, v.Describe())
		return
	}
	if o, set := values["AllowOrigin"]; credentials && set && textOrEmpty(o) == "'*'" {
		im.fail(p.KeyPos, "%s: AllowCredentials cannot be true when AllowOrigin is \"'*'\" or not set; SAM rejects the template", what)
		return
	}
	for _, item := range pathItems(doc) {
		if _, has := item.Val.Get("options"); has {
			continue // SAM leaves a path's own OPTIONS method alone.
		}
		methods := values["AllowMethods"]
		if methods == nil {
			methods = strNode("'"+allowedMethods(item.Val)+"'", p.KeyPos)
		}
		item.Val.Pairs = append(item.Val.Pairs, pair{Key: "options", KeyPos: p.KeyPos,
			Val: preflight(p.KeyPos, values["AllowOrigin"], values["AllowHeaders"], methods, values["MaxAge"], credentials)})
	}
}

// allowedMethods is SwaggerEditor._make_cors_allowed_methods_for_path_item: the path's methods
// and OPTIONS, or all of them for ANY, sorted.
func allowedMethods(item *node) string {
	set := map[string]bool{"OPTIONS": true}
	for _, op := range item.Pairs {
		switch {
		case op.Key == anyMethod:
			for _, m := range allHTTPMethods {
				set[m] = true
			}
		case opKeys[op.Key]:
			set[strings.ToUpper(op.Key)] = true
		}
	}
	methods := make([]string, 0, len(set))
	for m := range set {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	return strings.Join(methods, ",")
}

// preflight is the OPTIONS method SAM writes (SwaggerEditor._options_method_response_for_cors).
func preflight(pos apimodel.Position, origin, headers, methods, maxAge *node, credentials bool) *node {
	kv := func(k string, v *node) pair { return pair{Key: k, KeyPos: pos, Val: v} }
	params := mapOf(pos)
	if origin != nil {
		params.Pairs = append(params.Pairs, kv("method.response.header.Access-Control-Allow-Origin", origin))
	}
	if headers != nil && textOrEmpty(headers) != "" {
		params.Pairs = append(params.Pairs, kv("method.response.header.Access-Control-Allow-Headers", headers))
	}
	if methods != nil && textOrEmpty(methods) != "" {
		params.Pairs = append(params.Pairs, kv("method.response.header.Access-Control-Allow-Methods", methods))
	}
	if maxAge != nil && !maxAge.IsNull() {
		params.Pairs = append(params.Pairs, kv("method.response.header.Access-Control-Max-Age", maxAge))
	}
	if credentials {
		params.Pairs = append(params.Pairs, kv("method.response.header.Access-Control-Allow-Credentials", strNode("'true'", pos)))
	}
	integration := mapOf(pos,
		kv("type", strNode("mock", pos)),
		kv("requestTemplates", mapOf(pos, kv("application/json", strNode("{\n  \"statusCode\" : 200\n}\n", pos)))),
		kv("responses", mapOf(pos, kv("default", mapOf(pos,
			kv("statusCode", strNode("200", pos)),
			kv("responseParameters", params),
			kv("responseTemplates", mapOf(pos, kv("application/json", strNode("{}\n", pos)))))))))
	return mapOf(pos,
		kv("summary", strNode("CORS support", pos)),
		kv("x-amazon-apigateway-integration", integration),
		kv("responses", mapOf(pos, kv("200", mapOf(pos, kv("description", strNode("Default response for CORS method", pos)))))))
}

// httpCORSKeys maps CorsConfiguration's properties to x-amazon-apigateway-cors's.
var httpCORSKeys = map[string]string{
	"AllowOrigins": "allowOrigins", "AllowHeaders": "allowHeaders", "AllowMethods": "allowMethods",
	"ExposeHeaders": "exposeHeaders", "MaxAge": "maxAge", "AllowCredentials": "allowCredentials",
}

// httpCors applies an HttpApi's CorsConfiguration: true allows every origin; an object is
// merged over the definition's own x-amazon-apigateway-cors, as SAM does.
func (im *importer) httpCors(doc *node, r *resource, props *node) {
	p, ok := props.Get("CorsConfiguration")
	if !ok {
		return
	}
	what := r.id + ".CorsConfiguration"
	v, ok := im.value(p, what, mustHave)
	if !ok {
		return
	}
	set := map[string]*node{}
	var order []string
	switch {
	case v.Kind == doctree.Scalar && v.Type == doctree.Bool:
		if b, _ := im.boolean(pair{Key: p.Key, KeyPos: p.KeyPos, Val: v}, what, mustHave); !b {
			return
		}
		set["allowOrigins"], order = seqOfStrings([]string{"*"}, v.Pos), []string{"allowOrigins"}
	case v.Kind == doctree.Map:
		for _, f := range v.Pairs {
			key, known := httpCORSKeys[f.Key]
			if !known {
				im.fail(f.KeyPos, "%s has no property %s; SAM rejects the template (\"Invalid value for 'Cors' property\")", what, f.Key)
				continue
			}
			if key == "allowCredentials" && textOrEmpty(f.Val) != "true" {
				continue // SAM writes it only when true.
			}
			set[key] = f.Val
			order = append(order, key)
		}
	default:
		im.fail(v.Pos, "%s must be true or an object, got %s", what, v.Describe())
		return
	}
	cors, ok := im.child(doc, "x-amazon-apigateway-cors", p.KeyPos)
	if !ok {
		return
	}
	for _, k := range order {
		setPair(cors, k, p.KeyPos, set[k])
	}
}

// cfnCORS reads an AWS::ApiGatewayV2::Api's CorsConfiguration, which CloudFormation applies to
// the API after any Body.
func (im *importer) cfnCORS(r *resource, p pair) *apimodel.CORS {
	what := r.id + ".CorsConfiguration"
	obj, ok := im.object(p, what, mustHave)
	if !ok {
		return nil
	}
	c := &apimodel.CORS{Pos: p.KeyPos}
	for _, f := range obj.Pairs {
		switch f.Key {
		case "AllowOrigins":
			c.AllowOrigins = im.strList(f, what+".AllowOrigins", mustHave)
		case "AllowMethods":
			c.AllowMethods = im.strList(f, what+".AllowMethods", mustHave)
		case "AllowHeaders":
			c.AllowHeaders = im.strList(f, what+".AllowHeaders", mustHave)
		case "ExposeHeaders":
			c.ExposeHeaders = im.strList(f, what+".ExposeHeaders", mustHave)
		case "AllowCredentials":
			c.AllowCredentials, _ = im.boolean(f, what+".AllowCredentials", mustHave)
		case "MaxAge":
			if n, ok := im.integer(f, what+".MaxAge", mustHave); ok {
				c.MaxAge = &n
			}
		default:
			im.warn(f.KeyPos, "%s has no property %s; ignored", what, f.Key)
		}
	}
	return c
}
