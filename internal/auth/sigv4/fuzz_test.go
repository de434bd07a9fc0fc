package sigv4

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseAuthorization: parsing never panics, a failure is always an
// IncompleteSignatureException quoting the header, and a parsed field never contains a
// separator. Seeds: the Authorization headers of the vendored suite, the shapes API Gateway
// error reports show, and testdata/fuzz/FuzzParseAuthorization.
func FuzzParseAuthorization(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "aws-signing-test-suite", "v4", "*", "header-signed-request.txt"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for l := range strings.SplitSeq(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "Authorization:"); ok {
				f.Add(v)
			}
		}
	}
	for _, s := range []string{"", " ", "Bearer sometoken", "Basic dXNlcjpwYXNz", "AWS4-HMAC-SHA256",
		"AWS4-HMAC-SHA256 Credential= AKID/20150830/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00",
		"AWS4-HMAC-SHA256 Credential=a=b=c,,, ,Signature=,SignedHeaders=;;", "AWS4-HMAC-SHA256\tCredential=x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		a, err := ParseAuthorization(header)
		if err != nil {
			e := AsError(err)
			if e == nil || e.ErrorType != IncompleteSignatureException || !strings.HasSuffix(e.Message, "'"+header+"'.") {
				t.Fatalf("error %v", err)
			}
			return
		}
		for _, v := range []string{a.Credential, a.SignedHeaders, a.Signature} {
			if strings.ContainsAny(v, ", ") {
				t.Fatalf("field %q holds a separator (parsed %+v)", v, a)
			}
		}
		// The whole verifier must not panic on it either.
		r := newRequest("GET", "/prod/", nil)
		r.Header = http.Header{"Authorization": {header}, "X-Amz-Date": {"20260501T120000Z"}}
		if _, err := Verify(r, nil, testLookup, testOptions()); AsError(err) == nil {
			t.Fatalf("Verify accepted or failed oddly: %v", err)
		}
	})
}

// FuzzVerifyTarget: any request-target, signed or presigned or neither, is answered with an
// *Error rather than a panic, and a request the SDK signed keeps verifying whatever query
// parameters it carries.
func FuzzVerifyTarget(f *testing.F) {
	for _, s := range []string{"/", "/prod/a%20b?x=1&x=2", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1",
		"/a/../b/./c//d?%zz=%&=&&;", "/?X-Amz-Algorithm&X-Amz-Credential=a%2Fb&X-Amz-Date=x&X-Amz-SignedHeaders=host&X-Amz-Signature=0",
		"/%E1%88%B4?%E1%88%B4=%E1%88%B4+b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		r := &http.Request{Method: "GET", RequestURI: target, Host: testHost, Header: http.Header{}}
		if _, err := Verify(r, nil, testLookup, testOptions()); AsError(err) == nil {
			t.Fatalf("unsigned request: %v", err)
		}
		s := signedFromTarget(t, target)
		if s == nil {
			return
		}
		if _, err := Verify(s, nil, testLookup, testOptions()); err != nil {
			t.Fatalf("SDK-signed %q (sent as %q): %v", target, s.RequestURI, err)
		}
	})
}

// signedFromTarget signs a request for target with the SDK and returns it as a server would
// receive it, or nil when Go cannot build a client request for the target.
func signedFromTarget(t *testing.T, target string) *http.Request {
	c, err := http.NewRequest("GET", "https://"+testHost+target, nil)
	if err != nil || c.URL.Host != testHost {
		return nil
	}
	q := c.URL.Query()
	if q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Signature") {
		return nil // the SDK would sign a request that claims to be presigned; AWS rejects it too
	}
	sign(t, c, nil, longTerm, testRegion, DefaultService, testNow)
	s := &http.Request{Method: "GET", RequestURI: c.URL.RequestURI(), Host: testHost, Header: c.Header}
	return s
}
