package apikey

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Sync makes the declared keys and plans those of the configuration: new ones appear, changed
// ones change, and declared ones the configuration no longer has disappear (with the
// associations made to them through the admin API). Keys and plans created through the admin
// API stay. A declared key without a value keeps the value generated for it the first time.
// Problems come back as apimodel.Problems with their positions, and nothing changes.
func (s *Store) Sync(keys []*apimodel.APIKey, plans []*apimodel.UsagePlan) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	next := s.st.clone()
	var ps apimodel.Problems
	fail := func(pos apimodel.Position, format string, args ...any) {
		ps = append(ps, apimodel.Problem{Pos: pos, Message: fmt.Sprintf(format, args...)})
	}

	next.declPlans = map[string]*Plan{}
	planNames := map[string]string{}
	for _, p := range plans {
		if p == nil {
			continue
		}
		id := cmp.Or(p.ID, DerivedPlanID(p.Name))
		switch {
		case p.Name == "":
			fail(p.Pos, "usage plan: name is required")
			continue
		case !validID(id):
			fail(p.Pos, "usage plan %s: id %q must be non-empty and contain no '/'", p.Name, id)
			continue
		case next.declPlans[id] != nil:
			fail(p.Pos, "usage plan %s: id %s is declared twice", p.Name, id)
			continue
		case next.plans[id] != nil:
			fail(p.Pos, "usage plan %s: id %s belongs to a plan created through the admin API; delete that plan or choose another id", p.Name, id)
			continue
		case planNames[p.Name] != "":
			fail(p.Pos, "usage plan %s is declared twice", p.Name)
			continue
		}
		if err := checkQuota(p.Quota); err != nil {
			fail(p.Pos, "usage plan %s: %v", p.Name, err)
			continue
		}
		planNames[p.Name] = id
		next.declPlans[id] = declaredPlan(id, p)
	}

	declared := map[string]*keyRecord{}
	var generated []*keyRecord
	next.declLinks = map[link]bool{}
	for _, k := range keys {
		if k == nil {
			continue
		}
		id := cmp.Or(k.ID, DerivedKeyID(k.Name))
		old := s.st.keys[id]
		switch {
		case k.Name == "":
			fail(k.Pos, "API key: name is required")
			continue
		case !validID(id):
			fail(k.Pos, "API key %s: id %q must be non-empty and contain no '/'", k.Name, id)
			continue
		case declared[id] != nil:
			fail(k.Pos, "API key %s: id %s is declared twice", k.Name, id)
			continue
		case old != nil && !old.Declared:
			fail(k.Pos, "API key %s: id %s belongs to a key created through the admin API; delete that key or choose another id", k.Name, id)
			continue
		}
		rec := &keyRecord{ID: id, Name: k.Name, Description: k.Description, Enabled: !k.Disabled,
			Declared: true, Pos: k.Pos, Created: now, Updated: now}
		switch {
		case k.Value != "":
			if err := checkValue(k.Value); err != nil {
				fail(k.Pos, "API key %s: %v", k.Name, err)
				continue
			}
			rec.Value = k.Value
		case old != nil && old.Generated && old.Value != "":
			rec.Value, rec.Generated = old.Value, true
		default:
			rec.Value, rec.Generated = NewValue(), true
			generated = append(generated, rec)
		}
		if old != nil {
			rec.Created, rec.Updated = old.Created, old.Updated
			if old.Name != rec.Name || old.Description != rec.Description || old.Enabled != rec.Enabled || old.Value != rec.Value {
				rec.Updated = now
			}
		}
		for _, ref := range k.Plans {
			pid := resolvePlan(next, ref)
			if pid == "" {
				fail(k.Pos, "API key %s: usage plan %q is not declared", k.Name, ref)
				continue
			}
			next.declLinks[link{pid, id}] = true
		}
		declared[id] = rec
	}

	for id, r := range next.keys {
		if r.Declared && declared[id] == nil {
			delete(next.keys, id)
		}
	}
	for id, r := range declared {
		next.keys[id] = r
	}
	for l := range next.links {
		if next.plan(l.plan) == nil || next.keys[l.key] == nil || next.declLinks[l] {
			delete(next.links, l)
		}
	}
	values := map[string]string{}
	for _, id := range sortedKeys(next.keys) {
		r := next.keys[id]
		if other, dup := values[r.Value]; dup && r.Value != "" {
			fail(r.Pos, "API key %s has the same value as API key %s", r.Name, next.keys[other].Name)
		}
		values[r.Value] = id
	}
	for _, err := range stageConflicts(next) {
		fail(err.pos, "%s", err.msg)
	}
	if len(ps) > 0 {
		return ps.Err()
	}

	err := s.db.Update(func(tx *bolt.Tx) error {
		kb, lb := tx.Bucket(bucketKeys), tx.Bucket(bucketPlanKeys)
		for id, r := range s.st.keys {
			if r.Declared && next.keys[id] == nil {
				if err := kb.Delete([]byte(id)); err != nil {
					return err
				}
			}
		}
		for _, r := range declared {
			if err := putKey(tx, r); err != nil {
				return err
			}
		}
		for l := range s.st.links {
			if !next.links[l] {
				if err := lb.Delete(linkKey(l)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apikey: saving declared keys: %w", err)
	}
	s.st = next
	s.publish()
	for _, r := range generated {
		s.log.Info("generated a value for API key", "name", r.Name, "id", r.ID, "value", Mask(r.Value))
	}
	return nil
}

func declaredPlan(id string, p *apimodel.UsagePlan) *Plan {
	out := &Plan{ID: id, Name: p.Name, Description: p.Description, Declared: true, Pos: p.Pos}
	if p.Throttle != nil {
		t := *p.Throttle
		out.Throttle = &t
	}
	if p.Quota != nil {
		q := *p.Quota
		out.Quota = &q
	}
	for _, st := range p.Stages {
		if st == nil {
			continue
		}
		stage := Stage{APIID: st.APIID, Stage: st.Stage}
		for m, t := range st.Throttle {
			if t == nil {
				continue
			}
			if stage.Throttle == nil {
				stage.Throttle = map[string]apimodel.Throttle{}
			}
			stage.Throttle[m] = *t
		}
		out.Stages = append(out.Stages, stage)
	}
	return out
}

// resolvePlan finds a plan by id or name, declared plans first, as APIKey.Plans allows both.
func resolvePlan(st *state, ref string) string {
	for _, plans := range []map[string]*Plan{st.declPlans, st.plans} {
		if plans[ref] != nil {
			return ref
		}
		var found []string
		for id, p := range plans {
			if p.Name == ref {
				found = append(found, id)
			}
		}
		if len(found) == 1 {
			return found[0]
		}
	}
	return ""
}

type apiStage struct{ api, stage string }

type positioned struct {
	pos apimodel.Position
	msg string
}

// stageConflicts finds keys in two plans that cover the same API stage, which AWS refuses
// (CreateUsagePlanKey) and which would leave Authorize two quotas to choose from.
func stageConflicts(st *state) []positioned {
	byKey := map[string][]string{}
	for _, links := range []map[link]bool{st.links, st.declLinks} {
		for l := range links {
			if st.plan(l.plan) != nil && !slices.Contains(byKey[l.key], l.plan) {
				byKey[l.key] = append(byKey[l.key], l.plan)
			}
		}
	}
	var out []positioned
	for _, keyID := range sortedKeys(byKey) {
		plans := byKey[keyID]
		slices.Sort(plans)
		seen := map[apiStage]string{}
		for _, pid := range plans {
			for _, stage := range st.plan(pid).Stages {
				at := apiStage{stage.APIID, stage.Stage}
				if first, dup := seen[at]; dup {
					k := st.keys[keyID]
					out = append(out, positioned{k.Pos, fmt.Sprintf(
						"API key %s cannot be in usage plans %s and %s: both cover API stage %s/%s, and a key may reference one usage plan per API stage",
						k.Name, planLabel(st.plan(first)), planLabel(st.plan(pid)), at.api, at.stage)})
					continue
				}
				seen[at] = pid
			}
		}
	}
	return out
}

func planLabel(p *Plan) string {
	if p.Declared {
		return p.Name
	}
	return p.Name + " (" + p.ID + ", created through the admin API)"
}

func checkQuota(q *apimodel.Quota) error {
	if q == nil {
		return nil
	}
	switch q.Period {
	case apimodel.QuotaDay, apimodel.QuotaWeek, apimodel.QuotaMonth:
	default:
		return fmt.Errorf("quota period %q must be DAY, WEEK or MONTH", q.Period)
	}
	if q.Limit < 0 || q.Offset < 0 {
		return fmt.Errorf("quota limit and offset must not be negative")
	}
	return nil
}

func validID(id string) bool { return id != "" && !strings.ContainsAny(id, "/\x00") }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
