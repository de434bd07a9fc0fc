package jwt

import (
	"net/http/httptest"
	"testing"
)

func TestStripBearer(t *testing.T) {
	for in, want := range map[string]string{
		"Bearer abc.def.ghi":   "abc.def.ghi",
		"bearer abc":           "abc",
		"BEARER\tabc":          "abc",
		"  Bearer   abc  ":     "abc",
		"abc.def.ghi":          "abc.def.ghi",
		"Bearer":               "",
		"Bearer ":              "",
		"":                     "",
		"Bearerabc":            "Bearerabc",
		"Basic dXNlcjpwYXNz":   "Basic dXNlcjpwYXNz",
		"Bearer Bearer abc.de": "Bearer abc.de",
	} {
		if got := StripBearer(in); got != want {
			t.Errorf("StripBearer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSource(t *testing.T) {
	r := httptest.NewRequest("GET", "/x?token=Bearer%20q.q.q&Token=other", nil)
	r.Header.Set("Authorization", "Bearer h.h.h")
	r.Header.Set("X-Token", "x.x.x")
	for expr, want := range map[string]string{
		"$request.header.Authorization":       "h.h.h",
		"$request.header.authorization":       "h.h.h",
		"$request.header.x-token":             "x.x.x",
		"$request.querystring.token":          "q.q.q",
		"$request.querystring.missing":        "",
		"method.request.header.Authorization": "h.h.h",
	} {
		s, err := ParseSource(expr)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got := s.Token(r); got != want {
			t.Errorf("%s: %q, want %q", expr, got, want)
		}
	}
	for _, bad := range []string{"", "$request.header.", "$context.authorizer.x", "$request.body.token", "Authorization"} {
		if _, err := ParseSource(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
