package jwt

import (
	"context"
	"testing"
	"time"
)

// A cached token is still checked for time, audience and scopes on every request; only the
// signature verification is skipped, and only for cacheTTL.
func TestVerifiedCacheKeepsPerRequestChecks(t *testing.T) {
	f := setup(t, nil)
	claims := f.claims()
	claims["exp"] = t0.Add(10 * time.Minute).Unix()
	tok := f.token(claims)
	ctx := context.Background()
	steps := []struct {
		name    string
		advance time.Duration
		policy  Policy
		kind    Kind // 0: accepted
	}{
		{"first use verifies", 0, basePolicy, 0},
		{"cached: wrong audience still refused", 0, Policy{Audience: []string{"other"}}, KindAudience},
		{"cached: missing scope still refused", 0, Policy{Audience: basePolicy.Audience, Scopes: []string{"admin"}}, KindScope},
		{"past the cache TTL: verified again", cacheTTL, basePolicy, 0},
		{"expired", 10 * time.Minute, basePolicy, KindExpired},
	}
	for _, s := range steps {
		f.clk.advance(s.advance)
		_, err := f.v.Verify(ctx, tok, s.policy)
		switch {
		case s.kind == 0 && err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case s.kind != 0 && (err == nil || asError(t, err).Kind != s.kind):
			t.Fatalf("%s: got %v, want kind %d", s.name, err, s.kind)
		}
	}
}

func TestVerifiedCacheIsBounded(t *testing.T) {
	var c verifiedCache
	now := t0
	for i := 0; i < cacheMaxEntries+500; i++ {
		c.put(string(rune(i))+"tok", &Result{}, now)
	}
	if n := len(c.entries); n > cacheMaxEntries {
		t.Fatalf("%d entries, want at most %d", n, cacheMaxEntries)
	}
	c.put("x", &Result{}, now)
	if _, ok := c.get("x", now.Add(cacheTTL)); ok {
		t.Fatal("entry served at its expiry")
	}
}
