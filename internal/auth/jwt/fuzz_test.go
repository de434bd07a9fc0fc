package jwt

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// FuzzVerify feeds arbitrary strings to both verifiers. Whatever the input, Verify must not
// panic, must fail with an *Error whose challenge is one well-formed header, and may only
// succeed for a token the test's own key signed. Seeds: testdata/fuzz/FuzzVerify (attack
// shapes) plus tokens signed here (a real signature reaches the claim checks).
func FuzzVerify(f *testing.F) {
	k := keys(f)
	p := newIDP(f, pubJWK(f, k.rsa, "rsa-1", "RS256"), pubJWK(f, k.ec, "ec-1", ""))
	clk := newClock()
	v, err := New(Config{Issuer: p.issuer(), Algorithms: []string{"RS256", "ES256"}, Clock: clk.now})
	if err != nil {
		f.Fatal(err)
	}
	cv, err := NewCognito(CognitoConfig{Issuer: p.issuer(), Clock: clk.now})
	if err != nil {
		f.Fatal(err)
	}
	c := claimsFor(p.issuer())
	f.Add(sign(f, k.rsa, "RS256", "rsa-1", c, nil))
	f.Add(sign(f, k.ec, "ES256", "ec-1", c, nil))
	f.Add(sign(f, k.rsa, "RS256", "rsa-1", with(idToken(p.issuer()), "scope", "read"), nil))
	f.Add("Bearer " + sign(f, k.rsa, "RS256", "rsa-1", c, map[string]any{"jku": p.srv.URL + "/jwks"}))
	f.Add(sign(f, []byte("0123456789abcdef0123456789abcdef"), "HS256", "rsa-1", c, nil))

	policy := Policy{Audience: []string{"client-a"}, Scopes: []string{"read"}}
	f.Fuzz(func(t *testing.T, token string) {
		token = StripBearer(token)
		res, err := v.Verify(context.Background(), token, policy)
		check(t, res, err)
		res, err = cv.Verify(context.Background(), token, nil)
		check(t, res, err)
		if res != nil {
			_ = res.RESTClaims()
		}
	})
}

func check(t *testing.T, res *Result, err error) {
	t.Helper()
	if err == nil {
		if res == nil || res.Claims == nil {
			t.Fatal("nil result without an error")
		}
		_ = res.HTTPClaims()
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T is not *Error: %v", err, err)
	}
	if e.Status != 401 && e.Status != 403 {
		t.Fatalf("status %d", e.Status)
	}
	if strings.ContainsAny(e.WWWAuthenticate, "\r\n\x00") {
		t.Fatalf("challenge splits the header: %q", e.WWWAuthenticate)
	}
	if e.WWWAuthenticate != "" && (!strings.HasPrefix(e.WWWAuthenticate, `Bearer scope="`) || strings.Count(e.WWWAuthenticate, `"`)%2 != 0) {
		t.Fatalf("malformed challenge %q", e.WWWAuthenticate)
	}
}
