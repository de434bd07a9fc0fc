package sam

import (
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// Access control declared with CloudFormation's own resources: AWS::ApiGateway::Authorizer
// and the authorization of Methods, a RestApi's Policy, AWS::ApiGatewayV2::Authorizer and the
// authorization of Routes.

var (
	restAuthorizerProps = propRules{"RestApiId": mapped, "Name": mapped, "Type": mapped, "AuthorizerUri": mapped,
		"IdentitySource": mapped, "IdentityValidationExpression": mapped, "AuthorizerResultTtlInSeconds": mapped,
		"ProviderARNs": mapped, "AuthType": quiet, "AuthorizerCredentials": noEffect}
	v2AuthorizerProps = propRules{"ApiId": mapped, "Name": mapped, "AuthorizerType": mapped, "AuthorizerUri": mapped,
		"IdentitySource": mapped, "JwtConfiguration": mapped, "AuthorizerPayloadFormatVersion": mapped,
		"EnableSimpleResponses": mapped, "AuthorizerResultTtlInSeconds": mapped, "IdentityValidationExpression": mapped,
		"AuthorizerCredentialsArn": noEffect}
)

// cfnAuthorizers maps the authorizer resources of an API; the result is keyed by logical id,
// which is what a Method's or Route's AuthorizerId Refs.
func (im *importer) cfnAuthorizers(api *resource, out *apimodel.API, typ, apiProp string) map[string]string {
	names := map[string]string{}
	for _, r := range im.ofType(typ) {
		if !im.belongsTo(r, apiProp, api.id) {
			continue
		}
		im.used[r.id] = true
		var az *apimodel.Authorizer
		if typ == "AWS::ApiGateway::Authorizer" {
			az = im.restAuthorizerResource(r)
		} else {
			az = im.v2AuthorizerResource(r)
		}
		if az != nil {
			names[r.id] = az.Name
			out.Authorizers = append(out.Authorizers, az)
		}
	}
	return names
}

// authorizerBase reads what both kinds of authorizer resource share.
func (im *importer) authorizerBase(r *resource, typeProp string) (*apimodel.Authorizer, bool) {
	az := &apimodel.Authorizer{Name: r.id, Pos: r.pos}
	ok := true
	if p, has := r.props.Get("Name"); has {
		az.Name, ok = im.str(p, r.id+".Name", mustHave)
	} else {
		im.fail(r.pos, "%s needs a Name", r.id)
		ok = false
	}
	p, has := r.props.Get(typeProp)
	if !has {
		im.fail(r.pos, "%s needs a %s", r.id, typeProp)
		return nil, false
	}
	t, tok := im.str(p, r.id+"."+typeProp, mustHave)
	az.Type = apimodel.AuthorizerType(strings.ToUpper(t))
	if p, has := r.props.Get("AuthorizerUri"); has {
		az.FunctionURI, _ = im.str(p, r.id+".AuthorizerUri", mustHave)
	}
	if p, has := r.props.Get("AuthorizerResultTtlInSeconds"); has {
		if n, ok := im.integer(p, r.id+".AuthorizerResultTtlInSeconds", mustHave); ok {
			az.ResultTTLSeconds = &n
		}
	}
	return az, ok && tok
}

func (im *importer) restAuthorizerResource(r *resource) *apimodel.Authorizer {
	im.checkProps(r, r.props, restAuthorizerProps)
	az, ok := im.authorizerBase(r, "Type")
	if !ok {
		return nil
	}
	if p, has := r.props.Get("IdentitySource"); has {
		if s, ok := im.str(p, r.id+".IdentitySource", mustHave); ok {
			az.IdentitySources = splitSources(s)
		}
	}
	if p, has := r.props.Get("IdentityValidationExpression"); has {
		az.IdentityValidationExpression, _ = im.str(p, r.id+".IdentityValidationExpression", mustHave)
	}
	if p, has := r.props.Get("ProviderARNs"); has {
		az.ProviderARNs = im.strList(p, r.id+".ProviderARNs", mustHave)
	}
	return az
}

func splitSources(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func (im *importer) v2AuthorizerResource(r *resource) *apimodel.Authorizer {
	im.checkProps(r, r.props, v2AuthorizerProps)
	az, ok := im.authorizerBase(r, "AuthorizerType")
	if !ok {
		return nil
	}
	if p, has := r.props.Get("IdentitySource"); has {
		az.IdentitySources = im.strList(p, r.id+".IdentitySource", mustHave)
	}
	if p, has := r.props.Get("AuthorizerPayloadFormatVersion"); has {
		az.PayloadFormatVersion, _ = im.str(p, r.id+".AuthorizerPayloadFormatVersion", mustHave)
	}
	if p, has := r.props.Get("EnableSimpleResponses"); has {
		az.EnableSimpleResponses, _ = im.boolean(p, r.id+".EnableSimpleResponses", mustHave)
	}
	if p, has := r.props.Get("IdentityValidationExpression"); has {
		// The API reference says "This parameter is not used".
		im.warn(p.KeyPos, "%s: IdentityValidationExpression is not used by HTTP API authorizers; ignored", r.id)
	}
	if p, has := r.props.Get("JwtConfiguration"); has {
		obj, ok := im.object(p, r.id+".JwtConfiguration", mustHave)
		if ok {
			for _, f := range obj.Pairs {
				switch f.Key {
				case "Issuer":
					az.Issuer, _ = im.str(f, r.id+".JwtConfiguration.Issuer", mustHave)
				case "Audience":
					az.Audience = im.strList(f, r.id+".JwtConfiguration.Audience", mustHave)
				default:
					im.warn(f.KeyPos, "%s: JwtConfiguration has no property %s; ignored", r.id, f.Key)
				}
			}
		}
	}
	return az
}

// authorizationTypes are the values of a Method's and a Route's AuthorizationType.
var authorizationTypes = map[string]apimodel.AuthorizationType{
	"NONE": apimodel.AuthNone, "AWS_IAM": apimodel.AuthIAM, "CUSTOM": apimodel.AuthCustom,
	"COGNITO_USER_POOLS": apimodel.AuthCognito, "JWT": apimodel.AuthJWT,
}

// cfnRouteAuth reads the authorization of a Method, a Route or a quick-create route override:
// AuthorizationType, AuthorizerId (a Ref to an authorizer resource of the same API),
// AuthorizationScopes and, for REST methods, ApiKeyRequired. nil means NONE without a key.
func (im *importer) cfnRouteAuth(owner string, props *node, pos apimodel.Position, authorizers map[string]string, rest bool) *apimodel.RouteAuth {
	ra := &apimodel.RouteAuth{Type: apimodel.AuthNone, Pos: pos}
	if p, ok := props.Get("AuthorizationType"); ok {
		s, ok := im.str(p, owner+".AuthorizationType", mustHave)
		if !ok {
			return nil
		}
		t, known := authorizationTypes[strings.ToUpper(s)]
		if !known {
			im.fail(p.Val.Pos, "%s: AuthorizationType must be NONE, AWS_IAM, CUSTOM, %s, got %q", owner, map[bool]string{true: "COGNITO_USER_POOLS", false: "JWT"}[rest], s)
			return nil
		}
		ra.Type, ra.Pos = t, p.Val.Pos
	}
	if p, ok := props.Get("AuthorizerId"); ok {
		target, named := im.refTarget(p.Val)
		name, found := authorizers[target]
		switch {
		case !named:
			im.fail(p.Val.Pos, "%s: AuthorizerId must be the Ref of an authorizer resource of the same API, got %s", owner, p.Val.Describe())
			return nil
		case !found:
			im.fail(p.Val.Pos, "%s: AuthorizerId names %s, which is not an authorizer of the same API", owner, target)
			return nil
		}
		if ra.Type == apimodel.AuthNone || ra.Type == apimodel.AuthIAM {
			im.warn(p.KeyPos, "%s: AuthorizerId has no effect with AuthorizationType %s; ignored", owner, ra.Type)
		} else {
			ra.Authorizer = name
		}
	} else if ra.Type == apimodel.AuthCustom || ra.Type == apimodel.AuthCognito || ra.Type == apimodel.AuthJWT {
		im.fail(ra.Pos, "%s: AuthorizationType %s needs an AuthorizerId", owner, ra.Type)
		return nil
	}
	if p, ok := props.Get("AuthorizationScopes"); ok {
		ra.Scopes = im.strList(p, owner+".AuthorizationScopes", mustHave)
	}
	if p, ok := props.Get("ApiKeyRequired"); ok && rest {
		ra.APIKeyRequired, _ = im.boolean(p, owner+".ApiKeyRequired", mustHave)
	}
	if ra.Type == apimodel.AuthNone && !ra.APIKeyRequired && len(ra.Scopes) == 0 {
		return nil
	}
	return ra
}

// restPolicy maps a RestApi's Policy, an IAM policy as an object or as its JSON text. One that
// only CloudFormation can resolve is left out with a warning rather than failing the API: a
// VPC endpoint only a deployment knows must not stop local serving.
func (im *importer) restPolicy(r *resource, api *apimodel.API) {
	p, ok := r.props.Get("Policy")
	if !ok {
		return
	}
	v, ok := im.value(p, r.id+".Policy", mayDrop)
	if !ok {
		return
	}
	switch {
	case v.Kind == doctree.Map:
		api.ResourcePolicy = doctree.JSON(v)
	case v.Kind == doctree.Scalar && !v.IsNull():
		api.ResourcePolicy = strings.TrimSpace(v.Text)
	default:
		im.fail(v.Pos, "%s: Policy must be an IAM policy document, got %s", r.id, v.Describe())
		return
	}
	api.ResourcePolicyPos = p.Val.Pos
}
