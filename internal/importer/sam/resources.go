package sam

import (
	"fmt"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// apiParts are the resource types that only mean something as part of an API; one that no
// served API takes is reported on its own.
var apiParts = map[string]bool{
	"AWS::ApiGateway::Resource": true, "AWS::ApiGateway::Method": true, "AWS::ApiGateway::Deployment": true,
	"AWS::ApiGateway::Stage": true, "AWS::ApiGateway::GatewayResponse": true, "AWS::ApiGatewayV2::Route": true,
	"AWS::ApiGatewayV2::Integration": true, "AWS::ApiGatewayV2::Stage": true, "AWS::ApiGatewayV2::Deployment": true,
	"AWS::ApiGatewayV2::ApiGatewayManagedOverrides": true, "AWS::ApiGateway::Authorizer": true,
	"AWS::ApiGatewayV2::Authorizer": true,
}

// notYet are the resource types a later genkan serves; until then each gets its own warning.
var notYet = map[string]string{
	"AWS::ApiGateway::RequestValidator": "request validation is not supported yet; requests are not validated",
	"AWS::ApiGateway::Model":            "models and request validation are not supported yet; requests are not validated",
	"AWS::ApiGatewayV2::Model":          "models and request validation are not supported yet; requests are not validated",
	"AWS::Serverless::Application":      "nested applications are not deployed; nothing in them is served",
	"AWS::Serverless::LayerVersion":     "layers are not supported yet; functions run without them",
	"AWS::Lambda::LayerVersion":         "layers are not supported yet; functions run without them",
	"AWS::Lambda::Url":                  "function URLs are not served; call the function through its API routes or the Invoke API",
}

func (im *importer) otherResources() {
	im.domains()
	im.keysAndPlans()
	im.dependsOn()
	var ignored []string
	var first apimodel.Position
	for _, r := range im.order {
		if r.skipped {
			continue
		}
		switch {
		case r.typ == typeFunction || r.typ == typeLambda || r.typ == typeSAMApi || r.typ == typeSAMHttpApi ||
			r.typ == typeRestApi || r.typ == typeV2Api || im.used[r.id]:
		case apiParts[r.typ]:
			im.warn(r.pos, "%s (%s) belongs to no API this template defines; ignored", r.id, r.typ)
		case notYet[r.typ] != "":
			im.warn(r.pos, "%s (%s): %s", r.id, r.typ, notYet[r.typ])
		default:
			if len(ignored) == 0 {
				first = r.pos
			}
			ignored = append(ignored, fmt.Sprintf("%s (%s)", r.id, r.typ))
		}
	}
	if len(ignored) > 0 {
		im.warn(first, "genkan serves APIs and functions only; these resources are ignored: %s", strings.Join(ignored, ", "))
	}
}

// dependsOn checks DependsOn the way CloudFormation does after SAM's transform, so that
// naming a resource SAM generates ({Api}{StageName}Stage, {Function}Role…) is fine.
func (im *importer) dependsOn() {
	for _, r := range im.order {
		p, ok := r.node.Get("DependsOn")
		if !ok || r.skipped {
			continue
		}
		items := []*node{p.Val}
		if p.Val.Kind == doctree.Seq {
			items = p.Val.Items
		}
		for _, item := range items {
			if item.Kind != doctree.Scalar || item.Tag != "" || item.IsNull() {
				im.fail(item.Pos, "%s: DependsOn takes logical ids, got %s", r.id, item.Describe())
				continue
			}
			if !im.knownLogicalID(item.Text) {
				im.warn(item.Pos, "%s: DependsOn names %s, which is neither a resource of this template nor one SAM generates; CloudFormation rejects it", r.id, item.Text)
			}
		}
	}
}

func (im *importer) knownLogicalID(id string) bool {
	if _, ok := im.resources[id]; ok {
		return true
	}
	if _, ok := im.generatedStages[id]; ok {
		return true
	}
	if _, ok := im.apiIDs[id]; ok {
		return true
	}
	if im.generatedPlans["ServerlessUsagePlan"] != nil && (id == "ServerlessUsagePlan" || id == "ServerlessApiKey" || id == "ServerlessUsagePlanKey") {
		return true
	}
	// SAM names what it generates after the resource it expands: FnRole, ApiDeployment1a2b…
	for _, r := range im.order {
		if strings.HasPrefix(r.typ, "AWS::Serverless::") && strings.HasPrefix(id, r.id) {
			return true
		}
	}
	for implicit := range im.events {
		if strings.HasPrefix(id, implicit) {
			return true
		}
	}
	return false
}

// domains maps base path and API mappings of custom domain names onto apimodel's domains.
func (im *importer) domains() {
	byName := map[string]*apimodel.Domain{}
	for _, r := range im.order {
		if r.skipped {
			continue
		}
		var apiProp, pathProp string
		switch r.typ {
		case "AWS::ApiGateway::BasePathMapping":
			apiProp, pathProp = "RestApiId", "BasePath"
		case "AWS::ApiGatewayV2::ApiMapping":
			apiProp, pathProp = "ApiId", "ApiMappingKey"
		case "AWS::ApiGateway::DomainName", "AWS::ApiGatewayV2::DomainName":
			// Certificates and endpoint types only matter to AWS; the mappings use the name.
			im.used[r.id] = true
			continue
		default:
			continue
		}
		im.used[r.id] = true
		im.checkProps(r, r.props, propRules{"DomainName": mapped, apiProp: mapped, pathProp: mapped, "Stage": mapped, "Id": quiet, "DomainNameArn": quiet})
		dp, ok := r.props.Get("DomainName")
		if !ok {
			im.fail(r.pos, "%s needs a DomainName", r.id)
			continue
		}
		name, ok := im.str(dp, r.id+".DomainName", mustHave)
		if !ok {
			continue
		}
		m := &apimodel.BasePathMapping{Pos: r.pos}
		if p, ok := r.props.Get(pathProp); ok {
			m.BasePath, _ = im.str(p, r.id+"."+pathProp, mustHave)
		}
		ap, ok := r.props.Get(apiProp)
		target, named := im.refTarget(ap.Val)
		if !ok || !named || im.apiIDs[target] == "" {
			im.fail(r.pos, "%s: %s must name an API of this template", r.id, apiProp)
			continue
		}
		m.APIID = im.apiIDs[target]
		if p, ok := r.props.Get("Stage"); ok {
			m.Stage, _ = im.str(p, r.id+".Stage", mustHave)
			if im.opt.Stage != "" {
				m.Stage = im.opt.Stage
			}
		}
		d := byName[name]
		if d == nil {
			d = &apimodel.Domain{Name: name, Pos: r.pos}
			byName[name] = d
			im.cfg.Domains = append(im.cfg.Domains, d)
		}
		d.Mappings = append(d.Mappings, m)
	}
}

// stageResources records the stage resources SAM generates, which templates Ref (a usage
// plan's Stage: !Ref MyApiProdStage) and name in DependsOn.
func (im *importer) stageResources() {
	add := func(apiID, stage string) {
		logical := apiID + "Stage"
		if logicalID.MatchString(stage) {
			logical = apiID + stage + "Stage"
		}
		if _, real := im.resources[logical]; !real {
			im.generatedStages[logical] = stage
		}
	}
	for _, r := range im.order {
		if r.skipped || (r.typ != typeSAMApi && r.typ != typeSAMHttpApi) {
			continue
		}
		p, ok := r.props.Get("StageName")
		if !ok {
			if r.typ == typeSAMHttpApi {
				im.generatedStages[r.id+"ApiGatewayDefaultStage"] = apimodel.DefaultStage
			}
			continue
		}
		// Problems with the name are reported where the API is imported.
		if v, err := im.resolve(p.Val); err == nil && v != nil && v.Kind == doctree.Scalar {
			add(r.id, v.Text)
		}
	}
	if _, ok := im.apiIDs[implicitRestAPI]; ok && im.resources[implicitRestAPI] == nil {
		add(implicitRestAPI, "Prod")
	}
	if _, ok := im.apiIDs[implicitHTTPAPI]; ok && im.resources[implicitHTTPAPI] == nil {
		im.generatedStages[implicitHTTPAPI+"ApiGatewayDefaultStage"] = apimodel.DefaultStage
	}
}

// validate runs apimodel's checks so that what cannot be served fails here, with template
// positions. The integration timeout ceiling is left to the gateway's settings, which may
// raise AWS's 29 s.
func (im *importer) validate() {
	cfg := &apimodel.Config{APIs: im.cfg.APIs, Domains: im.cfg.Domains, APIKeys: im.cfg.APIKeys, UsagePlans: im.cfg.UsagePlans,
		Settings: apimodel.Settings{MaxIntegrationTimeout: 1 << 62}}
	if err := cfg.Validate(); err != nil {
		im.addError(err)
	}
	seen := map[apimodel.Warning]bool{}
	kept := im.warnings[:0]
	for _, w := range im.warnings {
		if !seen[w] {
			seen[w] = true
			kept = append(kept, w)
		}
	}
	im.warnings = kept
}
