package apikey

import (
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// KeyInput is CreateApiKey's request.
type KeyInput struct {
	Name        string
	Value       string // empty generates one
	Description string
	CustomerID  string
	Enabled     bool
	StageKeys   []string
}

// KeyUpdate changes the fields that are not nil (UpdateApiKey's replace operations).
type KeyUpdate struct {
	Name        *string
	Description *string
	CustomerID  *string
	Enabled     *bool
}

// PlanInput is CreateUsagePlan's request.
type PlanInput struct {
	Name        string
	Description string
	Stages      []Stage
	Throttle    *apimodel.Throttle
	Quota       *apimodel.Quota
}

// change runs fn on a copy of the state, stores what it wrote, then publishes the copy; an
// error from either leaves everything as it was.
func (s *Store) change(fn func(next *state, tx *bolt.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.st.clone()
	if err := s.db.Update(func(tx *bolt.Tx) error { return fn(next, tx) }); err != nil {
		return err
	}
	s.st = next
	s.publish()
	return nil
}

// CreateKey adds a key through the admin API.
func (s *Store) CreateKey(in KeyInput) (*Key, error) {
	if in.Value == "" {
		in.Value = NewValue()
	} else if err := checkValue(in.Value); err != nil {
		return nil, err
	}
	for _, sk := range in.StageKeys {
		if api, stage, ok := strings.Cut(sk, "/"); !ok || api == "" || stage == "" {
			return nil, invalid(fmt.Sprintf("Invalid stage key %q: expected restApiId/stageName", sk))
		}
	}
	var id string
	err := s.change(func(next *state, tx *bolt.Tx) error {
		for _, r := range next.keys {
			if r.Value == in.Value {
				return conflict("API Key already exists")
			}
		}
		for id = newKeyID(); next.keys[id] != nil; id = newKeyID() {
		}
		now := s.now()
		r := &keyRecord{ID: id, Name: in.Name, Value: in.Value, Description: in.Description, CustomerID: in.CustomerID,
			Enabled: in.Enabled, Created: now, Updated: now, StageKeys: slices.Clone(in.StageKeys)}
		next.keys[id] = r
		return putKey(tx, r)
	})
	if err != nil {
		return nil, err
	}
	k, _ := s.Key(id)
	return k, nil
}

// UpdateKey changes a key created through the admin API.
func (s *Store) UpdateKey(id string, u KeyUpdate) (*Key, error) {
	err := s.change(func(next *state, tx *bolt.Tx) error {
		r := next.keys[id]
		switch {
		case r == nil:
			return keyNotFound()
		case r.Declared:
			return readOnly("API key "+r.Name, r.Pos)
		}
		set(&r.Name, u.Name)
		set(&r.Description, u.Description)
		set(&r.CustomerID, u.CustomerID)
		set(&r.Enabled, u.Enabled)
		r.Updated = s.now()
		return putKey(tx, r)
	})
	if err != nil {
		return nil, err
	}
	k, _ := s.Key(id)
	return k, nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// DeleteKey removes a key created through the admin API, with its plan associations. Its
// usage history stays, as AWS keeps a deleted key's usage in GetUsage.
func (s *Store) DeleteKey(id string) error {
	return s.change(func(next *state, tx *bolt.Tx) error {
		r := next.keys[id]
		switch {
		case r == nil:
			return keyNotFound()
		case r.Declared:
			return readOnly("API key "+r.Name, r.Pos)
		}
		delete(next.keys, id)
		if err := tx.Bucket(bucketKeys).Delete([]byte(id)); err != nil {
			return err
		}
		for l := range next.links {
			if l.key == id {
				delete(next.links, l)
				if err := tx.Bucket(bucketPlanKeys).Delete(linkKey(l)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// CreatePlan adds a usage plan through the admin API.
func (s *Store) CreatePlan(in PlanInput) (*Plan, error) {
	if in.Name == "" {
		return nil, invalid("Usage plan name must be specified")
	}
	if err := checkQuota(in.Quota); err != nil {
		return nil, invalid("Invalid quota: " + err.Error())
	}
	for _, st := range in.Stages {
		if st.APIID == "" || st.Stage == "" {
			return nil, invalid("API stages of a usage plan need both apiId and stage")
		}
	}
	var p *Plan
	err := s.change(func(next *state, tx *bolt.Tx) error {
		id := newPlanID()
		for next.plan(id) != nil {
			id = newPlanID()
		}
		p = &Plan{ID: id, Name: in.Name, Description: in.Description, Stages: slices.Clone(in.Stages),
			Throttle: in.Throttle, Quota: in.Quota, Created: s.now()}
		next.plans[id] = p
		return putPlan(tx, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// DeletePlan removes a usage plan created through the admin API and its key associations.
func (s *Store) DeletePlan(id string) error {
	return s.change(func(next *state, tx *bolt.Tx) error {
		if p := next.declPlans[id]; p != nil {
			return readOnly("usage plan "+p.Name, p.Pos)
		}
		if next.plans[id] == nil {
			return planNotFound()
		}
		delete(next.plans, id)
		if err := tx.Bucket(bucketPlans).Delete([]byte(id)); err != nil {
			return err
		}
		for l := range next.links {
			if l.plan == id {
				delete(next.links, l)
				if err := tx.Bucket(bucketPlanKeys).Delete(linkKey(l)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// AddPlanKey puts a key in a usage plan (CreateUsagePlanKey). Any key may join any plan,
// declared ones included: adding does not contradict the configuration, removing would.
func (s *Store) AddPlanKey(planID, keyID string) (*Key, error) {
	err := s.change(func(next *state, tx *bolt.Tx) error {
		p := next.plan(planID)
		switch {
		case p == nil:
			return planNotFound()
		case next.keys[keyID] == nil:
			return keyNotFound()
		case next.linked(link{planID, keyID}):
			return conflict("API Key %s is already in usage plan %s", keyID, planID)
		}
		for l := range next.links {
			if err := planStageConflict(next, p, l, keyID); err != nil {
				return err
			}
		}
		for l := range next.declLinks {
			if err := planStageConflict(next, p, l, keyID); err != nil {
				return err
			}
		}
		next.links[link{planID, keyID}] = true
		return tx.Bucket(bucketPlanKeys).Put(linkKey(link{planID, keyID}), nil)
	})
	if err != nil {
		return nil, err
	}
	k, _ := s.Key(keyID)
	return k, nil
}

// planStageConflict is AWS's refusal to put a key in two plans that cover one API stage.
func planStageConflict(st *state, p *Plan, l link, keyID string) error {
	other := st.plan(l.plan)
	if l.key != keyID || other == nil || other.ID == p.ID {
		return nil
	}
	for _, stage := range p.Stages {
		if other.Covers(stage.APIID, stage.Stage) {
			return invalid(fmt.Sprintf("Usage Plan %s cannot be added because API Key %s cannot reference multiple Usage Plans with the same API Stage: %s:%s",
				p.ID, keyID, stage.APIID, stage.Stage))
		}
	}
	return nil
}

// RemovePlanKey takes a key out of a usage plan (DeleteUsagePlanKey); associations the
// configuration declares stay.
func (s *Store) RemovePlanKey(planID, keyID string) error {
	return s.change(func(next *state, tx *bolt.Tx) error {
		l := link{planID, keyID}
		switch {
		case next.plan(planID) == nil:
			return planNotFound()
		case next.declLinks[l]:
			r := next.keys[keyID]
			return readOnly(fmt.Sprintf("API key %s's membership of usage plan %s", r.Name, next.plan(planID).Name), r.Pos)
		case !next.links[l]:
			return notFound("Invalid API Key identifier specified")
		}
		delete(next.links, l)
		return tx.Bucket(bucketPlanKeys).Delete(linkKey(l))
	})
}
