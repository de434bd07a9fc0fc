package apikey

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// Buckets of the database. Keys are stored by id (declared ones too, so that generated values
// and creation dates survive restarts); plans only when created through the admin API, since
// the configuration is the record of declared ones; plankeys holds API-made associations as
// "plan\x00key"; usage holds counters as "plan\x00key\x00YYYY-MM-DD" → uint64 big-endian.
var (
	bucketKeys     = []byte("keys")
	bucketPlans    = []byte("plans")
	bucketPlanKeys = []byte("plankeys")
	bucketUsage    = []byte("usage")
)

// keyRecord is a key as stored and as kept in memory.
type keyRecord struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Value       string    `json:"value,omitempty"`
	Description string    `json:"description,omitempty"`
	CustomerID  string    `json:"customerId,omitempty"`
	Enabled     bool      `json:"enabled"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
	StageKeys   []string  `json:"stageKeys,omitempty"`
	Declared    bool      `json:"declared,omitempty"`
	// Generated marks a value genkan made up for a declared key without one; it is the only
	// declared value stored, because configured values belong to the configuration (which
	// may take them from the environment precisely to keep them out of files).
	Generated bool              `json:"generated,omitempty"`
	Pos       apimodel.Position `json:"-"`
}

func (r *keyRecord) key() *Key {
	return &Key{
		ID: r.ID, Name: r.Name, Value: r.Value, Description: r.Description, CustomerID: r.CustomerID,
		Enabled: r.Enabled, Created: r.Created, Updated: r.Updated, StageKeys: slices.Clone(r.StageKeys),
		Declared: r.Declared, Pos: r.Pos,
	}
}

func (r *keyRecord) stored() ([]byte, error) {
	c := *r
	if c.Declared && !c.Generated {
		c.Value = ""
	}
	return json.Marshal(&c)
}

type planRecord struct {
	ID          string             `json:"id"`
	Name        string             `json:"name"`
	Description string             `json:"description,omitempty"`
	Stages      []Stage            `json:"stages,omitempty"`
	Throttle    *apimodel.Throttle `json:"throttle,omitempty"`
	Quota       *apimodel.Quota    `json:"quota,omitempty"`
	Created     time.Time          `json:"created"`
}

func linkKey(l link) []byte { return []byte(l.plan + "\x00" + l.key) }

func load(db *bolt.DB) (*state, error) {
	st := &state{
		keys:      map[string]*keyRecord{},
		plans:     map[string]*Plan{},
		declPlans: map[string]*Plan{},
		links:     map[link]bool{},
		declLinks: map[link]bool{},
	}
	err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketKeys, bucketPlans, bucketPlanKeys, bucketUsage} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketKeys).ForEach(func(k, v []byte) error {
			var r keyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("key %q: %w", k, err)
			}
			st.keys[r.ID] = &r
			return nil
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketPlans).ForEach(func(k, v []byte) error {
			var r planRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("usage plan %q: %w", k, err)
			}
			st.plans[r.ID] = &Plan{ID: r.ID, Name: r.Name, Description: r.Description, Stages: r.Stages,
				Throttle: r.Throttle, Quota: r.Quota, Created: r.Created}
			return nil
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketPlanKeys).ForEach(func(k, _ []byte) error {
			plan, key, ok := bytes.Cut(k, []byte{0})
			if !ok {
				return fmt.Errorf("usage plan key %q: malformed", k)
			}
			st.links[link{string(plan), string(key)}] = true
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("apikey: reading %s: %w", db.Path(), err)
	}
	return st, nil
}

func putKey(tx *bolt.Tx, r *keyRecord) error {
	v, err := r.stored()
	if err != nil {
		return err
	}
	return tx.Bucket(bucketKeys).Put([]byte(r.ID), v)
}

func putPlan(tx *bolt.Tx, p *Plan) error {
	v, err := json.Marshal(&planRecord{ID: p.ID, Name: p.Name, Description: p.Description, Stages: p.Stages,
		Throttle: p.Throttle, Quota: p.Quota, Created: p.Created})
	if err != nil {
		return err
	}
	return tx.Bucket(bucketPlans).Put([]byte(p.ID), v)
}
