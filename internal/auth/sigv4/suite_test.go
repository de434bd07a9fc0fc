package sigv4

import (
	"bytes"
	"context"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The aws-signing-test-suite context shared by every vector used here (see
// testdata/SOURCES.md): its context.json files name these credentials, region, service and
// timestamp; the session-token vectors add a token.
const (
	suiteKeyID  = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	suiteRegion = "us-east-1"
	suiteSvc    = "service"
)

var suiteTime = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// parseVectorRequest reads a request in the suite's text format. The request target is kept
// byte for byte as RequestURI, as a server would receive it (some vectors put a space or raw
// UTF-8 in it, which no client could send but which pins the encoding rules).
func parseVectorRequest(t testing.TB, data []byte) (*http.Request, []byte) {
	t.Helper()
	head, body, _ := bytes.Cut(data, []byte("\n\n"))
	lines := strings.Split(string(head), "\n")
	first := lines[0]
	sp1, sp2 := strings.IndexByte(first, ' '), strings.LastIndexByte(first, ' ')
	if sp1 < 0 || sp2 <= sp1 {
		t.Fatalf("bad request line %q", first)
	}
	r := &http.Request{
		Method:     first[:sp1],
		RequestURI: first[sp1+1 : sp2],
		Proto:      first[sp2+1:],
		Header:     http.Header{},
	}
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		r.URL = u
	} else {
		r.URL = &url.URL{}
	}
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("bad header line %q", l)
		}
		if strings.EqualFold(name, "Host") {
			r.Host = value
			continue
		}
		r.Header.Add(textproto.CanonicalMIMEHeaderKey(name), value)
	}
	if cl := r.Header.Get("Content-Length"); cl != "" {
		r.ContentLength, _ = strconv.ParseInt(cl, 10, 64)
	}
	return r, body
}

// suiteLookup knows the suite's key and accepts any session token, reporting what it saw.
type suiteLookup struct{ token string }

func (l *suiteLookup) LookupCredentials(_ context.Context, id, token string) (Credentials, error) {
	l.token = token
	if id != suiteKeyID {
		return Credentials{}, ErrUnknownAccessKey
	}
	return Credentials{SecretAccessKey: suiteSecret, PrincipalARN: "arn:aws:iam::123456789012:user/example"}, nil
}

func suiteOptions(normalize bool) Options {
	return Options{Region: suiteRegion, Service: suiteSvc, Now: func() time.Time { return suiteTime }, AcceptNormalizedPath: normalize}
}

// TestSigningSuite verifies every signed request of the vendored vectors. Vectors named
// "-normalized" were signed over the normalized path and need AcceptNormalizedPath;
// "-unnormalized" ones over the path as sent, which is the default reading.
func TestSigningSuite(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "aws-signing-test-suite", "v4", "*", "*-signed-request.txt"))
	if err != nil || len(files) < 30 {
		t.Fatalf("found %d vectors (%v)", len(files), err)
	}
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file)) + "/" + strings.TrimSuffix(filepath.Base(file), "-signed-request.txt")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, body := parseVectorRequest(t, data)
			normalized := strings.HasSuffix(filepath.Base(filepath.Dir(file)), "-normalized")
			lookup := &suiteLookup{}
			id, err := Verify(r, body, lookup, suiteOptions(normalized))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if id.AccessKeyID != suiteKeyID || id.AccountID != "123456789012" || !id.SignedAt.Equal(suiteTime) {
				t.Errorf("identity %+v", id)
			}
			if id.Presigned != strings.HasPrefix(filepath.Base(file), "query") {
				t.Errorf("Presigned = %v", id.Presigned)
			}
			if tok := r.Header.Get("X-Amz-Security-Token") + r.URL.Query().Get("X-Amz-Security-Token"); tok != "" && !strings.Contains(tok, lookup.token) {
				t.Errorf("lookup saw token %q", lookup.token)
			}

			// The default (as-sent) reading must reject a normalized-path signature whenever
			// normalizing changes the path.
			path, _ := requestTarget(r)
			if normalized && normalizePath(path) != path {
				if _, err := Verify(r, body, &suiteLookup{}, suiteOptions(false)); AsError(err) == nil || AsError(err).ErrorType != InvalidSignatureException {
					t.Errorf("verified without AcceptNormalizedPath: %v", err)
				}
			}
		})
	}
}
