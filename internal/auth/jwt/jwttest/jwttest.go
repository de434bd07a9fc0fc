// Package jwttest is an OpenID provider for tests: a discovery document and a JWKS served on
// loopback, RSA and ECDSA signing keys, and helpers that sign (or forge) tokens. Tests of
// every layer that verifies JWTs — the access stage, the gateway process — share it.
package jwttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// Key ids the JWKS publishes.
const (
	RSAKid = "rsa-1"
	ECKid  = "ec-1"
)

// IDP is a running identity provider. RSA and EC are published in its JWKS; Attacker is not.
type IDP struct {
	RSA      *rsa.PrivateKey
	EC       *ecdsa.PrivateKey
	Attacker *rsa.PrivateKey
	// Fetches counts JWKS downloads.
	Fetches atomic.Int32

	srv  *httptest.Server
	jwks []byte
}

var (
	keysOnce            sync.Once
	rsaKey, attackerKey *rsa.PrivateKey
	ecKey               *ecdsa.PrivateKey
	errKeys             error
)

// generated once per test binary: RSA generation is the costly part, and machines are shared.
func keys() error {
	keysOnce.Do(func() {
		if rsaKey, errKeys = rsa.GenerateKey(rand.Reader, 2048); errKeys != nil {
			return
		}
		if attackerKey, errKeys = rsa.GenerateKey(rand.Reader, 2048); errKeys != nil {
			return
		}
		ecKey, errKeys = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	})
	return errKeys
}

// New starts a provider; it stops when the test ends.
func New(t testing.TB) *IDP {
	t.Helper()
	if err := keys(); err != nil {
		t.Fatal(err)
	}
	p := &IDP{RSA: rsaKey, EC: ecKey, Attacker: attackerKey}
	set := jwk.NewSet()
	for kid, key := range map[string]any{RSAKid: rsaKey, ECKid: ecKey} {
		pub, err := jwk.PublicKeyOf(key)
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Set(jwk.KeyIDKey, kid); err != nil {
			t.Fatal(err)
		}
		set.AddKey(pub)
	}
	var err error
	if p.jwks, err = json.Marshal(set); err != nil {
		t.Fatal(err)
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			json.NewEncoder(w).Encode(map[string]string{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/jwks.json"})
		case "/jwks.json":
			p.Fetches.Add(1)
			w.Write(p.jwks)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// Issuer is the provider's issuer URL (http on loopback).
func (p *IDP) Issuer() string { return p.srv.URL }

// Claims are valid claims for this issuer and audience "app", now; kv pairs add or replace
// claims, and a nil value removes one.
func (p *IDP) Claims(kv ...any) map[string]any {
	c := map[string]any{
		"iss": p.Issuer(), "aud": "app", "sub": "user-1", "scope": "pets/read",
		"iat": time.Now().Add(-time.Minute).Unix(), "exp": time.Now().Add(time.Hour).Unix(),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
			continue
		}
		c[kv[i].(string)] = kv[i+1]
	}
	return c
}

// Token is an RS256 token of claims signed with the published RSA key.
func (p *IDP) Token(t testing.TB, claims map[string]any) string {
	return Sign(t, p.RSA, "RS256", RSAKid, claims, nil)
}

// Sign makes a compact JWS of claims with key under alg; headers adds protected headers.
func Sign(t testing.TB, key any, alg, kid string, claims map[string]any, headers map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	if kid != "" {
		h.Set(jws.KeyIDKey, kid)
	}
	for k, v := range headers {
		if err := h.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	a, ok := jwa.LookupSignatureAlgorithm(alg)
	if !ok {
		t.Fatalf("unknown alg %s", alg)
	}
	tok, err := jws.Sign(payload, jws.WithKey(a, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(tok)
}

// Forged builds header.payload.signature by hand, for tokens jwx refuses to produce.
func Forged(header, claims map[string]any, sig string) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + sig
}
