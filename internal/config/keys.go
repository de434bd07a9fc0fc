package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Top-level access control: apiKeys, usagePlans and accessKeys, settings.iam, and the
// readers they share with the APIs (secrets, policy documents).

// apiKeys reads a mapping of name → key or a list of keys with a name each.
func (d *decoder) apiKeys(n ast.Node) []*apimodel.APIKey {
	var out []*apimodel.APIKey
	switch v := d.value(n).(type) {
	case nil, *ast.NullNode:
	case *ast.SequenceNode:
		for i, item := range v.Values {
			if k := d.apiKey(fmt.Sprintf("apiKeys[%d]", i), entry{val: item}); k != nil {
				out = append(out, k)
			}
		}
	case *ast.MappingNode:
		es, _ := d.entries("apiKeys", v)
		for _, e := range es {
			if k := d.apiKey("apiKeys."+e.key, e); k != nil {
				out = append(out, k)
			}
		}
	default:
		d.typeError("apiKeys", "a mapping of names to keys, or a list", v)
	}
	return out
}

// apiKey reads one key; owner.keyNode is nil in the list form, where the name is a field.
func (d *decoder) apiKey(label string, owner entry) *apimodel.APIKey {
	k := &apimodel.APIKey{Name: owner.key, Pos: d.pos(d.value(owner.val))}
	fs := fields{
		"value":       func(e entry) { k.Value, _ = d.secret("value", e.val) },
		"id":          func(e entry) { k.ID, _ = d.str("id", e.val) },
		"description": func(e entry) { k.Description, _ = d.text("description", e.val) },
		"disabled":    func(e entry) { k.Disabled, _ = d.boolean("disabled", e.val) },
		"plans":       func(e entry) { k.Plans = d.strList("plans", e.val) },
	}
	var required []string
	if owner.keyNode != nil {
		k.Pos = d.pos(owner.keyNode)
	} else {
		fs["name"] = func(e entry) {
			k.Name, _ = d.str("name", e.val)
			k.Pos = d.pos(e.keyNode)
		}
		required = append(required, "name")
	}
	start := len(d.ps)
	if _, ok := d.object("in api key", label, owner.keyNode, owner.val, fs, required...); !ok {
		return nil
	}
	d.quietIfBroken(start, k.Pos)
	return k
}

func (d *decoder) usagePlans(n ast.Node) []*apimodel.UsagePlan {
	es, _ := d.entries("usagePlans", n)
	var out []*apimodel.UsagePlan
	for _, e := range es {
		up := &apimodel.UsagePlan{Name: e.key, Pos: d.pos(e.keyNode)}
		start := len(d.ps)
		d.object("in usage plan "+quote(e.key), "usagePlans."+e.key, e.keyNode, e.val, fields{
			"id":          func(e entry) { up.ID, _ = d.str("id", e.val) },
			"description": func(e entry) { up.Description, _ = d.text("description", e.val) },
			"stages": func(e entry) {
				for i, item := range d.seq("stages", e.val) {
					if st := d.planStage(fmt.Sprintf("stages[%d]", i), item); st != nil {
						up.Stages = append(up.Stages, st)
					}
				}
			},
			"throttle": func(e entry) { up.Throttle = d.throttle(e) },
			"quota":    func(e entry) { up.Quota = d.quota(e) },
		})
		d.quietIfBroken(start, up.Pos)
		out = append(out, up)
	}
	return out
}

func (d *decoder) planStage(label string, n ast.Node) *apimodel.UsagePlanStage {
	st := &apimodel.UsagePlanStage{Pos: d.pos(d.value(n))}
	start := len(d.ps)
	_, ok := d.object("in usage plan stage", label, nil, n, fields{
		// An api id or name, resolved in resolvePlanStages.
		"api":   func(e entry) { st.APIID, _ = d.str("api", e.val) },
		"stage": func(e entry) { st.Stage, _ = d.str("stage", e.val) },
		"throttle": func(e entry) {
			es, _ := d.entries("throttle", e.val)
			for _, m := range es {
				if t := d.throttle(m); t != nil {
					if st.Throttle == nil {
						st.Throttle = map[string]*apimodel.Throttle{}
					}
					st.Throttle[m.key] = t
				}
			}
		},
	}, "api")
	if !ok {
		return nil
	}
	d.quietIfBroken(start, st.Pos)
	return st
}

// throttle reads {rateLimit, burstLimit}. Both are required: a burst of 0 refuses every
// request, which is never what leaving it out means.
func (d *decoder) throttle(owner entry) *apimodel.Throttle {
	t := &apimodel.Throttle{}
	seen, ok := d.object("in throttle", owner.key, owner.keyNode, owner.val, fields{
		"rateLimit": func(e entry) {
			if x, ok := d.number("rateLimit", e.val); ok && x <= 0 {
				d.errorf(d.value(e.val), "rateLimit: %s must be more than 0", d.value(e.val).GetToken().Value)
			} else if ok {
				t.RateLimit = x
			}
		},
		"burstLimit": func(e entry) {
			if x, ok := d.integer("burstLimit", e.val, 0, false); ok && x > math.MaxInt32 {
				d.errorf(d.value(e.val), "burstLimit: %d is out of range", x)
			} else if ok {
				t.BurstLimit = int(x)
			}
		},
	}, "rateLimit", "burstLimit")
	if !ok || len(seen) < 2 {
		return nil
	}
	return t
}

// number reads a number, whole or not.
func (d *decoder) number(label string, n ast.Node) (float64, bool) {
	switch v := d.value(n).(type) {
	case nil:
		return 0, false
	case *ast.IntegerNode:
		if i, ok := intValue(v); ok {
			return float64(i), true
		}
		d.errorf(v, "%s: %s is out of range", label, v.GetToken().Value)
	case *ast.FloatNode:
		return v.Value, true
	default:
		d.typeError(label, "a number", v)
	}
	return 0, false
}

var quotaPeriods = map[string]int64{apimodel.QuotaDay: 0, apimodel.QuotaWeek: 6, apimodel.QuotaMonth: 27}

func (d *decoder) quota(owner entry) *apimodel.Quota {
	q := &apimodel.Quota{}
	var offset ast.Node
	seen, _ := d.object("in quota", "quota", owner.keyNode, owner.val, fields{
		"limit": func(e entry) {
			if x, ok := d.integer("limit", e.val, 1, false); ok && x > math.MaxInt32 {
				d.errorf(d.value(e.val), "limit: %d is out of range", x)
			} else if ok {
				q.Limit = int(x)
			}
		},
		"period": func(e entry) {
			q.Period, _ = d.enum("period", e.val, apimodel.QuotaDay, apimodel.QuotaWeek, apimodel.QuotaMonth)
		},
		"offset": func(e entry) {
			if x, ok := d.integer("offset", e.val, 0, false); ok {
				offset, q.Offset = d.value(e.val), int(min(x, math.MaxInt32))
			}
		},
	}, "limit", "period")
	if most, ok := quotaPeriods[q.Period]; ok && offset != nil && int64(q.Offset) > most {
		d.errorf(offset, "offset: %d is more than %d, the last day a %s quota may start on", q.Offset, most, q.Period)
		q.Offset = 0
	}
	if len(seen) == 0 {
		return nil
	}
	return q
}

func (d *decoder) accessKeys(n ast.Node) []*apimodel.AccessKey {
	var out []*apimodel.AccessKey
	for i, item := range d.seq("accessKeys", n) {
		k := &apimodel.AccessKey{Pos: d.pos(d.value(item))}
		start := len(d.ps)
		seen, ok := d.object("in access key", fmt.Sprintf("accessKeys[%d]", i), nil, item, fields{
			"id":        func(e entry) { k.ID, _ = d.text("id", e.val) },
			"secret":    func(e entry) { k.Secret, _ = d.secret("secret", e.val) },
			"principal": func(e entry) { k.PrincipalARN, _ = d.str("principal", e.val) },
			"policy":    func(e entry) { k.Policy, k.PolicyPos, _ = d.policyDoc("policy", e) },
		}, "id", "secret", "principal")
		if !ok {
			continue
		}
		if e, ok := seen["id"]; ok {
			k.Pos = d.pos(e.keyNode)
		}
		d.quietIfBroken(start, k.Pos)
		out = append(out, k)
	}
	return out
}

func (d *decoder) iamSettings(doc *document, owner entry) {
	s := &doc.settings.IAM
	d.object("in iam", "iam", owner.keyNode, owner.val, fields{
		"maxSkew": func(e entry) {
			if v, ok := d.duration("maxSkew", e.val); ok {
				s.MaxSkew = v
				doc.setAt["iam.maxSkew"] = d.pos(e.keyNode)
			}
		},
		"allowUnsignedPayload": func(e entry) {
			if v, ok := d.boolean("allowUnsignedPayload", e.val); ok {
				s.AllowUnsignedPayload = v
				doc.setAt["iam.allowUnsignedPayload"] = d.pos(e.keyNode)
			}
		},
	})
}

// secret reads an API key value or a secret access key, literal or ${env:NAME}. Its
// problems never show the value, or the part of it an expansion error would quote.
func (d *decoder) secret(label string, n ast.Node) (string, bool) {
	v := d.value(n)
	var s string
	switch v := v.(type) {
	case nil:
		return "", false
	case *ast.StringNode:
		s = v.Value
	case *ast.LiteralNode:
		if v.Value != nil {
			s = v.Value.Value
		}
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		s = v.GetToken().Value
	default:
		// Mappings, sequences and null: describe shows no value for them.
		d.typeError(label, "a string", v)
		return "", false
	}
	out, err := expandEnv(s, d.env)
	var unset unsetEnvError
	switch {
	case errors.As(err, &unset):
		d.errorf(v, "%s: %v", label, err)
		return "", false
	case err != nil:
		d.errorf(v, "%s: a ${env:NAME} reference in it is malformed", label)
		return "", false
	case out == "":
		d.errorf(v, "%s: must not be empty", label)
		return "", false
	}
	return out, true
}

// policyDoc reads an IAM policy: a YAML mapping, which becomes its JSON text, or the JSON
// text itself. ${env:} is not expanded: ${aws:username} and friends are policy variables.
func (d *decoder) policyDoc(label string, e entry) (string, apimodel.Position, bool) {
	pos := d.valuePos(e)
	switch v := d.value(e.val).(type) {
	case nil:
		return "", pos, false
	case *ast.MappingNode:
		var b bytes.Buffer
		if !d.toJSON(&b, v) {
			return "", pos, false
		}
		return b.String(), pos, true
	case *ast.StringNode, *ast.LiteralNode:
		s, _ := d.str(label, v)
		if strings.TrimSpace(s) == "" {
			d.errorAt(pos, "%s: needs a policy document", label)
			return "", pos, false
		}
		return s, pos, true
	default:
		d.typeError(label, "a policy document (a mapping, or its JSON text)", v)
		return "", pos, false
	}
}

// toJSON writes n as JSON, keys in document order. Scalars keep their YAML type, so
// `Version: 2012-10-17` stays the string IAM expects.
func (d *decoder) toJSON(b *bytes.Buffer, n ast.Node) bool {
	writeString := func(s string) {
		out, _ := json.Marshal(s) // a string always marshals
		b.Write(out)
	}
	switch v := d.value(n).(type) {
	case nil:
		return false
	case *ast.MappingNode:
		es, _ := d.entries("", v)
		b.WriteByte('{')
		ok := true
		for i, e := range es {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(e.key)
			b.WriteByte(':')
			ok = d.toJSON(b, e.val) && ok
		}
		b.WriteByte('}')
		return ok
	case *ast.SequenceNode:
		b.WriteByte('[')
		ok := true
		for i, item := range v.Values {
			if i > 0 {
				b.WriteByte(',')
			}
			ok = d.toJSON(b, item) && ok
		}
		b.WriteByte(']')
		return ok
	case *ast.NullNode:
		b.WriteString("null")
	case *ast.BoolNode:
		b.WriteString(strconv.FormatBool(v.Value))
	case *ast.IntegerNode:
		if i, ok := intValue(v); ok {
			b.WriteString(strconv.FormatInt(i, 10))
		} else {
			writeString(v.GetToken().Value)
		}
	case *ast.FloatNode:
		b.WriteString(strconv.FormatFloat(v.Value, 'g', -1, 64))
	case *ast.StringNode:
		writeString(v.Value)
	case *ast.LiteralNode:
		s, _ := d.str("", v)
		writeString(s)
	case *ast.InfinityNode, *ast.NanNode:
		writeString(v.GetToken().Value)
	default:
		d.errorf(v, "a policy document cannot hold %s", describe(v))
		return false
	}
	return true
}

// resolvePlanStages lets usage plan stages name an API by name as well as id, and leave out
// the stage of an API that has one.
func (ld *load) resolvePlanStages() {
	byID := map[string]*apimodel.API{}
	byName := map[string][]*apimodel.API{}
	for _, api := range ld.cfg.APIs {
		byID[api.ID] = api
		byName[api.Name] = append(byName[api.Name], api)
	}
	for _, up := range ld.cfg.UsagePlans {
		for _, st := range up.Stages {
			api, ok := byID[st.APIID]
			if !ok {
				switch named := byName[st.APIID]; len(named) {
				case 0:
				case 1:
					api, st.APIID = named[0], named[0].ID
				default:
					ids := make([]string, len(named))
					for i, a := range named {
						ids[i] = quote(a.ID)
					}
					slices.Sort(ids)
					ld.problem(st.Pos, "usage plan %s: apis %s are all named %s; name the api by its id", quote(up.Name), strings.Join(ids, ", "), quote(st.APIID))
					ld.acc.quiet = append(ld.acc.quiet, st.Pos)
					continue
				}
			}
			if api != nil && st.Stage == "" && len(api.Stages) == 1 {
				st.Stage = api.Stages[0].Name
			}
		}
	}
}
