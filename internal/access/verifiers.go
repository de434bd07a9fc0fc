package access

import (
	"net/http"
	"strings"
	"sync"

	"github.com/genkanhq/genkan/internal/auth/jwt"
)

// Verifiers keeps one JWT verifier per issuer for the life of the process, so that a reload
// or a second authorizer naming the same issuer reuses the fetched JWKS instead of fetching
// it again (and so that an unseen-kid refetch limit holds across reloads).
type Verifiers struct {
	// HTTPClient fetches discovery documents and JWKS; nil means a plain client.
	HTTPClient *http.Client

	mu      sync.Mutex
	jwt     map[string]*jwt.Verifier
	cognito map[string]*jwt.CognitoVerifier
}

// localAlgorithms are accepted besides AWS's RS256/384/512: local identity providers and test
// suites often sign with ECDSA or RSA-PSS, and refusing them would make genkan useless for
// them while adding no safety (the JWKS key still decides what verifies).
var localAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// JWT returns the verifier for an issuer (and JWKS URL, when discovery is skipped).
func (v *Verifiers) JWT(issuer, jwksURL string) (*jwt.Verifier, error) {
	key := issuer + "\x00" + jwksURL
	v.mu.Lock()
	defer v.mu.Unlock()
	if got, ok := v.jwt[key]; ok {
		return got, nil
	}
	ver, err := jwt.New(jwt.Config{Issuer: issuer, JWKSURL: jwksURL, Algorithms: localAlgorithms, HTTPClient: v.HTTPClient})
	if err != nil {
		return nil, err
	}
	if v.jwt == nil {
		v.jwt = map[string]*jwt.Verifier{}
	}
	v.jwt[key] = ver
	return ver, nil
}

// Cognito returns the verifier for a user pool.
func (v *Verifiers) Cognito(cfg jwt.CognitoConfig) (*jwt.CognitoVerifier, error) {
	key := strings.Join([]string{cfg.UserPoolID, cfg.Region, cfg.Issuer, cfg.JWKSURL}, "\x00")
	v.mu.Lock()
	defer v.mu.Unlock()
	if got, ok := v.cognito[key]; ok {
		return got, nil
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = v.HTTPClient
	}
	ver, err := jwt.NewCognito(cfg)
	if err != nil {
		return nil, err
	}
	if v.cognito == nil {
		v.cognito = map[string]*jwt.CognitoVerifier{}
	}
	v.cognito[key] = ver
	return ver, nil
}
