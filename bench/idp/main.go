// Command idp is the identity provider of bench/auth.sh: it serves an OpenID discovery
// document and a JWKS on loopback and writes one RS256 token it signed, valid for a day, to
// the file named by -token, so the JWT route can be driven by wrk with a fixed header.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:9010", "address")
	tokenFile := flag.String("token", "", "file to write a signed token to")
	aud := flag.String("aud", "bench", "token audience")
	flag.Parse()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		log.Fatal(err)
	}
	pub, err := jwk.PublicKeyOf(&key.PublicKey)
	if err != nil {
		log.Fatal(err)
	}
	pub.Set(jwk.KeyIDKey, "bench")
	set := jwk.NewSet()
	set.AddKey(pub)
	jwks, _ := json.Marshal(set)
	issuer := "http://" + *addr
	claims, _ := json.Marshal(map[string]any{
		"iss": issuer, "aud": *aud, "sub": "bench-user", "scope": "bench/read",
		"iat": time.Now().Unix(), "exp": time.Now().Add(24 * time.Hour).Unix(),
	})
	h := jws.NewHeaders()
	h.Set(jws.KeyIDKey, "bench")
	tok, err := jws.Sign(claims, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(h)))
	if err != nil {
		log.Fatal(err)
	}
	if *tokenFile != "" {
		if err := os.WriteFile(*tokenFile, tok, 0o600); err != nil {
			log.Fatal(err)
		}
	}
	http.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "jwks_uri": issuer + "/jwks.json"})
	})
	http.HandleFunc("/jwks.json", func(w http.ResponseWriter, _ *http.Request) { w.Write(jwks) })
	log.Fatal(http.ListenAndServe(*addr, nil))
}
