package openapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// integrationTypes lists the types each protocol accepts; HTTP APIs proxy only.
var integrationTypes = map[apimodel.Protocol][]apimodel.IntegrationType{
	apimodel.ProtocolREST: {apimodel.IntegrationHTTP, apimodel.IntegrationHTTPProxy, apimodel.IntegrationMock, apimodel.IntegrationAWS, apimodel.IntegrationAWSProxy},
	apimodel.ProtocolHTTP: {apimodel.IntegrationHTTPProxy, apimodel.IntegrationAWSProxy},
}

// integration maps an operation's x-amazon-apigateway-integration. AWS spells enum values in
// any case in OpenAPI ("aws_proxy", "when_no_match") and stores them upper-case.
func (im *importer) integration(ip pair, label string) *apimodel.Integration {
	what := "x-amazon-apigateway-integration of " + label
	n := ip.Val
	if _, isRef := n.Get("$ref"); isRef {
		if im.protocol != apimodel.ProtocolHTTP {
			im.fail(ip.KeyPos, "%s is a $ref; reusable integrations (components.x-amazon-apigateway-integrations) are an HTTP API feature that AWS's REST import does not resolve; set the protocol to HTTP if this is an HTTP API", what)
			return nil
		}
		target, ok := im.deref(n)
		if !ok {
			return nil
		}
		n = target
	}
	obj, ok := im.object(pair{Key: ip.Key, KeyPos: ip.KeyPos, Val: n}, what)
	if !ok {
		return nil
	}
	in := &apimodel.Integration{Pos: ip.KeyPos}
	upper := func(f pair) string {
		s, _ := im.str(f, what+" "+f.Key)
		return strings.ToUpper(s)
	}
	httpOnly := im.protocol == apimodel.ProtocolHTTP
	hasType := false
	for _, f := range obj.Pairs {
		switch f.Key {
		case "type":
			hasType = true
			in.Type = apimodel.IntegrationType(upper(f))
			im.checkType(f, in.Type, what)
		case "httpMethod":
			in.HTTPMethod = upper(f)
		case "uri":
			in.URI, _ = im.str(f, what+" uri")
			if strings.Contains(in.URI, "${AWS::") {
				// Left over from a template written for Fn::Sub: AWS takes it literally too.
				im.warn(f.Val.Pos, "%s: uri %q contains a CloudFormation pseudo parameter, which only Fn::Sub substitutes; it is used as written", what, in.URI)
			}
		case "timeoutInMillis":
			in.Timeout = im.timeout(f, what)
		case "requestParameters":
			in.RequestParameters = im.stringMap(f, what+" requestParameters")
		case "payloadFormatVersion":
			v, _ := im.str(f, what+" payloadFormatVersion")
			if httpOnly {
				in.PayloadFormatVersion = v
			} else if v != "1.0" {
				im.warn(f.Val.Pos, "%s: payloadFormatVersion %s applies to HTTP APIs only; REST APIs always use format 1.0", what, v)
			}
		case "connectionType":
			in.ConnectionType = upper(f)
			if in.ConnectionType == "VPC_LINK" {
				im.warn(f.Val.Pos, "%s uses a VPC link, which genkan does not have; it connects to the uri directly", what)
			}
		case "tlsConfig":
			im.tlsConfig(f, in, what)
		case "integrationSubtype":
			s, _ := im.str(f, what+" integrationSubtype")
			im.fail(f.KeyPos, "%s: AWS service integrations (integrationSubtype %s) are not supported yet", what, s)
		case "requestTemplates", "passthroughBehavior", "contentHandling", "responses":
			if httpOnly {
				im.warn(f.KeyPos, "%s: %s is a REST API feature that HTTP APIs ignore; ignored", what, f.Key)
				continue
			}
			im.restField(f, in, what)
		default:
			im.unsupportedField(f, what, httpOnly)
		}
	}
	if !hasType {
		im.fail(ip.KeyPos, "%s has no type (one of http, http_proxy, mock, aws, aws_proxy)", what)
	}
	if in.Type == apimodel.IntegrationMock {
		// A mock calls no backend; AWS drops the method on import (LocalStack's AWS
		// snapshot of openapi-http-method-integration.json shows it).
		in.HTTPMethod = ""
	}
	return in
}

func (im *importer) checkType(f pair, t apimodel.IntegrationType, what string) {
	allowed := integrationTypes[im.protocol]
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if a == t {
			return
		}
		names[i] = strings.ToLower(string(a))
	}
	im.fail(f.Val.Pos, "%s: type %q is not one of %s for %s APIs", what, f.Val.Text, strings.Join(names, ", "), im.protocol)
}

func (im *importer) restField(f pair, in *apimodel.Integration, what string) {
	switch f.Key {
	case "requestTemplates":
		in.RequestTemplates = im.stringMap(f, what+" requestTemplates")
	case "passthroughBehavior":
		s, _ := im.str(f, what+" passthroughBehavior")
		in.PassthroughBehavior = strings.ToUpper(s)
	case "contentHandling":
		s, _ := im.str(f, what+" contentHandling")
		in.ContentHandling = strings.ToUpper(s)
	case "responses":
		in.Responses = im.integrationResponses(f, what)
	}
}

// unsupportedField reports the integration fields genkan does not map. Fields that have no
// effect without a feature reported elsewhere stay quiet.
func (im *importer) unsupportedField(f pair, what string, httpAPI bool) {
	switch f.Key {
	case "credentials":
		if !f.Val.IsNull() {
			im.warn(f.KeyPos, "%s: credentials (an IAM role for API Gateway to assume) are ignored; genkan calls the backend with its own credentials", what)
		}
	case "connectionId":
		if !f.Val.IsNull() {
			im.warn(f.KeyPos, "%s: connectionId names a VPC link, which genkan does not have; ignored", what)
		}
	case "cacheKeyParameters":
		if f.Val.Kind != doctree.Seq || len(f.Val.Items) > 0 {
			im.warn(f.KeyPos, "%s: cacheKeyParameters: response caching is not supported yet", what)
		}
	case "cacheNamespace":
		// AWS exports write one for every integration; it only scopes cache keys, and caching
		// itself is reported through cacheKeyParameters.
	case "responseParameters":
		if httpAPI {
			im.warn(f.KeyPos, "%s: responseParameters (HTTP API response parameter mapping) is not supported yet; responses are passed through unchanged", what)
			return
		}
		im.unknownField(f, what)
	default:
		im.unknownField(f, what)
	}
}

func (im *importer) timeout(f pair, what string) time.Duration {
	s, ok := im.str(f, what+" timeoutInMillis")
	if !ok {
		return 0
	}
	ms, err := strconv.Atoi(s)
	if err != nil || f.Val.Type == doctree.Bool {
		im.fail(f.Val.Pos, "%s: timeoutInMillis must be a whole number of milliseconds, got %s", what, f.Val.Describe())
		return 0
	}
	if ms <= 0 {
		im.fail(f.Val.Pos, "%s: timeoutInMillis must be positive, got %d", what, ms)
		return 0
	}
	return time.Duration(ms) * time.Millisecond
}

func (im *importer) tlsConfig(f pair, in *apimodel.Integration, what string) {
	obj, ok := im.object(f, what+" tlsConfig")
	if !ok {
		return
	}
	for _, t := range obj.Pairs {
		switch t.Key {
		case "insecureSkipVerification":
			in.TLSInsecureSkipVerify, _ = im.boolean(t, what+" tlsConfig.insecureSkipVerification")
		case "serverNameToVerify":
			im.warn(t.KeyPos, "%s: tlsConfig.serverNameToVerify (private integrations) is not supported yet; the certificate is checked against the uri's host", what)
		default:
			im.unknownField(t, what+" tlsConfig")
		}
	}
}

// integrationResponses maps the selection-pattern-keyed responses; "default" is the response
// with no selection pattern.
func (im *importer) integrationResponses(p pair, what string) []*apimodel.IntegrationResponse {
	obj, ok := im.object(p, what+" responses")
	if !ok || len(obj.Pairs) == 0 {
		return nil
	}
	out := make([]*apimodel.IntegrationResponse, 0, len(obj.Pairs))
	byStatus := map[string]int{}
	for _, rp := range obj.Pairs {
		rwhat := what + " response " + strconv.Quote(rp.Key)
		robj, ok := im.object(rp, rwhat)
		if !ok {
			continue
		}
		r := &apimodel.IntegrationResponse{Pos: rp.KeyPos}
		if rp.Key != "default" {
			r.SelectionPattern = rp.Key
		}
		for _, f := range robj.Pairs {
			switch f.Key {
			case "statusCode":
				r.StatusCode, _ = im.str(f, rwhat+" statusCode")
			case "responseParameters":
				r.ResponseParameters = im.stringMap(f, rwhat+" responseParameters")
			case "responseTemplates":
				r.ResponseTemplates = im.stringMap(f, rwhat+" responseTemplates")
			case "contentHandling":
				s, _ := im.str(f, rwhat+" contentHandling")
				r.ContentHandling = strings.ToUpper(s)
			default:
				im.unknownField(f, rwhat)
			}
		}
		// API Gateway stores one integration response per status code, so a later pattern
		// with the same status code replaces the earlier one.
		if i, dup := byStatus[r.StatusCode]; dup && r.StatusCode != "" {
			im.warn(rp.KeyPos, "%s: responses %q and %q both have statusCode %s; API Gateway keeps one integration response per status code, so only %q takes effect", what, patternName(out[i]), rp.Key, r.StatusCode, rp.Key)
			out[i] = r
			continue
		}
		byStatus[r.StatusCode] = len(out)
		out = append(out, r)
	}
	return out
}

func patternName(r *apimodel.IntegrationResponse) string {
	if r.SelectionPattern == "" {
		return "default"
	}
	return r.SelectionPattern
}
