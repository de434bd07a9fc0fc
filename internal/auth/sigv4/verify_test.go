package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testKeyID   = "AKIAIOSFODNN7EXAMPLE"
	testSecret  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	testRegion  = "us-east-1"
	testHost    = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
	testUserARN = "arn:aws:iam::123456789012:user/alice"
	tempKeyID   = "ASIAIOSFODNN7EXAMPLE"
	tempToken   = "FQoGZXIvYXdzEXAMPLETOKEN/+="
)

var testNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// testLookup knows one long-term key and one temporary key with its session token.
var testLookup = CredentialLookupFunc(func(_ context.Context, id, token string) (Credentials, error) {
	switch id {
	case testKeyID:
		return Credentials{SecretAccessKey: testSecret, PrincipalARN: testUserARN, PrincipalID: "AIDAEXAMPLE"}, nil
	case tempKeyID:
		switch token {
		case tempToken:
			return Credentials{SecretAccessKey: testSecret, PrincipalARN: "arn:aws:sts::210987654321:assumed-role/ci/run-1"}, nil
		case "expired":
			return Credentials{}, ErrExpiredToken
		}
		return Credentials{}, ErrInvalidToken
	case "AKIABROKENSTORE":
		return Credentials{}, errors.New("store unavailable")
	}
	return Credentials{}, ErrUnknownAccessKey
})

func testOptions() Options {
	return Options{Region: testRegion, Now: func() time.Time { return testNow }}
}

func payloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// newRequest builds a request as Go's server would hand it over: target as RequestURI.
func newRequest(method, target string, body []byte) *http.Request {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	r.Host = testHost
	return r
}

// sign signs r with aws-sdk-go-v2's signer, as an execute-api client does.
func sign(t testing.TB, r *http.Request, body []byte, creds aws.Credentials, region, service string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, payloadHash(body), service, region, at); err != nil {
		t.Fatal(err)
	}
}

var longTerm = aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: testSecret}

// signed returns a freshly SDK-signed request for the common case.
func signed(t testing.TB, method, target string, body []byte, header http.Header) *http.Request {
	t.Helper()
	r := newRequest(method, target, body)
	for k, vs := range header {
		r.Header[k] = vs
	}
	sign(t, r, body, longTerm, testRegion, DefaultService, testNow.Add(-30*time.Second))
	return r
}

func TestVerifySDKSignedRequests(t *testing.T) {
	tests := []struct {
		name, method, target string
		body                 []byte
		header               http.Header
	}{
		{"root", "GET", "/prod", nil, nil},
		{"root slash", "GET", "/prod/", nil, nil},
		{"path and query", "GET", "/prod/pets/42?limit=10&sort=desc", nil, nil},
		{"repeated and empty query values", "GET", "/prod/pets?tag=b&tag=a&empty=&flag", nil, nil},
		{"reserved characters in the query", "GET", "/prod/search?q=a+b&star=*&plus=%2B&slash=a%2Fb&sp=%20&u=%E2%9C%93", nil, nil},
		{"percent-encoded path", "GET", "/prod/a%20b/Citro%C3%ABn/%2A", nil, nil},
		{"sub-delims in the path", "GET", "/prod/@connections/a0abIc59PHcCJQQ=", nil, nil},
		{"post with body and headers", "POST", "/prod/pets", []byte(`{"name":"rex"}`), http.Header{
			"Content-Type": {"application/json"}, "X-Custom": {"  a   b  "}, "X-Multi": {"1", "2"},
		}},
		{"put empty body", "PUT", "/prod/pets/1", []byte{}, nil},
		{"any method", "PATCH", "/prod/x", []byte("p"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signed(t, tt.method, tt.target, tt.body, tt.header)
			id, err := Verify(r, tt.body, testLookup, testOptions())
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if id.AccessKeyID != testKeyID || id.PrincipalARN != testUserARN || id.AccountID != "123456789012" ||
				id.PrincipalID != "AIDAEXAMPLE" || id.Region != testRegion || id.Service != DefaultService ||
				!id.SignedAt.Equal(testNow.Add(-30*time.Second)) || id.Presigned || id.SessionToken || id.UnsignedPayload {
				t.Errorf("identity %+v", id)
			}
		})
	}
}

// TestVerifyOverTheWire sends SDK-signed and SDK-presigned requests through a real server, so
// the path and query are the bytes Go's client put on the wire.
func TestVerifyOverTheWire(t *testing.T) {
	var gotErr error
	var gotID *Identity
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		gotID, gotErr = Verify(r, body, testLookup, Options{Now: func() time.Time { return testNow }})
	}))
	defer srv.Close()
	client := srv.Client()
	targets := []string{"/prod/", "/prod/a%20b/Citro%C3%ABn?q=x+y&z=%2A&z=1", "/prod/c:d/e;f,g?%24filter=id%20eq%20123"}
	for _, target := range targets {
		for _, presign := range []bool{false, true} {
			body := []byte("payload")
			r, err := http.NewRequest("POST", srv.URL+target, bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if presign {
				q := r.URL.Query()
				q.Set("X-Amz-Expires", "300")
				r.URL.RawQuery = q.Encode()
				u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), longTerm, r, payloadHash(body), DefaultService, "eu-west-3", testNow)
				if err != nil {
					t.Fatal(err)
				}
				if r, err = http.NewRequest("POST", u, bytes.NewReader(body)); err != nil {
					t.Fatal(err)
				}
				for k, vs := range hdr {
					if k != "Host" {
						r.Header[k] = vs
					}
				}
			} else {
				sign(t, r, body, longTerm, "eu-west-3", DefaultService, testNow)
			}
			resp, err := client.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if gotErr != nil {
				t.Errorf("%s presigned=%v: %v", target, presign, gotErr)
			} else if gotID.Presigned != presign || gotID.Region != "eu-west-3" {
				t.Errorf("%s: identity %+v", target, gotID)
			}
		}
	}
}

func TestVerifyPresigned(t *testing.T) {
	presign := func(t *testing.T, target string, expires string, creds aws.Credentials, at time.Time) *http.Request {
		t.Helper()
		r := newRequest("GET", target, nil)
		if expires != "" {
			q := r.URL.Query()
			q.Set("X-Amz-Expires", expires)
			r.URL.RawQuery = q.Encode()
		}
		u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, payloadHash(nil), DefaultService, testRegion, at)
		if err != nil {
			t.Fatal(err)
		}
		out := newRequest("GET", strings.TrimPrefix(u, "https://"+testHost), nil)
		for k, vs := range hdr {
			if k != "Host" {
				out.Header[k] = vs
			}
		}
		return out
	}
	t.Run("valid", func(t *testing.T) {
		r := presign(t, "https://"+testHost+"/prod/pets?x=1", "3600", longTerm, testNow.Add(-50*time.Minute))
		id, err := Verify(r, nil, testLookup, testOptions())
		if err != nil || !id.Presigned {
			t.Fatalf("Verify: %v %+v", err, id)
		}
	})
	t.Run("session token in the query", func(t *testing.T) {
		creds := aws.Credentials{AccessKeyID: tempKeyID, SecretAccessKey: testSecret, SessionToken: tempToken}
		r := presign(t, "https://"+testHost+"/prod/pets", "", creds, testNow)
		id, err := Verify(r, nil, testLookup, testOptions())
		if err != nil || !id.SessionToken || id.AccountID != "210987654321" {
			t.Fatalf("Verify: %v %+v", err, id)
		}
	})
	t.Run("expired", func(t *testing.T) {
		r := presign(t, "https://"+testHost+"/prod/pets", "60", longTerm, testNow.Add(-61*time.Second))
		wantError(t, r, nil, testOptions(), InvalidSignatureException,
			"Signature expired: 20260501T115859Z is now earlier than 20260501T115900Z (20260501T120000Z - 1 min.)")
	})
	t.Run("expires longer than a week", func(t *testing.T) {
		r := presign(t, "https://"+testHost+"/prod/pets", "604801", longTerm, testNow)
		wantError(t, r, nil, testOptions(), IncompleteSignatureException, "X-Amz-Expires must be less than a week (in seconds) that is 604800")
	})
	t.Run("expires not a number", func(t *testing.T) {
		r := presign(t, "https://"+testHost+"/prod/pets", "soon", longTerm, testNow)
		wantError(t, r, nil, testOptions(), IncompleteSignatureException, "X-Amz-Expires should be a number")
	})
	t.Run("tampered query", func(t *testing.T) {
		r := presign(t, "https://"+testHost+"/prod/pets?x=1", "60", longTerm, testNow)
		r2 := newRequest("GET", strings.Replace(r.RequestURI, "x=1", "x=2", 1), nil)
		wantMismatch(t, r2, nil, testOptions())
	})
	t.Run("missing parameters", func(t *testing.T) {
		r := newRequest("GET", "/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20260501T120000Z", nil)
		wantError(t, r, nil, testOptions(), IncompleteSignatureException,
			"AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. "+
				"AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.")
	})
	t.Run("both forms", func(t *testing.T) {
		r := signed(t, "GET", "/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256", nil, nil)
		wantError(t, r, nil, testOptions(), InvalidSignatureException,
			"Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.")
	})
}

func TestUnsignedPayload(t *testing.T) {
	body := []byte("data")
	r := newRequest("POST", "/prod/upload", body)
	r.Header.Set("X-Amz-Content-Sha256", UnsignedPayload)
	if err := v4.NewSigner().SignHTTP(context.Background(), longTerm, r, UnsignedPayload, DefaultService, testRegion, testNow); err != nil {
		t.Fatal(err)
	}
	// API Gateway hashes the body regardless, so by default this is a mismatch.
	wantMismatch(t, r, body, testOptions())
	opts := testOptions()
	opts.AllowUnsignedPayload = true
	id, err := Verify(r, body, testLookup, opts)
	if err != nil || !id.UnsignedPayload {
		t.Fatalf("Verify: %v %+v", err, id)
	}
}
