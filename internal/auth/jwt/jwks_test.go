package jwt

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestUnknownKidRefetchIsRateLimited: an unseen kid refetches the JWKS at most once per
// interval, however many tokens carry it; a rotated-in key is found by that one refetch.
func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	f := setup(t, func(c *Config) { c.RefreshInterval = time.Minute })
	ctx := context.Background()
	verify := func(kid string) error {
		_, err := f.v.Verify(ctx, sign(t, f.k.attacker, "RS256", kid, f.claims(), nil), basePolicy)
		return err
	}
	if _, err := f.v.Verify(ctx, f.token(f.claims()), basePolicy); err != nil {
		t.Fatal(err)
	}
	if n := f.p.count("/jwks"); n != 1 {
		t.Fatalf("initial fetches: %d", n)
	}

	// Within the interval of the first fetch: unknown kids are refused without fetching.
	f.clk.advance(30 * time.Second)
	for range 5 {
		if e := asError(t, verify("unknown")); e.Kind != KindKeyNotFound {
			t.Fatalf("kind %d", e.Kind)
		}
	}
	if n := f.p.count("/jwks"); n != 1 {
		t.Fatalf("fetches within the interval: %d, want 1", n)
	}

	// The issuer rotates in a new key; after the interval one refetch finds it.
	f.p.setKeys(t, pubJWK(t, f.k.rsa, "rsa-1", "RS256"), pubJWK(t, f.k.attacker, "rsa-2", "RS256"))
	f.clk.advance(31 * time.Second)
	if err := verify("rsa-2"); err != nil {
		t.Fatalf("rotated key: %v", err)
	}
	for _, kid := range []string{"other", "../jwks", "x"} {
		if e := asError(t, verify(kid)); e.Kind != KindKeyNotFound {
			t.Fatalf("kind %d", e.Kind)
		}
	}
	if n := f.p.count("/jwks"); n != 2 {
		t.Fatalf("fetches: %d, want exactly 2", n)
	}
	// Discovery ran once: jwks_uri is remembered, as AWS records it once.
	if n := f.p.count("/.well-known/openid-configuration"); n != 1 {
		t.Errorf("discovery fetched %d times", n)
	}
}

// TestConcurrentVerificationsShareOneFetch: tokens arriving together with a cold cache wait
// for one fetch rather than each starting their own.
func TestConcurrentVerificationsShareOneFetch(t *testing.T) {
	f := setup(t, func(c *Config) { c.JWKSURL = "" })
	f.p.mu.Lock()
	f.p.delay = 100 * time.Millisecond
	f.p.mu.Unlock()
	tok := f.token(f.claims())
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.v.Verify(context.Background(), tok, basePolicy)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.p.count("/jwks"); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

// TestCallerCancellationDoesNotAbortSharedFetch: a caller that gives up gets an error; the
// fetch it started still completes for the next caller.
func TestCallerCancellationDoesNotAbortSharedFetch(t *testing.T) {
	f := setup(t, nil)
	f.p.mu.Lock()
	f.p.delay = 200 * time.Millisecond
	f.p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if e := asError(t, func() error { _, err := f.v.Verify(ctx, f.token(f.claims()), basePolicy); return err }()); e.Kind != KindJWKS {
		t.Fatalf("kind %d", e.Kind)
	}
	if _, err := f.v.Verify(context.Background(), f.token(f.claims()), basePolicy); err != nil {
		t.Fatal(err)
	}
	if n := f.p.count("/jwks"); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1", n)
	}
}

func TestJWKSSizeLimit(t *testing.T) {
	f := setup(t, func(c *Config) { c.RefreshInterval = time.Second })
	good := f.p.jwks
	padded := func(n int) []byte { // valid JSON of exactly n bytes
		return append(bytes.Clone(good[:len(good)-1]), append(bytes.Repeat([]byte(" "), n-len(good)), '}')...)
	}
	f.p.mu.Lock()
	f.p.jwksBody = padded(MaxJWKSBytes + 1)
	f.p.mu.Unlock()
	_, err := f.v.Verify(context.Background(), f.token(f.claims()), basePolicy)
	if e := asError(t, err); e.Kind != KindJWKS || e.Status != 401 || !strings.Contains(e.Error(), "150000") {
		t.Fatalf("oversized JWKS: %v", e)
	}

	f.p.mu.Lock()
	f.p.jwksBody = padded(MaxJWKSBytes)
	f.p.mu.Unlock()
	f.clk.advance(time.Second)
	if _, err := f.v.Verify(context.Background(), f.token(f.claims()), basePolicy); err != nil {
		t.Fatalf("JWKS of exactly %d bytes: %v", MaxJWKSBytes, err)
	}
}

// TestJWKSSizeLimitWithoutContentLength: a chunked body is cut at the limit too.
func TestJWKSSizeLimitWithoutContentLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"keys":[`))
		w.(http.Flusher).Flush()
		for range 20 {
			w.Write(bytes.Repeat([]byte(" "), 10000))
		}
		w.Write([]byte(`]}`))
	}))
	defer srv.Close()
	v, err := New(Config{Issuer: srv.URL, JWKSURL: srv.URL + "/jwks", Clock: newClock().now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), sign(t, keys(t).rsa, "RS256", "k", claimsFor(srv.URL), nil), Policy{})
	if e := asError(t, err); e.Kind != KindJWKS {
		t.Fatalf("got %v", e)
	}
}

// TestJWKSTimeout uses the real 1500 ms limit: a JWKS answering later is not waited for.
func TestJWKSTimeout(t *testing.T) {
	t.Parallel()
	f := setup(t, nil)
	f.p.mu.Lock()
	f.p.delay = 3 * time.Second
	f.p.mu.Unlock()
	start := time.Now()
	_, err := f.v.Verify(context.Background(), f.token(f.claims()), basePolicy)
	took := time.Since(start)
	if e := asError(t, err); e.Kind != KindJWKS {
		t.Fatalf("got %v", e)
	}
	if took < FetchTimeout || took > FetchTimeout+time.Second {
		t.Errorf("gave up after %v, want about %v", took, FetchTimeout)
	}
}

func TestJWKSFailureThenRecovery(t *testing.T) {
	fail := true
	var mu sync.Mutex
	f := setup(t, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		f.p.serve(w, r)
	}))
	defer srv.Close()
	v, err := New(Config{Issuer: f.p.issuer(), JWKSURL: srv.URL + "/jwks", Clock: f.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	tok := f.token(f.claims())
	e := asError(t, func() error { _, err := v.Verify(context.Background(), tok, basePolicy); return err }())
	if e.Kind != KindJWKS || e.Status != 401 ||
		e.WWWAuthenticate != `Bearer scope="" error="invalid_token" error_description="unable to retrieve the issuer's signing keys"` {
		t.Fatalf("got %d %d %s", e.Kind, e.Status, e.WWWAuthenticate)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	// Still inside the interval: the failure is remembered, not retried per request.
	if _, err := v.Verify(context.Background(), tok, basePolicy); err == nil {
		t.Fatal("retried within the interval")
	}
	f.clk.advance(DefaultRefreshInterval)
	if _, err := v.Verify(context.Background(), tok, basePolicy); err != nil {
		t.Fatalf("after the interval: %v", err)
	}
}

// TestStaleKeysServeWhileIssuerIsDown: keys past MaxKeyAge are refetched, and kept if the
// refetch fails.
func TestStaleKeysServeWhileIssuerIsDown(t *testing.T) {
	f := setup(t, nil)
	tok := f.token(with(f.claims(), "exp", t0.Add(3*time.Hour).Unix()))
	if _, err := f.v.Verify(context.Background(), tok, basePolicy); err != nil {
		t.Fatal(err)
	}
	f.p.mu.Lock()
	f.p.jwksBody = []byte("not json")
	f.p.mu.Unlock()
	f.clk.advance(DefaultMaxKeyAge + time.Second)
	if _, err := f.v.Verify(context.Background(), tok, basePolicy); err != nil {
		t.Fatalf("stale keys not used: %v", err)
	}
	if n := f.p.count("/jwks"); n != 2 {
		t.Errorf("JWKS fetched %d times, want 2 (initial, refresh)", n)
	}
}

func TestFetchURLRules(t *testing.T) {
	for _, iss := range []string{
		"http://example.com", "http://10.0.0.1", "http://192.168.1.1:8080/pool",
		"http://127.0.0.1.nip.io", "http://[::2]", "ftp://127.0.0.1", "127.0.0.1", "https://",
		"https://user:pw@idp.example", "https://idp.example/?x=1",
	} {
		if _, err := New(Config{Issuer: iss}); err == nil {
			t.Errorf("issuer %q accepted", iss)
		}
	}
	for _, iss := range []string{
		"https://idp.example", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
		"http://localhost:9229/pool", "http://LOCALHOST", "http://127.0.0.1:8080", "http://127.9.9.9", "http://[::1]:80",
	} {
		if _, err := New(Config{Issuer: iss}); err != nil {
			t.Errorf("issuer %q refused: %v", iss, err)
		}
	}
	if _, err := New(Config{Issuer: "https://idp.example", JWKSURL: "http://idp.example/jwks"}); err == nil {
		t.Error("http JWKS URL off loopback accepted")
	}
}

// TestDiscoveredOrRedirectedURLsFollowTheRules: neither the discovery document nor a redirect
// can point a fetch at plain http off loopback.
func TestDiscoveredOrRedirectedURLsFollowTheRules(t *testing.T) {
	f := setup(t, nil)
	f.p.mu.Lock()
	f.p.discovery = func(string) string { return `{"jwks_uri":"http://192.0.2.1/jwks"}` }
	f.p.mu.Unlock()
	_, err := f.v.Verify(context.Background(), f.token(f.claims()), basePolicy)
	if e := asError(t, err); e.Kind != KindJWKS || !strings.Contains(e.Error(), "loopback") {
		t.Fatalf("discovered http jwks_uri: %v", e)
	}

	redirect := httptest.NewServer(http.RedirectHandler("http://192.0.2.1/jwks", http.StatusFound))
	defer redirect.Close()
	v, err := New(Config{Issuer: f.p.issuer(), JWKSURL: redirect.URL, Clock: f.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(context.Background(), f.token(f.claims()), basePolicy)
	if e := asError(t, err); e.Kind != KindJWKS || !strings.Contains(e.Error(), "loopback") {
		t.Fatalf("redirect off loopback: %v", e)
	}
}
