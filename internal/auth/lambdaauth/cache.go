package lambdaauth

import (
	"container/list"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxEntries bounds a result cache when Config.MaxEntries is 0: enough for every
// caller of a local gateway, small enough that a client sending a new token per request
// cannot grow it without limit.
const DefaultMaxEntries = 10000

// cache holds results by identity: an LRU list with an expiry per entry. It is safe for
// concurrent use.
type cache struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	order *list.List // front: most recently used
	items map[string]*list.Element
}

type cacheEntry struct {
	key     string
	stage   string
	res     *result
	expires time.Time
}

func newCache(ttl time.Duration, max int) *cache {
	if max <= 0 {
		max = DefaultMaxEntries
	}
	return &cache{ttl: ttl, max: max, order: list.New(), items: map[string]*list.Element{}}
}

// cacheKey joins the stage and the identity values so that no two different lists give the
// same key: each value is prefixed with its length. AWS caches per stage (the admin API flushes
// one stage's authorizer cache), and a stage variable may be an identity source.
func cacheKey(stage string, vals []string) string {
	var b strings.Builder
	n := len(stage) + 8
	for _, v := range vals {
		n += len(v) + 8
	}
	b.Grow(n)
	for _, v := range append([]string{stage}, vals...) {
		b.WriteString(strconv.Itoa(len(v)))
		b.WriteByte(':')
		b.WriteString(v)
	}
	return b.String()
}

func (c *cache) get(key string, now time.Time) (*result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.order.Remove(el)
		delete(c.items, key)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.res, true
}

func (c *cache) put(key, stage string, res *result, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp := now.Add(c.ttl)
	if el, ok := c.items[key]; ok {
		e := el.Value.(*cacheEntry)
		e.res, e.expires = res, exp
		c.order.MoveToFront(el)
		return
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, stage: stage, res: res, expires: exp})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
}

// flush drops the entries of one stage, or every entry when stage is "".
func (c *cache) flush(stage string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if stage == "" {
		c.order.Init()
		clear(c.items)
		return
	}
	for el := c.order.Front(); el != nil; {
		next := el.Next()
		if e := el.Value.(*cacheEntry); e.stage == stage {
			c.order.Remove(el)
			delete(c.items, e.key)
		}
		el = next
	}
}

func (c *cache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
