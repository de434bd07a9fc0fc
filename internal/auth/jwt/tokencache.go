package jwt

import (
	"sync"
	"time"
)

// verifiedCache remembers tokens whose signature already verified, so that a client sending
// the same bearer token on every request costs one map lookup instead of a JSON parse and an
// RSA or ECDSA verification (tens of microseconds, more than the rest of a proxied request).
// Only the signature, issuer and claims parse are cached: time claims, audience and scopes
// are still checked on every request by the caller. Entries live at most cacheTTL, so a key
// removed from the JWKS stops verifying old tokens within that time, as it would once AWS's
// own key cache expired.
type verifiedCache struct {
	mu      sync.RWMutex
	entries map[string]cachedToken
}

type cachedToken struct {
	res     *Result
	expires time.Time
}

const (
	cacheTTL        = 5 * time.Minute
	cacheMaxEntries = 10000
)

func (c *verifiedCache) get(token string, now time.Time) (*Result, bool) {
	c.mu.RLock()
	e, ok := c.entries[token]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return nil, false
	}
	return e.res, true
}

func (c *verifiedCache) put(token string, res *Result, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]cachedToken)
	}
	if len(c.entries) >= cacheMaxEntries {
		// Full: drop expired entries, and if that frees nothing, an arbitrary tenth. Many
		// distinct tokens is the unusual case (or an attack), and only costs re-verification.
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		for k := range c.entries {
			if len(c.entries) < cacheMaxEntries*9/10 {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[token] = cachedToken{res: res, expires: now.Add(cacheTTL)}
}
