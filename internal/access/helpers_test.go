package access_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"github.com/genkanhq/genkan/internal/apimodel"
	"github.com/genkanhq/genkan/internal/compile"
	"github.com/genkanhq/genkan/internal/gateway"
)

// idp is an OpenID provider on loopback: discovery, a JWKS, and signing keys.
type idp struct {
	srv      *httptest.Server
	rsa, ec  *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	attacker *rsa.PrivateKey
	jwks     []byte
	fetches  atomic.Int32
}

var (
	keyOnce               sync.Once
	rsaKey, attackerKey   *rsa.PrivateKey
	ecKey                 *ecdsa.PrivateKey
)

func newIDP(t *testing.T) *idp {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if attackerKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
	p := &idp{rsa: rsaKey, ecKey: ecKey, attacker: attackerKey}
	set := jwk.NewSet()
	for _, k := range []struct {
		key any
		kid string
	}{{rsaKey, "rsa-1"}, {ecKey, "ec-1"}} {
		pub, err := jwk.PublicKeyOf(k.key)
		if err != nil {
			t.Fatal(err)
		}
		pub.Set(jwk.KeyIDKey, k.kid)
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
			p.fetches.Add(1)
			w.Write(p.jwks)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *idp) issuer() string { return p.srv.URL }

// claims are valid claims for this issuer, now.
func (p *idp) claims(kv ...any) map[string]any {
	c := map[string]any{
		"iss": p.issuer(), "aud": "app", "sub": "user-1", "scope": "pets/read",
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

func sign(t *testing.T, key any, alg, kid string, claims map[string]any, headers map[string]any) string {
	t.Helper()
	payload, _ := json.Marshal(claims)
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

// forged builds header.payload.signature by hand, for tokens jwx refuses to produce.
func forged(header, claims map[string]any, sig string) string {
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(h) + "." + enc.EncodeToString(c) + "." + sig
}

// mockRoute answers 200 with body, so tests can tell which integration a request reached.
func mockRoute(method, path, body string, auth *apimodel.RouteAuth) *apimodel.Route {
	return &apimodel.Route{Method: method, Path: path, Auth: auth, Integration: &apimodel.Integration{
		Type:             apimodel.IntegrationMock,
		RequestTemplates: map[string]string{"application/json": `{"statusCode": 200}`},
		Responses: []*apimodel.IntegrationResponse{{
			StatusCode:        "200",
			ResponseTemplates: map[string]string{"application/json": body},
		}},
	}}
}

// serve compiles cfg and serves it through the real edge handler on a loopback port.
func serve(t *testing.T, cfg *apimodel.Config, deps compile.Deps) string {
	t.Helper()
	tbl, err := compile.Compile(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&gateway.Handler{Tables: gateway.NewHolder(tbl)})
	t.Cleanup(srv.Close)
	return srv.URL
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, req *http.Request) response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

func get(t *testing.T, url string, header ...string) response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(t, req)
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
