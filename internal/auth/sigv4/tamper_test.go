package sigv4

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// wantError checks the type and the exact message of a failure, and the rendering fields
// that go with the type.
func wantError(t *testing.T, r *http.Request, body []byte, opts Options, errorType, message string) *Error {
	t.Helper()
	id, err := Verify(r, body, testLookup, opts)
	if err == nil {
		t.Fatalf("Verify succeeded: %+v", id)
	}
	e := AsError(err)
	if e == nil {
		t.Fatalf("error %T %v is not an *Error", err, err)
	}
	if e.ErrorType != errorType {
		t.Errorf("ErrorType = %s, want %s (message %q)", e.ErrorType, errorType, e.Message)
	}
	if message != "" && e.Message != message {
		t.Errorf("message\n%q\nwant\n%q", e.Message, message)
	}
	wantResponse := map[string]struct {
		response string
		status   int
	}{
		MissingAuthenticationTokenException: {ResponseMissingAuthenticationToken, 403},
		IncompleteSignatureException:        {ResponseDefault4XX, 403},
		InvalidSignatureException:           {ResponseInvalidSignature, 403},
		UnrecognizedClientException:         {ResponseDefault4XX, 403},
		ExpiredTokenException:               {ResponseExpiredToken, 403},
		InternalServerErrorException:        {ResponseDefault5XX, 500},
	}[errorType]
	if e.Response != wantResponse.response || e.Status != wantResponse.status {
		t.Errorf("Response, Status = %s, %d, want %s, %d", e.Response, e.Status, wantResponse.response, wantResponse.status)
	}
	return e
}

func wantMismatch(t *testing.T, r *http.Request, body []byte, opts Options) *Error {
	t.Helper()
	e := wantError(t, r, body, opts, InvalidSignatureException, "")
	if !strings.HasPrefix(e.Message, msgSignatureMismatch+"\n\nThe Canonical String for this request should have been\n'") ||
		!strings.Contains(e.Message, "'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n") || !strings.HasSuffix(e.Message, "'\n") {
		t.Errorf("mismatch message %q", e.Message)
	}
	return e
}

func TestTampering(t *testing.T) {
	body := []byte(`{"a":1}`)
	fresh := func(t *testing.T) *http.Request {
		return signed(t, "POST", "/prod/pets?x=1", body, http.Header{"X-Custom": {"v"}, "Content-Type": {"application/json"}})
	}
	opts := testOptions()
	tests := []struct {
		name   string
		change func(r *http.Request) (*http.Request, []byte)
		// want is a substring of the canonical string AWS would report, proving which part
		// of the request the verifier noticed.
		want string
	}{
		{"signed header value", func(r *http.Request) (*http.Request, []byte) { r.Header.Set("X-Custom", "w"); return r, body }, "\nx-custom:w\n"},
		{"signed header removed", func(r *http.Request) (*http.Request, []byte) { r.Header.Del("Content-Type"); return r, body }, "\ncontent-type:\n"},
		{"query value", func(r *http.Request) (*http.Request, []byte) { return retarget(r, "/prod/pets?x=2"), body }, "\nx=2\n"},
		{"query added", func(r *http.Request) (*http.Request, []byte) { return retarget(r, "/prod/pets?x=1&y=1"), body }, "\nx=1&y=1\n"},
		{"path", func(r *http.Request) (*http.Request, []byte) { return retarget(r, "/prod/pets/?x=1"), body }, "\n/prod/pets/\n"},
		{"path case", func(r *http.Request) (*http.Request, []byte) { return retarget(r, "/prod/Pets?x=1"), body }, "\n/prod/Pets\n"},
		{"path encoding", func(r *http.Request) (*http.Request, []byte) { return retarget(r, "/prod/p%65ts?x=1"), body }, "\n/prod/p%2565ts\n"},
		{"body", func(r *http.Request) (*http.Request, []byte) { return r, []byte(`{"a":2}`) }, payloadHash([]byte(`{"a":2}`))},
		{"method", func(r *http.Request) (*http.Request, []byte) { r.Method = "PUT"; return r, body }, "PUT\n/prod/pets\n"},
		{"host", func(r *http.Request) (*http.Request, []byte) { r.Host = "evil.example"; return r, body }, "\nhost:evil.example\n"},
		{"date within skew", func(r *http.Request) (*http.Request, []byte) {
			r.Header.Set("X-Amz-Date", testNow.Add(-20*time.Second).Format(amzDateFormat))
			return r, body
		}, "\nx-amz-date:20260501T115940Z\n"},
		{"signature in upper case", func(r *http.Request) (*http.Request, []byte) {
			return resign(r, strings.ToUpper(sigOf(r))), body
		}, "POST\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, b := tt.change(fresh(t))
			e := wantMismatch(t, r, b, opts)
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("canonical string lacks %q:\n%s", tt.want, e.Message)
			}
		})
	}
	// Headers outside the signature may change freely.
	r := fresh(t)
	r.Header.Set("User-Agent", "changed")
	r.Header.Set("X-Unsigned", "added")
	if _, err := Verify(r, body, testLookup, opts); err != nil {
		t.Errorf("unsigned header change rejected: %v", err)
	}
}

// retarget moves the request to another request-target, keeping its headers.
func retarget(r *http.Request, target string) *http.Request {
	n := newRequest(r.Method, target, nil)
	n.Header = r.Header
	n.Host = r.Host
	return n
}

func sigOf(r *http.Request) string {
	h := r.Header.Get("Authorization")
	return h[strings.LastIndex(h, "Signature=")+len("Signature="):]
}

// resign replaces the signature of the Authorization header.
func resign(r *http.Request, sig string) *http.Request {
	h := r.Header.Get("Authorization")
	r.Header.Set("Authorization", h[:strings.LastIndex(h, "Signature=")+len("Signature=")]+sig)
	return r
}

func TestClockSkew(t *testing.T) {
	r := newRequest("GET", "/prod/", nil)
	sign(t, r, nil, longTerm, testRegion, DefaultService, testNow.Add(-5*time.Minute-time.Second))
	// The format of API Gateway's message: "Signature expired: 20170517T062414Z is now
	// earlier than 20170517T062840Z (20170517T063340Z - 5 min.)".
	wantError(t, r, nil, testOptions(), InvalidSignatureException,
		"Signature expired: 20260501T115459Z is now earlier than 20260501T115500Z (20260501T120000Z - 5 min.)")

	r = newRequest("GET", "/prod/", nil)
	sign(t, r, nil, longTerm, testRegion, DefaultService, testNow.Add(5*time.Minute+time.Second))
	wantError(t, r, nil, testOptions(), InvalidSignatureException,
		"Signature not yet current: 20260501T120501Z is still later than 20260501T120500Z (20260501T120000Z + 5 min.)")

	// Exactly at the limits is accepted; the limit is configurable.
	for _, at := range []time.Duration{-5 * time.Minute, 5 * time.Minute} {
		r = newRequest("GET", "/prod/", nil)
		sign(t, r, nil, longTerm, testRegion, DefaultService, testNow.Add(at))
		if _, err := Verify(r, nil, testLookup, testOptions()); err != nil {
			t.Errorf("signed %v from now: %v", at, err)
		}
	}
	opts := testOptions()
	opts.MaxSkew = 90 * time.Second
	r = newRequest("GET", "/prod/", nil)
	sign(t, r, nil, longTerm, testRegion, DefaultService, testNow.Add(-2*time.Minute))
	wantError(t, r, nil, opts, InvalidSignatureException,
		"Signature expired: 20260501T115800Z is now earlier than 20260501T115830Z (20260501T120000Z - 90 sec.)")
}

func TestCredentialScope(t *testing.T) {
	scoped := func(region, service string) *http.Request {
		r := newRequest("GET", "/prod/", nil)
		sign(t, r, nil, longTerm, region, service, testNow)
		return r
	}
	wantError(t, scoped("eu-west-1", DefaultService), nil, testOptions(), InvalidSignatureException,
		"Credential should be scoped to a valid region, not 'eu-west-1'. ")
	wantError(t, scoped(testRegion, "lambda"), nil, testOptions(), InvalidSignatureException,
		"Credential should be scoped to correct service: 'execute-api'. ")
	// Kong/insomnia#830: both at once, as a client signing a custom domain with defaults gets.
	wantError(t, scoped(testRegion, "es"), nil, Options{Region: "ap-northeast-1", Now: testOptions().Now}, InvalidSignatureException,
		"Credential should be scoped to a valid region, not 'us-east-1'. Credential should be scoped to correct service: 'execute-api'. ")
	// Any region when none is configured.
	if _, err := Verify(scoped("sa-east-1", DefaultService), nil, testLookup, Options{Now: testOptions().Now}); err != nil {
		t.Errorf("any region: %v", err)
	}

	r := newRequest("GET", "/prod/", nil)
	r.Header.Set("X-Amz-Date", "20260501T120000Z")
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testKeyID+"/20260430/us-east-1/execute-api/aws5_request, SignedHeaders=host;x-amz-date, Signature=00")
	wantError(t, r, nil, testOptions(), InvalidSignatureException,
		"Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "+
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260430' != '20260501', from '20260501T120000Z'. ")
}

func TestMalformed(t *testing.T) {
	header := func(auth, date string) *http.Request {
		r := newRequest("GET", "/prod/", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("X-Amz-Date", date)
		}
		return r
	}
	const cred = "Credential=" + testKeyID + "/20260501/us-east-1/execute-api/aws4_request"
	tests := []struct {
		name, auth, date, errorType, message string
	}{
		{"no signature at all", "", "", MissingAuthenticationTokenException, "Missing Authentication Token"},
		{"bearer token", "Bearer sometoken", "", IncompleteSignatureException,
			"'sometoken' not a valid key=value pair (missing equal-sign) in Authorization header: 'Bearer sometoken'."},
		{"space after Credential=", "AWS4-HMAC-SHA256 Credential= AKID/20260501/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00", "20260501T120000Z",
			IncompleteSignatureException,
			"'AKID/20260501/us-east-1/execute-api/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential= AKID/20260501/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00'."},
		{"a JWT", "eyJhbGciOiJIUzI1NiJ9.e30.x", "", IncompleteSignatureException,
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=eyJhbGciOiJIUzI1NiJ9.e30.x"},
		{"no signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host", "20260501T120000Z", IncompleteSignatureException,
			"Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host"},
		{"bad date", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=00", "2026-05-01T12:00:00Z", IncompleteSignatureException,
			"Date must be in ISO-8601 'basic format'. Got '2026-05-01T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"},
		{"host not signed", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, Signature=00", "20260501T120000Z", InvalidSignatureException,
			"'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
		{"algorithm", "AWS4-HMAC-SHA512 " + cred + ", SignedHeaders=host, Signature=00", "20260501T120000Z", IncompleteSignatureException,
			"Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). "},
		{"credential parts", "AWS4-HMAC-SHA256 Credential=AKID/20260501/us-east-1/execute-api, SignedHeaders=host, Signature=00", "20260501T120000Z",
			IncompleteSignatureException,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKID/20260501/us-east-1/execute-api'"},
		{"unknown key", "AWS4-HMAC-SHA256 Credential=AKIDUNKNOWN/20260501/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00", "20260501T120000Z",
			UnrecognizedClientException, "The security token included in the request is invalid."},
		{"lookup failure", "AWS4-HMAC-SHA256 Credential=AKIABROKENSTORE/20260501/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00", "20260501T120000Z",
			InternalServerErrorException, "Internal server error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantError(t, header(tt.auth, tt.date), nil, testOptions(), tt.errorType, tt.message)
			if tt.errorType == InternalServerErrorException && (e.Cause == nil || !strings.Contains(e.Error(), "store unavailable")) {
				t.Errorf("cause lost: %v", e)
			}
		})
	}
}

func TestSessionTokens(t *testing.T) {
	withToken := func(token string) *http.Request {
		r := newRequest("GET", "/prod/", nil)
		sign(t, r, nil, aws.Credentials{AccessKeyID: tempKeyID, SecretAccessKey: testSecret, SessionToken: token}, testRegion, DefaultService, testNow)
		return r
	}
	id, err := Verify(withToken(tempToken), nil, testLookup, testOptions())
	if err != nil || !id.SessionToken || id.PrincipalARN != "arn:aws:sts::210987654321:assumed-role/ci/run-1" {
		t.Fatalf("Verify: %v %+v", err, id)
	}
	wantError(t, withToken("forged"), nil, testOptions(), UnrecognizedClientException, "The security token included in the request is invalid.")
	wantError(t, withToken("expired"), nil, testOptions(), ExpiredTokenException, "The security token included in the request is expired")
	r := withToken(tempToken)
	r.Header.Del("X-Amz-Security-Token")
	wantError(t, r, nil, testOptions(), UnrecognizedClientException, "")
}

func TestWrongSecret(t *testing.T) {
	r := newRequest("GET", "/prod/", nil)
	sign(t, r, nil, aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: "not-the-secret"}, testRegion, DefaultService, testNow)
	e := wantMismatch(t, r, nil, testOptions())
	// The canonical string is the correct one: the client can compare it with its own.
	want := "GET\n/prod/\n\nhost:" + testHost + "\nx-amz-date:20260501T120000Z\n\nhost;x-amz-date\n" + payloadHash(nil)
	if !strings.Contains(e.Message, "'"+want+"'") {
		t.Errorf("message %q lacks canonical %q", e.Message, want)
	}
	if !strings.Contains(e.Message, "\n20260501T120000Z\n20260501/us-east-1/execute-api/aws4_request\n") {
		t.Errorf("message lacks the string to sign: %q", e.Message)
	}
}
