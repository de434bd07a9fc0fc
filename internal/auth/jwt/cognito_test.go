package jwt

import (
	"context"
	"net/http"
	"testing"
	"time"
)

func cognitoSetup(t *testing.T, clientIDs ...string) (*CognitoVerifier, *fixture) {
	t.Helper()
	f := setup(t, nil)
	// A local emulator serves the pool's JWKS at {issuer}/.well-known/jwks.json; the fixture's
	// provider serves it through discovery, which works the same.
	c, err := NewCognito(CognitoConfig{Issuer: f.p.issuer(), ClientIDs: clientIDs, Clock: f.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return c, f
}

func idToken(iss string) map[string]any {
	return map[string]any{
		"iss": iss, "aud": "app-client", "token_use": "id", "sub": "u-1", "cognito:username": "ada",
		"cognito:groups": []string{"admin"}, "auth_time": t0.Unix(),
		"iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
}

func accessToken(iss string) map[string]any {
	return map[string]any{
		"iss": iss, "client_id": "app-client", "token_use": "access", "sub": "u-1", "username": "ada",
		"scope": "orders/read aws.cognito.signin.user.admin", "iat": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
	}
}

func TestCognitoTokenUseFollowsMethodScopes(t *testing.T) {
	c, f := cognitoSetup(t)
	iss := f.p.issuer()
	cases := []struct {
		name    string
		claims  map[string]any
		scopes  []string
		ok      bool
		kind    Kind
		message string
	}{
		{"ID token, no method scopes", idToken(iss), nil, true, 0, ""},
		{"access token, no method scopes", accessToken(iss), nil, false, KindTokenUse, "Unauthorized"},
		{"access token, matching scope", accessToken(iss), []string{"orders/write", "orders/read"}, true, 0, ""},
		{"access token, no matching scope", accessToken(iss), []string{"orders/write"}, false, KindScope, "Unauthorized"},
		{"ID token, method scopes", idToken(iss), []string{"orders/read"}, false, KindTokenUse, "Unauthorized"},
		{"refresh token_use", with(idToken(iss), "token_use", "refresh"), nil, false, KindTokenUse, "Unauthorized"},
		{"no token_use", with(idToken(iss), "token_use", nil), nil, false, KindTokenUse, "Unauthorized"},
		{"expired ID token", with(idToken(iss), "exp", t0.Unix()), nil, false, KindExpired, "The incoming token has expired"},
		{"another pool", with(idToken(iss), "iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"), nil, false, KindIssuer, "Unauthorized"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.Verify(context.Background(), f.token(tc.claims), tc.scopes)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				if res.Claims["sub"] != "u-1" {
					t.Errorf("claims %v", res.Claims)
				}
				return
			}
			e := asError(t, err)
			if e.Kind != tc.kind || e.Status != http.StatusUnauthorized || e.Message != tc.message || e.WWWAuthenticate != "" {
				t.Errorf("got kind %d %d %q %q, want kind %d 401 %q", e.Kind, e.Status, e.Message, e.WWWAuthenticate, tc.kind, tc.message)
			}
		})
	}
}

func TestCognitoClientIDs(t *testing.T) {
	c, f := cognitoSetup(t, "app-client")
	iss := f.p.issuer()
	ok := func(claims map[string]any, scopes []string) error {
		_, err := c.Verify(context.Background(), f.token(claims), scopes)
		return err
	}
	if err := ok(idToken(iss), nil); err != nil {
		t.Fatal(err)
	}
	if err := ok(accessToken(iss), []string{"orders/read"}); err != nil {
		t.Fatal(err)
	}
	if e := asError(t, ok(with(idToken(iss), "aud", "other"), nil)); e.Kind != KindAudience {
		t.Errorf("ID token of another client: %d", e.Kind)
	}
	// An access token's client is its client_id; an aud claim does not stand in for it.
	if e := asError(t, ok(with(accessToken(iss), "client_id", "other", "aud", "app-client"), []string{"orders/read"})); e.Kind != KindAudience {
		t.Errorf("access token of another client: %d", e.Kind)
	}
}

func TestCognitoAlgorithmIsRS256Only(t *testing.T) {
	c, f := cognitoSetup(t)
	tok := sign(t, f.k.rsa, "RS384", "rsa-1", idToken(f.p.issuer()), nil)
	if _, err := c.Verify(context.Background(), tok, nil); asError(t, err).Kind != KindAlgorithm {
		t.Fatalf("RS384 accepted or refused for another reason: %v", err)
	}
}

func TestCognitoIssuer(t *testing.T) {
	c, err := NewCognito(CognitoConfig{UserPoolID: "eu-west-1_y0bLG4i27"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Issuer(); got != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_y0bLG4i27" {
		t.Errorf("issuer %s", got)
	}
	for _, bad := range []CognitoConfig{
		{UserPoolID: "y0bLG4i27"},
		{UserPoolID: "eu-west-1_y0bLG4i27", Region: "us-east-1"},
		{UserPoolID: "eu-west-1_../../x"},
		{Issuer: "http://cognito.example/pool"},
	} {
		if _, err := NewCognito(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}

	region, pool, err := ParseUserPoolARN("arn:aws:cognito-idp:us-east-2:111122223333:userpool/us-east-2_abc123")
	if err != nil || region != "us-east-2" || pool != "us-east-2_abc123" {
		t.Errorf("ParseUserPoolARN = %q %q %v", region, pool, err)
	}
	for _, bad := range []string{
		"arn:aws:cognito-idp:us-east-2:111122223333:userpool/us-east-1_abc123",
		"arn:aws:cognito-identity:us-east-2:111122223333:identitypool/us-east-2:abc",
		"us-east-2_abc123",
	} {
		if _, _, err := ParseUserPoolARN(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
