package sam

import (
	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// How SAM writes Auth into a definition: an event's Auth first, on the method SAM adds for it
// (samtranslator/model/eventsources/push.py), then the API's defaults over every method with
// an integration, the template's own included (swagger.py, open_api.py). The order matters:
// an event's choice of authorizer, or its NONE, wins over the default.

// eventAuth applies an Api or HttpApi event's Auth to its operation.
func (im *importer) eventAuth(e *apiEvent, doc, op *node, auth *samAuth, httpAPI bool, stage string) {
	p, ok := e.props.Get("Auth")
	if !ok {
		return
	}
	what := e.fnID + " event " + e.name
	obj, ok := im.object(p, what+" Auth", mustHave)
	if !ok {
		return
	}
	if auth == nil {
		auth = &samAuth{http: httpAPI, byName: map[string]*samAuthorizer{}}
	}
	route := e.method + " " + e.path
	var name string
	namePos := p.KeyPos
	scopes, hasScopes := im.authorizerScopes(obj, what+" Auth")
	var apiKey *bool
	var apiKeyPos apimodel.Position
	for _, f := range obj.Pairs {
		switch {
		case f.Key == "Authorizer":
			if s, ok := im.str(f, what+" Auth.Authorizer", mustHave); ok {
				name, namePos = s, f.Val.Pos
			}
		case f.Key == "AuthorizationScopes":
		case f.Key == "ApiKeyRequired" && !httpAPI:
			if b, ok := im.boolean(f, what+" Auth.ApiKeyRequired", mustHave); ok {
				apiKey, apiKeyPos = &b, f.Val.Pos
			}
		case f.Key == "ResourcePolicy" && !httpAPI:
			if v, ok := im.value(f, what+" Auth.ResourcePolicy", mustHave); ok {
				im.resourcePolicy(doc, v, f.KeyPos, []string{e.path}, stage, what+" Auth.ResourcePolicy")
			}
		case f.Key == "InvokeRole" && !httpAPI:
			im.warn(f.KeyPos, "%s: Auth.InvokeRole (the credentials API Gateway calls the function with) has no effect when genkan serves the template; ignored", what)
		default:
			im.warn(f.KeyPos, "%s: Auth has no property %s; ignored", what, f.Key)
		}
	}
	if httpAPI && name == "" {
		if auth.defaultName == "" {
			im.fail(p.KeyPos, "%s: Auth needs an Authorizer, or a DefaultAuthorizer on the HttpApi", what)
			return
		}
		name, namePos = auth.defaultName, p.KeyPos
	}
	if name != "" && !im.checkEventAuthorizer(name, namePos, auth, httpAPI, what, route) {
		return
	}
	if apiKey != nil && !*apiKey && !auth.apiKey {
		im.fail(apiKeyPos, "%s: unable to set ApiKeyRequired false on %s because the API does not set ApiKeyRequired", what, route)
		return
	}
	reqs := security(op)
	if name != "" {
		use := []string{}
		if az := auth.byName[name]; az != nil && name != noneAuthorizer && name != iamAuthorizer {
			if az.hasScopes {
				use = az.scopes
			}
			// An HTTP API event's empty list keeps the authorizer's scopes; a REST event's
			// list, empty or not, replaces them.
			if hasScopes && (!httpAPI || len(scopes) > 0) {
				use = scopes
			}
		}
		reqs = append(reqs, requirement(name, use, namePos))
		if name == iamAuthorizer {
			im.addScheme(doc, iamAuthorizer, iamScheme(namePos), namePos, false)
		}
	} else if hasScopes {
		sp, _ := obj.Get("AuthorizationScopes")
		im.warn(sp.KeyPos, "%s: AuthorizationScopes without an Authorizer; SAM applies scopes only with the Authorizer they belong to, so they are ignored", what)
	}
	if apiKey != nil {
		marker := apiKeyFalse
		if *apiKey {
			marker = apiKeyScheme
			im.addScheme(doc, apiKeyScheme, apiKeySchemeNode(apiKeyPos), apiKeyPos, false)
		}
		reqs = append(reqs, requirement(marker, nil, apiKeyPos))
	}
	if len(reqs) > len(security(op)) {
		setSecurity(op, reqs, p.KeyPos)
	}
}

// checkEventAuthorizer applies SAM's rules for an event's Authorizer.
func (im *importer) checkEventAuthorizer(name string, pos apimodel.Position, auth *samAuth, httpAPI bool, what, route string) bool {
	switch {
	case name == noneAuthorizer:
		if auth.defaultName == "" {
			im.fail(pos, "%s: unable to set Authorizer NONE on %s: NONE is only valid when the API has a DefaultAuthorizer", what, route)
			return false
		}
	case name == iamAuthorizer && (!httpAPI || auth.byName[iamAuthorizer] != nil):
	case auth.byName[name] == nil && auth.declared[name]:
		return false // the authorizer's own problem has been reported
	case len(auth.authorizers) == 0:
		im.fail(pos, "%s: unable to set Authorizer %q on %s because the API does not define any Authorizers", what, name, route)
		return false
	case auth.byName[name] == nil:
		im.fail(pos, "%s: unable to set Authorizer %q on %s because it is not defined in the API's Authorizers", what, name, route)
		return false
	}
	return true
}

// applyAuth writes an API's Auth into its definition: the authorizers as security schemes,
// the default authorizer and API key requirement on every method with an integration, and
// the resource policy.
func (im *importer) applyAuth(doc *node, auth *samAuth, stage string) {
	if len(auth.authorizers) > 0 {
		for _, az := range auth.authorizers {
			im.addScheme(doc, az.name, az.scheme, az.pos, true)
		}
		if auth.defaultName != "" && auth.byName[auth.defaultName] != nil {
			if auth.http {
				im.httpDefaultAuthorizer(doc, auth)
			} else {
				im.restDefaultAuthorizer(doc, auth)
			}
		}
	}
	if auth.http {
		// SAM leaves an event's NONE in the definition, where API Gateway ignores the scheme
		// nobody defines; taking it out says the same without an undefined scheme.
		for _, item := range pathItems(doc) {
			for _, op := range integrated(item.Val) {
				if reqs := security(op.Val); len(reqs) > 0 {
					var kept []*node
					for _, r := range reqs {
						if !names(r, map[string]bool{noneAuthorizer: true}) {
							kept = append(kept, r)
						}
					}
					if len(kept) < len(reqs) {
						setSecurity(op.Val, append([]*node{}, kept...), op.KeyPos)
					}
				}
			}
		}
		return
	}
	if auth.apiKey {
		im.addScheme(doc, apiKeyScheme, apiKeySchemeNode(auth.apiKeyPos), auth.apiKeyPos, false)
		im.defaultAPIKey(doc, auth)
	}
	if auth.policy != nil {
		im.resourcePolicy(doc, auth.policy, auth.policyPos, nil, stage, "Auth.ResourcePolicy")
	}
}

func (a *samAuth) defaultScopes() []string {
	if az := a.byName[a.defaultName]; az != nil && az.hasScopes {
		return az.scopes
	}
	return []string{}
}

// restDefaultAuthorizer is SwaggerEditor.set_path_default_authorizer: a method keeps an
// authorizer its event chose, drops the default for an event's NONE, and gets the default
// otherwise; CORS preflight methods too unless AddDefaultAuthorizerToCorsPreflight is false.
func (im *importer) restDefaultAuthorizer(doc *node, auth *samAuth) {
	authorizers := map[string]bool{iamAuthorizer: true}
	for _, az := range auth.authorizers {
		authorizers[az.name] = true
	}
	for _, item := range pathItems(doc) {
		for _, op := range integrated(item.Val) {
			if op.Key == "options" && !auth.authToPreflight {
				continue
			}
			var others, chosen []*node
			for _, r := range security(op.Val) {
				if r.Kind == doctree.Map && names(r, authorizers) {
					chosen = append(chosen, r)
				} else {
					others = append(others, r)
				}
			}
			none := -1
			for i, r := range others {
				if names(r, map[string]bool{noneAuthorizer: true}) {
					none = i
					break
				}
			}
			switch {
			case none >= 0:
				others = append(others[:none:none], others[none+1:]...)
				chosen = nil
			case len(chosen) == 0:
				chosen = []*node{requirement(auth.defaultName, auth.defaultScopes(), auth.defaultPos)}
			}
			reqs := append(others, chosen...)
			// SAM keeps a lone NONE in the definition when nothing else is left; an empty list
			// says the same to API Gateway.
			setSecurity(op.Val, reqs, auth.defaultPos)
			if len(reqs) > 0 && names(reqs[0], map[string]bool{iamAuthorizer: true}) {
				im.addScheme(doc, iamAuthorizer, iamScheme(auth.defaultPos), auth.defaultPos, false)
			}
		}
	}
}

// httpDefaultAuthorizer is OpenApiEditor.set_path_default_authorizer: every method without
// security of its own, preflight methods excepted, gets the default.
func (im *importer) httpDefaultAuthorizer(doc *node, auth *samAuth) {
	for _, item := range pathItems(doc) {
		for _, op := range integrated(item.Val) {
			if op.Key == "options" || len(security(op.Val)) > 0 {
				continue
			}
			setSecurity(op.Val, []*node{requirement(auth.defaultName, auth.defaultScopes(), auth.defaultPos)}, auth.defaultPos)
		}
	}
}

// defaultAPIKey is SwaggerEditor.set_path_default_apikey_required.
func (im *importer) defaultAPIKey(doc *node, auth *samAuth) {
	keys := map[string]bool{apiKeyScheme: true, apiKeyFalse: true}
	for _, item := range pathItems(doc) {
		for _, op := range integrated(item.Val) {
			existing := security(op.Val)
			var others, keyed []*node
			for _, r := range existing {
				if r.Kind == doctree.Map && names(r, keys) {
					keyed = append(keyed, r)
				} else {
					others = append(others, r)
				}
			}
			optOut := false
			for _, r := range keyed {
				if names(r, map[string]bool{apiKeyFalse: true}) {
					optOut = true
				}
			}
			reqs := others
			if !optOut && (op.Key != "options" || auth.keyToPreflight) {
				reqs = append(append([]*node{}, others...), requirement(apiKeyScheme, nil, auth.apiKeyPos))
			}
			if len(reqs) != len(existing) || len(keyed) > 0 {
				setSecurity(op.Val, reqs, auth.apiKeyPos)
			}
		}
	}
}
