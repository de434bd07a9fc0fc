package jwt

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/genkanhq/genkan/internal/auth/jwt/jwttest"
)

// t0 is the fake "now" every test runs at; tokens expire an hour later.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// testKeys are generated once per test binary: RSA generation is the costly part of these
// tests, and the machine is shared.
type testKeys struct {
	rsa, attacker, weak *rsa.PrivateKey
	ec                  *ecdsa.PrivateKey
}

var (
	keysOnce sync.Once
	keysVal  testKeys
)

func keys(t testing.TB) testKeys {
	t.Helper()
	keysOnce.Do(func() {
		gen := func(bits int) *rsa.PrivateKey {
			k, err := rsa.GenerateKey(rand.Reader, bits)
			if err != nil {
				panic(err)
			}
			return k
		}
		ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		keysVal = testKeys{rsa: gen(2048), attacker: gen(2048), weak: gen(1024), ec: ec}
	})
	return keysVal
}

// clock is a settable fake time shared by a verifier and its test.
type clock struct{ ns atomic.Int64 }

func newClock() *clock          { c := &clock{}; c.set(t0); return c }
func (c *clock) now() time.Time { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) {
	c.ns.Store(t.UnixNano())
}
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// idp is an identity provider on loopback: discovery document, JWKS, and counters of what
// was asked of it.
type idp struct {
	srv       *httptest.Server
	mu        sync.Mutex
	jwks      []byte
	hits      map[string]int
	delay     time.Duration // before answering the JWKS
	jwksBody  []byte        // when set, served instead of jwks
	discovery func(base string) string
}

func newIDP(t testing.TB, pub ...jwk.Key) *idp {
	t.Helper()
	p := &idp{hits: map[string]int{}}
	p.setKeys(t, pub...)
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) issuer() string { return p.srv.URL }

func (p *idp) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.hits[r.URL.Path]++
	jwks, body, delay, disc := p.jwks, p.jwksBody, p.delay, p.discovery
	p.mu.Unlock()
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		doc := `{"issuer":"` + p.srv.URL + `","jwks_uri":"` + p.srv.URL + `/jwks"}`
		if disc != nil {
			doc = disc(p.srv.URL)
		}
		w.Write([]byte(doc))
	case "/jwks":
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		if body != nil {
			jwks = body
		}
		w.Write(jwks)
	default:
		http.NotFound(w, r)
	}
}

func (p *idp) setKeys(t testing.TB, pub ...jwk.Key) {
	t.Helper()
	set := jwk.NewSet()
	for _, k := range pub {
		if err := set.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.jwks = b
	p.mu.Unlock()
}

func (p *idp) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// pubJWK is key's public half as a JWK with kid (and alg, when not "").
func pubJWK(t testing.TB, key any, kid, alg string) jwk.Key {
	t.Helper()
	k, err := jwk.PublicKeyOf(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		t.Fatal(err)
	}
	if alg != "" {
		a, _ := jwa.LookupSignatureAlgorithm(alg)
		if err := k.Set(jwk.AlgorithmKey, a); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// sign and unsigned are the shared test provider's signers, under the names these tests use.
var (
	sign     = jwttest.Sign
	unsigned = jwttest.Forged
)

// claimsFor are valid claims for iss at t0.
func claimsFor(iss string) map[string]any {
	return map[string]any{
		"iss": iss, "aud": "client-a", "sub": "user-1",
		"iat": t0.Add(-time.Minute).Unix(), "exp": t0.Add(time.Hour).Unix(),
		"scope": "read write",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// asError unwraps err into *Error, failing the test otherwise.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return e
}
