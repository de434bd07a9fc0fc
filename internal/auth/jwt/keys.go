package jwt

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// AWS's HTTP API quotas ("Quotas for configuring and running an HTTP API in API Gateway"):
// "Timeout for JSON Web Key Set endpoint 1500 ms", "Response size from JSON Web Key Set
// endpoint 150000 bytes", "Timeout for OpenID Connect discovery endpoint 1500 ms". AWS names no
// size for the discovery document; genkan holds it to the JWKS limit.
const (
	FetchTimeout = 1500 * time.Millisecond
	MaxJWKSBytes = 150000
)

// maxRedirects bounds redirect chains; every hop must pass the same URL rule as the first.
const maxRedirects = 5

// publicKey is one usable JWKS entry, converted once per fetch rather than per request.
type publicKey struct {
	key crypto.PublicKey // *rsa.PublicKey or *ecdsa.PublicKey
	alg string           // the JWK's own alg, "" when it names none
}

// fetchCall is one in-flight discovery+JWKS fetch that every concurrent verification waits on.
type fetchCall struct{ done chan struct{} }

// keyStore is an issuer's JWKS cache. Keys come from the configured or discovered JWKS and from
// nowhere else: a token's jwk, jku, x5u and x5c headers are never read.
type keyStore struct {
	discoveryURL string // "" when the JWKS URL was configured
	client       *http.Client
	now          func() time.Time
	interval     time.Duration // least time between two fetches started by a cache miss
	maxAge       time.Duration // after this the keys are refetched before use

	mu        sync.Mutex
	jwksURL   string                 // configured, or discovered by the first successful fetch
	keys      map[string][]publicKey // by kid; nil until a fetch succeeds
	fetched   time.Time              // last successful fetch
	attempted time.Time              // last fetch started, successful or not
	lastErr   error                  // of the last fetch, nil after a success
	inflight  *fetchCall
}

func newKeyStore(jwksURL, discoveryURL string, client *http.Client, now func() time.Time, interval, maxAge time.Duration) *keyStore {
	// A copy, so the caller's client keeps its own redirect policy; ours re-checks every hop
	// so a redirect cannot take a fetch from https to plain http off the loopback interface.
	c := *client
	inner := client.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if err := checkFetchURL(req.URL); err != nil {
			return err
		}
		if inner != nil {
			return inner(req, via)
		}
		return nil
	}
	return &keyStore{
		jwksURL: jwksURL, discoveryURL: discoveryURL, client: &c, now: now,
		interval: interval, maxAge: maxAge,
	}
}

// lookup returns the keys published under kid. An unseen kid (or keys older than maxAge)
// triggers a fetch, at most one per interval however many tokens ask, and concurrent callers
// share it. When a refetch fails, the keys already held stay in use.
func (s *keyStore) lookup(ctx context.Context, kid string) ([]publicKey, *Error) {
	s.mu.Lock()
	now := s.now()
	if s.keys != nil && now.Sub(s.fetched) < s.maxAge {
		if ks := s.keys[kid]; len(ks) > 0 {
			s.mu.Unlock()
			return ks, nil
		}
	}
	call := s.inflight
	if call == nil && (s.attempted.IsZero() || now.Sub(s.attempted) >= s.interval) {
		call = &fetchCall{done: make(chan struct{})}
		s.inflight, s.attempted = call, now
		// The fetch outlives a caller that gives up, so the others waiting on it still get
		// keys; each HTTP request inside it is bounded by FetchTimeout.
		go s.fetch(context.WithoutCancel(ctx), call)
	}
	s.mu.Unlock()

	if call != nil {
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, fail(KindJWKS, ctx.Err())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ks := s.keys[kid]; len(ks) > 0 {
		return ks, nil // possibly stale, if the refetch failed: better than refusing everyone
	}
	if s.keys == nil && s.lastErr != nil {
		return nil, fail(KindJWKS, s.lastErr)
	}
	return nil, fail(KindKeyNotFound, nil)
}

func (s *keyStore) fetch(ctx context.Context, call *fetchCall) {
	s.mu.Lock()
	jwksURL := s.jwksURL
	s.mu.Unlock()

	keys, discovered, err := s.download(ctx, jwksURL)

	s.mu.Lock()
	if err == nil {
		s.keys, s.fetched, s.lastErr = keys, s.now(), nil
		if discovered != "" {
			s.jwksURL = discovered // AWS records jwks_uri once and refetches only the JWKS
		}
	} else {
		s.lastErr = err
	}
	s.inflight = nil
	close(call.done)
	s.mu.Unlock()
}

func (s *keyStore) download(ctx context.Context, jwksURL string) (map[string][]publicKey, string, error) {
	var discovered string
	if jwksURL == "" {
		body, err := s.get(ctx, s.discoveryURL)
		if err != nil {
			return nil, "", fmt.Errorf("openid-configuration: %w", err)
		}
		var doc struct {
			JWKSURI string `json:"jwks_uri"`
		}
		if err := json.Unmarshal(body, &doc); err != nil {
			return nil, "", fmt.Errorf("openid-configuration %s: %w", s.discoveryURL, err)
		}
		if doc.JWKSURI == "" {
			return nil, "", fmt.Errorf("openid-configuration %s has no jwks_uri", s.discoveryURL)
		}
		jwksURL, discovered = doc.JWKSURI, doc.JWKSURI
	}
	body, err := s.get(ctx, jwksURL)
	if err != nil {
		return nil, "", fmt.Errorf("jwks: %w", err)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, "", fmt.Errorf("jwks %s: %w", jwksURL, err)
	}
	return keys, discovered, nil
}

var errTooLarge = errors.New("response exceeds the 150000-byte limit")

// get fetches u under AWS's limits: FetchTimeout for the whole exchange, body included (a
// server dribbling bytes cannot hold a fetch open), and MaxJWKSBytes of body.
func (s *keyStore) get(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if err := checkFetchURL(u); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d", u.Redacted(), resp.StatusCode)
	}
	if resp.ContentLength > MaxJWKSBytes {
		return nil, errTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return nil, err
	}
	if len(body) > MaxJWKSBytes {
		return nil, errTooLarge
	}
	return body, nil
}

// parseJWKS keeps the keys a JWT authorizer can use. Entries are parsed one by one so that
// one key of a type genkan does not use (or a malformed one) does not hide the others.
func parseJWKS(body []byte) (map[string][]publicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&set); err != nil {
		return nil, err
	}
	if set.Keys == nil {
		return nil, errors.New(`no "keys" array`)
	}
	out := map[string][]publicKey{}
	for _, raw := range set.Keys {
		k, err := jwk.ParseKey(raw)
		if err != nil {
			continue
		}
		kid, _ := k.KeyID()
		if kid == "" {
			continue // AWS matches keys by kid alone
		}
		if use, ok := k.KeyUsage(); ok && use != "sig" {
			continue
		}
		pk, err := k.PublicKey() // a JWKS that leaks "d" still only yields the public half
		if err != nil {
			continue
		}
		var rawKey any
		if err := jwk.Export(pk, &rawKey); err != nil {
			continue
		}
		switch rawKey.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey:
		default:
			continue // symmetric ("oct") and OKP keys can never verify an allowed algorithm
		}
		var alg string
		if a, ok := k.Algorithm(); ok {
			alg = a.String()
		}
		out[kid] = append(out[kid], publicKey{key: rawKey, alg: alg})
	}
	return out, nil
}

// checkFetchURL is the rule for every issuer, discovery, JWKS and redirect URL: https, or
// http to a loopback address (127.0.0.0/8, ::1, localhost) so local identity providers work.
// AWS itself fetches only from public https endpoints.
func checkFetchURL(u *url.URL) error {
	if u.Host == "" || u.User != nil {
		return fmt.Errorf("%q is not an absolute URL without credentials", u.Redacted())
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%s: http is only allowed to loopback addresses; use https", u.Redacted())
	}
	return fmt.Errorf("%s: scheme must be https", u.Redacted())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
