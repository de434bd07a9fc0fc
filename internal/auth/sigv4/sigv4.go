// Package sigv4 verifies AWS Signature Version 4 on incoming requests, as API Gateway does for
// methods whose authorization type is AWS_IAM (service "execute-api"): the Authorization
// header form and the presigned query-string form. Failures are *Error values carrying API
// Gateway's gateway response type, status, x-amzn-ErrorType and message. It imports the
// standard library only; the tests check it against aws-sdk-go-v2's signer and the public
// SigV4 test suite (testdata/SOURCES.md).
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

const (
	// Algorithm is the only signing algorithm API Gateway accepts for SigV4.
	Algorithm = "AWS4-HMAC-SHA256"
	// DefaultService is API Gateway's signing name.
	DefaultService = "execute-api"
	// DefaultMaxSkew is how far a signature's date may be from the clock: the "(... - 5 min.)"
	// of API Gateway's "Signature expired" messages.
	DefaultMaxSkew = 5 * time.Minute
	// MaxPresignExpiry is the longest X-Amz-Expires SigV4 allows (7 days).
	MaxPresignExpiry = 7 * 24 * time.Hour
	// UnsignedPayload is the x-amz-content-sha256 value of a request whose body is not signed.
	UnsignedPayload = "UNSIGNED-PAYLOAD"
)

// Credentials are what a CredentialLookup knows about an access key.
type Credentials struct {
	SecretAccessKey string
	// PrincipalARN is the caller ($context.identity.userArn), e.g.
	// arn:aws:iam::123456789012:user/alice or arn:aws:sts::123456789012:assumed-role/r/s.
	PrincipalARN string
	// AccountID is $context.identity.accountId; empty means the account of PrincipalARN.
	AccountID string
	// PrincipalID is $context.identity.user / caller (e.g. AIDA... or AROA...:session).
	PrincipalID string
}

// CredentialLookup resolves access keys. sessionToken is the request's X-Amz-Security-Token
// ("" when it has none); implementations backed by temporary credentials check it and return
// ErrInvalidToken or ErrExpiredToken. Return ErrUnknownAccessKey for keys they do not know;
// any other error is treated as an internal failure (500), not as a client error.
type CredentialLookup interface {
	LookupCredentials(ctx context.Context, accessKeyID, sessionToken string) (Credentials, error)
}

// CredentialLookupFunc adapts a function to CredentialLookup.
type CredentialLookupFunc func(ctx context.Context, accessKeyID, sessionToken string) (Credentials, error)

func (f CredentialLookupFunc) LookupCredentials(ctx context.Context, accessKeyID, sessionToken string) (Credentials, error) {
	return f(ctx, accessKeyID, sessionToken)
}

// Errors a CredentialLookup returns (possibly wrapped).
var (
	ErrUnknownAccessKey = errors.New("sigv4: unknown access key id")
	ErrInvalidToken     = errors.New("sigv4: invalid security token")
	ErrExpiredToken     = errors.New("sigv4: expired security token")
)

// Options configure Verify. The zero value verifies execute-api signatures for any region
// against the system clock.
type Options struct {
	// Region the credential scope must name; "" accepts any region (a local gateway may not
	// know which region its clients sign for).
	Region string
	// Service the credential scope must name; "" means DefaultService.
	Service string
	// Now is the clock; nil means time.Now. Tests and replays inject a fixed one.
	Now func() time.Time
	// MaxSkew is how far the signing time may be from Now; <= 0 means DefaultMaxSkew.
	MaxSkew time.Duration
	// AllowUnsignedPayload accepts x-amz-content-sha256: UNSIGNED-PAYLOAD (and presigned
	// requests signed with it). API Gateway itself always hashes the body
	// (aws/aws-sdk-js-v3#308 got a mismatch with UNSIGNED-PAYLOAD), hence off by default.
	AllowUnsignedPayload bool
	// AcceptNormalizedPath also accepts signatures computed over the path with "." and ".."
	// and empty segments removed, as botocore, the JavaScript SDK and the SigV4 test suite's
	// "-normalized" cases sign. Off by default: AWS and aws-sdk-go-v2 sign the path as sent,
	// and a normalized signature would let /a/x/../b replay a signature made for /a/b unless
	// routing normalizes identically.
	AcceptNormalizedPath bool
}

// Identity is a verified caller.
type Identity struct {
	AccessKeyID  string
	PrincipalARN string
	AccountID    string
	PrincipalID  string
	// SessionToken reports whether the request carried X-Amz-Security-Token.
	SessionToken bool
	Region       string
	Service      string
	SignedAt     time.Time
	Presigned    bool
	// SignedHeaders are the lower-cased names the signature covers.
	SignedHeaders   []string
	UnsignedPayload bool
}

// sigInput is what either form of signature supplies.
type sigInput struct {
	algorithm, credential, signedHeaders, signature string
	date                                            time.Time
	token                                           string
	presigned                                       bool
	expires                                         time.Duration // presigned only; 0 when absent
}

// Verify checks the SigV4 signature of r. body is the request body the edge has already read
// (nil for none); r.Body is not touched. The checks run in the order AWS's front end runs
// them, so the first failure is the one AWS would report: both forms present, no signature,
// malformed header or query, date format, clock skew or expiry, host not signed, algorithm,
// credential shape, credential scope, unknown key, signature.
func Verify(r *http.Request, body []byte, creds CredentialLookup, opts Options) (*Identity, error) {
	service := opts.Service
	if service == "" {
		service = DefaultService
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	skew := opts.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}

	rawPath, rawQuery := requestTarget(r)
	q := parseQuery(rawQuery)
	_, hasAuth := r.Header["Authorization"]
	presigned := q.has(paramAlgorithm)
	var in *sigInput
	var ierr *Error
	switch {
	case hasAuth && presigned:
		return nil, errInvalid("Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	case hasAuth:
		in, ierr = headerInput(r)
	case presigned:
		in, ierr = queryInput(q, r)
	default:
		return nil, errMissingToken()
	}
	if ierr != nil {
		return nil, ierr
	}

	t := now().UTC()
	if in.date.After(t.Add(skew)) {
		return nil, errNotYetCurrent(in.date, t, skew)
	}
	window := skew
	if in.presigned && in.expires > 0 {
		window = in.expires
	}
	if in.date.Before(t.Add(-window)) {
		return nil, errExpired(in.date, t, window)
	}
	names := signedHeaderNames(in.signedHeaders)
	if !slices.Contains(names, "host") {
		return nil, errInvalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if in.algorithm != Algorithm {
		return nil, errIncomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s' (only AWS4-HMAC-SHA256 for now). ", in.algorithm))
	}
	scope, serr := parseCredential(in.credential)
	if serr != nil {
		return nil, serr
	}
	stamp := in.date.Format(amzDateFormat)
	if serr := checkScope(scope, opts.Region, service, stamp); serr != nil {
		return nil, serr
	}

	c, err := creds.LookupCredentials(r.Context(), scope.AccessKeyID, in.token)
	switch {
	case err == nil:
	case errors.Is(err, ErrUnknownAccessKey), errors.Is(err, ErrInvalidToken):
		return nil, errUnrecognizedClient(err)
	case errors.Is(err, ErrExpiredToken):
		return nil, errExpiredToken(err)
	default:
		return nil, errInternal(err)
	}

	// Candidate readings of the request; the first is the one AWS reports on a mismatch.
	paths := []string{canonicalURI(rawPath)}
	if opts.AcceptNormalizedPath {
		if n := canonicalURI(normalizePath(rawPath)); n != paths[0] {
			paths = append(paths, n)
		}
	}
	payloads := payloadHashes(r, body, in.presigned, opts.AllowUnsignedPayload)
	skip := ""
	if in.presigned {
		skip = paramSignature
	}
	query := canonicalQuery(q, skip)
	headers := canonicalHeaders(r, names)
	key := signingKey(c.SecretAccessKey, scope)

	var firstCanonical, firstSTS string
	for _, path := range paths {
		for _, payload := range payloads {
			canonical := r.Method + "\n" + path + "\n" + query + "\n" + headers + "\n" + in.signedHeaders + "\n" + payload
			sum := sha256.Sum256([]byte(canonical))
			sts := Algorithm + "\n" + stamp + "\n" + scope.String() + "\n" + hex.EncodeToString(sum[:])
			expected := hex.EncodeToString(hmacSHA256(key, []byte(sts)))
			if hmac.Equal([]byte(expected), []byte(in.signature)) {
				account := c.AccountID
				if account == "" {
					account = accountOf(c.PrincipalARN)
				}
				return &Identity{
					AccessKeyID: scope.AccessKeyID, PrincipalARN: c.PrincipalARN, AccountID: account,
					PrincipalID: c.PrincipalID, SessionToken: in.token != "", Region: scope.Region,
					Service: scope.Service, SignedAt: in.date, Presigned: in.presigned,
					SignedHeaders: names, UnsignedPayload: payload == UnsignedPayload,
				}, nil
			}
			if firstCanonical == "" {
				firstCanonical, firstSTS = canonical, sts
			}
		}
	}
	return nil, errMismatch(firstCanonical, firstSTS)
}

// headerInput reads the Authorization header form.
func headerInput(r *http.Request) (*sigInput, *Error) {
	header := r.Header.Get("Authorization")
	a, err := ParseAuthorization(header)
	if err != nil {
		return nil, AsError(err)
	}
	dateValue, amz := r.Header.Get("X-Amz-Date"), true
	if dateValue == "" {
		dateValue, amz = r.Header.Get("Date"), false
	}
	if msg := missingParamsMessage(&a, dateValue != "", header); msg != "" {
		return nil, errIncomplete(msg)
	}
	date, derr := parseSigningDate(dateValue, amz)
	if derr != nil {
		return nil, derr
	}
	return &sigInput{
		algorithm: a.Algorithm, credential: a.Credential, signedHeaders: a.SignedHeaders, signature: a.Signature,
		date: date, token: r.Header.Get("X-Amz-Security-Token"),
	}, nil
}

// queryInput reads the presigned form.
func queryInput(q queryParams, r *http.Request) (*sigInput, *Error) {
	if msg := missingQueryParams(q); msg != "" {
		return nil, errIncomplete(msg)
	}
	in := &sigInput{
		algorithm: q.get(paramAlgorithm), credential: q.get(paramCredential), signedHeaders: q.get(paramSignedHeaders),
		signature: q.get(paramSignature), token: q.get(paramSecurityToken), presigned: true,
	}
	if in.token == "" {
		in.token = r.Header.Get("X-Amz-Security-Token")
	}
	// X-Amz-Expires is optional for services other than S3; without it the signing date must
	// be within the usual skew. Its messages are S3's (no API Gateway capture exists).
	if q.has(paramExpires) {
		n, err := strconv.ParseInt(q.get(paramExpires), 10, 64)
		switch {
		case err != nil:
			return nil, errIncomplete("X-Amz-Expires should be a number")
		case n < 0:
			return nil, errIncomplete("X-Amz-Expires must be non-negative")
		case time.Duration(n)*time.Second > MaxPresignExpiry:
			return nil, errIncomplete("X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		in.expires = time.Duration(n) * time.Second
	}
	date, derr := parseSigningDate(q.get(paramDate), true)
	if derr != nil {
		return nil, derr
	}
	in.date = date
	return in, nil
}

// parseSigningDate parses X-Amz-Date (ISO 8601 basic, UTC) or, when the request has none,
// the HTTP Date header.
func parseSigningDate(v string, amz bool) (time.Time, *Error) {
	var t time.Time
	var err error
	if amz {
		t, err = time.Parse(amzDateFormat, v)
	} else {
		t, err = http.ParseTime(v)
	}
	if err != nil {
		return time.Time{}, errBadDate(v)
	}
	return t.UTC(), nil
}

// payloadHashes returns the payload hashes to try. The body's own hash always comes first:
// the client's x-amz-content-sha256, when signed, must agree with it, and a lying header
// surfaces as a signature mismatch showing the real hash.
func payloadHashes(r *http.Request, body []byte, presigned, allowUnsigned bool) []string {
	sum := sha256.Sum256(body)
	computed := hex.EncodeToString(sum[:])
	if !allowUnsigned {
		return []string{computed}
	}
	if r.Header.Get("X-Amz-Content-Sha256") == UnsignedPayload {
		return []string{UnsignedPayload}
	}
	if presigned {
		// A presigned URL cannot say which it used; S3-style presigners sign UNSIGNED-PAYLOAD.
		return []string{computed, UnsignedPayload}
	}
	return []string{computed}
}

// signingKey derives kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
func signingKey(secret string, s Scope) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(s.Date))
	k = hmacSHA256(k, []byte(s.Region))
	k = hmacSHA256(k, []byte(s.Service))
	return hmacSHA256(k, []byte("aws4_request"))
}

func hmacSHA256(key, data []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(data)
	return h.Sum(nil)
}

// accountOf returns the account id field of an ARN, or "".
func accountOf(arn string) string {
	n := 0
	start := -1
	for i := 0; i < len(arn); i++ {
		if arn[i] != ':' {
			continue
		}
		n++
		switch n {
		case 4:
			start = i + 1
		case 5:
			return arn[start:i]
		}
	}
	return ""
}
