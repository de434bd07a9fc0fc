package jwt

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// fixture is a verifier wired to a loopback identity provider publishing an RSA key
// ("rsa-1", alg RS256) and a P-256 key ("ec-1", no alg), found through discovery.
type fixture struct {
	t   *testing.T
	k   testKeys
	p   *idp
	clk *clock
	v   *Verifier
}

func setup(t *testing.T, edit func(*Config)) *fixture {
	t.Helper()
	k := keys(t)
	p := newIDP(t, pubJWK(t, k.rsa, "rsa-1", "RS256"), pubJWK(t, k.ec, "ec-1", ""))
	clk := newClock()
	cfg := Config{Issuer: p.issuer(), Clock: clk.now}
	if edit != nil {
		edit(&cfg)
	}
	v, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, k: k, p: p, clk: clk, v: v}
}

func (f *fixture) token(claims map[string]any) string {
	return sign(f.t, f.k.rsa, "RS256", "rsa-1", claims, nil)
}

func (f *fixture) claims() map[string]any { return claimsFor(f.p.issuer()) }

var basePolicy = Policy{Audience: []string{"client-a"}}

func TestVerifyRS256ThroughDiscovery(t *testing.T) {
	f := setup(t, nil)
	res, err := f.v.Verify(context.Background(), f.token(f.claims()), Policy{Audience: []string{"other", "client-a"}, Scopes: []string{"write"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Claims["sub"]; got != "user-1" {
		t.Errorf("sub = %v", got)
	}
	if got := res.Claims["exp"]; got != json.Number(jsonNum(t0.Add(time.Hour).Unix())) {
		t.Errorf("exp = %#v, want the JSON number kept as json.Number", got)
	}
	if strings.Join(res.Scopes, ",") != "read,write" {
		t.Errorf("scopes = %q", res.Scopes)
	}
	// Later tokens use the cached keys: one discovery, one JWKS fetch in all.
	for range 3 {
		if _, err := f.v.Verify(context.Background(), f.token(f.claims()), basePolicy); err != nil {
			t.Fatal(err)
		}
	}
	if d, j := f.p.count("/.well-known/openid-configuration"), f.p.count("/jwks"); d != 1 || j != 1 {
		t.Errorf("discovery fetched %d times, JWKS %d times; want 1 and 1", d, j)
	}
}

func jsonNum(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestVerifyES256OnlyWhenAllowed(t *testing.T) {
	f := setup(t, nil)
	tok := sign(t, f.k.ec, "ES256", "ec-1", f.claims(), nil)
	_, err := f.v.Verify(context.Background(), tok, basePolicy)
	e := asError(t, err)
	if e.Kind != KindAlgorithm || e.Description != "signing method ES256 is invalid" {
		t.Fatalf("default algorithms: got %v %q, want KindAlgorithm", e.Kind, e.Description)
	}
	if f.p.count("/jwks") != 0 {
		t.Error("a refused algorithm still fetched the JWKS")
	}

	g := setup(t, func(c *Config) { c.Algorithms = []string{"RS256", "ES256"} })
	if _, err := g.v.Verify(context.Background(), sign(t, g.k.ec, "ES256", "ec-1", g.claims(), nil), basePolicy); err != nil {
		t.Fatalf("ES256 allowed: %v", err)
	}
	// An RSA key never verifies ES256, even when the kid points at it.
	_, err = g.v.Verify(context.Background(), sign(t, g.k.ec, "ES256", "rsa-1", g.claims(), nil), basePolicy)
	if e := asError(t, err); e.Kind != KindSignature {
		t.Fatalf("ES256 with the RSA key's kid: %v", e.Kind)
	}
}

func TestNewRefusesSymmetricAndUnknownAlgorithms(t *testing.T) {
	for _, alg := range []string{"HS256", "none", "EdDSA", "rs256"} {
		if _, err := New(Config{Issuer: "https://idp.example", Algorithms: []string{alg}}); err == nil {
			t.Errorf("Algorithms %q accepted", alg)
		}
	}
}

// TestAttacks are the classic JWT attacks; each must fail with 401 and never be verified by
// a key that did not come from the issuer's JWKS.
func TestAttacks(t *testing.T) {
	f := setup(t, nil)
	k := f.k
	claims := f.claims()

	// An attacker's JWKS on loopback, to see whether jku/x5u are ever followed.
	evil := newIDP(t, pubJWK(t, k.attacker, "evil", "RS256"))
	evilJWK := pubJWK(t, k.attacker, "rsa-1", "RS256")

	der, err := x509.MarshalPKIXPublicKey(&k.rsa.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	jwkJSON, _ := json.Marshal(pubJWK(t, k.rsa, "rsa-1", "RS256"))
	good := f.token(claims)
	parts := strings.Split(good, ".")

	cases := []struct {
		name  string
		token string
		kind  Kind
	}{
		{"alg none", unsigned(map[string]any{"alg": "none", "kid": "rsa-1"}, claims, ""), KindAlgorithm},
		{"alg None", unsigned(map[string]any{"alg": "None", "kid": "rsa-1"}, claims, ""), KindAlgorithm},
		{"alg none with the real signature", unsigned(map[string]any{"alg": "none", "kid": "rsa-1"}, claims, parts[2]), KindAlgorithm},
		{"no alg", unsigned(map[string]any{"kid": "rsa-1"}, claims, parts[2]), KindAlgorithm},
		{"alg not a string", unsigned(map[string]any{"alg": []string{"RS256"}, "kid": "rsa-1"}, claims, parts[2]), KindAlgorithm},
		{"HS256 keyed with the PEM public key", sign(t, pemKey, "HS256", "rsa-1", claims, nil), KindAlgorithm},
		{"HS256 keyed with the DER public key", sign(t, der, "HS256", "rsa-1", claims, nil), KindAlgorithm},
		{"HS256 keyed with the JWK", sign(t, jwkJSON, "HS256", "rsa-1", claims, nil), KindAlgorithm},
		{"embedded jwk, real kid", sign(t, k.attacker, "RS256", "rsa-1", claims, map[string]any{"jwk": evilJWK}), KindSignature},
		{"embedded jwk, own kid", sign(t, k.attacker, "RS256", "evil", claims, map[string]any{"jwk": pubJWK(t, k.attacker, "evil", "")}), KindKeyNotFound},
		{"jku to the attacker's JWKS", sign(t, k.attacker, "RS256", "evil", claims, map[string]any{"jku": evil.srv.URL + "/jwks"}), KindKeyNotFound},
		{"x5u to the attacker", sign(t, k.attacker, "RS256", "rsa-1", claims, map[string]any{"x5u": evil.srv.URL + "/jwks"}), KindSignature},
		{"attacker key under the real kid", sign(t, k.attacker, "RS256", "rsa-1", claims, nil), KindSignature},
		{"missing kid", sign(t, k.rsa, "RS256", "", claims, nil), KindKeyNotFound},
		{"path traversal kid", sign(t, k.rsa, "RS256", "../../jwks", claims, nil), KindKeyNotFound},
		{"URL kid", sign(t, k.rsa, "RS256", evil.srv.URL+"/jwks", claims, nil), KindKeyNotFound},
		{"SQL kid", sign(t, k.rsa, "RS256", "rsa-1' OR '1'='1", claims, nil), KindKeyNotFound},
		{"kid with NUL", sign(t, k.rsa, "RS256", "rsa-1\x00", claims, nil), KindKeyNotFound},
		{"tampered payload", parts[0] + "." + strings.Split(f.token(with(claims, "sub", "admin")), ".")[1] + "." + parts[2], KindSignature},
		{"stripped signature", parts[0] + "." + parts[1] + ".", KindMalformed},
		{"RS384 token, JWK says RS256", sign(t, k.rsa, "RS384", "rsa-1", claims, nil), KindSignature},
		{"crit header", sign(t, k.rsa, "RS256", "rsa-1", claims, map[string]any{"crit": []string{"exp"}, "exp": 1}), KindMalformed},
		{"JWE-shaped", "a.b.c.d.e", KindMalformed},
		{"JSON serialization", `{"payload":"` + parts[1] + `","signatures":[{"protected":"` + parts[0] + `","signature":"` + parts[2] + `"}]}`, KindMalformed},
		{"payload not an object", sign(t, k.rsa, "RS256", "rsa-1", nil, nil), KindMalformed},
		{"oversized", strings.Repeat("a", maxTokenBytes) + ".b.c", KindMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := f.v.Verify(context.Background(), c.token, basePolicy)
			if err == nil {
				t.Fatalf("accepted: %v", res.Claims)
			}
			e := asError(t, err)
			if e.Kind != c.kind || e.Status != http.StatusUnauthorized || e.Message != "Unauthorized" {
				t.Errorf("got kind %d status %d %q (%v), want kind %d 401", e.Kind, e.Status, e.Message, e, c.kind)
			}
		})
	}
	if n := evil.count("/jwks"); n != 0 {
		t.Errorf("the attacker's JWKS was fetched %d times", n)
	}
	for path := range f.p.hits {
		if path != "/jwks" && path != "/.well-known/openid-configuration" {
			t.Errorf("a kid or header made the verifier fetch %q", path)
		}
	}
}

// TestWeakRSAKeyIgnored: a 1024-bit key in the JWKS verifies nothing. jwx will neither
// import nor sign with one, so the JWK and the signature are made by hand.
func TestWeakRSAKeyIgnored(t *testing.T) {
	f := setup(t, nil)
	w := f.k.weak
	enc := base64.RawURLEncoding
	f.p.mu.Lock()
	f.p.jwksBody = []byte(`{"keys":[{"kty":"RSA","kid":"weak","n":"` + enc.EncodeToString(w.N.Bytes()) +
		`","e":"` + enc.EncodeToString(big.NewInt(int64(w.E)).Bytes()) + `"}]}`)
	f.p.mu.Unlock()
	input := unsigned(map[string]any{"alg": "RS256", "kid": "weak"}, f.claims(), "")
	input = strings.TrimSuffix(input, ".")
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, w, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.v.Verify(context.Background(), input+"."+enc.EncodeToString(sig), basePolicy)
	if e := asError(t, err); e.Kind != KindKeyNotFound && e.Kind != KindSignature {
		t.Fatalf("got %v", e)
	}
}

func TestWWWAuthenticate(t *testing.T) {
	f := setup(t, nil)
	ctx := context.Background()
	cases := []struct {
		name   string
		token  string
		policy Policy
		status int
		header string
	}{
		{"audience (AWS's documented example)", f.token(f.claims()), Policy{Audience: []string{"nope"}}, 401,
			`Bearer scope="" error="invalid_token" error_description="the token does not have a valid audience"`},
		{"expired, with route scopes", f.token(with(f.claims(), "exp", t0.Add(-time.Second).Unix())), Policy{Scopes: []string{"read", "admin"}}, 401,
			`Bearer scope="read admin" error="invalid_token" error_description="the token has expired"`},
		{"HS256", sign(t, []byte("secret-secret-secret-secret-32by"), "HS256", "rsa-1", f.claims(), nil), Policy{}, 401,
			`Bearer scope="" error="invalid_token" error_description="signing method HS256 is invalid"`},
		{"missing token", "", Policy{Scopes: []string{"read"}}, 401, `Bearer scope="read"`},
		{"insufficient scope", f.token(f.claims()), Policy{Scopes: []string{"admin"}}, 403,
			`Bearer scope="admin" error="insufficient_scope" error_description="the token does not have the required scopes"`},
		{"hostile alg stays one header", unsigned(map[string]any{"alg": "x\"\r\nSet-Cookie: a=b", "kid": "rsa-1"}, f.claims(), "AA"), Policy{}, 401,
			`Bearer scope="" error="invalid_token" error_description="signing method xSet-Cookieab is invalid"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.v.Verify(ctx, c.token, c.policy)
			e := asError(t, err)
			if e.Status != c.status || e.WWWAuthenticate != c.header {
				t.Errorf("got %d %s\nwant %d %s", e.Status, e.WWWAuthenticate, c.status, c.header)
			}
			if c.status == 403 && e.Message != "Forbidden" {
				t.Errorf("message %q", e.Message)
			}
		})
	}
}

func TestVerifyOverHTTPS(t *testing.T) {
	k := keys(t)
	jwks, _ := json.Marshal(map[string]any{"keys": []jwk.Key{pubJWK(t, k.rsa, "rsa-1", "")}})
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			w.Write([]byte(`{"jwks_uri":"` + srv.URL + `/keys"}`))
			return
		}
		w.Write(jwks)
	}))
	defer srv.Close()
	clk := newClock()
	v, err := New(Config{Issuer: srv.URL, HTTPClient: srv.Client(), Clock: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), sign(t, k.rsa, "RS256", "rsa-1", claimsFor(srv.URL), nil), basePolicy); err != nil {
		t.Fatal(err)
	}
}
