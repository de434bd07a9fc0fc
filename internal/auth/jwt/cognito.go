package jwt

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// CognitoConfig configures a REST API COGNITO_USER_POOLS authorizer for one user pool.
type CognitoConfig struct {
	// UserPoolID is "{region}_{id}", as in the authorizer's providerARNs.
	UserPoolID string
	// Region defaults to the pool ID's prefix.
	Region string
	// Issuer replaces https://cognito-idp.{region}.amazonaws.com/{UserPoolID}, for a local
	// Cognito emulator (https, or http on loopback).
	Issuer string
	// ClientIDs, when set, restrict tokens to these app clients: an ID token's aud, an access
	// token's client_id. AWS's authorizer has no such list (it accepts any client of the
	// pool); this is for configurations that want one.
	ClientIDs []string

	JWKSURL         string // skips discovery; Cognito publishes {issuer}/.well-known/jwks.json
	RefreshInterval time.Duration
	MaxKeyAge       time.Duration
	HTTPClient      *http.Client
	Clock           func() time.Time
}

// CognitoVerifier checks tokens as a REST API Cognito user pool authorizer does.
type CognitoVerifier struct {
	v         *Verifier
	clientIDs []string
}

var (
	regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
	poolRE   = regexp.MustCompile(`^([a-z]{2}(-[a-z]+)+-[0-9]+)_[0-9A-Za-z]+$`)
)

// CognitoIssuer is a user pool's issuer, as Cognito puts it in iss.
func CognitoIssuer(region, userPoolID string) string {
	return "https://cognito-idp." + region + ".amazonaws.com/" + userPoolID
}

// ParseUserPoolARN splits arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}, the form
// of a COGNITO_USER_POOLS authorizer's providerARNs.
func ParseUserPoolARN(arn string) (region, userPoolID string, err error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") ||
		parts[2] != "cognito-idp" || !strings.HasPrefix(parts[5], "userpool/") {
		return "", "", fmt.Errorf("jwt: %q is not a Cognito user pool ARN", arn)
	}
	region, userPoolID = parts[3], strings.TrimPrefix(parts[5], "userpool/")
	m := poolRE.FindStringSubmatch(userPoolID)
	if m == nil || m[1] != region {
		return "", "", fmt.Errorf("jwt: %q: user pool ID %q does not belong to region %q", arn, userPoolID, region)
	}
	return region, userPoolID, nil
}

// NewCognito validates cfg. Cognito signs with RS256 only, so nothing else is accepted.
func NewCognito(cfg CognitoConfig) (*CognitoVerifier, error) {
	issuer := cfg.Issuer
	if issuer == "" {
		m := poolRE.FindStringSubmatch(cfg.UserPoolID)
		if m == nil {
			return nil, fmt.Errorf("jwt: user pool ID %q is not {region}_{id}", cfg.UserPoolID)
		}
		region := cfg.Region
		if region == "" {
			region = m[1]
		}
		if !regionRE.MatchString(region) || region != m[1] {
			return nil, fmt.Errorf("jwt: user pool %q is not in region %q", cfg.UserPoolID, region)
		}
		issuer = CognitoIssuer(region, cfg.UserPoolID)
	}
	v, err := New(Config{
		Issuer: issuer, JWKSURL: cfg.JWKSURL, Algorithms: []string{"RS256"},
		RefreshInterval: cfg.RefreshInterval, MaxKeyAge: cfg.MaxKeyAge,
		HTTPClient: cfg.HTTPClient, Clock: cfg.Clock,
	})
	if err != nil {
		return nil, err
	}
	return &CognitoVerifier{v: v, clientIDs: slices.Clone(cfg.ClientIDs)}, nil
}

// Issuer is the pool's issuer.
func (c *CognitoVerifier) Issuer() string { return c.v.issuer }

// Verify checks token for a method whose OAuth scopes are scopes. AWS ("Integrate a REST API
// with an Amazon Cognito user pool"): without scopes "API Gateway treats the supplied token as
// an identity token"; with scopes it "treats the supplied token as an access token and
// verifies the access scopes", and the call "fails with a 401 Unauthorized response" when
// none matches. So the method's scopes decide which token_use is accepted; Cognito's
// token_use is always "id" or "access". Every error is an *Error with status 401.
func (c *CognitoVerifier) Verify(ctx context.Context, token string, scopes []string) (*Result, error) {
	res, e := c.v.verify(ctx, token)
	if e == nil {
		e = checkTimes(res.Claims, c.v.now())
	}
	if e == nil {
		e = c.checkUse(res, scopes)
	}
	if e == nil && len(scopes) > 0 && !anyScope(res.Scopes, scopes) {
		e = fail(KindScope, nil)
	}
	if e != nil {
		return nil, cognitoREST(e)
	}
	return res, nil
}

func (c *CognitoVerifier) checkUse(res *Result, scopes []string) *Error {
	use, _ := res.Claims["token_use"].(string)
	want, clientClaim := "id", "aud"
	if len(scopes) > 0 {
		want, clientClaim = "access", "client_id"
	}
	if use != want {
		return fail(KindTokenUse, nil)
	}
	if len(c.clientIDs) == 0 {
		return nil
	}
	id, _ := res.Claims[clientClaim].(string)
	if !slices.Contains(c.clientIDs, id) {
		return fail(KindAudience, nil)
	}
	return nil
}
