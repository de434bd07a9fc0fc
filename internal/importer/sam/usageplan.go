package sam

import (
	"strconv"
	"strings"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/importer/doctree"
)

// API keys and usage plans: CloudFormation's ApiKey, UsagePlan and UsagePlanKey resources,
// and the plan and key SAM generates for Auth.UsagePlan.

var (
	apiKeyProps = propRules{"Name": mapped, "Value": mapped, "Enabled": mapped, "Description": mapped, "StageKeys": mapped,
		"CustomerId": quiet, "Tags": quiet, "GenerateDistinctId": noEffect}
	usagePlanProps = propRules{"ApiStages": mapped, "Description": mapped, "Quota": mapped, "Throttle": mapped,
		"UsagePlanName": mapped, "Tags": quiet}
	usagePlanKeyProps = propRules{"KeyId": mapped, "KeyType": mapped, "UsagePlanId": mapped}
	samUsagePlanKeys  = map[string]bool{"CreateUsagePlan": true, "Description": true, "Quota": true, "Tags": true, "Throttle": true, "UsagePlanName": true}
)

// apiKeySource maps ApiKeySourceType (SAM's and CloudFormation's RestApi property).
func (im *importer) apiKeySource(id string, p pair, api *apimodel.API) {
	s, ok := im.str(p, id+".ApiKeySourceType", mustHave)
	if !ok {
		return
	}
	switch v := strings.ToUpper(s); v {
	case apimodel.APIKeySourceHeader, apimodel.APIKeySourceAuthorizer:
		api.APIKeySource = v
	default:
		im.fail(p.Val.Pos, "%s: ApiKeySourceType must be HEADER or AUTHORIZER, got %q", id, s)
	}
}

// samUsagePlan is what SAM generates for Auth.UsagePlan: PER_API makes {Api}UsagePlan and
// {Api}ApiKey for the API's stage, SHARED one ServerlessUsagePlan and ServerlessApiKey for
// every API that asks for it, NONE nothing. The generated keys are enabled and have no
// value, so genkan generates one on first start.
func (im *importer) samUsagePlan(r *resource, p pair, api *apimodel.API, stage string) {
	what := r.id + ".Auth.UsagePlan"
	obj, ok := im.object(p, what, mustHave)
	if !ok {
		return
	}
	for _, f := range obj.Pairs {
		if !samUsagePlanKeys[f.Key] {
			im.fail(f.KeyPos, "%s has no property %s; SAM rejects the template (\"Invalid property for 'UsagePlan'\")", what, f.Key)
		}
	}
	cp, ok := obj.Get("CreateUsagePlan")
	if !ok {
		im.fail(p.KeyPos, "%s needs CreateUsagePlan (PER_API, SHARED or NONE)", what)
		return
	}
	create, ok := im.str(cp, what+".CreateUsagePlan", mustHave)
	if !ok {
		return
	}
	var planID, keyID string
	switch create {
	case "NONE":
		return
	case "PER_API":
		planID, keyID = r.id+"UsagePlan", r.id+"ApiKey"
	case "SHARED":
		planID, keyID = "ServerlessUsagePlan", "ServerlessApiKey"
	default:
		im.fail(cp.Val.Pos, "%s: CreateUsagePlan must be PER_API, SHARED or NONE, got %q", what, create)
		return
	}
	plan := im.generatedPlans[planID]
	if plan == nil {
		plan = &apimodel.UsagePlan{ID: sanitizeID(planID), Pos: p.KeyPos}
		im.generatedPlans[planID] = plan
		im.cfg.UsagePlans = append(im.cfg.UsagePlans, plan)
		im.cfg.APIKeys = append(im.cfg.APIKeys, &apimodel.APIKey{Name: keyID, ID: sanitizeID(keyID), Plans: []string{plan.ID}, Pos: p.KeyPos})
	}
	plan.Stages = append(plan.Stages, &apimodel.UsagePlanStage{APIID: api.ID, Stage: stage, Pos: p.KeyPos})
	// Each API's generator writes the shared plan anew; the last one's settings stand.
	plan.Name, plan.Description, plan.Throttle, plan.Quota = planID, "", nil, nil
	im.planSettings(obj, plan, what)
}

// planSettings reads a plan's name, description, throttle and quota (the same properties in
// SAM and CloudFormation).
func (im *importer) planSettings(props *node, plan *apimodel.UsagePlan, what string) {
	if p, ok := props.Get("UsagePlanName"); ok {
		if s, ok := im.str(p, what+".UsagePlanName", mustHave); ok && s != "" {
			plan.Name = s
		}
	}
	if p, ok := props.Get("Description"); ok {
		plan.Description, _ = im.str(p, what+".Description", mayDrop)
	}
	if p, ok := props.Get("Throttle"); ok {
		plan.Throttle = im.throttle(p, what+".Throttle")
	}
	if p, ok := props.Get("Quota"); ok {
		plan.Quota = im.quota(p, what+".Quota")
	}
}

// throttle and quota read a plan's limits. A limit only a deployment knows (a parameter
// without a default) leaves out the limit it belongs to, with a warning: the plan still binds
// its keys, only less strictly.
func (im *importer) throttle(p pair, what string) *apimodel.Throttle {
	obj, ok := im.object(p, what, mayDrop)
	if !ok {
		return nil
	}
	t := &apimodel.Throttle{}
	all := true
	for _, f := range obj.Pairs {
		switch f.Key {
		case "BurstLimit":
			t.BurstLimit, ok = im.integer(f, what+".BurstLimit", mayDrop)
		case "RateLimit":
			t.RateLimit, ok = im.number(f, what+".RateLimit")
		default:
			im.warn(f.KeyPos, "%s has no property %s; ignored", what, f.Key)
			continue
		}
		all = all && ok
	}
	if !all {
		return nil
	}
	return t
}

func (im *importer) quota(p pair, what string) *apimodel.Quota {
	obj, ok := im.object(p, what, mayDrop)
	if !ok {
		return nil
	}
	q := &apimodel.Quota{}
	all := true
	for _, f := range obj.Pairs {
		switch f.Key {
		case "Limit":
			q.Limit, ok = im.integer(f, what+".Limit", mayDrop)
		case "Offset":
			q.Offset, ok = im.integer(f, what+".Offset", mayDrop)
		case "Period":
			var s string
			s, ok = im.str(f, what+".Period", mayDrop)
			q.Period = strings.ToUpper(s)
		default:
			im.warn(f.KeyPos, "%s has no property %s; ignored", what, f.Key)
			continue
		}
		all = all && ok
	}
	if !all {
		return nil
	}
	return q
}

// number resolves a decimal number, such as a throttle's requests per second.
func (im *importer) number(p pair, what string) (float64, bool) {
	v, ok := im.value(p, what, mayDrop)
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v.Text), 64)
	if v.Kind != doctree.Scalar || v.Type == doctree.Bool || err != nil {
		im.report(mayDrop, v.Pos, "%s must be a number, got %s", what, v.Describe())
		return 0, false
	}
	return f, true
}

// keysAndPlans maps the template's ApiKey, UsagePlan and UsagePlanKey resources, once the APIs
// (and their stages) are known.
func (im *importer) keysAndPlans() {
	keys := map[string]*apimodel.APIKey{}
	for _, r := range im.ofType("AWS::ApiGateway::ApiKey") {
		im.used[r.id] = true
		if k := im.apiKey(r); k != nil {
			keys[r.id] = k
			im.cfg.APIKeys = append(im.cfg.APIKeys, k)
		}
	}
	plans := map[string]*apimodel.UsagePlan{}
	for _, r := range im.ofType("AWS::ApiGateway::UsagePlan") {
		im.used[r.id] = true
		if up := im.usagePlan(r); up != nil {
			plans[r.id] = up
			im.cfg.UsagePlans = append(im.cfg.UsagePlans, up)
		}
	}
	for _, r := range im.ofType("AWS::ApiGateway::UsagePlanKey") {
		im.used[r.id] = true
		im.checkProps(r, r.props, usagePlanKeyProps)
		key, kok := im.named(r, "KeyId", "AWS::ApiGateway::ApiKey")
		plan, pok := im.named(r, "UsagePlanId", "AWS::ApiGateway::UsagePlan")
		if p, ok := r.props.Get("KeyType"); ok {
			if s, _ := im.str(p, r.id+".KeyType", mustHave); s != "" && s != "API_KEY" {
				im.fail(p.Val.Pos, "%s: KeyType must be API_KEY, got %q", r.id, s)
			}
		}
		if kok && pok && keys[key] != nil && plans[plan] != nil {
			keys[key].Plans = append(keys[key].Plans, plans[plan].ID)
		}
	}
}

// named returns the logical id a property Refs, which must be a resource of the given type.
// One outside the template (an import, another stack's id) is left out with a warning: genkan
// cannot see it.
func (im *importer) named(r *resource, prop, typ string) (string, bool) {
	p, ok := r.props.Get(prop)
	if !ok {
		im.fail(r.pos, "%s needs %s", r.id, prop)
		return "", false
	}
	target, ok := im.refTarget(p.Val)
	res := im.resources[target]
	switch {
	case !ok || res == nil:
		im.warn(p.Val.Pos, "%s: %s names no %s of this template; genkan cannot see it, so %s is left out", r.id, prop, typ, r.id)
		return "", false
	case res.typ != typ:
		im.fail(p.Val.Pos, "%s: %s must name an %s, but %s is an %s", r.id, prop, typ, target, res.typ)
		return "", false
	case res.skipped:
		return "", false
	}
	return target, true
}

func (im *importer) apiKey(r *resource) *apimodel.APIKey {
	im.checkProps(r, r.props, apiKeyProps)
	// CloudFormation creates keys disabled unless Enabled says otherwise.
	k := &apimodel.APIKey{Name: r.id, ID: im.physical[r.id], Disabled: true, Pos: r.pos}
	for _, f := range r.props.Pairs {
		what := r.id + "." + f.Key
		switch f.Key {
		case "Name":
			if s, ok := im.str(f, what, mustHave); ok && s != "" {
				k.Name = s
			}
		case "Value":
			k.Value, _ = im.str(f, what, mustHave)
		case "Enabled":
			if b, ok := im.boolean(f, what, mustHave); ok {
				k.Disabled = !b
			}
		case "Description":
			k.Description, _ = im.str(f, what, mayDrop)
		case "StageKeys":
			im.warn(f.KeyPos, "%s: StageKeys tie a key to stages without a usage plan, which API Gateway no longer honours; genkan checks keys through usage plans, so add the key to one with an AWS::ApiGateway::UsagePlanKey", r.id)
		}
	}
	return k
}

func (im *importer) usagePlan(r *resource) *apimodel.UsagePlan {
	im.checkProps(r, r.props, usagePlanProps)
	up := &apimodel.UsagePlan{Name: r.id, ID: im.physical[r.id], Stages: []*apimodel.UsagePlanStage{}, Pos: r.pos}
	im.planSettings(r.props, up, r.id)
	p, ok := r.props.Get("ApiStages")
	if !ok {
		return up
	}
	// The items are read as written: an ApiId's Ref names the API, which its resolved id
	// no longer does.
	v := p.Val
	if _, _, isCall := call(v); isCall {
		if v, ok = im.value(p, r.id+".ApiStages", mustHave); !ok {
			return up
		}
	}
	if v.Kind != doctree.Seq {
		im.fail(v.Pos, "%s: ApiStages must be a list, got %s", r.id, v.Describe())
		return up
	}
	for _, item := range v.Items {
		if st := im.planStage(r, item); st != nil {
			up.Stages = append(up.Stages, st)
		}
	}
	return up
}

func (im *importer) planStage(r *resource, item *node) *apimodel.UsagePlanStage {
	what := r.id + " ApiStages"
	if item.Kind != doctree.Map {
		im.fail(item.Pos, "%s: an API stage is an object with ApiId and Stage, got %s", what, item.Describe())
		return nil
	}
	st := &apimodel.UsagePlanStage{Pos: item.Pos}
	ap, hasAPI := item.Get("ApiId")
	sp, hasStage := item.Get("Stage")
	if !hasAPI || !hasStage {
		im.fail(item.Pos, "%s: an API stage needs ApiId and Stage", what)
		return nil
	}
	target, named := im.refTarget(ap.Val)
	if !named || im.apiIDs[target] == "" {
		_, _, isCall := call(ap.Val)
		switch res := im.resources[target]; {
		case res != nil && res.skipped:
		case !isCall && ap.Val.Kind != doctree.Scalar:
			im.fail(ap.Val.Pos, "%s: ApiId must name an API of this template, got %s", what, ap.Val.Describe())
		default:
			// An import or another stack's id: an API genkan cannot see.
			name := target
			if !named {
				fn, arg, _ := call(ap.Val)
				name = describeCall(fn, arg)
			}
			im.warn(ap.Val.Pos, "%s: ApiId %s is no API of this template; genkan cannot see it, so the stage is left out", what, name)
		}
		return nil
	}
	st.APIID = im.apiIDs[target]
	stage, ok := im.str(sp, what+" Stage", mayDrop)
	if !ok {
		return nil
	}
	st.Stage = stage
	if im.opt.Stage != "" {
		st.Stage = im.opt.Stage
	}
	for _, f := range item.Pairs {
		switch f.Key {
		case "ApiId", "Stage":
		case "Throttle":
			obj, ok := im.object(f, what+" Throttle", mayDrop)
			if !ok {
				continue
			}
			for _, m := range obj.Pairs {
				if t := im.throttle(m, what+" Throttle "+m.Key); t != nil {
					if st.Throttle == nil {
						st.Throttle = map[string]*apimodel.Throttle{}
					}
					st.Throttle[m.Key] = t
				}
			}
		default:
			im.warn(f.KeyPos, "%s: an API stage has no property %s; ignored", what, f.Key)
		}
	}
	return st
}
