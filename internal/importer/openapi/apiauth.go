package openapi

import (
	"encoding/json"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// accessExtensions maps the API-wide access-control extensions: the API key source and the
// resource policy of REST APIs, the CORS configuration of HTTP APIs.
func (im *importer) accessExtensions(api *apimodel.API) {
	rest := im.protocol == apimodel.ProtocolREST
	if p, ok := im.root.Get("x-amazon-apigateway-api-key-source"); ok {
		im.use(p)
		if !rest {
			im.warn(p.KeyPos, "x-amazon-apigateway-api-key-source is a REST API feature; HTTP APIs have no API keys, so it is ignored")
		} else if s, ok := im.str(p, p.Key); ok {
			switch v := strings.ToUpper(s); v {
			case apimodel.APIKeySourceHeader, apimodel.APIKeySourceAuthorizer:
				api.APIKeySource = v
			default:
				im.fail(p.Val.Pos, "x-amazon-apigateway-api-key-source must be HEADER or AUTHORIZER, got %q", s)
			}
		}
	}
	if p, ok := im.root.Get("x-amazon-apigateway-policy"); ok {
		im.use(p)
		if !rest {
			im.warn(p.KeyPos, "x-amazon-apigateway-policy is a REST API feature; HTTP APIs have no resource policies, so it is ignored")
		} else if doc, ok := im.policy(p); ok {
			api.ResourcePolicy, api.ResourcePolicyPos = doc, p.Val.Pos
		}
	}
	if p, ok := im.root.Get("x-amazon-apigateway-cors"); ok {
		im.use(p)
		if rest {
			im.warn(p.KeyPos, "x-amazon-apigateway-cors configures HTTP APIs; AWS ignores it for REST APIs, which answer preflight requests with OPTIONS methods, and so does genkan")
		} else {
			api.CORS = im.cors(p)
		}
	}
}

// policy returns the resource policy as IAM JSON text. AWS takes the policy as an object, or
// as the JSON text of one.
func (im *importer) policy(p pair) (string, bool) {
	const what = "x-amazon-apigateway-policy"
	if p.Val.Kind == doctree.Scalar && p.Val.Type == doctree.Str && intrinsic(p.Val) == "" {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal([]byte(p.Val.Text), &obj); err != nil {
			im.fail(p.Val.Pos, "%s must be an IAM policy (a JSON object): %v", what, err)
			return "", false
		}
		return strings.TrimSpace(p.Val.Text), true
	}
	if n, fn := findIntrinsic(p.Val); n != nil {
		// A policy cannot be applied in part. Left out, the API is as open as it was before
		// genkan enforced policies, and the warning says so; failing the import would stop a
		// template whose VPC endpoint only a deployment knows from being served at all.
		im.warn(n.Pos, "%s holds the CloudFormation intrinsic %s, which only CloudFormation resolves; the resource policy is not applied", what, fn)
		return "", false
	}
	if p.Val.Kind != doctree.Map {
		im.fail(p.Val.Pos, "%s must be an IAM policy (an object), got %s", what, p.Val.Describe())
		return "", false
	}
	return doctree.JSON(p.Val), true
}

// findIntrinsic returns the first CloudFormation intrinsic inside n.
func findIntrinsic(n *node) (*node, string) {
	if fn := intrinsic(n); fn != "" {
		return n, fn
	}
	for _, p := range n.Pairs {
		if found, fn := findIntrinsic(p.Val); found != nil {
			return found, fn
		}
	}
	for _, item := range n.Items {
		if found, fn := findIntrinsic(item); found != nil {
			return found, fn
		}
	}
	return nil, ""
}

func (im *importer) cors(p pair) *apimodel.CORS {
	const what = "x-amazon-apigateway-cors"
	obj, ok := im.object(p, what)
	if !ok {
		return nil
	}
	c := &apimodel.CORS{Pos: p.KeyPos}
	for _, f := range obj.Pairs {
		switch f.Key {
		case "allowOrigins":
			c.AllowOrigins = im.stringList(f, what+".allowOrigins")
		case "allowMethods":
			c.AllowMethods = im.stringList(f, what+".allowMethods")
		case "allowHeaders":
			c.AllowHeaders = im.stringList(f, what+".allowHeaders")
		case "exposeHeaders":
			c.ExposeHeaders = im.stringList(f, what+".exposeHeaders")
		case "allowCredentials":
			c.AllowCredentials, _ = im.boolean(f, what+".allowCredentials")
		case "maxAge":
			if n, ok := im.integer(f, what+".maxAge"); ok {
				c.MaxAge = &n
			}
		default:
			im.unknownField(f, what)
		}
	}
	return c
}
