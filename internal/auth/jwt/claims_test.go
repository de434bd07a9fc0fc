package jwt

import (
	"context"
	"encoding/json"
	"maps"
	"testing"
	"time"
)

func TestClaimRules(t *testing.T) {
	f := setup(t, nil)
	c := f.claims()
	sec := func(d time.Duration) int64 { return t0.Add(d).Unix() }
	cases := []struct {
		name   string
		claims map[string]any
		policy Policy
		kind   Kind // 0: accepted
	}{
		{"valid", c, basePolicy, 0},
		{"exp is now", with(c, "exp", sec(0)), basePolicy, KindExpired},
		{"exp in the past", with(c, "exp", sec(-time.Hour)), basePolicy, KindExpired},
		{"exp a second ahead", with(c, "exp", sec(time.Second)), basePolicy, 0},
		{"fractional exp", with(c, "exp", json.Number("1772366400.5")), basePolicy, 0}, // t0 + 0.5s
		{"fractional exp just past", with(c, "exp", json.Number("1772366399.5")), basePolicy, KindExpired},
		{"missing exp", with(c, "exp", nil), basePolicy, KindClaims},
		{"exp as a string", with(c, "exp", "4102444800"), basePolicy, KindClaims},
		{"exp out of range", with(c, "exp", json.Number("1e999")), basePolicy, KindClaims},
		{"nbf in the future", with(c, "nbf", sec(time.Second)), basePolicy, KindNotYetValid},
		{"nbf is now", with(c, "nbf", sec(0)), basePolicy, 0},
		{"nbf as a string", with(c, "nbf", "0"), basePolicy, KindClaims},
		{"iat in the future", with(c, "iat", sec(time.Minute)), basePolicy, KindIssuedInFuture},
		{"no iat", with(c, "iat", nil), basePolicy, 0},
		{"wrong iss", with(c, "iss", f.p.issuer()+"/"), basePolicy, KindIssuer},
		{"no iss", with(c, "iss", nil), basePolicy, KindIssuer},
		{"wrong aud", with(c, "aud", "client-b"), basePolicy, KindAudience},
		{"aud list, one matches", with(c, "aud", []string{"x", "client-a"}), basePolicy, 0},
		{"aud empty list", with(c, "aud", []string{}), basePolicy, KindAudience},
		{"aud not a string", with(c, "aud", 7), basePolicy, KindAudience},
		{"client_id when there is no aud", with(c, "aud", nil, "client_id", "client-a"), basePolicy, 0},
		{"client_id ignored when aud is present", with(c, "aud", "client-b", "client_id", "client-a"), basePolicy, KindAudience},
		{"neither aud nor client_id", with(c, "aud", nil), basePolicy, KindAudience},
		{"no audience configured", with(c, "aud", nil), Policy{}, 0},
		{"one of the route's scopes", c, Policy{Scopes: []string{"admin", "write"}}, 0},
		{"missing scope", c, Policy{Scopes: []string{"admin"}}, KindScope},
		{"no scope claim", with(c, "scope", nil), Policy{Scopes: []string{"read"}}, KindScope},
		{"scp list", with(c, "scope", nil, "scp", []string{"admin", "x"}), Policy{Scopes: []string{"admin"}}, 0},
		{"scp string", with(c, "scope", nil, "scp", "a admin"), Policy{Scopes: []string{"admin"}}, 0},
		{"scope list", with(c, "scope", []string{"admin"}), Policy{Scopes: []string{"admin"}}, 0},
		{"scope wins over scp", with(c, "scope", "read", "scp", "admin"), Policy{Scopes: []string{"admin"}}, KindScope},
		{"scopes match exactly", with(c, "scope", "Admin admin:x"), Policy{Scopes: []string{"admin"}}, KindScope},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), f.token(tc.claims), tc.policy)
			if tc.kind == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if e := asError(t, err); e.Kind != tc.kind {
				t.Fatalf("kind %d (%v), want %d", e.Kind, e, tc.kind)
			}
		})
	}
}

// TestHTTPClaimsMatchAWS renders the claims of the AWS-recorded payload 2.0 event
// powertools-lambda-typescript/apigw-http/jwt-authorizer-auth.json (a Cognito ID token) from
// the token's JSON types, and compares with what AWS put in the event.
func TestHTTPClaimsMatchAWS(t *testing.T) {
	token := map[string]any{
		"aud": "3nkoep4151b7umeggnottc30u9", "auth_time": json.Number("1718636404"),
		"cognito:username": "aamorosi", "event_id": "c7f6cc62-c476-4c6a-ba5b-745244dfe5ee",
		"exp": json.Number("1718722804"), "iat": json.Number("1718636404"),
		"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_y0bLG4i27",
		"jti": "13727aba-89e6-4896-bd9e-8cbc0f478f9c", "origin_jti": "37cc02cf-5c14-4636-beb3-4f8ca887935b",
		"sub": "d2f50444-0041-7036-aea2-a955fca33d37", "token_use": "id",
	}
	want := map[string]string{
		"aud": "3nkoep4151b7umeggnottc30u9", "auth_time": "1718636404", "cognito:username": "aamorosi",
		"event_id": "c7f6cc62-c476-4c6a-ba5b-745244dfe5ee", "exp": "1718722804", "iat": "1718636404",
		"iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_y0bLG4i27",
		"jti": "13727aba-89e6-4896-bd9e-8cbc0f478f9c", "origin_jti": "37cc02cf-5c14-4636-beb3-4f8ca887935b",
		"sub": "d2f50444-0041-7036-aea2-a955fca33d37", "token_use": "id",
	}
	r := &Result{Claims: token}
	if got := r.HTTPClaims(); !maps.Equal(got, want) {
		t.Errorf("HTTPClaims:\n got %v\nwant %v", got, want)
	}
	// The same token through a REST Cognito authorizer (apigw-rest/jwt-authorizer-auth.json):
	// exp and iat become Java dates, auth_time does not.
	want["exp"], want["iat"] = "Tue Jun 18 15:00:04 UTC 2024", "Mon Jun 17 15:00:04 UTC 2024"
	if got := r.RESTClaims(); !maps.Equal(got, want) {
		t.Errorf("RESTClaims:\n got %v\nwant %v", got, want)
	}
	// Scopes absent: payload 2.0 shows "scopes": null.
	if b, _ := json.Marshal((&Result{Claims: token, Scopes: tokenScopes(token)}).Scopes); string(b) != "null" {
		t.Errorf("scopes marshal as %s, want null", b)
	}
}

func TestClaimRenderingOfOtherTypes(t *testing.T) {
	r := &Result{Claims: map[string]any{
		"cognito:groups": []any{"admin", "users"},
		"flag":           true,
		"n":              json.Number("1.5e3"),
		"obj":            map[string]any{"b": json.Number("2"), "a": "x"},
		"null":           nil,
		"nbf":            json.Number("1e300"),
	}}
	http := r.HTTPClaims()
	for k, want := range map[string]string{
		"cognito:groups": "[admin users]", "flag": "true", "n": "1.5e3", "obj": "map[a:x b:2]",
		"null": "<nil>", "nbf": "1e300",
	} {
		if http[k] != want {
			t.Errorf("HTTPClaims[%s] = %q, want %q", k, http[k], want)
		}
	}
	rest := r.RESTClaims()
	for k, want := range map[string]string{
		"cognito:groups": "[admin, users]", "flag": "true", "obj": "{a=x, b=2}", "null": "null",
		"nbf": "1e300", // beyond year 9999: digits, not a date
	} {
		if rest[k] != want {
			t.Errorf("RESTClaims[%s] = %q, want %q", k, rest[k], want)
		}
	}
}
