package jwt

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// awsAlgorithms are the algorithms an HTTP API JWT authorizer accepts: "Currently, only
// RSA-based algorithms are supported" (AWS, "Control access to HTTP APIs with JWT
// authorizers"). Read as the RS family; RSA-PSS and ECDSA are opt-in through
// Config.Algorithms for identity providers that sign with them locally.
var awsAlgorithms = []string{"RS256", "RS384", "RS512"}

// supported are the algorithms Config.Algorithms may name: asymmetric only, because the keys
// come from a public JWKS. HS* with a JWKS would let anyone holding the public key sign.
var supported = map[string]jwa.SignatureAlgorithm{
	"RS256": jwa.RS256(), "RS384": jwa.RS384(), "RS512": jwa.RS512(),
	"PS256": jwa.PS256(), "PS384": jwa.PS384(), "PS512": jwa.PS512(),
	"ES256": jwa.ES256(), "ES384": jwa.ES384(), "ES512": jwa.ES512(),
}

// Defaults for Config. RefreshInterval bounds how often unseen kids (anyone can mint them)
// can make genkan fetch the JWKS. MaxKeyAge follows AWS's "caches each issuer's signing keys
// for up to 1 hour" (REST API JWT authorizer docs); for HTTP APIs AWS states no figure.
const (
	DefaultRefreshInterval = time.Minute
	DefaultMaxKeyAge       = time.Hour
)

// maxTokenBytes rejects oversized tokens before any parsing. AWS caps request line plus
// headers at 10240 bytes for HTTP APIs, so no real token comes near it.
const maxTokenBytes = 16 << 10

// minRSABits refuses keys anyone can factor; AWS's own floor is not documented.
const minRSABits = 2048

// Config is one issuer's verification setup. The audiences and scopes that vary per
// authorizer and route are passed to Verify instead, so routes share one JWKS cache.
type Config struct {
	// Issuer must equal the token's iss exactly. It is also where discovery starts:
	// {Issuer}/.well-known/openid-configuration. https, or http to a loopback address.
	Issuer string
	// JWKSURL skips discovery when set (same scheme rule as Issuer).
	JWKSURL string
	// Algorithms allowed; empty means AWS's RS256, RS384 and RS512. PS* and ES* may be added
	// for local identity providers; HS* and none are refused.
	Algorithms []string
	// RefreshInterval is the least time between JWKS fetches caused by an unseen kid or a
	// failed fetch; 0 means DefaultRefreshInterval.
	RefreshInterval time.Duration
	// MaxKeyAge is how long fetched keys are used before a refetch; 0 means DefaultMaxKeyAge.
	MaxKeyAge time.Duration
	// HTTPClient fetches discovery and JWKS documents; nil means a plain http.Client. Its
	// Timeout may be shorter than FetchTimeout, never longer in effect.
	HTTPClient *http.Client
	// Clock is the time tokens are checked against and the key cache ages by; nil: time.Now.
	Clock func() time.Time
}

// Policy is what one authorizer and route add to the issuer's checks.
type Policy struct {
	// Audience: the token's aud, or its client_id when it has no aud, must be one of these.
	// Empty skips the check (AWS requires at least one for HTTP API authorizers; that is the
	// configuration validator's job).
	Audience []string
	// Scopes: when non-empty the token must carry at least one (AWS: "at least one of the
	// route's scopes").
	Scopes []string
}

// Verifier checks tokens from one issuer. It is safe for concurrent use; build one per
// issuer and share it across authorizers and routes.
type Verifier struct {
	issuer string
	algs   map[string]jwa.SignatureAlgorithm
	now    func() time.Time
	keys   *keyStore
	cache  verifiedCache
}

// New validates cfg; it does not fetch anything, so a configuration loads while the identity
// provider is still down. Keys are fetched by the first Verify.
func New(cfg Config) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("jwt: issuer is required")
	}
	iss, err := url.Parse(cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("jwt: issuer: %w", err)
	}
	if err := checkFetchURL(iss); err != nil {
		return nil, fmt.Errorf("jwt: issuer: %w", err)
	}
	if iss.RawQuery != "" || iss.Fragment != "" {
		return nil, fmt.Errorf("jwt: issuer %q must not have a query or fragment", cfg.Issuer)
	}
	discovery := ""
	if cfg.JWKSURL != "" {
		u, err := url.Parse(cfg.JWKSURL)
		if err != nil {
			return nil, fmt.Errorf("jwt: jwks url: %w", err)
		}
		if err := checkFetchURL(u); err != nil {
			return nil, fmt.Errorf("jwt: jwks url: %w", err)
		}
	} else {
		discovery = strings.TrimSuffix(cfg.Issuer, "/") + "/.well-known/openid-configuration"
	}

	names := cfg.Algorithms
	if len(names) == 0 {
		names = awsAlgorithms
	}
	algs := make(map[string]jwa.SignatureAlgorithm, len(names))
	for _, n := range names {
		a, ok := supported[n]
		if !ok {
			return nil, fmt.Errorf("jwt: algorithm %q is not supported (allowed: RS*, PS*, ES*)", n)
		}
		algs[n] = a
	}
	if cfg.RefreshInterval < 0 || cfg.MaxKeyAge < 0 {
		return nil, errors.New("jwt: refresh interval and key age must not be negative")
	}
	interval := cfg.RefreshInterval
	if interval == 0 {
		interval = DefaultRefreshInterval
	}
	maxAge := cfg.MaxKeyAge
	if maxAge == 0 {
		maxAge = DefaultMaxKeyAge
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{}
	}
	now := cfg.Clock
	if now == nil {
		now = time.Now
	}
	return &Verifier{
		issuer: cfg.Issuer,
		algs:   algs,
		now:    now,
		keys:   newKeyStore(cfg.JWKSURL, discovery, client, now, interval, maxAge),
	}, nil
}

// Issuer is the configured issuer.
func (v *Verifier) Issuer() string { return v.issuer }

// Verify checks token as an HTTP API JWT authorizer does: algorithm and signature against the
// issuer's JWKS, then iss, aud/client_id, exp, nbf, iat, and the route's scopes. token is the
// bare token (see Source and StripBearer). Every error is an *Error.
func (v *Verifier) Verify(ctx context.Context, token string, p Policy) (*Result, error) {
	res, e := v.verify(ctx, token)
	if e == nil && len(p.Audience) > 0 && !audienceMatches(res.Claims, p.Audience) {
		e = fail(KindAudience, nil)
	}
	if e == nil {
		e = checkTimes(res.Claims, v.now())
	}
	if e == nil && len(p.Scopes) > 0 && !anyScope(res.Scopes, p.Scopes) {
		e = fail(KindScope, nil)
	}
	if e != nil {
		return nil, httpAPI(e, p.Scopes)
	}
	return res, nil
}

// verify does the checks both authorizer kinds share: shape, algorithm, issuer, key and
// signature. Time and audience checks follow in the caller, in AWS's documented order.
func (v *Verifier) verify(ctx context.Context, token string) (*Result, *Error) {
	if token == "" {
		return nil, fail(KindMissingToken, nil)
	}
	if res, ok := v.cache.get(token, v.now()); ok {
		return res, nil
	}
	// A compact JWS is exactly three dot-separated parts; this also refuses JWE (five parts)
	// and the JSON serializations before jwx sees them.
	if len(token) > maxTokenBytes || strings.Count(token, ".") != 2 {
		return nil, fail(KindMalformed, nil)
	}
	// The alg is read by hand, before jwx parses anything: jwx refuses names it does not know
	// as malformed, while AWS answers every algorithm outside its list with "signing method X
	// is invalid". Nothing else in the header is trusted or acted on.
	algName, err := headerAlg(token[:strings.IndexByte(token, '.')])
	if err != nil {
		return nil, fail(KindMalformed, err)
	}
	alg, ok := v.algs[algName]
	if !ok {
		e := fail(KindAlgorithm, nil)
		e.Description = invalidMethod(algName)
		return nil, e
	}
	msg, err := jws.Parse([]byte(token), jws.WithCompact())
	if err != nil {
		return nil, fail(KindMalformed, err)
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return nil, fail(KindMalformed, nil)
	}
	h := sigs[0].ProtectedHeaders()
	// crit names extensions a verifier must understand; genkan understands none, and b64
	// (RFC 7797) would change what the signature covers.
	if h.Has("crit") || h.Has("b64") {
		return nil, fail(KindMalformed, errors.New("crit and b64 headers are not supported"))
	}

	claims, err := decodeClaims(msg.Payload())
	if err != nil {
		return nil, fail(KindMalformed, err)
	}
	// iss is read before the signature is checked only to refuse early: a token from another
	// issuer must not make this issuer's JWKS be refetched.
	if iss, _ := claims["iss"].(string); iss != v.issuer {
		return nil, fail(KindIssuer, nil)
	}

	kid, _ := h.KeyID()
	if kid == "" {
		return nil, fail(KindKeyNotFound, nil)
	}
	keys, e := v.keys.lookup(ctx, kid)
	if e != nil {
		return nil, e
	}
	verified := false
	for _, k := range keys {
		if !keyFits(k, algName) {
			continue
		}
		if _, err := jws.Verify([]byte(token), jws.WithKey(alg, k.key), jws.WithCompact(), jws.WithAlgorithmMatch(true)); err == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, fail(KindSignature, nil)
	}
	res := &Result{Claims: claims, Scopes: tokenScopes(claims)}
	v.cache.put(token, res, v.now())
	return res, nil
}

// headerAlg returns the protected header's alg, "" when it has none or a non-string one.
func headerAlg(seg string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return "", err
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", err
	}
	if h == nil {
		return "", errors.New("header is not a JSON object")
	}
	alg, _ := h["alg"].(string)
	return alg, nil
}

func invalidMethod(alg string) string {
	if a := printableAlg(alg); a != "" {
		return "signing method " + a + " is invalid"
	}
	return "signing method is invalid"
}

// keyFits reports whether k may verify alg: the JWK's own alg (when it names one) must agree,
// RSA algorithms need an RSA key of at least minRSABits, and each ES algorithm its curve
// (RFC 7518 section 3.4).
func keyFits(k publicKey, alg string) bool {
	if k.alg != "" && k.alg != alg {
		return false
	}
	switch key := k.key.(type) {
	case *rsa.PublicKey:
		return (alg[0] == 'R' || alg[0] == 'P') && key.N.BitLen() >= minRSABits
	case *ecdsa.PublicKey:
		switch alg {
		case "ES256":
			return key.Curve == elliptic.P256()
		case "ES384":
			return key.Curve == elliptic.P384()
		case "ES512":
			return key.Curve == elliptic.P521()
		}
	}
	return false
}

// decodeClaims keeps JSON's types: numbers stay json.Number, so "exp": 1718722804 is passed on
// with its digits rather than as a float64 that prints as 1.718722804e+09.
func decodeClaims(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		return nil, err
	}
	if claims == nil {
		return nil, errors.New("claims are not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the claims object")
	}
	return claims, nil
}
