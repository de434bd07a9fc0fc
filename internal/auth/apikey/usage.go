package apikey

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/genkanhq/genkan/internal/apimodel"
)

// MaxUsageDays bounds one usage query, so that a far-off end date cannot make the answer
// (one entry per key per day) arbitrarily large.
const MaxUsageDays = 366

// NoQuotaRemaining is the remaining count reported for plans without a quota. AWS's documents
// only describe plans with one; 0 keeps the [used, remaining] shape without inventing a limit.
const NoQuotaRemaining = 0

// pair identifies a counter; a two-string struct keeps map lookups on the request path free
// of allocations (no string concatenation, no interface boxing).
type pair struct{ plan, key string }

// cell counts one key's requests in one plan. The current day's counter is reached through an
// atomic pointer, so Record is one Load and one Add; a new day takes the mutex once to swap
// in a new counter and keep the old one until a flush has drained it.
type cell struct {
	cur atomic.Pointer[dayCount]
	mu  sync.Mutex
	old []*dayCount // earlier days not yet drained; guarded by mu
}

type dayCount struct {
	day  int32 // days since 1970-01-01 UTC
	n    atomic.Int64
	idle bool // a flush already found it empty; guarded by cell.mu
}

func dayOf(t time.Time) int32 {
	u := t.Unix()
	d := u / 86400
	if u < 0 && u%86400 != 0 {
		d--
	}
	return int32(d)
}

func dayTime(d int32) time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

func dayString(d int32) string { return dayTime(d).Format(time.DateOnly) }

// Record counts one request by the key under the plan on at's day (UTC, as AWS's usage
// reports). It allocates nothing once the key and plan have been seen.
func (s *Store) Record(keyID, planID string, at time.Time) {
	day := dayOf(at)
	c := (*s.cells.Load())[pair{planID, keyID}]
	if c == nil {
		c = s.addCell(pair{planID, keyID})
	}
	if dc := c.cur.Load(); dc != nil && dc.day == day {
		dc.n.Add(1)
		return
	}
	c.add(day, 1)
}

func (s *Store) addCell(p pair) *cell {
	s.cellsMu.Lock()
	defer s.cellsMu.Unlock()
	cells := *s.cells.Load()
	if c := cells[p]; c != nil {
		return c
	}
	next := maps.Clone(cells)
	c := &cell{}
	next[p] = c
	s.cells.Store(&next)
	return c
}

// add is Record's slow path (another day than the current one) and where a failed flush puts
// its counts back.
func (c *cell) add(day int32, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := c.cur.Load()
	if cur != nil && cur.day == day {
		cur.n.Add(n)
		return
	}
	for _, dc := range c.old {
		if dc.day == day {
			dc.n.Add(n)
			return
		}
	}
	dc := &dayCount{day: day}
	dc.n.Add(n)
	if cur == nil || day > cur.day {
		if cur != nil {
			c.old = append(c.old, cur)
		}
		c.cur.Store(dc)
		return
	}
	c.old = append(c.old, dc)
}

type row struct {
	pair
	day int32
}

func (r row) dbKey() []byte { return []byte(r.plan + "\x00" + r.key + "\x00" + dayString(r.day)) }

// drain takes the counts accumulated since the last flush. A replaced day's counter is kept
// for one more flush after it was found empty, because a Record that loaded it just before the
// day changed may still add to it.
func (c *cell) drain(p pair, into map[row]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if dc := c.cur.Load(); dc != nil {
		if n := dc.n.Swap(0); n != 0 {
			into[row{p, dc.day}] += n
		}
	}
	keep := c.old[:0]
	for _, dc := range c.old {
		if n := dc.n.Swap(0); n != 0 {
			into[row{p, dc.day}] += n
			dc.idle = false
		} else if dc.idle {
			continue
		} else {
			dc.idle = true
		}
		keep = append(keep, dc)
	}
	clear(c.old[len(keep):])
	c.old = keep
}

// Flush writes the counts recorded since the last flush. If the write fails they go back into
// memory for the next attempt.
func (s *Store) Flush() error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	cells := *s.cells.Load()
	deltas := map[row]int64{}
	for p, c := range cells {
		c.drain(p, deltas)
	}
	if len(deltas) == 0 {
		return nil
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketUsage)
		for r, n := range deltas {
			k := r.dbKey()
			var buf [8]byte
			binary.BigEndian.PutUint64(buf[:], uint64(readCount(b.Get(k))+n))
			if err := b.Put(k, buf[:]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		for r, n := range deltas {
			cells[r.pair].add(r.day, n)
		}
		return fmt.Errorf("apikey: writing usage: %w", err)
	}
	return nil
}

func readCount(v []byte) int64 {
	if len(v) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(v))
}

// Usage is GetUsage's answer: per key, one [used, remaining] pair per day from Start to End.
type Usage struct {
	PlanID string
	Start  string // YYYY-MM-DD
	End    string
	Items  map[string][][2]int64
}

// Usage reports a plan's usage between two dates (inclusive, UTC), for one key or for every
// key that is in the plan or made requests under it in that time. Remaining is the plan's
// quota minus what the key used since the start of that day's quota period.
func (s *Store) Usage(planID, keyID string, start, end time.Time) (*Usage, error) {
	p, ok := s.Plan(planID)
	if !ok {
		return nil, planNotFound()
	}
	first, last := dayOf(start), dayOf(end)
	switch {
	case last < first:
		return nil, invalid("The end date must not be before the start date")
	case last-first >= MaxUsageDays:
		return nil, invalid(fmt.Sprintf("A usage query may span at most %d days", MaxUsageDays))
	}
	if err := s.Flush(); err != nil {
		return nil, err
	}
	from := first
	if p.Quota != nil {
		from = dayOf(PeriodStart(p.Quota, dayTime(first)))
	}
	counts := map[string]map[int32]int64{}
	if keyID != "" {
		counts[keyID] = map[int32]int64{}
	} else if keys, err := s.PlanKeys(planID); err == nil {
		for _, k := range keys {
			counts[k.ID] = map[int32]int64{}
		}
	}
	found := false
	err := s.db.View(func(tx *bolt.Tx) error {
		prefix := []byte(planID + "\x00")
		c := tx.Bucket(bucketUsage).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			key, date, ok := bytes.Cut(k[len(prefix):], []byte{0})
			if !ok || (keyID != "" && string(key) != keyID) {
				continue
			}
			t, err := time.Parse(time.DateOnly, string(date))
			if err != nil {
				continue
			}
			if d := dayOf(t); d >= from && d <= last {
				if counts[string(key)] == nil {
					counts[string(key)] = map[int32]int64{}
				}
				counts[string(key)][d] += readCount(v)
				found = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("apikey: reading usage: %w", err)
	}
	if _, exists := s.Key(keyID); keyID != "" && !exists && !found {
		return nil, notFound("Invalid Key identifier specified")
	}
	u := &Usage{PlanID: planID, Start: dayString(first), End: dayString(last), Items: map[string][][2]int64{}}
	for _, key := range slices.Sorted(maps.Keys(counts)) {
		u.Items[key] = series(p.Quota, counts[key], from, first, last)
	}
	return u, nil
}

// series turns daily counts into [used, remaining] pairs from first to last, summing from
// from (the start of first's quota period) so that remaining reflects the whole period.
func series(q *apimodel.Quota, counts map[int32]int64, from, first, last int32) [][2]int64 {
	out := make([][2]int64, 0, last-first+1)
	var used int64
	for d := from; d <= last; d++ {
		if q != nil && dayOf(PeriodStart(q, dayTime(d))) == d {
			used = 0
		}
		used += counts[d]
		if d < first {
			continue
		}
		remaining := int64(NoQuotaRemaining)
		if q != nil {
			remaining = max(int64(q.Limit)-used, 0)
		}
		out = append(out, [2]int64{counts[d], remaining})
	}
	return out
}

// PeriodStart is the start (00:00 UTC) of the quota period containing t. DAY periods are UTC
// days; WEEK periods start on the weekday Offset (0 is Sunday); MONTH periods on day
// Offset+1 of the month (AWS resets monthly quotas on the 1st by default). Offset follows
// apimodel.Quota: AWS's references disagree on its meaning (days into the period in the
// CloudFormation and SDK documents, requests already used in the API reference).
func PeriodStart(q *apimodel.Quota, t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if q == nil {
		return day
	}
	switch q.Period {
	case apimodel.QuotaWeek:
		back := (int(day.Weekday()) - q.Offset%7 + 7) % 7
		return day.AddDate(0, 0, -back)
	case apimodel.QuotaMonth:
		first := min(q.Offset, 27) + 1
		if day.Day() >= first {
			return time.Date(day.Year(), day.Month(), first, 0, 0, 0, 0, time.UTC)
		}
		return time.Date(day.Year(), day.Month()-1, first, 0, 0, 0, 0, time.UTC)
	}
	return day
}
