// Package apikey holds API keys and usage plans: the keys declared in configuration and those
// created through the admin API, which plans cover which API stages, and how many requests each
// key made per day. What is created or generated at runtime is kept in the state directory
// (bbolt) and survives restarts; declared keys and plans follow the configuration on every
// reload. The request path reads an immutable snapshot through an atomic pointer, so Lookup and
// Authorize take no lock, and Record counts in memory with atomics, flushed to disk
// periodically and on Close. Enforcing throttles and quotas is the throttle package's job.
package apikey

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FileName is the store's database inside the state directory.
const FileName = "apikeys.db"

// DefaultFlushInterval is how often usage counters reach the disk while serving.
const DefaultFlushInterval = 10 * time.Second

// Options configure a Store.
type Options struct {
	Logger *slog.Logger
	// Now is the clock for created/updated dates; nil means time.Now.
	Now func() time.Time
	// FlushInterval is how often usage counters are written; <= 0 means DefaultFlushInterval.
	FlushInterval time.Duration
}

// Store is the key and usage store. It is safe for concurrent use.
type Store struct {
	db   *bolt.DB
	log  *slog.Logger
	now  func() time.Time
	snap atomic.Pointer[snapshot]

	mu sync.Mutex // serialises changes to st and the database
	st *state

	cells   atomic.Pointer[map[pair]*cell]
	cellsMu sync.Mutex // serialises adding cells
	flushMu sync.Mutex // one flush at a time, so deltas are never written twice

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type link struct{ plan, key string }

// state is the authoritative in-memory copy of everything, guarded by Store.mu. Plans are
// replaced rather than modified, because snapshots share them.
type state struct {
	keys      map[string]*keyRecord
	plans     map[string]*Plan // created through the admin API
	declPlans map[string]*Plan // from configuration
	links     map[link]bool    // plan-key associations made through the admin API
	declLinks map[link]bool    // associations the configuration declares
}

func (st *state) clone() *state {
	keys := make(map[string]*keyRecord, len(st.keys))
	for id, k := range st.keys {
		c := *k
		keys[id] = &c
	}
	return &state{
		keys:      keys,
		plans:     maps.Clone(st.plans),
		declPlans: maps.Clone(st.declPlans),
		links:     maps.Clone(st.links),
		declLinks: maps.Clone(st.declLinks),
	}
}

func (st *state) plan(id string) *Plan {
	if p := st.declPlans[id]; p != nil {
		return p
	}
	return st.plans[id]
}

func (st *state) linked(l link) bool { return st.links[l] || st.declLinks[l] }

// snapshot is what the request path reads; never modified once published.
type snapshot struct {
	byValue  map[string]*Key
	byID     map[string]*Key
	plans    map[string]*Plan
	keyPlans map[string][]*Plan // key id → its plans, sorted by id
}

// Open opens (creating if needed) the store in dir. Only one process may have it open; a
// second one fails after a second instead of waiting forever.
func Open(dir string, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("apikey: state directory: %w", err)
	}
	path := filepath.Join(dir, FileName)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("apikey: %s is in use by another genkan", path)
	}
	if err != nil {
		return nil, fmt.Errorf("apikey: %w", err)
	}
	// bolt applies the mode only when it creates the file; an older or copied file keeps
	// whatever it had, and it holds key values.
	if err := os.Chmod(path, 0o600); err != nil {
		db.Close()
		return nil, fmt.Errorf("apikey: %w", err)
	}
	s := &Store{db: db, log: o.Logger, now: o.Now, stop: make(chan struct{}), done: make(chan struct{})}
	st, err := load(db)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.st = st
	s.cells.Store(&map[pair]*cell{})
	s.publish()
	go s.flushLoop(o.FlushInterval)
	return s, nil
}

// Close stops the periodic flush, writes the counters still in memory and closes the
// database. Lookups keep answering from the last snapshot; later changes fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		err := s.Flush()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.closeErr = errors.Join(err, s.db.Close())
	})
	return s.closeErr
}

func (s *Store) flushLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if err := s.Flush(); err != nil {
				s.log.Error("writing API key usage counters failed; keeping them in memory", "error", err.Error())
			}
		}
	}
}

// publish rebuilds the snapshot from st; called with mu held (or before the Store is shared).
func (s *Store) publish() {
	st := s.st
	sn := &snapshot{
		byValue:  make(map[string]*Key, len(st.keys)),
		byID:     make(map[string]*Key, len(st.keys)),
		plans:    make(map[string]*Plan, len(st.plans)+len(st.declPlans)),
		keyPlans: make(map[string][]*Plan),
	}
	maps.Copy(sn.plans, st.plans)
	maps.Copy(sn.plans, st.declPlans)
	for _, links := range []map[link]bool{st.links, st.declLinks} {
		for l := range links {
			if p := sn.plans[l.plan]; p != nil && st.keys[l.key] != nil && !slices.Contains(sn.keyPlans[l.key], p) {
				sn.keyPlans[l.key] = append(sn.keyPlans[l.key], p)
			}
		}
	}
	for id, rec := range st.keys {
		k := rec.key()
		plans := sn.keyPlans[id]
		slices.SortFunc(plans, func(a, b *Plan) int { return cmp.Compare(a.ID, b.ID) })
		for _, p := range plans {
			k.Plans = append(k.Plans, p.ID)
		}
		sn.byID[id] = k
		// A declared key whose value comes from the configuration has none until Sync.
		if k.Value != "" {
			sn.byValue[k.Value] = k
		}
	}
	s.snap.Store(sn)
}

// Lookup finds the key with this value. It takes no lock and allocates nothing.
func (s *Store) Lookup(value string) (*Key, bool) {
	k, ok := s.snap.Load().byValue[value]
	return k, ok
}

// Authorize reports whether value is an existing, enabled key that belongs to a usage plan
// covering the API stage, and returns the key and that plan. A key is in at most one plan
// per API stage (AWS refuses a second), so the plan is the one whose quota applies.
func (s *Store) Authorize(value, apiID, stage string) (*Key, *Plan, bool) {
	sn := s.snap.Load()
	k, ok := sn.byValue[value]
	if !ok || !k.Enabled {
		return nil, nil, false
	}
	for _, p := range sn.keyPlans[k.ID] {
		if p.Covers(apiID, stage) {
			return k, p, true
		}
	}
	return nil, nil, false
}

// Key returns the key with this id.
func (s *Store) Key(id string) (*Key, bool) {
	k, ok := s.snap.Load().byID[id]
	return k, ok
}

// Keys returns every key, sorted by id.
func (s *Store) Keys() []*Key {
	sn := s.snap.Load()
	return sortedByID(slices.Collect(maps.Values(sn.byID)), func(k *Key) string { return k.ID })
}

// Plan returns the usage plan with this id.
func (s *Store) Plan(id string) (*Plan, bool) {
	p, ok := s.snap.Load().plans[id]
	return p, ok
}

// Plans returns every usage plan, sorted by id.
func (s *Store) Plans() []*Plan {
	sn := s.snap.Load()
	return sortedByID(slices.Collect(maps.Values(sn.plans)), func(p *Plan) string { return p.ID })
}

// PlanKeys returns the keys that belong to the plan, sorted by id.
func (s *Store) PlanKeys(planID string) ([]*Key, error) {
	sn := s.snap.Load()
	if sn.plans[planID] == nil {
		return nil, planNotFound()
	}
	var keys []*Key
	for _, k := range sn.byID {
		if slices.Contains(k.Plans, planID) {
			keys = append(keys, k)
		}
	}
	return sortedByID(keys, func(k *Key) string { return k.ID }), nil
}

func sortedByID[T any](xs []T, id func(T) string) []T {
	slices.SortFunc(xs, func(a, b T) int { return cmp.Compare(id(a), id(b)) })
	return xs
}
